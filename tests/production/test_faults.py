"""Faults: the database or Redis goes away and comes back.

- PostgreSQL, for real: gunicorn (the production server, one worker, the production
  settings module) talks to the test database through a TCP proxy of the test's own
  (tests/production/tcp_proxy.py). Cutting the proxy makes every page a branded 503 within
  seconds (connection refused, or a server that never answers: connect_timeout), /healthz
  503; restoring it brings 200s back without restarting anything. Runs when DATABASE_URL
  is PostgreSQL (CI's second pass); the machine's PostgreSQL is never stopped.
- Redis, for real, through the same kind of proxy: pages keep answering (cache misses,
  logged), rate limits keep counting (in the database), an edit made meanwhile is shown
  before and after Redis is back. Skipped with a message only when Redis is unreachable outside CI.
- Any database error in a view (SQLite's "database is locked", a restart): the 503 page,
  and a comment being posted is kept in the page's form, nothing half-saved.
"""

import json
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from http import HTTPStatus
from pathlib import Path
from unittest import mock
from urllib.parse import quote

import environ
import pytest
from django.core.management import call_command
from django.db import InterfaceError, OperationalError, connection
from django.test import Client

from config.redis import OPEN_SECONDS, cache_options, reset_breakers
from core import cache as page_cache
from core import ratelimit
from news.forms import rendered_at_token
from news.models import Comment
from tests.news.factories import ArticleFactory

from .tcp_proxy import TcpProxy

ROOT = Path(__file__).resolve().parents[2]
IN_CI = os.environ.get("CI") == "true"
# "A few seconds": connect_timeout is 3 s; a refused connection fails at once.
MAX_SECONDS_WHILE_DOWN = 6
ARTICLE = "josh-kerr-world-champion-plan-for-paris"
PAGES = ["/", "/news/", f"/news/{ARTICLE}/", "/athletes/josh-kerr/", "/medals/"]


