"""Errors and health reach a person (issue 14, item 2): /healthz for any Host, the private
detailed check and metrics, errors mailed to ADMINS and sent to Sentry, one log line per
404, gunicorn's own lines in our format and one control socket per instance."""

import json
import logging
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from http import HTTPStatus
from pathlib import Path
from unittest import mock

import pytest
from django.core import mail
from django.db import OperationalError, connection
from django.test import Client
from prometheus_client import REGISTRY

from config.logging import LineFormatter, ThrottledAdminEmailHandler
from news import services
from tests.news.factories import ArticleFactory

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "ops-token-for-tests-0123456789"
AUTH = {"HTTP_AUTHORIZATION": f"Bearer {TOKEN}"}


@pytest.fixture
def ops(settings, tmp_path):
    settings.OPS_TOKEN = TOKEN
    settings.OPS_ALLOWED_IPS = []
    settings.OPS_MIN_FREE_MB = 1
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.MEDIA_ROOT.mkdir()
    return settings


# ---------------------------------------------------------------- /healthz


@pytest.mark.parametrize("host", ["10.0.0.7", "10.0.0.7:8000", "[2001:db8::5]:80", "evil.example"])
def test_healthz_answers_200_whatever_the_host_header(client, host):
    response = client.get("/healthz", HTTP_HOST=host)
    assert response.status_code == HTTPStatus.OK
    assert response.json() == {"status": "ok"}
    # Still a response of the site: security headers and the request id.
    assert response["X-Content-Type-Options"] == "nosniff" and response["X-Request-ID"]


@pytest.mark.parametrize("path", ["/healthz/", "/healthzx", "/news/", "/ops/healthx"])
def test_other_paths_still_refuse_an_unknown_host(client, path):
    assert client.get(path, HTTP_HOST="10.0.0.7").status_code == HTTPStatus.BAD_REQUEST


def test_healthz_for_an_unknown_host_refuses_unsafe_methods(client):
    response = client.post("/healthz", HTTP_HOST="10.0.0.7")
    assert response.status_code == HTTPStatus.METHOD_NOT_ALLOWED


def test_healthz_by_ip_is_503_when_the_database_fails(client):
    with mock.patch("news.views.connection.cursor", side_effect=OperationalError("down")):
        response = client.get("/healthz", HTTP_HOST="10.0.0.7")
    assert response.status_code == HTTPStatus.SERVICE_UNAVAILABLE


# ---------------------------------------------------------------- the detailed check


@pytest.mark.parametrize("url", ["/ops/health", "/ops/metrics"])
@pytest.mark.parametrize(
    "headers",
    [{}, {"HTTP_AUTHORIZATION": "Bearer wrong-token-0123456789012345"}, {"HTTP_AUTHORIZATION": TOKEN}],
    ids=["none", "wrong", "no-scheme"],
)
def test_private_endpoints_refuse_anyone_without_the_token(client, ops, url, headers):
    response = client.get(url, **headers)
    assert response.status_code == HTTPStatus.FORBIDDEN
    assert response.json()["error"] == "forbidden"
    assert "django_http" not in response.content.decode() and "checks" not in response.json()


@pytest.mark.parametrize("url", ["/ops/health", "/ops/metrics"])
def test_private_endpoints_are_closed_when_nothing_is_configured(client, settings, url):
    settings.OPS_TOKEN, settings.OPS_ALLOWED_IPS = "", []
    assert client.get(url, HTTP_AUTHORIZATION="Bearer ").status_code == HTTPStatus.FORBIDDEN
    assert client.get(url, REMOTE_ADDR="127.0.0.1").status_code == HTTPStatus.FORBIDDEN


def test_allow_listed_addresses_see_the_detailed_check(client, ops):
    ops.OPS_TOKEN = ""
    ops.OPS_ALLOWED_IPS = ["10.1.0.0/16", "2001:db8::/32"]
    assert client.get("/ops/health", REMOTE_ADDR="10.1.2.3").status_code == HTTPStatus.OK
    assert client.get("/ops/health", REMOTE_ADDR="2001:db8::9").status_code == HTTPStatus.OK
    assert client.get("/ops/health", REMOTE_ADDR="10.2.0.1").status_code == HTTPStatus.FORBIDDEN
    # Behind a trusted proxy the client is the header's address, not the proxy's.
    ops.TRUSTED_PROXY_HEADER = "X-Forwarded-For"
    behind = client.get("/ops/health", REMOTE_ADDR="10.1.0.1", HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert behind.status_code == HTTPStatus.FORBIDDEN


def test_detailed_check_reports_each_part_and_answers_any_host(client, ops):
    response = client.get("/ops/health", HTTP_HOST="10.0.0.7:8000", **AUTH)
    assert response.status_code == HTTPStatus.OK
    body = response.json()
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "cache", "media_disk", "migrations"}
    assert all(check["ok"] for check in body["checks"].values())
    assert body["checks"]["migrations"]["unapplied"] == []
    assert body["checks"]["media_disk"]["free_mb"] >= 1
    assert "no-cache" in response["Cache-Control"]


