"""Podium settings: one module, every difference between environments comes from
environment variables (or an optional ``.env`` file), read through django-environ.

Every variable is documented in the README's "Configuration" table.
"""

import ipaddress
import os
import re
from datetime import timedelta
from email.utils import getaddresses
from pathlib import Path
from urllib.parse import urlsplit

import environ
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.core.validators import validate_email

from config.logging import FORMATTERS, stdout_handler
from config.static_headers import add_security_headers as add_static_security_headers

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
# An optional .env (git-ignored) for local settings; real environment variables win.
# ENV_FILE names another file (or none: ENV_FILE=/dev/null, as the settings tests do).
ENV_FILE = Path(os.environ.get("ENV_FILE") or BASE_DIR / ".env")
if ENV_FILE.is_file():
    env.read_env(ENV_FILE, overwrite=False)

DEBUG = env.bool("DEBUG", default=False)

if DEBUG:
    SECRET_KEY = env.str("SECRET_KEY", default="django-insecure-podium-development-only")
else:
    SECRET_KEY = env.str("SECRET_KEY", default="")
    if not SECRET_KEY:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. With DEBUG off Podium refuses to start without one: "
            "set the SECRET_KEY environment variable (or DEBUG=true for development)."
        )

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])

# Scheme and host of every absolute URL (canonical links, Open Graph, feeds, sitemap).
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
_site = urlsplit(SITE_URL)
if _site.scheme not in {"http", "https"} or not _site.netloc:
    raise ImproperlyConfigured(f"SITE_URL must look like https://example.com, not {SITE_URL!r}.")
SITE_NAME = "Podium"

CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[SITE_URL])
# A branded 403 that says the page was stale and shows a comment's text back.
CSRF_FAILURE_VIEW = "news.comment_views.csrf_failure"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    # Before staticfiles so `runserver` serves static files the way whitenoise will.
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "django_prometheus",
    "csp",
    "axes",
    "core",
    "athletics",
    "news",
    "notifications",
    "corrections",
]

MIDDLEWARE = [
    # django-prometheus: counts and times every request that reaches Django (README, Monitoring).
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    # First: hashed static files are answered before anything else, with their security
    # headers computed once per file (config/static_headers.py); not logged here, as a page
    # view brings several of them (a CDN or nginx in front logs them). README, Performance.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Times the whole request and logs one line for it, with its request id.
    "config.middleware.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "config.middleware.SecurityHeadersMiddleware",
    # Cache-Control for pages (public for anonymous readers, private when per-visitor):
    # outside the session, CSRF and messages middleware so it sees the cookies they set.
    "config.middleware.CacheControlMiddleware",
    # /healthz, /ops/health and /ops/metrics, answered whatever the Host (a balancer or
    # Prometheus asks by IP): before CommonMiddleware validates it (config/ops.py).
    "config.ops.OpsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Fills each page's per-visitor holes (CSRF token, messages…), cached page or not:
    # inside the CSRF and messages middleware, which the holes use (core/cache.py).
    "core.cache.VisitorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # A database that does not answer: a branded 503, not a 500 (see config/errors.py).
    "config.middleware.DatabaseUnavailableMiddleware",
    # Last, as django-axes requires: turns a locked-out login into the lock-out page.
    "axes.middleware.AxesMiddleware",
    # Latency by view: the time the view took (config/ops.py bounds the method label).
    "config.ops.PrometheusAfterMiddleware",
]

AUTHENTICATION_BACKENDS = [
    # django-axes first: refuses a locked (username, client address) pair before the password is checked.
    "config.auth.LoginLockoutBackend",
    "django.contrib.auth.backends.ModelBackend",
]

ROOT_URLCONF = "config.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "news.context_processors.site",
                "csp.context_processors.nonce",
            ],
        },
    },
]

WSGI_APPLICATION = "config.wsgi.application"

