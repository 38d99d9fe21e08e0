"""Production settings: `check --deploy` is clean with the environment the README documents;
HTTPS (behind a proxy only when told), HSTS and cookies follow the environment, and plain
http (`make serve`, HTTPS=false) keeps working."""

import json
import os
import secrets
import subprocess
import sys
from http import HTTPStatus
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.test import Client

ROOT = Path(__file__).resolve().parents[2]

# The production environment of the README's "Running in production" section.
PRODUCTION_ENV = {
    "DEBUG": "false",
    "SECRET_KEY": secrets.token_urlsafe(50),
    "ALLOWED_HOSTS": "podium.example",
    "SITE_URL": "https://podium.example",
    "SECURE_PROXY_SSL_HEADER": "X-Forwarded-Proto",
    "SECURE_HSTS_SECONDS": "31536000",
    "TRUSTED_PROXY_HEADER": "X-Forwarded-For",
}


def run(args, **env):
    # No .env either (`make serve` writes one): exactly ``env``.
    clean_env = {"PATH": os.environ["PATH"], "ENV_FILE": os.devnull, **env}
    return subprocess.run(  # noqa: S603 - fixed interpreter and arguments
        [sys.executable, *args], cwd=ROOT, env=clean_env, capture_output=True, text=True, timeout=120
    )


def settings_with(**env):
    """Selected settings, as config.settings computes them from exactly ``env``."""
    code = (
        "import json, config.settings as s;"
        "names = ['HTTPS', 'SECURE_SSL_REDIRECT', 'SECURE_PROXY_SSL_HEADER', 'SECURE_HSTS_SECONDS',"
        " 'SECURE_HSTS_INCLUDE_SUBDOMAINS', 'SECURE_HSTS_PRELOAD', 'SESSION_COOKIE_SECURE',"
        " 'SESSION_COOKIE_HTTPONLY', 'SESSION_COOKIE_SAMESITE', 'CSRF_COOKIE_SECURE', 'CSRF_COOKIE_SAMESITE',"
        " 'SECURE_REDIRECT_EXEMPT', 'ADMIN_URL', 'LOG_LEVEL'];"
        "print(json.dumps({n: getattr(s, n, None) for n in names}))"
    )
    result = run(["-c", code], **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_check_deploy_is_clean_with_the_documented_production_environment():
    result = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], **PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_check_deploy_does_complain_about_a_development_setup():
    """The check above is not vacuous: DEBUG on (and a dev key) is reported."""
    result = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], DEBUG="true")
    assert result.returncode != 0
    assert "security.W018" in result.stderr + result.stdout  # DEBUG on