def test_detailed_check_is_503_when_the_database_fails(client, ops):
    with mock.patch("config.ops.connections") as connections:
        connections.__getitem__.return_value.cursor.side_effect = OperationalError("down")
        response = client.get("/ops/health", **AUTH)
    assert response.status_code == HTTPStatus.SERVICE_UNAVAILABLE
    checks = response.json()["checks"]
    assert response.json()["status"] == "fail"
    assert not checks["database"]["ok"] and "OperationalError" in checks["database"]["error"]
    assert not checks["migrations"]["ok"]


def test_detailed_check_is_503_when_the_cache_loses_what_it_stored(client, ops):
    with mock.patch("config.ops.cache") as cache:
        cache.get.return_value = None  # what django-redis answers while Redis is down
        response = client.get("/ops/health", **AUTH)
    assert response.status_code == HTTPStatus.SERVICE_UNAVAILABLE
    assert not response.json()["checks"]["cache"]["ok"]


def test_detailed_check_is_503_when_media_disk_is_short_or_missing(client, ops, tmp_path):
    ops.OPS_MIN_FREE_MB = 10**12
    short = client.get("/ops/health", **AUTH)
    assert short.status_code == HTTPStatus.SERVICE_UNAVAILABLE
    assert not short.json()["checks"]["media_disk"]["ok"]
    ops.OPS_MIN_FREE_MB, ops.MEDIA_ROOT = 1, tmp_path / "nowhere"
    missing = client.get("/ops/health", **AUTH)
    assert missing.status_code == HTTPStatus.SERVICE_UNAVAILABLE
    assert missing.json()["checks"]["media_disk"]["error"] == "MEDIA_ROOT does not exist"


def test_detailed_check_is_503_with_unapplied_migrations(client, ops):
    from django.db.migrations.recorder import MigrationRecorder

    MigrationRecorder.Migration.objects.filter(app="news").order_by("-id")[:1].get().delete()
    response = client.get("/ops/health", **AUTH)
    assert response.status_code == HTTPStatus.SERVICE_UNAVAILABLE
    assert [name for name in response.json()["checks"]["migrations"]["unapplied"] if name.startswith("news.")]


def test_ops_endpoints_refuse_unsafe_methods(client, ops):
    for url in ("/ops/health", "/ops/metrics"):
        assert client.post(url, **AUTH).status_code == HTTPStatus.METHOD_NOT_ALLOWED


# ---------------------------------------------------------------- metrics


def sample(name, **labels):
    return REGISTRY.get_sample_value(name, labels) or 0


def test_metrics_count_requests_by_view_with_latency(client, ops):
    before = sample(
        "django_http_requests_latency_seconds_by_view_method_count", view="news:article_list", method="GET"
    )
    client.get("/news/")
    client.get("/news/")
    response = client.get("/ops/metrics", HTTP_HOST="10.0.0.7:8000", **AUTH)
    assert response.status_code == HTTPStatus.OK
    assert response["Content-Type"].startswith("text/plain")
    text = response.content.decode()
    assert (
        'django_http_requests_latency_seconds_by_view_method_bucket{le="0.1",method="GET",view="news:article_list"}'
        in text
    )
    after = sample(
        "django_http_requests_latency_seconds_by_view_method_count", view="news:article_list", method="GET"
    )
    assert after == before + 2
    assert "django_http_responses_total_by_status_view_method_total" in text
    if connection.vendor == "postgresql":  # queries counted by the wrapped backend (config.postgresql)
        assert re.search(r'django_db_execute_total\{alias="default",vendor="postgresql"\} [1-9]', text)


def test_page_cache_hits_and_misses_are_counted(client, ops):
    ArticleFactory()
    miss, hit = (
        sample("podium_page_cache_requests_total", result="miss"),
        sample("podium_page_cache_requests_total", result="hit_local"),
    )
    client.get("/news/")
    client.get("/news/")
    client.get("/news/")
    assert sample("podium_page_cache_requests_total", result="miss") == miss + 1
    assert sample("podium_page_cache_requests_total", result="hit_local") == hit + 2
    assert 'podium_page_cache_requests_total{result="hit_local"}' in client.get("/ops/metrics", **AUTH).text