# Database: SQLite file in the project by default, PostgreSQL through DATABASE_URL.
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Configured for a web site: WAL lets readers run beside a writer, the busy timeout
    # and IMMEDIATE transactions make concurrent writers wait instead of failing with
    # "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": (
                "PRAGMA journal_mode=WAL;"
                "PRAGMA synchronous=NORMAL;"
                "PRAGMA busy_timeout=20000;"
                "PRAGMA foreign_keys=ON;"
                # Reads through a memory map and a bigger page cache (8 MB per connection,
                # one connection per worker); sorts in memory (README, "Performance").
                "PRAGMA mmap_size=67108864;"
                "PRAGMA cache_size=-8000;"
                "PRAGMA temp_store=MEMORY;"
            ),
        }
    )
else:
    # Fail fast instead of hanging when the database server does not answer.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("connect_timeout", 3)
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Django's backend with a health check that needs no round trip (config/postgresql/base.py).
    DATABASES["default"]["ENGINE"] = "config.postgresql"
# Persistent connections (also for SQLite: no reconnect and PRAGMAs per request), checked
# before each request reuses them.
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

# Cache: local memory by default, Redis (django-redis) through CACHE_URL=redis://...
CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://podium")}
if CACHES["default"]["BACKEND"] == "django_redis.cache.RedisCache":
    from config.redis import cache_options

    # A Redis outage degrades to cache misses, never to errors or long waits: errors
    # ignored (and logged), 1 s timeouts, and a circuit breaker (config/redis.py).
    CACHES["default"].setdefault("OPTIONS", {}).update(cache_options())
    DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True
CACHES["default"].setdefault("KEY_PREFIX", "podium")
# The page cache (core/cache.py, README "Performance"): pages kept in each process, up to
# this many bytes (in front of Redis when CACHE_URL names it), and in Redis this long.
PAGE_CACHE_BYTES = env.int("PAGE_CACHE_BYTES", default=32 * 1024 * 1024)
PAGE_CACHE_TIMEOUT = env.int("PAGE_CACHE_TIMEOUT", default=24 * 60 * 60)
# What is deployed (e.g. a git commit), part of every cached page's key; empty: a hash of
# the code, templates and static manifest, computed at start-up.
RELEASE = env.str("RELEASE", default="")

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(BASE_DIR / "media")))
# Django serves uploads itself only when asked (development, `make serve`); in
# production the web server or an object-storage backend serves MEDIA_ROOT.
SERVE_MEDIA = env.bool("SERVE_MEDIA", default=DEBUG)

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Hashed, compressed, forever-cacheable names. (STATICFILES_STORAGE is ignored on 5.2.)
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
# WhiteNoise runs before the security middleware: it sets their headers itself.
WHITENOISE_ADD_HEADERS_FUNCTION = add_static_security_headers

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Security (see README, "Running in production"). HTTPS defaults on whenever DEBUG is off
# and drives the SSL redirect, secure cookies and HSTS, so `make serve` (HTTPS=false) keeps
# working on plain http.
HTTPS = env.bool("HTTPS", default=not DEBUG)
SECURE_SSL_REDIRECT = HTTPS
# The load balancer's health check and Prometheus speak plain http to the app.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^ops/(health|metrics)$"]
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365 if HTTPS else 0)
# Opt-in: they bind every subdomain, and (preload) browsers' built-in lists for months.
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
# check --deploy warns when those two are off; off is the documented default, not an oversight.
SILENCED_SYSTEM_CHECKS = [
    *([] if SECURE_HSTS_INCLUDE_SUBDOMAINS else ["security.W005"]),
    *([] if SECURE_HSTS_PRELOAD else ["security.W021"]),
]
# Trust the TLS-terminating proxy's scheme header only when told to: set
# SECURE_PROXY_SSL_HEADER=X-Forwarded-Proto when (and only when) the proxy sets it and
# strips it from clients. Unset, a client could claim https by sending the header itself.
_proxy_ssl_header = env.str("SECURE_PROXY_SSL_HEADER", default="").strip()
if _proxy_ssl_header:
    if not re.fullmatch(r"[A-Za-z0-9-]+", _proxy_ssl_header):
        raise ImproperlyConfigured(
            "SECURE_PROXY_SSL_HEADER must be a header name like X-Forwarded-Proto, "
            f"not {_proxy_ssl_header!r}."
        )
    SECURE_PROXY_SSL_HEADER = ("HTTP_" + _proxy_ssl_header.upper().replace("-", "_"), "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Sent by config.middleware.SecurityHeadersMiddleware: no powerful feature is used by the site.
PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), microphone=(), "
    "payment=(), usb=(), interest-cohort=()"
)

