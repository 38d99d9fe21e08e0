"""``make scaleout``: Podium on two app servers behind nginx, sharing PostgreSQL and Redis.

Starts two gunicorn instances (A and B, the production settings, each on its own port,
with the command of deploy/systemd/podium.service and a control socket of its own) and
nginx in front of them running deploy/nginx/podium.conf, the site file operators install
(rendered by deploy/render.py for its ports and a self-signed certificate; nginx in the
foreground with its own pid and log files), all on 127.0.0.1, with a fresh PostgreSQL
database ``podium_scaleout_<run>`` and Redis database 3. Readers speak HTTPS to nginx,
which passes X-Forwarded-Proto and X-Forwarded-For as in production. Then it proves,
printing PASS/FAIL:

0. the site file does what it says: unknown hosts get no answer, http is redirected to
   https, HTML is gzipped (and still revalidates: 304), hashed static files are served by
   nginx, immutable for a year, with the security headers whitenoise gives them, and
   uploads are served from MEDIA_ROOT; each instance answers on its own control socket;

1. a comment posted through A is on the article page served by B at once;
2. the comment rate limit (COMMENTS_RATE, 5 a minute) counts the posts made through
   both instances together;
3. a page cached by A is served from the shared cache by B, and deleting it (from a
   process with A's settings, as a save hook would) is seen by B at once;
4. stopping instance A (SIGTERM) while readers' GETs run through nginx fails no GET:
   nginx passes them to B (proxy_next_upstream); killing A outright (SIGKILL to its
   process group, a crash) fails no GET started after the crash, and the responses A had
   already begun to send when it died (no proxy can replay those) are counted;
5. no comment is lost or stored twice: every accepted post (303) is one row in
   PostgreSQL, every refused one (429) none.

Exit status 0 when every check passes, 1 when one fails, 2 when something it needs
(nginx, openssl, PostgreSQL, Redis) is missing.
"""

import gzip
import http.client
import json
import os
import re
import secrets
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from bench.run import PYTHON, ROOT, BenchError, exclusive, free_port, psql, run
from deploy import render

# Names of this run's own: runs started at the same time (two people, CI) never share a
# database or cache keys. Both are removed at the end.
RUN = uuid.uuid4().hex[:8]
DATABASE = f"podium_scaleout_{RUN}"
REDIS_URL = "redis://127.0.0.1:6379/3"
CACHE_URL = f"{REDIS_URL}?key_prefix=scaleout-{RUN}"
ARTICLE = "scaleout-proof"
LATE_ARTICLE = "scaleout-late-article"
LATE_TITLE = f"Late article {RUN}"

SERVER_NAME = "podium.test"
# The site file's access log, for the report of a failed run.
LOG_FORMAT = """\
    log_format upstreams '$status $request_method $request_uri upstream=$upstream_addr '
                         'upstream_status=$upstream_status';
    access_log {tmp}/access.log upstreams;
"""
# Ports nginx answers HTTPS on (requests to the others are plain http to an app server,
# which this script reaches as nginx would: saying the client spoke https).
TLS_PORTS = set()


class Checks:
    def __init__(self):
        self.failed = 0

    def check(self, ok, label, detail=""):
        print(f"{'PASS' if ok else 'FAIL'}  {label}{f' ({detail})' if detail else ''}", flush=True)
        if not ok:
            self.failed += 1
        return ok