def test_proxy_ssl_header_is_trusted_only_when_configured():
    assert settings_with(SECRET_KEY="k" * 50)["SECURE_PROXY_SSL_HEADER"] is None
    configured = settings_with(SECRET_KEY="k" * 50, SECURE_PROXY_SSL_HEADER="X-Forwarded-Proto")
    assert configured["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]


def test_a_malformed_proxy_ssl_header_stops_startup_with_a_clear_message():
    result = run(
        ["-c", "import config.settings"], SECRET_KEY="k" * 50, SECURE_PROXY_SSL_HEADER="X Forwarded: 1"
    )
    assert result.returncode != 0
    assert "SECURE_PROXY_SSL_HEADER must be a header name" in result.stderr


def test_hsts_comes_from_the_environment_with_subdomains_and_preload_off_by_default():
    default = settings_with(SECRET_KEY="k" * 50)
    assert default["SECURE_HSTS_SECONDS"] == 31536000
    assert default["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is False
    assert default["SECURE_HSTS_PRELOAD"] is False
    chosen = settings_with(
        SECRET_KEY="k" * 50,
        SECURE_HSTS_SECONDS="600",
        SECURE_HSTS_INCLUDE_SUBDOMAINS="true",
        SECURE_HSTS_PRELOAD="true",
    )
    assert chosen["SECURE_HSTS_SECONDS"] == 600
    assert chosen["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
    assert chosen["SECURE_HSTS_PRELOAD"] is True


def test_https_drives_redirect_and_secure_cookies_and_plain_http_keeps_working():
    https = settings_with(SECRET_KEY="k" * 50)
    assert https["SECURE_SSL_REDIRECT"] and https["SESSION_COOKIE_SECURE"] and https["CSRF_COOKIE_SECURE"]
    assert https["SESSION_COOKIE_HTTPONLY"] is True
    assert https["SESSION_COOKIE_SAMESITE"] == https["CSRF_COOKIE_SAMESITE"] == "Lax"
    assert https["SECURE_REDIRECT_EXEMPT"] == ["^healthz$", "^ops/(health|metrics)$"]
    # What `make serve` sets: DEBUG off, HTTPS off.
    plain = settings_with(SECRET_KEY="k" * 50, DEBUG="false", HTTPS="false")
    assert not plain["SECURE_SSL_REDIRECT"]
    assert not plain["SESSION_COOKIE_SECURE"] and not plain["CSRF_COOKIE_SECURE"]
    assert plain["SECURE_HSTS_SECONDS"] == 0
    assert plain["SESSION_COOKIE_HTTPONLY"] is True


def test_admin_url_and_log_level_come_from_the_environment():
    assert settings_with(SECRET_KEY="k" * 50)["ADMIN_URL"] == "admin/"
    moved = settings_with(SECRET_KEY="k" * 50, ADMIN_URL="/desk-7k2/", LOG_LEVEL="warning")
    assert moved["ADMIN_URL"] == "desk-7k2/"
    assert moved["LOG_LEVEL"] == "WARNING"
    result = run(["-c", "import config.settings"], SECRET_KEY="k" * 50, ADMIN_URL="no slash")
    assert "ADMIN_URL must look like" in result.stderr


# ---------- the same behaviour through the middleware ----------


@pytest.fixture
def https_on(settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.SESSION_COOKIE_SECURE = True
    settings.CSRF_COOKIE_SECURE = True
    settings.SECURE_HSTS_SECONDS = 31536000
    return settings


@pytest.mark.django_db
def test_http_is_redirected_to_https_except_healthz(https_on):
    client = Client()
    response = client.get("/news/?page=1")
    assert response.status_code == HTTPStatus.MOVED_PERMANENTLY
    assert response["Location"] == "https://testserver/news/?page=1"
    # The load balancer's plain-http health check is answered, not redirected.
    assert client.get("/healthz").status_code == HTTPStatus.OK


@pytest.mark.django_db
def test_forwarded_proto_is_ignored_unless_the_proxy_header_is_configured(https_on):
    spoofed = Client().get("/news/", HTTP_X_FORWARDED_PROTO="https")
    assert spoofed.status_code == HTTPStatus.MOVED_PERMANENTLY

    https_on.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    behind_proxy = Client().get("/news/", HTTP_X_FORWARDED_PROTO="https")
    assert behind_proxy.status_code == HTTPStatus.OK
    assert behind_proxy["Strict-Transport-Security"] == "max-age=31536000"


@pytest.mark.django_db
def test_hsts_header_carries_subdomains_and_preload_only_when_asked(https_on):
    https_on.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    https_on.SECURE_HSTS_PRELOAD = True
    response = Client().get("/news/", secure=True)
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"


@pytest.mark.django_db
def test_session_and_csrf_cookies_are_secure_httponly_and_lax(https_on):
    User.objects.create_user("desk", password="x-correct-horse-9", is_staff=True)
    client = Client()
    login_page = client.get("/admin/login/", secure=True)
    csrf = login_page.cookies["csrftoken"]
    assert csrf["secure"] and csrf["samesite"] == "Lax"
    response = client.post(
        "/admin/login/?next=/admin/", {"username": "desk", "password": "x-correct-horse-9"}, secure=True
    )
    assert response.status_code == HTTPStatus.FOUND
    session = response.cookies["sessionid"]
    assert session["secure"] and session["httponly"] and session["samesite"] == "Lax"


@pytest.mark.django_db
def test_plain_http_serves_pages_and_logs_in_without_secure_cookies(settings):
    """`make serve` (HTTPS=false, DEBUG off): no redirect, cookies a browser keeps on http."""
    settings.SECURE_SSL_REDIRECT = False
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = False
    User.objects.create_user("desk", password="x-correct-horse-9", is_staff=True)
    client = Client()
    assert client.get("/news/").status_code == HTTPStatus.OK
    response = client.post(
        "/admin/login/?next=/admin/", {"username": "desk", "password": "x-correct-horse-9"}
    )
    assert response.status_code == HTTPStatus.FOUND
    assert not response.cookies["sessionid"]["secure"]
    assert response.cookies["sessionid"]["httponly"]


@pytest.mark.django_db
def test_static_files_carry_hsts_and_the_pages_security_headers(https_on):
    """WhiteNoise answers static files before the security middleware (it is first): the
    same headers come from config.static_headers, HSTS included, with no nonce."""
    https_on.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    static = Client().get("/static/css/site.css", secure=True)
    page = Client().get("/news/", secure=True)

    assert static.status_code == page.status_code == HTTPStatus.OK
    assert static["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    for header in (
        "Strict-Transport-Security",
        "Content-Security-Policy",
        "X-Content-Type-Options",
        "Referrer-Policy",
        "Cross-Origin-Opener-Policy",
        "X-Frame-Options",
        "Permissions-Policy",
    ):
        assert static[header] == page[header], header
    # Answered before the request log: no request id, no log line.
    assert "X-Request-ID" not in static