# Content-Security-Policy (django-csp 4): our own files only, no inline script or style
# except an element carrying the per-response nonce (request.csp_nonce / {{ CSP_NONCE }}).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, NONCE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "media-src": [SELF],
        "object-src": [NONE],
        "frame-src": [NONE],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
        "base-uri": [SELF],
    },
}

# The admin. Its URL can be moved off the well-known /admin/ (ADMIN_URL=desk-7k2/).
# Segments of unreserved characters, each ending in "/": no "%", backslash or empty segment that a
# proxy or browser could decode or collapse into another path, and no segment of dots only
# ("./", "../x/", "a/../b/"), which clients and proxies normalise away before Django sees it.
ADMIN_URL = env.str("ADMIN_URL", default="admin/").strip().lstrip("/")
if not re.fullmatch(r"([A-Za-z0-9._~-]+/)+", ADMIN_URL) or any(
    not segment.strip(".") for segment in ADMIN_URL.split("/")[:-1]
):
    raise ImproperlyConfigured(
        "ADMIN_URL must look like admin/ or desk-7k2/: letters, digits and -._~ in segments "
        f"each ending in /, none of them only dots (. or ..), not {ADMIN_URL!r}."
    )
# django-axes: 5 failed logins lock that (username, client address) pair for 15 minutes.
# Locking a username alone would let anyone lock an editor out; an address alone, one office.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# The client as every count sees it: an IPv6 client by its /64 (news/client.py).
AXES_CLIENT_IP_CALLABLE = "news.client.client_key"
AXES_LOCKOUT_TEMPLATE = "account_locked.html"
AXES_HTTP_RESPONSE_CODE = 429
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False

# One line per record on stdout, key=value (logfmt), each with the request id of the request
# it belongs to; tracebacks are kept on that line as escaped text (config/logging.py). An error
# the client caused (django.security.*: bad Host, oversized body…) is one WARNING, no traceback.
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO").upper()
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request_id": {"()": "config.logging.RequestIdFilter"},
        "skip_circuit_open": {"()": "config.redis.SkipCircuitOpenRecords"},
        "require_debug_false": {"()": "django.utils.log.RequireDebugFalse"},
    },
    "formatters": FORMATTERS,
    "handlers": {
        "console": stdout_handler("request_id"),
        # Unhandled errors mailed to ADMINS (none: nothing sent), at most one mail per error
        # and place every few minutes (config/logging.py, README "Monitoring").
        "mail_admins": {
            "level": "ERROR",
            "class": "config.logging.ThrottledAdminEmailHandler",
            "filters": ["request_id", "require_debug_false"],
        },
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    # Django's own records propagate to the root's handler (one line each, never twice).
    "loggers": {
        "django": {"level": "INFO"},
        # Its 4xx warnings ("Not Found: /x") repeat the podium.request line of the same
        # request: one line per 404. Its 5xx errors (with the traceback) stay, and are mailed
        # to ADMINS.
        "django.request": {"level": "ERROR", "handlers": ["mail_admins"]},
        # A Redis outage is logged when it begins, not again for every skipped cache call.
        "django_redis.cache": {"filters": ["skip_circuit_open"]},
    },
}

# Email (README, "Configuration"): EMAIL_URL through django-environ, e.g.
# smtp+tls://user:password@smtp.example.com:587; the console by default, so a development
# server's mails are printed. Fans' and moderators' mail is sent by `send_notifications` (the
# outbox); error reports to ADMINS from the failing request (config/logging.py).
vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default=f"{SITE_NAME} <noreply@{_site.hostname}>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# A mail server that does not answer fails the attempt (retried later) instead of hanging.
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)
# Who gets unhandled errors by mail: "Ana Ops <ana@example.com>,ops@example.com".
ADMINS = [(name, address) for name, address in getaddresses([env.str("ADMINS", default="")]) if address]
for _name, _address in ADMINS:
    try:
        validate_email(_address)
    except ValidationError:
        raise ImproperlyConfigured(
            f"ADMINS must be comma-separated addresses like 'Ana <ana@example.com>', not {_address!r}."
        ) from None
