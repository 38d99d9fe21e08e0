"""Render Podium's deploy templates: every ``@NAME@`` placeholder replaced by its value.

    python3 deploy/render.py OUT_DIR [NAME=VALUE ...]

writes deploy/nginx/*, deploy/systemd/*, deploy/env/* and deploy/bin/* into OUT_DIR (same layout) with
the production values below, each overridable on the command line, e.g.
``SERVER_NAME=news.example.org``. ``make scaleout`` and the tests render the same files
with their own ports and paths, so what runs there is what an operator installs.

Python's standard library only: it runs before the virtualenv exists. A placeholder the
values do not name, or a name no template uses, is an error, never a silent blank.
"""

import re
import shlex
import sys
from pathlib import Path

DEPLOY = Path(__file__).resolve().parent
TEMPLATE_DIRS = ("nginx", "systemd", "env", "bin")
PLACEHOLDER = re.compile(r"@([A-Z][A-Z0-9_]*)@")

# Production values (deploy/README.md). A value may use other placeholders: SITE_URL
# follows SERVER_NAME unless it is given itself.
DEFAULTS = {
    "SERVER_NAME": "podium.example",
    "SITE_URL": "https://@SERVER_NAME@",
    # nginx `listen` addresses (add e.g. "[::]:443" lines by hand for IPv6).
    "HTTP_LISTEN": "80",
    "HTTPS_LISTEN": "443",
    "SSL_CERTIFICATE": "/etc/letsencrypt/live/@SERVER_NAME@/fullchain.pem",
    "SSL_CERTIFICATE_KEY": "/etc/letsencrypt/live/@SERVER_NAME@/privkey.pem",
    # certbot's webroot (Debian's default site serves it before Podium's site is enabled).
    "ACME_ROOT": "/var/www/html",
    # Where gunicorn listens, and nginx's upstream (one `server` line per app server).
    "BIND": "127.0.0.1:8000",
    "UPSTREAM_SERVERS": "server @BIND@ max_fails=1 fail_timeout=10s;",
    "WORKERS": "3",
    "CONTROL_SOCKET": "/run/podium/gunicorn.ctl",
    "APP_DIR": "/srv/podium",
    "MEDIA_ROOT": "/srv/podium/media",
    "BACKUP_DIR": "/var/backups/podium",
    "ENV_FILE": "/etc/podium/podium.env",
    "USER": "podium",
}


class RenderError(ValueError):
    pass


def resolve(overrides=None):
    """The defaults with ``overrides`` applied, placeholders inside values filled in."""
    overrides = dict(overrides or {})
    unknown = sorted(set(overrides) - set(DEFAULTS))
    if unknown:
        raise RenderError(f"unknown placeholder(s): {', '.join(unknown)} (known: {', '.join(DEFAULTS)})")
    values = {**DEFAULTS, **overrides}
    for _ in range(len(values)):  # values referring to values: a few rounds at most
        values = {name: render(value, values, partial=True) for name, value in values.items()}
    return {name: render(value, values) for name, value in values.items()}


def render(text, values, *, partial=False):
    """``text`` with every ``@NAME@`` replaced. A multi-line value standing alone on its
    line keeps that line's indentation on each of its lines (nginx's upstream servers)."""

    def line(match):
        indent, name = match[1], match[2]
        if name not in values:
            return match[0]
        return "\n".join(indent + part for part in values[name].splitlines())

    text = re.sub(r"(?m)^([ \t]*)@([A-Z][A-Z0-9_]*)@[ \t]*$", line, text)
    text = PLACEHOLDER.sub(lambda m: values.get(m[1], m[0]), text)
    missing = sorted(set(PLACEHOLDER.findall(text)))
    if missing and not partial:
        raise RenderError(f"no value for placeholder(s): {', '.join(missing)}")
    return text


def templates():
    """Every template file, as paths relative to deploy/."""
    return sorted(
        path.relative_to(DEPLOY)
        for folder in TEMPLATE_DIRS
        for path in (DEPLOY / folder).iterdir()
        if path.is_file() and not path.name.startswith(".")
    )


def render_tree(out_dir, overrides=None):
    """Render every template into ``out_dir``; returns {relative path: written path}."""
    values = resolve(overrides)
    out_dir = Path(out_dir)
    written = {}
    for relative in templates():
        target = out_dir / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(render((DEPLOY / relative).read_text(), values))
        target.chmod((DEPLOY / relative).stat().st_mode & 0o755)  # podium-manage stays executable
        written[str(relative)] = target
    return written


def exec_start(unit_text):
    """The argument list of a rendered unit's ``ExecStart=`` (make scaleout starts gunicorn
    with exactly the service's command)."""
    lines = [line for line in unit_text.splitlines() if line.startswith("ExecStart=")]
    if len(lines) != 1:
        raise RenderError(f"expected one ExecStart= line, found {len(lines)}")
    command = lines[0].removeprefix("ExecStart=").lstrip("-@:+!")
    if "%" in command:
        raise RenderError("ExecStart uses systemd specifiers (%): cannot run it outside systemd")
    return shlex.split(command)


def nginx_main_conf(prefix, site_conf, *, http_extra=""):
    """A whole nginx.conf running the site file ``site_conf`` in the folder ``prefix`` (its
    own pid, logs and temp files, in the foreground): what Debian's /etc/nginx/nginx.conf
    gives a site, for `make scaleout` and the `nginx -t` check. ``http_extra``: more
    directives for the http block (a log format)."""
    return f"""\
# Generated by deploy/render.py around {site_conf}.
daemon off;
worker_processes 1;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
events {{ worker_connections 512; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    sendfile on;
    client_body_temp_path {prefix}/client_body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
{http_extra}
    include {site_conf};
}}
"""


def main(argv):
    if not argv or argv[0] in {"-h", "--help"}:
        print(__doc__.strip())
        print("\nPlaceholders and their production values:")
        for name, value in DEFAULTS.items():
            print(f"  {name}={value}")
        return 0 if argv else 2
    out_dir, pairs = argv[0], argv[1:]
    bad = [pair for pair in pairs if "=" not in pair]
    if bad:
        print(f"render.py: expected NAME=VALUE, got {bad[0]!r}", file=sys.stderr)
        return 2
    try:
        written = render_tree(out_dir, dict(pair.split("=", 1) for pair in pairs))
    except RenderError as error:
        print(f"render.py: {error}", file=sys.stderr)
        return 2
    for path in written.values():
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