def fetch(url, method="GET", timeout=20):
    """(status, headers, body text, seconds) of one request; never raises for a status."""
    started = time.monotonic()
    request = urllib.request.Request(url, method=method)  # noqa: S310 - http://127.0.0.1 only
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            status, headers, body = response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        status, headers, body = error.code, error.headers, error.read()
    return status, headers, body.decode("utf-8", "replace"), time.monotonic() - started


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Gunicorn:
    """gunicorn serving config.wsgi with production settings from ``env``, ``workers`` sync
    workers (one unless told)."""

    def __init__(self, workers=1, **env):
        self.workers = workers
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = tempfile.TemporaryFile(mode="w+")  # noqa: SIM115 - closed in stop()
        self.env = {
            "PATH": os.environ["PATH"],
            "DEBUG": "false",
            "HTTPS": "false",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": "127.0.0.1",
            "SITE_URL": self.url,
            "LOG_LEVEL": "INFO",
            **env,
        }
        self.process = None

    def start(self):
        # Production settings serve hashed static names from the collectstatic manifest; a
        # fresh checkout (CI) has none yet, and every page would fail to render without it.
        collect = subprocess.run(  # noqa: S603 - fixed interpreter and arguments
            [sys.executable, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"],
            cwd=ROOT, env=self.env, capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        assert collect.returncode == 0, collect.stderr
        self.process = subprocess.Popen(  # noqa: S603 - fixed interpreter and arguments
            [
                sys.executable, "-m", "gunicorn", "config.wsgi", "--bind", f"127.0.0.1:{self.port}",
                "--workers", str(self.workers), "--timeout", "60", "--graceful-timeout", "2",
            ],
            cwd=ROOT, env=self.env, stdout=self.log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert self.process.poll() is None, f"gunicorn exited:\n{self.output()}"
            try:
                if fetch(self.url + "/healthz", timeout=5)[0] == HTTPStatus.OK:
                    return self
            except OSError:
                pass
            time.sleep(0.2)
        raise AssertionError(f"gunicorn did not answer /healthz within 60 s:\n{self.output()}")

    def output(self, tail=6000):
        self.log.seek(0)
        text = self.log.read()
        return text[-tail:] if tail else text

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=15)
        self.log.close()


def wait_for(url, status, seconds=20):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if fetch(url, timeout=10)[0] == status:
            return True
        time.sleep(0.2)
    return False


# ---------- PostgreSQL goes away ----------


@pytest.fixture
def postgresql_through_proxy(transactional_db):
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL fault test: runs when DATABASE_URL is PostgreSQL (CI's second pass)")
    db = connection.settings_dict
    proxy = TcpProxy(int(db.get("PORT") or 5432), db.get("HOST") or "127.0.0.1").start()
    yield proxy, db
    proxy.close()


def test_database_outage_answers_503_quickly_and_recovers_without_restart(postgresql_through_proxy):
    proxy, db = postgresql_through_proxy
    call_command("load_demo", verbosity=0)  # committed: the server sees it
    user = quote(db.get("USER") or "", safe="")
    password = f":{quote(db['PASSWORD'], safe='')}" if db.get("PASSWORD") else ""
    server = Gunicorn(
        DATABASE_URL=f"postgres://{user}{password}@127.0.0.1:{proxy.port}/{quote(db['NAME'], safe='')}",
        # No cache: every page needs the database (a warm page cache would keep answering
        # 200 through an outage, which is good, but not what this test is about).
        CACHE_URL="dummycache://",
    )
    try:
        server.start()
        for path in PAGES:
            assert fetch(server.url + path)[0] == HTTPStatus.OK, (path, server.output())  # connection kept

        outages = {}
        for fault in ("cut", "black_hole"):
            getattr(proxy, fault)()  # connections reset, then: a server that never answers
            outages[fault] = []
            for path in [*PAGES[:3], "/healthz"]:
                status, headers, body, seconds = fetch(server.url + path)
                outages[fault].append(round(seconds, 2))
                assert status == HTTPStatus.SERVICE_UNAVAILABLE, (fault, path, status, server.output())
                assert seconds < MAX_SECONDS_WHILE_DOWN, (fault, path, seconds)
                if path == "/healthz":
                    assert json.loads(body) == {"status": "unavailable"}
                else:
                    assert "Back in a moment" in body and "Traceback" not in body
                    assert headers["Retry-After"] == "30"
                    assert "no-store" in headers["Cache-Control"]

        proxy.restore()
        assert wait_for(server.url + "/healthz", HTTPStatus.OK), server.output()
        for path in PAGES:
            assert fetch(server.url + path)[0] == HTTPStatus.OK, path
        assert server.process.poll() is None  # the same server, never restarted
        print(f"\ndatabase outage: seconds per 503 {outages}; proxy connections {proxy.connections}")
        # The outage was logged, one line per record, with the request id.
        log = server.output(tail=None)
        assert "database unavailable" in log and "request_id=" in log
    finally:
        proxy.restore()
        server.stop()


# ---------- Redis goes away ----------


def redis_reachable():
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def project_cache_settings(cache_url):
    """CACHES as config/settings.py builds them from a redis:// CACHE_URL (django-environ's
    parsing plus config.redis.cache_options(); tests/test_settings.py pins that)."""
    config = environ.Env.cache_url_config(cache_url)
    config.setdefault("OPTIONS", {}).update(cache_options())
    return {"default": config}


@pytest.fixture
def redis_through_proxy(settings):
    if not redis_reachable():
        message = "Redis does not answer on 127.0.0.1:6379"
        if IN_CI:
            pytest.fail(f"{message}: .ci/run must start it")
        pytest.skip(f"{message}; the Redis fault test needs it")
    proxy = TcpProxy(6379).start()
    reset_breakers()
    caches = project_cache_settings(f"redis://127.0.0.1:{proxy.port}/3")
    caches["default"]["KEY_PREFIX"] = f"podium-fault-{secrets.token_hex(4)}"
    settings.DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True
    settings.CACHES = caches
    yield proxy
    proxy.restore()
    reset_breakers()
    from django.core.cache import cache

    cache.clear()
    proxy.close()


@pytest.mark.django_db
def test_redis_outage_degrades_to_cache_misses_and_an_edit_made_during_it_stays(redis_through_proxy, caplog):
    from django.core.cache import cache

    proxy = redis_through_proxy
    article = ArticleFactory(title="Before the outage")
    url = article.get_absolute_url()
    client = Client()
    limits = ratelimit.parse_rates("2/m")
    assert "Before the outage" in client.get(url).content.decode()  # now kept in Redis too
    assert cache.get("probe", "miss") == "miss" and cache.set("probe", "hit") is not False
    assert cache.get("probe") == "hit"  # Redis answers through the proxy
    timings = {}

    for fault in ("cut", "black_hole"):
        getattr(proxy, fault)()
        reset_breakers()  # each fault starts with a closed circuit: its first call pays
        page_cache.local.clear()  # as a worker that kept nothing: every page asks Redis
        caplog.clear()
        started = time.monotonic()
        for path in ("/", "/news/", "/sitemap.xml", "/search/?q=kerr", url, "/healthz"):
            assert client.get(path).status_code == HTTPStatus.OK, (fault, path)
        pages_seconds = time.monotonic() - started
        assert cache.get("probe") is None  # a miss, not an error
        # One 1-second timeout at most, then the open circuit skips Redis at once.
        assert pages_seconds < 4, (fault, pages_seconds)
        timings[fault] = round(pages_seconds, 2)
        ignored = [r for r in caplog.records if r.name == "django_redis.cache"]
        assert ignored and ignored[0].exc_info, fault  # the failure, with its traceback
        assert len(ignored) <= 2, f"{len(ignored)} records: one outage, logged once"
        assert [r.getMessage()[:30] for r in caplog.records if r.name == "config.redis"] == [
            "redis unavailable, cache bypas"
        ]
        # Rate limits are counted in the database: they hold through the outage.
        assert [ratelimit.hit("t", fault, limits) for _ in range(3)][-1] > 0

    # An edit while Redis is unreachable: its generation is in the database, with the edit.
    article.title = "Edited during the outage"
    article.save()
    assert "Edited during the outage" in client.get(url).content.decode()

    proxy.restore()
    deadline = time.monotonic() + OPEN_SECONDS + 5  # the circuit closes by itself
    while cache.set("probe", "back") is not True and time.monotonic() < deadline:
        time.sleep(0.2)
    assert cache.get("probe") == "back"
    page_cache.local.clear()  # another worker: it finds the old page in Redis under its old key only
    for _ in range(2):
        body = client.get(url).content.decode()
        assert "Edited during the outage" in body and "Before the outage" not in body
    print(f"\nredis outage: seconds for 6 pages {timings}")


# ---------- any database error in a view ----------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "error", [OperationalError("database is locked"), InterfaceError("connection already closed")]
)
def test_a_database_error_in_a_view_is_the_branded_503(error, caplog):
    client = Client(raise_request_exception=False)
    with mock.patch("news.selectors.home_articles", side_effect=error):
        response = client.get("/", HTTP_X_REQUEST_ID="req-503-test")

    assert response.status_code == HTTPStatus.SERVICE_UNAVAILABLE
    assert response["Retry-After"] == "30"
    assert "no-store" in response["Cache-Control"]
    assert "Back in a moment" in response.text and str(error) not in response.text
    logged = [r for r in caplog.records if r.name == "podium.errors"]
    assert logged and logged[0].exc_info and logged[0].request_id == "req-503-test"


def test_a_database_error_outside_the_view_is_the_503_too(rf):
    """Raised by a middleware (a session being saved, say), the error reaches handler500,
    which answers the 503 page for a database error and the 500 page for anything else."""
    import config.urls
    from config.errors import server_error

    assert config.urls.handler500 == "config.errors.server_error"
    for error, status in ((OperationalError("server closed the connection"), 503), (KeyError("x"), 500)):
        try:
            raise error
        except Exception:  # noqa: BLE001 - handler500 runs inside the except block
            response = server_error(rf.get("/"))
        assert response.status_code == status
        assert str(error) not in response.content.decode()


def comment_data(article, /, **overrides):
    rendered = rendered_at_token(article.pk, at=time.time() - 30)
    data = {
        "name": "Eilidh from Glasgow",
        "email": "eilidh@example.com",
        "body": "What a run in Budapest — <b>and</b> that kick with 150 to go!",
        "parent": "",
        "rendered_at": rendered,
        "website": "",
    }
    data.update(overrides)
    return data


@pytest.mark.django_db
def test_a_comment_posted_while_the_database_is_locked_is_kept_and_nothing_is_half_saved():
    article = ArticleFactory(comments_open=True)
    original_save = Comment.save

    def save_then_fail(self, *args, **kwargs):
        original_save(self, *args, **kwargs)  # the row is written inside the transaction...
        raise OperationalError("database is locked")  # ...then the database gives up

    client = Client(raise_request_exception=False)
    with mock.patch.object(Comment, "save", save_then_fail):
        response = client.post(article.get_absolute_url(), comment_data(article))

    assert response.status_code == HTTPStatus.SERVICE_UNAVAILABLE
    assert not Comment.objects.exists()  # rolled back: nothing half-saved
    html = response.text
    assert "Your comment has not been posted yet" in html
    assert f'action="{article.get_absolute_url()}"' in html
    assert 'value="Eilidh from Glasgow"' in html and 'value="eilidh@example.com"' in html
    # What they typed, escaped, back in the textarea.
    assert "What a run in Budapest — &lt;b&gt;and&lt;/b&gt; that kick with 150 to go!</textarea>" in html
    assert 'name="csrfmiddlewaretoken"' in html and 'name="rendered_at"' in html

    # Sending the kept form again, once the database is back, posts the comment.
    resend = client.post(article.get_absolute_url(), comment_data(article))
    assert resend.status_code == HTTPStatus.SEE_OTHER
    assert Comment.objects.get().body.startswith("What a run in Budapest")


@pytest.mark.django_db
def test_the_503_page_keeps_no_form_for_other_posts_and_never_a_password():
    client = Client(raise_request_exception=False)
    with mock.patch("django.contrib.auth.forms.authenticate", side_effect=OperationalError("gone")):
        response = client.post("/admin/login/", {"username": "desk", "password": "hunter2-secret"})
    assert response.status_code == HTTPStatus.SERVICE_UNAVAILABLE
    assert "hunter2-secret" not in response.text and "<form" not in response.text


def test_a_redis_cache_url_gets_the_options_and_circuit_breaker_of_config_redis():
    code = "import config.settings as s; print(repr(s.CACHES['default']['OPTIONS']))"
    env = {"PATH": os.environ["PATH"], "DEBUG": "true", "CACHE_URL": "redis://127.0.0.1:6379/1"}
    result = subprocess.run(  # noqa: S603 - fixed interpreter and code
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert "'IGNORE_EXCEPTIONS': True" in result.stdout and "'SOCKET_TIMEOUT': 1" in result.stdout
    assert "config.redis.CircuitBreakerConnection" in result.stdout