def test_comment_posts_and_holds_are_counted_once_committed(settings, django_capture_on_commit_callbacks):
    article = ArticleFactory()
    approved = sample("podium_comments_posted_total", status="approved")
    pending = sample("podium_comments_posted_total", status="pending")
    with django_capture_on_commit_callbacks(execute=True):
        services.comment_create(article=article, name="Eilidh", body="What a run.")
    settings.COMMENTS_MODERATION = "pre"
    with django_capture_on_commit_callbacks(execute=True):
        services.comment_create(article=article, name="Kenji", body="Held for a moderator.")
    assert sample("podium_comments_posted_total", status="approved") == approved + 1
    assert sample("podium_comments_posted_total", status="pending") == pending + 1
    # A post whose transaction is rolled back is not counted.
    with django_capture_on_commit_callbacks(execute=False):
        services.comment_create(article=article, name="Ola", body="Never committed.")
    assert sample("podium_comments_posted_total", status="pending") == pending + 1


def test_made_up_methods_do_not_grow_the_metrics(client, ops):
    client.generic("FROBNICATE", "/news/")
    text = client.get("/ops/metrics", **AUTH).text
    assert "FROBNICATE" not in text
    assert 'method="<invalid method>"' in text


# ---------------------------------------------------------------- errors by mail


@pytest.fixture
def admins(settings):
    settings.ADMINS = [("Ops", "ops@podium.example")]
    settings.ADMINS_EMAIL_THROTTLE_MINUTES = 10
    ThrottledAdminEmailHandler._last_sent.clear()
    yield settings
    ThrottledAdminEmailHandler._last_sent.clear()


def test_an_unhandled_error_is_mailed_to_admins_once_per_window(admins, monkeypatch):
    admins.OPS_TOKEN = TOKEN

    def explode(**kwargs):
        raise RuntimeError("the home page broke")

    monkeypatch.setattr("news.selectors.home_articles", explode)
    browser = Client(raise_request_exception=False)
    assert browser.get("/").status_code == HTTPStatus.INTERNAL_SERVER_ERROR

    (message,) = mail.outbox
    assert message.to == ["ops@podium.example"]
    assert "ERROR" in message.subject and "/" in message.subject
    assert "RuntimeError at /\nthe home page broke" in message.body
    assert 'raise RuntimeError("the home page broke")' in message.body  # the traceback
    # Django's report hides settings named like secrets.
    assert admins.SECRET_KEY not in message.body and TOKEN not in message.body
    # The same error again within the window: no second mail.
    browser.get("/")
    assert len(mail.outbox) == 1

    def explode_otherwise(**kwargs):
        raise KeyError("another failure")

    monkeypatch.setattr("news.selectors.home_articles", explode_otherwise)
    browser.get("/")
    assert len(mail.outbox) == 2 and "KeyError" in mail.outbox[1].body


def test_no_mail_without_admins_and_none_for_a_404(settings, client):
    settings.ADMINS = []
    ThrottledAdminEmailHandler._last_sent.clear()
    client.get("/no/such/page/")
    assert mail.outbox == []


def test_a_404_is_not_mailed(admins, client):
    client.get("/no/such/page/")
    assert mail.outbox == []


def test_admins_are_read_from_the_environment():
    code = "from django.conf import settings; print(repr(settings.ADMINS))"
    result = run_settings(code, ADMINS="Ana Ops <ana@podium.example>, ops@podium.example")
    assert result.stdout.strip() == "[('Ana Ops', 'ana@podium.example'), ('', 'ops@podium.example')]"
    bad = run_settings(code, ADMINS="Ana <not an address>")
    assert bad.returncode != 0 and "ADMINS must be" in bad.stderr