# Minutes between two mails about the same error (same exception type and place).
ADMINS_EMAIL_THROTTLE_MINUTES = env.int("ADMINS_EMAIL_THROTTLE_MINUTES", default=10)

# Monitoring (README, "Monitoring"): the private /ops/health and /ops/metrics answer a bearer
# token or addresses of the allow-list (as news.client reads the client's address).
OPS_TOKEN = env.str("OPS_TOKEN", default="")
if OPS_TOKEN and len(OPS_TOKEN) < 24:
    raise ImproperlyConfigured("OPS_TOKEN must be at least 24 characters (or empty: no token).")
OPS_ALLOWED_IPS = [a.strip() for a in env.list("OPS_ALLOWED_IPS", default=[]) if a.strip()]
for _network in OPS_ALLOWED_IPS:
    try:
        ipaddress.ip_network(_network, strict=False)
    except ValueError:
        raise ImproperlyConfigured(
            f"OPS_ALLOWED_IPS must be comma-separated addresses or networks (10.0.0.0/8), not {_network!r}."
        ) from None
# The detailed check fails when MEDIA_ROOT's disk has less free space than this.
OPS_MIN_FREE_MB = env.int("OPS_MIN_FREE_MB", default=1024)

# Backups (README, "Backups"): `manage.py backup` without a path writes to BACKUP_DIR and
# keeps the newest BACKUP_KEEP there (0: all).
BACKUP_DIR = Path(env.str("BACKUP_DIR", default=str(BASE_DIR / "backups")))
BACKUP_KEEP = env.int("BACKUP_KEEP", default=7)
if BACKUP_KEEP < 0:
    raise ImproperlyConfigured("BACKUP_KEEP must be 0 (keep all) or a positive number of backups.")

# Sentry, when SENTRY_DSN is set (the optional sentry-sdk: requirements-sentry.txt).
SENTRY_DSN = env.str("SENTRY_DSN", default="")
if SENTRY_DSN:
    from config.sentry import init_sentry

    init_sentry(
        SENTRY_DSN,
        environment=env.str("SENTRY_ENVIRONMENT", default="production"),
        release=RELEASE or None,
        traces_sample_rate=env.float("SENTRY_TRACES_SAMPLE_RATE", default=0.0),
    )

# Comments (see README, "Comments").
COMMENTS_MODERATION = env.str("COMMENTS_MODERATION", default="auto")
if COMMENTS_MODERATION not in {"auto", "pre"}:
    raise ImproperlyConfigured("COMMENTS_MODERATION must be 'auto' or 'pre'.")
COMMENTS_CLOSE_AFTER_DAYS = env.int("COMMENTS_CLOSE_AFTER_DAYS", default=30)
COMMENTS_RATE = env.str("COMMENTS_RATE", default="5/m,20/h")
# Reports one client may send (of any comments), and reports of one comment stored per
# window whoever sends them (more are thanked, not stored): the rate syntax of COMMENTS_RATE.
COMMENTS_REPORT_RATE = env.str("COMMENTS_REPORT_RATE", default="10/m,30/h")
COMMENTS_REPORTS_PER_COMMENT = env.str("COMMENTS_REPORTS_PER_COMMENT", default="20/h")
# Presses of "Recommend" (and of it again, to take one back) one client may make: a reader
# recommends several comments of a thread, so more than the posts of COMMENTS_RATE.
COMMENTS_RECOMMEND_RATE = env.str("COMMENTS_RECOMMEND_RATE", default="20/m,200/h")
# Readers' error reports one client may send (corrections app; README, "Corrections").
CORRECTIONS_REPORT_RATE = env.str("CORRECTIONS_REPORT_RATE", default="3/m,10/h")
# Posts of an athlete's "Follow by email" form one client may send (README, "Follow an athlete").
FOLLOW_RATE = env.str("FOLLOW_RATE", default="5/m,20/h")
# Checked here, as core.ratelimit.parse_rates reads them: a typo stops start-up, not every post.
for _rate_setting in (
    "COMMENTS_RATE",
    "COMMENTS_REPORT_RATE",
    "COMMENTS_REPORTS_PER_COMMENT",
    "COMMENTS_RECOMMEND_RATE",
    "CORRECTIONS_REPORT_RATE",
    "FOLLOW_RATE",
):
    _rate = globals()[_rate_setting]
    if not all(re.fullmatch(r"\s*\d+\s*/\s*[smhd]\s*", part) for part in _rate.split(",") if part.strip()):
        raise ImproperlyConfigured(f"{_rate_setting} must look like 5/m,20/h (s, m, h or d), not {_rate!r}.")
