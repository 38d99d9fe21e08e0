"""deploy/: the files an operator installs render completely, pass `nginx -t` and
`systemd-analyze verify`, schedule every job, and the nginx site behaves as
deploy/README.md says (a real nginx in front of a stub app that echoes what it got)."""

import gzip
import http.client
import http.server
import json
import os
import re
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest
from django.core.management import get_commands

from config.static_headers import security_headers
from deploy import render

ROOT = Path(__file__).resolve().parents[2]
IN_CI = os.environ.get("CI") == "true"
NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
SYSTEMD_ANALYZE = shutil.which("systemd-analyze")
SERVER_NAME = "podium.test"
HASHED = "css/site.0123456789ab.css"

# Every scheduled job (README, "Scheduled jobs"): the command each timer's service runs.
SCHEDULED = {
    "podium-send-notifications": ["send_notifications"],
    "podium-purge-comment-data": ["purge_comment_data"],
    "podium-clearsessions": ["clearsessions"],
    "podium-axes-reset-logs": ["axes_reset_logs", "axes_reset_failure_logs"],
    "podium-backup": ["backup"],
}


def need_nginx():
    if NGINX is None:
        message = "nginx is not installed (apt-get install nginx)"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def certificate(folder):
    """A self-signed certificate for SERVER_NAME: (certificate, key)."""
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(  # noqa: S603 (fixed arguments)
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2"]  # noqa: S607
        + ["-keyout", str(key), "-out", str(cert), "-subj", f"/CN={SERVER_NAME}"]
        + ["-addext", f"subjectAltName=DNS:{SERVER_NAME}"],
        check=True,
        capture_output=True,
    )
    return cert, key


# ---------------------------------------------------------------- rendering


def test_production_render_fills_every_placeholder(tmp_path):
    written = render.render_tree(tmp_path)
    assert set(written) >= {
        "nginx/podium.conf",
        "env/podium.env",
        "systemd/podium.service",
        *(f"systemd/{name}.{kind}" for name in SCHEDULED for kind in ("service", "timer")),
    }
    for path in written.values():
        assert not render.PLACEHOLDER.search(path.read_text()), path
    site = written["nginx/podium.conf"].read_text()
    assert "server_name podium.example;" in site
    assert "return 301 https://podium.example$request_uri;" in site
    assert "    server 127.0.0.1:8000 max_fails=1 fail_timeout=10s;\n" in site
    assert "SITE_URL=https://podium.example\n" in written["env/podium.env"].read_text()
    manage = written["bin/podium-manage"]
    assert os.access(manage, os.X_OK)
    assert "--property=EnvironmentFile=/etc/podium/podium.env" in manage.read_text()
    assert subprocess.run(["sh", "-n", str(manage)], check=False).returncode == 0  # noqa: S603,S607


def test_a_value_refers_to_others_and_overrides_win(tmp_path):
    values = render.resolve({"SERVER_NAME": "news.example.org"})
    assert values["SITE_URL"] == "https://news.example.org"
    assert values["SSL_CERTIFICATE"] == "/etc/letsencrypt/live/news.example.org/fullchain.pem"
    assert render.resolve({"SITE_URL": "https://x.example:8443"})["SITE_URL"] == "https://x.example:8443"


def test_a_multi_line_value_keeps_its_placeholder_s_indentation():
    text = "upstream u {\n    @UPSTREAM_SERVERS@\n}\n"
    values = {"UPSTREAM_SERVERS": "server a;\nserver b;"}
    assert render.render(text, values) == "upstream u {\n    server a;\n    server b;\n}\n"