def run_settings(code, **env):
    prelude = (
        "import os, django; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'config.settings')\n"
        "django.setup()\n"
    )
    return subprocess.run(  # noqa: S603 - fixed interpreter and code
        [sys.executable, "-c", prelude + code],
        cwd=ROOT,
        env={"PATH": os.environ["PATH"], "DEBUG": "true", "ENV_FILE": "/dev/null", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


# ---------------------------------------------------------------- Sentry


SENTRY_STATE = (
    "import sys\n"
    "loaded = 'sentry_sdk' in sys.modules\n"
    "active = loaded and sys.modules['sentry_sdk'].get_client().is_active()\n"
    "dsn = sys.modules['sentry_sdk'].get_client().dsn if active else None\n"
    "print(loaded, active, dsn)"
)


def test_sentry_starts_with_a_dsn_and_is_not_even_imported_without():
    without = run_settings(SENTRY_STATE)
    assert without.returncode == 0, without.stderr
    assert without.stdout.split() == ["False", "False", "None"]

    dsn = "https://publickey@o0.ingest.invalid/42"  # never contacted: no event is sent
    with_dsn = run_settings(SENTRY_STATE, SENTRY_DSN=dsn)
    assert with_dsn.returncode == 0, with_dsn.stderr
    assert with_dsn.stdout.split() == ["True", "True", dsn]


def test_sentry_is_started_without_personal_data(monkeypatch):
    import sentry_sdk

    from config.sentry import init_sentry

    calls = []
    monkeypatch.setattr(sentry_sdk, "init", lambda **kwargs: calls.append(kwargs))
    init_sentry("https://k@o0.ingest.invalid/1", environment="staging", release="abc", traces_sample_rate=0.0)
    (kwargs,) = calls
    assert kwargs["send_default_pii"] is False and kwargs["environment"] == "staging"
    assert kwargs["release"] == "abc"


def test_a_dsn_without_sentry_sdk_installed_stops_start_up_clearly(monkeypatch):
    from django.core.exceptions import ImproperlyConfigured

    from config.sentry import init_sentry

    monkeypatch.setitem(sys.modules, "sentry_sdk", None)  # import fails as if not installed
    with pytest.raises(ImproperlyConfigured, match="requirements-sentry.txt"):
        init_sentry("https://k@o0.ingest.invalid/1", environment="x", release=None, traces_sample_rate=0)


# ---------------------------------------------------------------- logs


def test_a_404_is_one_log_line(client, caplog):
    caplog.set_level(logging.INFO)
    response = client.get("/no/such/page/")
    assert response.status_code == HTTPStatus.NOT_FOUND
    mine = [r for r in caplog.records if getattr(r, "request_id", None) == response["X-Request-ID"]]
    assert [(r.name, r.levelname) for r in mine] == [("podium.request", "INFO")]
    assert "status=404" in LineFormatter().format(mine[0])


def test_a_500_keeps_its_traceback_line(caplog, monkeypatch):
    monkeypatch.setattr("news.selectors.home_articles", mock.Mock(side_effect=RuntimeError("boom")))
    Client(raise_request_exception=False).get("/")
    assert [r for r in caplog.records if r.name == "django.request" and r.levelno == logging.ERROR]


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


VALUE = r'("(?:[^"\\]|\\.)*"|\S+)'
LINE = re.compile(rf"^time=\S+Z level=[A-Z]+ logger=\S+ request_id=\S+ msg={VALUE}( [a-z_]+={VALUE})*$")


def test_gunicorn_writes_its_own_lines_as_ours_and_a_control_socket_per_instance(tmp_path):
    port = free_port()
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path),
        "DEBUG": "false",
        "SECRET_KEY": "gunicorn-test-key",
        "HTTPS": "false",
        "ENV_FILE": "/dev/null",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "GUNICORN_ACCESS_LOG": "true",
        "RUNTIME_DIRECTORY": str(tmp_path),
    }
    server = subprocess.Popen(  # noqa: S603 - this venv's gunicorn, fixed arguments
        [str(Path(sys.executable).with_name("gunicorn")), "-c", "config/gunicorn.py",
         "--bind", f"127.0.0.1:{port}", "--workers", "1"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        deadline, status = time.monotonic() + 60, None
        while time.monotonic() < deadline and status is None:
            try:
                request = urllib.request.Request(
                    f"http://127.0.0.1:{port}/healthz", headers={"Host": "10.0.0.1"}
                )
                with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
                    status, request_id = response.status, response.headers["X-Request-ID"]
            except OSError:
                time.sleep(0.2)
        assert status == HTTPStatus.OK
        socket_path = tmp_path / f"podium-127.0.0.1_{port}.ctl"
        deadline = time.monotonic() + 10
        while not socket_path.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert socket_path.is_socket()
    finally:
        server.terminate()
        out, err = server.communicate(timeout=30)
    lines = out.splitlines()
    assert lines and all(LINE.match(line) for line in lines), "\n".join(lines)
    assert any("logger=gunicorn.error" in line and "Listening at" in line for line in lines)
    (access,) = [line for line in lines if "logger=gunicorn.access" in line]
    assert f"request_id={request_id}" in access
    assert "method=GET path=/healthz status=200" in access and "duration_ms=" in access
    assert not [line for line in err.splitlines() if "gunicorn" in line.lower()], err


def test_control_socket_paths_differ_per_bind_and_follow_the_environment(tmp_path):
    from config.gunicorn import control_socket_path

    env = {"RUNTIME_DIRECTORY": str(tmp_path)}
    first = control_socket_path(["127.0.0.1:8001"], env)
    second = control_socket_path(["127.0.0.1:8002"], env)
    unix = control_socket_path(["unix:/run/podium/gunicorn.sock"], env)
    assert len({first, second, unix}) == 3
    assert all(path.startswith(str(tmp_path)) for path in (first, second, unix))
    assert control_socket_path(["x"], {"GUNICORN_CONTROL_SOCKET": "/run/a.ctl"}) == "/run/a.ctl"


def test_gunicorn_access_lines_are_off_unless_asked():
    code = (
        "import runpy; c = runpy.run_path('config/gunicorn.py')\n"
        "print(c['logconfig_dict']['loggers']['gunicorn.access']['level'])"
    )
    run = lambda **env: subprocess.run(  # noqa: E731, S603
        [sys.executable, "-c", code], cwd=ROOT, env={"PATH": os.environ["PATH"], **env},
        capture_output=True, text=True, timeout=60,
    ).stdout.strip()  # fmt: skip
    assert run() == "CRITICAL"
    assert run(GUNICORN_ACCESS_LOG="true") == "INFO"


def test_json_of_detailed_check_is_parseable(client, ops):
    json.loads(client.get("/ops/health", **AUTH).content)


def test_metrics_add_up_every_gunicorn_worker_with_prometheus_multiproc_dir(tmp_path):
    """Two workers, each with its own counters: /ops/metrics (answered by one of them) counts
    every request, and the previous run's files are cleared when gunicorn starts."""
    port, metrics_dir = free_port(), tmp_path / "metrics"
    metrics_dir.mkdir()
    (metrics_dir / "counter_99999.db").write_bytes(b"stale counters of the last run")
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path),
        "DEBUG": "false",
        "SECRET_KEY": "gunicorn-test-key",
        "HTTPS": "false",
        "ENV_FILE": "/dev/null",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "RUNTIME_DIRECTORY": str(tmp_path),
        "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir),
        "OPS_TOKEN": TOKEN,
    }
    server = subprocess.Popen(  # noqa: S603 - this venv's gunicorn, fixed arguments
        [str(Path(sys.executable).with_name("gunicorn")), "-c", "config/gunicorn.py",
         "--bind", f"127.0.0.1:{port}", "--workers", "2"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip

    def get(path, headers=None):
        request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers=headers or {})
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return response.read().decode()

    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                get("/healthz")
                break
            except OSError:
                assert time.monotonic() < deadline, "gunicorn did not start"
                time.sleep(0.2)
        assert not (metrics_dir / "counter_99999.db").exists()

        def worker_pids():
            return {path.name.rsplit("_", 1)[-1] for path in metrics_dir.glob("*.db")}

        # Which worker accepts a connection is the kernel's choice: ask until both have
        # answered (a worker writes its counters on its first request), then count.
        sent = 0
        while sent < 20 or (len(worker_pids()) < 2 and sent < 1000):
            get("/robots.txt")
            sent += 1
        assert len(worker_pids()) >= 2, "one worker answered every request"
        robots = re.compile(
            r"django_http_requests_latency_seconds_by_view_method_count"
            r'\{method="GET",view="robots_txt"\} (\S+)'
        )
        for _ in range(6):  # several scrapes, answered by either worker: always the total
            text = get("/ops/metrics", {"Authorization": f"Bearer {TOKEN}"})
            count = robots.search(text)
            assert count and float(count[1]) == sent, text[:2000]
    finally:
        server.terminate()
        server.communicate(timeout=30)


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"OPS_TOKEN": "short"}, "OPS_TOKEN must be at least 24 characters"),
        ({"OPS_ALLOWED_IPS": "10.0.0.0/8,intranet"}, "OPS_ALLOWED_IPS must be comma-separated"),
        ({"BACKUP_KEEP": "-1"}, "BACKUP_KEEP must be 0"),
    ],
)
def test_bad_monitoring_and_backup_settings_stop_start_up_clearly(env, message):
    result = run_settings("print('started')", **env)
    assert result.returncode != 0 and message in result.stderr and "started" not in result.stdout


def test_good_monitoring_settings_are_read_from_the_environment():
    code = "from django.conf import settings as s; print(s.OPS_ALLOWED_IPS, s.OPS_MIN_FREE_MB, s.BACKUP_KEEP)"
    result = run_settings(
        code, OPS_ALLOWED_IPS="10.0.0.0/8, 2001:db8::/32", OPS_MIN_FREE_MB="50", BACKUP_KEEP="0"
    )
    assert result.stdout.strip() == "['10.0.0.0/8', '2001:db8::/32'] 50 0"