# Trust from history (README, "Comments"): the window in days (0 turns it off), and how many
# approved comments, with no rejection, let a client skip the links and blocklist holds (0: never).
COMMENTS_TRUST_DAYS = env.int("COMMENTS_TRUST_DAYS", default=90)
COMMENTS_TRUSTED_AFTER = env.int("COMMENTS_TRUSTED_AFTER", default=3)
# Distinct readers' reports that hide a shown comment pending review (0: reports never hide).
COMMENTS_HIDE_AFTER_REPORTS = env.int("COMMENTS_HIDE_AFTER_REPORTS", default=0)
for _count_setting in ("COMMENTS_TRUST_DAYS", "COMMENTS_TRUSTED_AFTER", "COMMENTS_HIDE_AFTER_REPORTS"):
    if globals()[_count_setting] < 0:
        raise ImproperlyConfigured(f"{_count_setting} must be 0 or more, not {globals()[_count_setting]}.")
COMMENTS_BLOCKLIST = [w.strip().lower() for w in env.list("COMMENTS_BLOCKLIST", default=[]) if w.strip()]
# Names no fan may take (whole words, however spelled: README, "Comments"), besides the
# staff's bylines.
COMMENTS_RESERVED_NAMES = [
    name.strip()
    for name in env.list(
        "COMMENTS_RESERVED_NAMES",
        default=["Podium", "Editor", "Moderator", "Admin", "Administrator", "Staff"],
    )
    if name.strip()
]
COMMENTS_PER_PAGE = 50
COMMENTS_MIN_SECONDS = 2
# How long a rendered comment form may be sent (its signed token is refused after that).
COMMENTS_FORM_MAX_AGE_HOURS = env.int("COMMENTS_FORM_MAX_AGE_HOURS", default=24)
if COMMENTS_FORM_MAX_AGE_HOURS < 1:
    raise ImproperlyConfigured("COMMENTS_FORM_MAX_AGE_HOURS must be a whole number of hours, 1 or more.")
COMMENTS_DATA_RETENTION_DAYS = 90
# Minutes the browser that posted a comment may edit or delete it (0: never).
COMMENTS_EDIT_MINUTES = env.int("COMMENTS_EDIT_MINUTES", default=10)
if COMMENTS_EDIT_MINUTES < 0:
    raise ImproperlyConfigured("COMMENTS_EDIT_MINUTES must be a whole number of minutes, 0 (off) or more.")
# Articles this many days old or more say so at their top and in their Open Graph
# description, "This article is more than 2 years old" (README, "Configuration"; 0: never).
_story_age = env.str("STORY_AGE_WARNING_DAYS", default="365").strip()
if not re.fullmatch(r"\d{1,5}", _story_age):
    raise ImproperlyConfigured(
        f"STORY_AGE_WARNING_DAYS must be a whole number of days, 0 (off) to 99999, not {_story_age!r}."
    )
STORY_AGE_WARNING_DAYS = int(_story_age)
# Addresses that get the digest of pending and reported comments (send_notifications).
COMMENTS_MODERATORS_EMAIL = [
    a.strip() for a in env.list("COMMENTS_MODERATORS_EMAIL", default=[]) if a.strip()
]
for _address in COMMENTS_MODERATORS_EMAIL:
    try:
        validate_email(_address)
    except ValidationError:
        raise ImproperlyConfigured(
            f"COMMENTS_MODERATORS_EMAIL must be comma-separated email addresses, not {_address!r}."
        ) from None
# The header a trusted reverse proxy puts the client address in, e.g. X-Forwarded-For.
# Empty: REMOTE_ADDR is the client (no proxy, or one we do not trust).
TRUSTED_PROXY_HEADER = env.str("TRUSTED_PROXY_HEADER", default="")