def log(message):
    print(f"[scaleout] {message}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------- HTTP


class Response:
    def __init__(self, status, headers, body):
        self.status, self.headers, self.body = status, headers, body

    @property
    def text(self):
        return self.body.decode("utf-8", errors="replace")


def request(port, method, path, *, host, headers=None, body=None, timeout=30):
    """One request to 127.0.0.1:``port`` with the Host header ``host``: HTTPS to nginx
    (SNI naming the site, as a browser's would), else plain http saying, as nginx does to
    an app server, that the client spoke https (nginx's own http port ignores that claim
    and redirects all the same)."""
    headers = {"Host": host, **(headers or {})}
    if port in TLS_PORTS:
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE  # the run's own self-signed certificate
        connection = http.client.HTTPSConnection("127.0.0.1", port, timeout=timeout, context=context)
        raw = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        connection.sock = context.wrap_socket(raw, server_hostname=host.split(":")[0])
    else:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
        headers.setdefault("X-Forwarded-Proto", "https")
    try:
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        return Response(response.status, response.getheaders(), response.read())
    finally:
        connection.close()


class Fan:
    """A commenter: fetches the article's form once (CSRF cookie and token, signed
    render time), then posts comments with them."""

    def __init__(self, port, host, path, client_address=None):
        self.host, self.path = host, path
        self.extra = {"X-Forwarded-For": client_address} if client_address else {}
        page = request(port, "GET", path, host=host, headers=self.extra)
        if page.status != 200:
            raise RuntimeError(f"GET {path} answered {page.status}")
        self.cookie = next(
            (
                value.split(";", 1)[0]
                for name, value in page.headers
                if name.lower() == "set-cookie" and value.startswith("csrftoken=")
            ),
            None,
        )
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
        rendered = re.search(r'name="rendered_at" value="([^"]+)"', page.text)
        if not (self.cookie and token and rendered):
            raise RuntimeError("the article page carries no comment form (CSRF cookie, token, rendered_at)")
        self.token, self.rendered_at = token[1], rendered[1]

    def post(self, port, body):
        form = {
            "csrfmiddlewaretoken": self.token,
            "name": "Scale Out",
            "body": body,
            "email": "",
            "website": "",
            "rendered_at": self.rendered_at,
        }
        headers = {
            **self.extra,
            # HTTPS: Django's CSRF check wants the page's origin (SITE_URL) from a browser.
            "Origin": f"https://{self.host}",
            "Cookie": self.cookie,
            "Content-Type": "application/x-www-form-urlencoded",
        }
        return request(port, "POST", self.path, host=self.host, headers=headers, body=urlencode(form))


# ---------------------------------------------------------------- processes


def gunicorn_command(port, control_socket):
    """deploy/systemd/podium.service's ExecStart for an app server on ``port``."""
    template = (render.DEPLOY / "systemd" / "podium.service").read_text()
    values = render.resolve(
        {
            "APP_DIR": str(ROOT),
            "BIND": f"127.0.0.1:{port}",
            "WORKERS": "2",
            "CONTROL_SOCKET": str(control_socket),
        }
    )
    return render.exec_start(render.render(template, values))


def start_gunicorn(env, port, logfile, control_socket):
    process = subprocess.Popen(  # noqa: S603 (the service's command)
        gunicorn_command(port, control_socket),
        cwd=ROOT,
        env=env,
        stdout=logfile,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    host = urlsplit(env["SITE_URL"]).netloc
    wait_until(lambda: healthy(port, host), f"gunicorn on port {port}")
    return process


def healthy(port, host):
    try:
        return request(port, "GET", "/healthz", host=host, timeout=2).status == 200
    except OSError:
        return False


def wait_until(predicate, what, seconds=30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise RuntimeError(f"{what} did not come up within {seconds} s")


def stop(process, sig=signal.SIGTERM):
    if process is not None and process.poll() is None:
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            return
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def django(env, code):
    """Run Python ``code`` with Django set up under ``env`` (an instance's settings)."""
    script = f"import django\ndjango.setup()\n{code}"
    return run([PYTHON, "-c", script], env=env, capture=True).stdout


def prepare_database(env):
    psql(f"CREATE DATABASE {DATABASE}")
    run([PYTHON, ROOT / "manage.py", "migrate", "--noinput", "-v", "0"], env=env)
    run([PYTHON, ROOT / "manage.py", "load_demo", "-v", "0"], env=env, capture=True)
    django(
        env,
        "from django.utils import timezone\n"
        "from news.models import Article, Section\n"
        "Article.objects.create(slug='" + ARTICLE + "', title='Scale-out proof', "
        "standfirst='Comments posted through two app servers.', body='One article, two servers.', "
        "section=Section.objects.first(), status='published', published_at=timezone.now())\n",
    )


def cache_keys(env):
    """How many keys this run has in Redis (the cache's key prefix is the run's own)."""
    output = django(env, "from django.core.cache import cache\nprint(sum(1 for _ in cache.iter_keys('*')))\n")
    return int(output.strip().splitlines()[-1])


def clean_up(env):
    """Remove this run's cache keys and database."""
    try:
        django(env, "from django.core.cache import cache\ncache.delete_pattern('*')\n")
    except subprocess.CalledProcessError:
        log("could not delete this run's cache keys (they expire)")
    psql(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")


def comment_rows(env, body_prefix):
    """{body: number of rows} of the proof article's comments starting with ``body_prefix``,
    counted in PostgreSQL (a fresh process, not either instance)."""
    output = django(
        env,
        "import json\nfrom django.db.models import Count\nfrom news.models import Comment\n"
        f"rows = Comment.objects.filter(article__slug={ARTICLE!r}, body__startswith={body_prefix!r})\n"
        "counts = rows.values('body').annotate(n=Count('id'))\n"
        "print(json.dumps({row['body']: row['n'] for row in counts}))\n",
    )
    return json.loads(output.strip().splitlines()[-1])


# ---------------------------------------------------------------- the proof


def prove(checks, tmp):
    nginx = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    if nginx is None:
        print(
            "scaleout: nginx is not installed (Debian/Ubuntu: sudo apt-get install nginx).", file=sys.stderr
        )
        return 2
    if shutil.which("openssl") is None:
        print(
            "scaleout: openssl is missing (the run's certificate): sudo apt-get install openssl.",
            file=sys.stderr,
        )
        return 2
    if run(["pg_isready", "-q", "-h", "127.0.0.1", "-p", "5432"], check=False).returncode:
        print("scaleout: PostgreSQL does not answer on 127.0.0.1:5432.", file=sys.stderr)
        return 2
    pong = (
        run(["redis-cli", "-u", REDIS_URL, "ping"], capture=True, check=False)
        if shutil.which("redis-cli")
        else None
    )
    if pong is None or "PONG" not in pong.stdout:
        print("scaleout: Redis does not answer on 127.0.0.1:6379 (or redis-cli is missing).", file=sys.stderr)
        return 2

    ports = set()
    while len(ports) < 4:
        ports.add(free_port())
    port_a, port_b, http_port, port = sorted(ports)
    TLS_PORTS.add(port)
    host = f"{SERVER_NAME}:{port}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "false",
        # As in production (deploy/env/podium.env): HTTPS, told by nginx's headers.
        "HTTPS": "true",
        "SECURE_PROXY_SSL_HEADER": "X-Forwarded-Proto",
        "SECRET_KEY": secrets.token_urlsafe(50),  # one key for both: signed tokens work on either
        "ALLOWED_HOSTS": SERVER_NAME,
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{DATABASE}",
        "CACHE_URL": CACHE_URL,
        "SITE_URL": f"https://{host}",
        "TRUSTED_PROXY_HEADER": "X-Forwarded-For",
        "MEDIA_ROOT": str(tmp / "media"),
        "COMMENTS_MODERATION": "auto",
        "COMMENTS_RATE": "5/m,20/h",
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    log(f"database {DATABASE}: migrate, demo content, the proof article, static files")
    try:
        prepare_database(env)
        run([PYTHON, ROOT / "manage.py", "collectstatic", "--noinput", "-v", "0"], env=env)
        ports = {"a": port_a, "b": port_b, "http": http_port, "https": port}
        return serve_and_check(checks, tmp, nginx, env, host, ports)
    finally:
        clean_up(env)


def render_site(tmp, host, ports):
    """deploy/nginx/podium.conf for this run: its ports, both app servers, a self-signed
    certificate, a copy of the static files and the run's MEDIA_ROOT (in ``tmp``, which
    nginx's worker can read whoever runs this)."""
    cert, key = tmp / "cert.pem", tmp / "key.pem"
    run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-keyout",
            key,
            "-out",
            cert,
        ]
        + ["-subj", f"/CN={SERVER_NAME}", "-addext", f"subjectAltName=DNS:{SERVER_NAME}"],
        capture=True,
    )
    shutil.copytree(ROOT / "staticfiles", tmp / "app" / "staticfiles")
    written = render.render_tree(
        tmp / "deploy",
        {
            "SERVER_NAME": SERVER_NAME,
            "SITE_URL": f"https://{host}",
            "HTTP_LISTEN": f"127.0.0.1:{ports['http']}",
            "HTTPS_LISTEN": f"127.0.0.1:{ports['https']}",
            "SSL_CERTIFICATE": str(cert),
            "SSL_CERTIFICATE_KEY": str(key),
            "UPSTREAM_SERVERS": "\n".join(
                f"server 127.0.0.1:{ports[name]} max_fails=1 fail_timeout=10s;" for name in ("a", "b")
            ),
            "APP_DIR": str(tmp / "app"),
            "MEDIA_ROOT": str(tmp / "media"),
        },
    )
    site = written["nginx/podium.conf"]
    conf = tmp / "nginx.conf"
    conf.write_text(render.nginx_main_conf(tmp, site, http_extra=LOG_FORMAT.format(tmp=tmp)))
    return conf


def serve_and_check(checks, tmp, nginx, env, host, ports):
    conf = render_site(tmp, host, ports)
    logs = {name: open(tmp / f"{name}.log", "w") for name in ("a", "b", "nginx-stdout")}
    sockets = {name: tmp / f"{name}.ctl" for name in ("a", "b")}
    processes = {}
    try:
        processes["a"] = start_gunicorn(env, ports["a"], logs["a"], sockets["a"])
        processes["b"] = start_gunicorn(env, ports["b"], logs["b"], sockets["b"])
        processes["nginx"] = subprocess.Popen(  # noqa: S603 (fixed argument list)
            [nginx, "-p", str(tmp), "-c", str(conf), "-e", str(tmp / "error.log")],
            stdout=logs["nginx-stdout"],
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        wait_until(lambda: healthy(ports["https"], host), "nginx")
        log(f"A on {ports['a']}, B on {ports['b']}, nginx on {ports['https']} (https) and {ports['http']}")
        check_site(checks, tmp, env, host, ports, sockets)
        run_checks(checks, env, host, ports["https"], ports["a"], ports["b"], processes, logs, sockets)
    finally:
        for name in ("nginx", "a", "b"):
            stop(processes.get(name))
        for handle in logs.values():
            handle.close()
    if checks.failed:
        for name in ("a.log", "b.log", "error.log"):
            path = tmp / name
            if path.exists():
                tail = path.read_text(errors="replace").splitlines()[-15:]
                print(f"--- {name} (last lines)\n" + "\n".join(tail), file=sys.stderr)
        access = (tmp / "access.log").read_text(errors="replace").splitlines()
        failed = [line for line in access if not line.startswith(("200 ", "303 ", "429 "))]
        print("--- nginx: responses other than 200/303/429\n" + "\n".join(failed[:20]), file=sys.stderr)
    return 1 if checks.failed else 0


SECURITY_HEADERS = (
    "content-security-policy",
    "referrer-policy",
    "cross-origin-opener-policy",
    "x-frame-options",
    "permissions-policy",
    "x-content-type-options",
)


def check_site(checks, tmp, env, host, ports, sockets):
    """0. What deploy/nginx/podium.conf promises, through the running nginx."""
    try:
        stray = request(ports["http"], "GET", "/", host="evil.example", timeout=5).status
    except (http.client.RemoteDisconnected, ConnectionResetError):
        stray = "no answer"
    redirect = request(ports["http"], "GET", "/news/?page=2", host=host)
    location = {k.lower(): v for k, v in redirect.headers}.get("location")
    checks.check(
        stray == "no answer" and redirect.status == 301 and location == f"https://{host}/news/?page=2",
        "nginx drops unknown hosts and redirects http to https",
        f"unknown host: {stray}; http: {redirect.status} to {location}",
    )

    page = request(
        ports["https"], "GET", "/athletes/josh-kerr/", host=host, headers={"Accept-Encoding": "gzip"}
    )
    headers = {k.lower(): v for k, v in page.headers}
    unzipped = gzip.decompress(page.body) if headers.get("content-encoding") == "gzip" else b""
    checks.check(
        page.status == 200 and b"Josh Kerr" in unzipped and "Accept-Encoding" in headers.get("vary", ""),
        "HTML through nginx is gzipped",
        f"{page.status}, Content-Encoding {headers.get('content-encoding')}, "
        f"{len(page.body)} bytes for {len(unzipped)}",
    )

    # gzip turns the page's ETag into a weak one; Django compares If-None-Match weakly, so
    # a reader's revalidation still gets its 304.
    etag = headers.get("etag")
    again = request(
        ports["https"],
        "GET",
        "/athletes/josh-kerr/",
        host=host,
        headers={"Accept-Encoding": "gzip", "If-None-Match": etag or '"none"'},
    )
    checks.check(
        etag is not None and again.status == 304,
        "a gzipped page revalidates through nginx (304 for its ETag)",
        f"ETag {etag}: {again.status}",
    )

    manifest = json.loads((ROOT / "staticfiles" / "staticfiles.json").read_text())
    css = "/static/" + manifest["paths"]["css/site.css"]
    served = request(ports["https"], "GET", css, host=host, headers={"Accept-Encoding": "gzip"})
    direct = request(ports["a"], "GET", css, host=host)  # whitenoise's answer
    nginx_headers = {k.lower(): v for k, v in served.headers}
    app_headers = {k.lower(): v for k, v in direct.headers}
    differing = [name for name in SECURITY_HEADERS if nginx_headers.get(name) != app_headers.get(name)]
    if "content-security-policy" in differing and directives(
        nginx_headers.get("content-security-policy")
    ) == (directives(app_headers.get("content-security-policy"))):
        differing.remove("content-security-policy")  # the same directives, in another order
    checks.check(
        served.status == 200
        and nginx_headers.get("cache-control") == "public, max-age=31536000, immutable"
        and nginx_headers.get("content-encoding") == "gzip"
        and not differing,
        "hashed static files through nginx: immutable for a year, gzipped, whitenoise's security headers",
        f"{css}: {served.status}, Cache-Control {nginx_headers.get('cache-control')!r}, "
        f"headers differing from whitenoise's: {differing or 'none'}",
    )

    uploads = sorted((tmp / "media").rglob("*.jpg"))
    image = request(ports["https"], "GET", f"/media/{uploads[0].relative_to(tmp / 'media')}", host=host)
    checks.check(
        image.status == 200 and image.body == uploads[0].read_bytes(),
        "uploads are served by nginx from MEDIA_ROOT",
        f"{uploads[0].name}: {image.status}",
    )

    workers = {}
    for name, path in sockets.items():
        result = run(
            [ROOT / ".venv" / "bin" / "gunicornc", "-s", path, "-c", "show workers", "-j"],
            capture=True,
            check=False,
        )
        shown = json.loads(result.stdout) if result.returncode == 0 else {}
        workers[name] = {worker["pid"] for worker in shown.get("workers", [])}
    checks.check(
        all(workers.values()) and not workers["a"] & workers["b"],
        "each app server answers on its own control socket (gunicornc: its own workers)",
        f"{ {name: sorted(pids) for name, pids in workers.items()} }",
    )


def directives(policy):
    return {part.strip() for part in (policy or "").split(";") if part.strip()}


def run_checks(checks, env, host, port, port_a, port_b, processes, logs, sockets):
    path = f"/news/{ARTICLE}/"
    prefix = f"scaleout {uuid.uuid4().hex[:8]}"
    accepted, refused = [], []

    def post(fan, server_port, n):
        body = f"{prefix} comment {n}"
        response = fan.post(server_port, body)
        (accepted if response.status == 303 else refused).append(body)
        return response

    # 1. Posted through A, on the page served by B at once (B has served, and so cached,
    # the page before: what A's post invalidates must be invalid for B too).
    fan = Fan(port_a, host, path, client_address="198.51.100.1")
    shown = request(port_b, "GET", path, host=host)
    time.sleep(2.2)  # COMMENTS_MIN_SECONDS: a post faster than a person types is a bot's
    response = post(fan, port_a, 1)
    seen = request(port_b, "GET", path, host=host)
    checks.check(
        shown.status == 200
        and response.status == 303
        and seen.status == 200
        and f"{prefix} comment 1" in seen.text,
        "a comment posted through A is on the page served by B at once",
        f"GET via B: {shown.status}; POST via A: {response.status}; GET via B: {seen.status}",
    )

    # 2. The rate limit counts across both instances: 5 posts, at most 3 through either,
    # then a 6th and 7th are refused by both.
    if time.time() % 60 > 40:  # stay inside one fixed one-minute window
        time.sleep(61 - time.time() % 60)
    fans = {p: Fan(p, host, path, client_address="198.51.100.2") for p in (port_a, port_b)}
    time.sleep(2.2)
    statuses = [post(fans[p], p, n).status for n, p in enumerate([port_a, port_b] * 2 + [port_a], start=10)]
    over = [post(fans[p], p, n).status for n, p in ((20, port_b), (21, port_a))]
    checks.check(
        statuses == [303] * 5 and over == [429, 429],
        "the comment rate limit counts posts through A and B together (5 a minute)",
        f"first five: {statuses}; sixth via B, seventh via A: {over}",
    )

    # 3. One cache for both: a page A renders is stored in Redis (this run's key prefix),
    # and B serving the same page stores nothing new (it found A's entries).
    before = cache_keys(env)
    first = request(port_a, "GET", "/medals/", host=host)
    after_a = cache_keys(env)
    second = request(port_b, "GET", "/medals/", host=host)
    after_b = cache_keys(env)
    checks.check(
        first.status == second.status == 200 and after_a > before and after_b == after_a,
        "a page cached by A is served from the shared Redis cache by B",
        f"keys: {before} before, {after_a} after A's GET, {after_b} after B's GET",
    )

    # 4. An editor's change saved with A's settings (a process like A's workers, e.g. the
    # admin on A) invalidates what B serves at once: B's cached news list shows it.
    listed = request(port_b, "GET", "/news/", host=host)
    django(
        env,
        "from django.utils import timezone\nfrom news.models import Article, Section\n"
        f"Article.objects.create(slug='{LATE_ARTICLE}', title='{LATE_TITLE}', standfirst='Late.', "
        "body='Late.', section=Section.objects.first(), status='published', published_at=timezone.now())\n",
    )
    relisted = request(port_b, "GET", "/news/", host=host)
    checks.check(
        listed.status == relisted.status == 200
        and LATE_TITLE not in listed.text
        and LATE_TITLE in relisted.text,
        "a change saved through A's settings is on B's (cached) news list at once",
        f"{listed.status}, {relisted.status}",
    )

    # 5. Kill A during a GET load through nginx. (a) `kill` (SIGTERM: a deploy, a scale-in,
    # an orchestrator): no GET fails. (b) SIGKILL (a crash): no GET started after it fails;
    # a response A had already begun to send when it died cannot be replayed by any proxy,
    # so those (at most one per worker of A) are counted, not hidden. Comments are posted
    # through nginx before and after each kill.
    nginx_fan = Fan(port, host, path)
    time.sleep(2.2)
    pages = ["/", "/news/", path, "/athletes/josh-kerr/", "/medals/"]

    def load_while_killing(sig, first_comment):
        stop_at = time.monotonic() + 7
        outcomes, lock = [], threading.Lock()

        def reader(offset):
            n = offset
            while time.monotonic() < stop_at:
                target = pages[n % len(pages)]
                n += 1
                started = time.monotonic()
                try:
                    status = request(port, "GET", target, host=host, timeout=15).status
                except (OSError, http.client.HTTPException) as error:
                    status = type(error).__name__
                with lock:
                    outcomes.append((started, target, status))

        readers = [threading.Thread(target=reader, args=(i,)) for i in range(4)]
        for thread in readers:
            thread.start()
        time.sleep(1.5)
        before = post(nginx_fan, port, first_comment).status
        time.sleep(0.5)
        killed_at = time.monotonic()
        stop(processes["a"], sig)
        log(f"stopped instance A with {sig.name}")
        time.sleep(1)
        after = post(nginx_fan, port, first_comment + 1).status
        for thread in readers:
            thread.join()
        failed_after = [(t, s) for when, t, s in outcomes if s != 200 and when > killed_at]
        failed_before = [(t, s) for when, t, s in outcomes if s != 200 and when <= killed_at]
        served_after = sum(1 for when, _, s in outcomes if s == 200 and when > killed_at)
        return outcomes, failed_before, failed_after, served_after, (before, after)

    outcomes, failed_before, failed_after, served_after, posts = load_while_killing(signal.SIGTERM, 30)
    failures = failed_before + failed_after
    checks.check(
        not failures and served_after > 0 and len(outcomes) > 20,
        "stopping A (SIGTERM) during a GET load through nginx fails no GET",
        f"{len(outcomes)} GETs, {served_after} started after the kill, failures: {failures[:5] or 'none'}",
    )
    checks.check(
        posts == (303, 303), "comments posted through nginx around that stop are accepted", f"{posts}"
    )

    processes["a"] = start_gunicorn(env, port_a, logs["a"], sockets["a"])
    time.sleep(11)  # nginx's fail_timeout: A is back in the rotation
    outcomes, failed_before, failed_after, served_after, posts = load_while_killing(signal.SIGKILL, 40)
    checks.check(
        not failed_after and served_after > 0 and len(failed_before) <= 2,
        "killing A (SIGKILL) during a GET load through nginx fails no GET started after the crash",
        f"{len(outcomes)} GETs, {served_after} after the crash; responses cut mid-way by the crash "
        f"(at most one per worker of A): {len(failed_before)} {failed_before[:2] or ''}",
    )
    checks.check(
        posts == (303, 303), "comments posted through nginx around the crash are accepted", f"{posts}"
    )
    checks.check(healthy(port_b, host), "B is still serving")

    # 6. Every accepted comment stored exactly once; no refused one stored.
    rows = comment_rows(env, prefix)
    lost = [body for body in accepted if rows.get(body, 0) == 0]
    twice = [body for body, count in rows.items() if count > 1]
    stray = [body for body in refused if rows.get(body, 0)]
    checks.check(
        not lost and not twice and not stray and sum(rows.values()) == len(accepted),
        "no comment lost or stored twice (rows in PostgreSQL)",
        f"{len(accepted)} accepted, {len(refused)} refused, {sum(rows.values())} rows; "
        f"lost {lost or 'none'}, twice {twice or 'none'}, refused but stored {stray or 'none'}",
    )


def main():
    checks = Checks()
    # The bench's lock (a bench and this proof would slow each other down).
    with exclusive(), tempfile.TemporaryDirectory(prefix="podium-scaleout-") as name:
        tmp = Path(name)
        tmp.chmod(0o755)  # nginx's worker (nobody, when started as root) needs its temp paths
        try:
            status = prove(checks, tmp)
        except (BenchError, RuntimeError, subprocess.CalledProcessError, OSError) as error:
            print(f"FAIL  scale-out proof stopped: {error}", file=sys.stderr)
            return 1
    if status == 0:
        print("scale-out proof: all checks passed")
    return status


if __name__ == "__main__":
    sys.exit(main())