def test_unknown_or_missing_placeholders_are_errors_not_blanks(tmp_path):
    with pytest.raises(render.RenderError, match="unknown placeholder.*SERVR_NAME"):
        render.resolve({"SERVR_NAME": "x"})
    with pytest.raises(render.RenderError, match="no value for placeholder.*NOPE"):
        render.render("listen @NOPE@;", render.resolve())
    result = subprocess.run(  # noqa: S603 (fixed arguments)
        ["python3", str(ROOT / "deploy" / "render.py"), str(tmp_path), "PORT=1"],  # noqa: S607
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2
    assert "unknown placeholder(s): PORT" in result.stderr


def test_the_service_s_command_is_gunicorn_with_its_own_control_socket(tmp_path):
    unit = render.render_tree(tmp_path, {"BIND": "127.0.0.1:9000"})["systemd/podium.service"].read_text()
    argv = render.exec_start(unit)
    assert argv[0] == "/srv/podium/.venv/bin/gunicorn"
    assert argv[argv.index("--bind") + 1] == "127.0.0.1:9000"
    assert argv[argv.index("--control-socket") + 1] == "/run/podium/gunicorn.ctl"
    assert "ExecReload=/bin/kill -HUP $MAINPID" in unit
    for option in ("NoNewPrivileges=yes", "ProtectSystem=strict", "PrivateTmp=yes", "EnvironmentFile="):
        assert option in unit


def test_every_scheduled_job_has_a_service_and_a_timer_running_a_real_command(tmp_path):
    written = render.render_tree(tmp_path)
    commands = get_commands()
    for name, expected in SCHEDULED.items():
        service = written[f"systemd/{name}.service"].read_text()
        timer = written[f"systemd/{name}.timer"].read_text()
        ran = re.findall(r"manage\.py (\w+)", service)
        assert ran == expected, name
        assert all(command in commands for command in ran), ran
        assert "Type=oneshot" in service
        assert re.search(r"^OnCalendar=", timer, re.MULTILINE), name
        assert "WantedBy=timers.target" in timer
    mail = written["systemd/podium-send-notifications.timer"].read_text()
    assert "OnCalendar=*-*-* *:*:00" in mail  # every minute
    assert "--age 30" in written["systemd/podium-axes-reset-logs.service"].read_text()


def test_no_unit_in_deploy_is_left_out_of_the_schedule():
    units = {path.stem for path in (ROOT / "deploy" / "systemd").glob("*.timer")}
    assert units == set(SCHEDULED)


# ---------------------------------------------------------------- systemd-analyze verify


def test_systemd_analyze_verify_accepts_every_unit(tmp_path):
    if SYSTEMD_ANALYZE is None:
        pytest.skip("systemd-analyze is not installed here: the units are not verified on this machine")
    # Paths that exist here, so that verify can check the executables too.
    written = render.render_tree(
        tmp_path / "out", {"APP_DIR": str(ROOT), "MEDIA_ROOT": str(tmp_path), "BACKUP_DIR": str(tmp_path)}
    )
    units = [str(path) for key, path in written.items() if key.startswith("systemd/")]
    result = subprocess.run(  # noqa: S603 (fixed arguments)
        [SYSTEMD_ANALYZE, "verify", "--man=no", *units], capture_output=True, text=True, cwd=tmp_path
    )
    # verify exits 0 on many errors (an unknown key, a bad Type=): any message is a failure.
    assert (result.returncode, result.stdout + result.stderr) == (0, "")


# ---------------------------------------------------------------- nginx


def site_values(tmp_path, *, app_port, http_port, https_port):
    cert, key = certificate(tmp_path)
    return {
        "SERVER_NAME": SERVER_NAME,
        "SITE_URL": f"https://{SERVER_NAME}:{https_port}",
        "HTTP_LISTEN": f"127.0.0.1:{http_port}",
        "HTTPS_LISTEN": f"127.0.0.1:{https_port}",
        "SSL_CERTIFICATE": str(cert),
        "SSL_CERTIFICATE_KEY": str(key),
        "BIND": f"127.0.0.1:{app_port}",
        "APP_DIR": str(tmp_path / "app"),
        "MEDIA_ROOT": str(tmp_path / "media"),
    }


def nginx_conf(tmp_path, values):
    written = render.render_tree(tmp_path / "out", values)
    conf = tmp_path / "nginx.conf"
    conf.write_text(render.nginx_main_conf(tmp_path, written["nginx/podium.conf"]))
    return conf


def test_nginx_t_accepts_the_rendered_site(tmp_path):
    need_nginx()
    conf = nginx_conf(tmp_path, site_values(tmp_path, app_port=8000, http_port=8080, https_port=8443))
    result = subprocess.run(  # noqa: S603 (fixed arguments)
        [NGINX, "-t", "-p", str(tmp_path), "-c", str(conf), "-e", str(tmp_path / "error.log")],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert "test is successful" in result.stderr


def test_static_files_through_nginx_carry_django_s_security_headers():
    """The static location repeats what config/static_headers.py gives every response
    (HSTS aside: each page sends it). A change to the policy must change both."""
    site = (ROOT / "deploy" / "nginx" / "podium.conf").read_text()
    block = re.search(r"location \^~ /static/ \{(.*?)\n    \}", site, re.DOTALL)[1]
    nginx_headers = dict(re.findall(r'add_header ([\w-]+) "([^"]*)" always;', block))
    django_headers = security_headers()
    django_headers.pop("Strict-Transport-Security", None)
    assert set(nginx_headers) == set(django_headers)
    for name, value in django_headers.items():
        if name == "Content-Security-Policy":  # directives in any order
            assert directives(nginx_headers[name]) == directives(value)
        else:
            assert nginx_headers[name] == value, name


def directives(policy):
    return {part.strip() for part in policy.split(";") if part.strip()}


class EchoApp(http.server.BaseHTTPRequestHandler):
    """The app server's stand-in: answers an HTML page naming the headers it was sent."""

    def do_GET(self):  # noqa: N802 (http.server's naming)
        body = (
            "<!doctype html><html><body><pre>"
            + json.dumps({name.lower(): value for name, value in self.headers.items()})
            + "</pre>"
            + "<p>Podium</p>" * 200
            + "</body></html>"
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def site():
    """nginx running the rendered site on free ports, with an echoing app behind it."""
    need_nginx()
    # Not under pytest's tmp_path, whose parents are private: nginx's worker (nobody, when
    # started as root) must reach the files.
    with tempfile.TemporaryDirectory(prefix="podium-deploy-") as name:
        folder = Path(name)
        folder.chmod(0o755)
        yield from serve_site(folder)


def serve_site(tmp_path):
    app = http.server.ThreadingHTTPServer(("127.0.0.1", 0), EchoApp)
    threading.Thread(target=app.serve_forever, daemon=True).start()
    ports = {"app_port": app.server_address[1], "http_port": free_port(), "https_port": free_port()}
    static = tmp_path / "app" / "staticfiles" / "css"
    static.mkdir(parents=True)
    (static / "site.0123456789ab.css").write_text("body { color: #111; }\n" * 100)
    (static / "site.css").write_text("body { color: #111; }\n")
    (tmp_path / "media").mkdir()
    (tmp_path / "media" / "hero.jpg").write_bytes(b"\xff\xd8\xff\xe0" + b"\0" * 2000)
    conf = nginx_conf(tmp_path, site_values(tmp_path, **ports))
    nginx = subprocess.Popen(  # noqa: S603 (fixed arguments)
        [NGINX, "-p", str(tmp_path), "-c", str(conf), "-e", str(tmp_path / "error.log")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", ports["https_port"]), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline or nginx.poll() is not None:
                    raise RuntimeError((tmp_path / "error.log").read_text()) from None
                time.sleep(0.1)
        yield ports
    finally:
        nginx.terminate()
        nginx.wait(timeout=10)
        app.shutdown()


def https(port, path, *, host=SERVER_NAME, headers=None):
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    connection = http.client.HTTPSConnection("127.0.0.1", port, context=context, timeout=10)
    # SNI names the site, as a browser's would (a bare IP address sends none).
    connection.sock = context.wrap_socket(
        socket.create_connection(("127.0.0.1", port), timeout=10), server_hostname=host
    )
    try:
        connection.request("GET", path, headers={"Host": f"{host}:{port}", **(headers or {})})
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        connection.close()


def plain(port, path, *, host):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", path, headers={"Host": host})
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}
    finally:
        connection.close()


def test_unknown_hosts_get_no_answer_and_http_goes_to_https(site):
    with pytest.raises((http.client.RemoteDisconnected, ConnectionResetError)):
        plain(site["http_port"], "/", host="evil.example")
    status, headers = plain(site["http_port"], "/news/?page=2", host=SERVER_NAME)
    assert status == 301
    assert headers["location"] == f"https://{SERVER_NAME}:{site['https_port']}/news/?page=2"
    # The load balancer's probe over plain http reaches the app.
    assert plain(site["http_port"], "/healthz", host=SERVER_NAME)[0] == 200
    with pytest.raises(ssl.SSLError):  # no certificate for a name that is not ours
        https(site["https_port"], "/", host="evil.example")


def test_html_is_gzipped_and_forwarded_headers_are_nginx_s_own(site):
    status, headers, body = https(
        site["https_port"],
        "/",
        headers={
            "Accept-Encoding": "gzip",
            "X-Forwarded-For": "203.0.113.9",
            "X-Forwarded-Proto": "http",
            "X-Forwarded-Host": "evil.example",
        },
    )
    assert status == 200
    assert headers["content-encoding"] == "gzip"
    assert "Accept-Encoding" in headers["vary"]
    page = gzip.decompress(body).decode()
    seen = json.loads(re.search(r"<pre>(.*?)</pre>", page)[1])
    assert seen["x-forwarded-for"] == "127.0.0.1"  # the client's claim is overwritten
    assert seen["x-forwarded-proto"] == "https"
    assert "x-forwarded-host" not in seen
    assert seen["host"] == f"{SERVER_NAME}:{site['https_port']}"


def test_hashed_static_files_are_immutable_and_others_cached_briefly(site):
    status, headers, _ = https(site["https_port"], f"/static/{HASHED}", headers={"Accept-Encoding": "gzip"})
    assert status == 200
    assert headers["cache-control"] == "public, max-age=31536000, immutable"
    assert headers["content-type"] == "text/css"
    assert headers["content-encoding"] == "gzip"
    assert headers["x-content-type-options"] == "nosniff"
    status, headers, _ = https(site["https_port"], "/static/css/site.css")
    assert (status, headers["cache-control"]) == (200, "public, max-age=3600")


def test_media_is_served_by_nginx_with_its_type_and_nosniff(site):
    status, headers, body = https(site["https_port"], "/media/hero.jpg", headers={"Accept-Encoding": "gzip"})
    assert status == 200
    assert headers["content-type"] == "image/jpeg"
    assert "content-encoding" not in headers  # compressed already
    assert headers["x-content-type-options"] == "nosniff"
    assert body.startswith(b"\xff\xd8")


# ---------------------------------------------------------------- the env file


def env_file_values(text):
    """KEY=VALUE lines, as systemd's EnvironmentFile= reads these (no quoting used)."""
    return dict(line.split("=", 1) for line in text.splitlines() if line.strip() and not line.startswith("#"))


def manage(*args, env):
    return subprocess.run(  # noqa: S603 (fixed interpreter and arguments)
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={"PATH": os.environ["PATH"], "ENV_FILE": os.devnull, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_env_file_filled_in_passes_check_deploy_and_refuses_to_start_before(tmp_path):
    values = env_file_values(render.render_tree(tmp_path)["env/podium.env"].read_text())
    refused = manage("check", env=values)
    assert refused.returncode != 0
    assert "SECRET_KEY is not set" in refused.stderr
    filled = {
        key: value.replace("<password>", "s3cret")
        .replace("<user>", "mailer")
        .replace("<smtp.example.com>", "smtp.example.com")
        for key, value in values.items()
    }
    filled.update(SECRET_KEY="x" * 50 + "-filled-in-by-the-operator", ADMIN_URL="desk-7k2/")
    assert not any("<" in value for value in filled.values()), filled
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=filled)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
