"""Settings come from the environment, with safe defaults and a fast failure."""

import functools
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent


def load_settings(**env):
    """Import config.settings in a fresh interpreter with exactly ``env`` and print a few values."""
    code = (
        "import json, config.settings as s;"
        "db = s.DATABASES['default'];"
        "print(json.dumps({'DEBUG': s.DEBUG, 'HTTPS': s.HTTPS, 'SECURE_SSL_REDIRECT': s.SECURE_SSL_REDIRECT,"
        "'SESSION_COOKIE_SECURE': s.SESSION_COOKIE_SECURE, 'HSTS': s.SECURE_HSTS_SECONDS,"
        "'ENGINE': db['ENGINE'], 'OPTIONS': db.get('OPTIONS', {}), 'CACHE': s.CACHES['default'],"
        "'SERVE_MEDIA': s.SERVE_MEDIA, 'STATIC': s.STORAGES['staticfiles']['BACKEND'],"
        "'ALLOWED_HOSTS': s.ALLOWED_HOSTS, 'SITE_URL': s.SITE_URL, 'ADMIN_URL': s.ADMIN_URL}, default=str))"
    )
    # No .env either (`make serve` writes one): exactly ``env``.
    clean_env = {"PATH": os.environ["PATH"], "ENV_FILE": os.devnull, **env}
    return subprocess.run(  # noqa: S603 - fixed interpreter and code
        [sys.executable, "-c", code], cwd=ROOT, env=clean_env, capture_output=True, text=True, timeout=60
    )


def test_missing_secret_key_with_debug_off_stops_startup_with_a_clear_message():
    result = load_settings()
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_debug_defaults_off_and_https_defaults_on_in_production():
    import json

    result = load_settings(SECRET_KEY="x" * 50)
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout)
    assert values["DEBUG"] is False
    assert values["HTTPS"] is True
    assert values["SECURE_SSL_REDIRECT"] is True
    assert values["SESSION_COOKIE_SECURE"] is True
    assert values["HSTS"] >= 31536000
    assert values["SERVE_MEDIA"] is False


def test_development_gets_a_dev_key_and_no_https():
    import json

    result = load_settings(DEBUG="true")
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout)
    assert values["DEBUG"] is True and values["HTTPS"] is False and values["SERVE_MEDIA"] is True


def test_sqlite_is_configured_for_concurrent_writers():
    import json

    result = load_settings(DEBUG="true")
    values = json.loads(result.stdout)
    assert values["ENGINE"] == "django.db.backends.sqlite3"
    options = values["OPTIONS"]
    assert options["transaction_mode"] == "IMMEDIATE"
    assert options["timeout"] >= 5
    assert "journal_mode=WAL" in options["init_command"]


def test_redis_cache_url_uses_django_redis_and_degrades_quietly():
    import json

    result = load_settings(DEBUG="true", CACHE_URL="redis://127.0.0.1:6379/1")
    cache = json.loads(result.stdout)["CACHE"]
    assert cache["BACKEND"] == "django_redis.cache.RedisCache"
    assert cache["OPTIONS"]["IGNORE_EXCEPTIONS"] is True
    assert cache["OPTIONS"]["SOCKET_TIMEOUT"] == 1


def test_invalid_site_url_is_a_clear_error():
    result = load_settings(DEBUG="true", SITE_URL="podium.example")
    assert result.returncode != 0
    assert "SITE_URL must look like" in result.stderr


def test_static_files_have_hashed_compressed_names():
    result = load_settings(SECRET_KEY="x" * 50)
    assert "CompressedManifestStaticFilesStorage" in result.stdout


@pytest.mark.django_db
def test_sqlite_writers_wait_for_each_other_instead_of_failing(tmp_path):
    """Two processes write to one SQLite file at once; with IMMEDIATE transactions and a
    busy timeout both finish, neither fails with "database is locked"."""
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3":
        pytest.skip("SQLite-specific; the PostgreSQL run covers its own concurrency")
    db = tmp_path / "concurrent.sqlite3"
    env = {"PATH": os.environ["PATH"], "DEBUG": "true", "DATABASE_URL": f"sqlite:///{db}"}
    migrate = subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, capture_output=True,
        text=True, timeout=120,
    )  # fmt: skip
    assert migrate.returncode == 0, migrate.stderr
    writer = (
        "import django, os, time; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'config.settings');"
        "django.setup();"
        "from django.db import transaction; from news.models import Tag;"
        "import sys; n = sys.argv[1]\n"
        "for i in range(40):\n"
        "    with transaction.atomic():\n"
        "        Tag.objects.create(name=f'{n}-{i}', slug=f'{n}-{i}'); time.sleep(0.005)\n"
    )
    procs = [
        subprocess.Popen(  # noqa: S603
            [sys.executable, "-c", writer, name], cwd=ROOT, env=env, stderr=subprocess.PIPE, text=True
        )
        for name in ("a", "b", "c")
    ]
    errors = [p.communicate(timeout=120)[1] for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0], errors
    counter = (
        "import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'config.settings');"
        "django.setup(); from news.models import Tag; print(Tag.objects.count())"
    )
    count = subprocess.run(  # noqa: S603
        [sys.executable, "-c", counter], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert count.stdout.strip() == "120"


def test_variables_come_from_env_file_and_real_environment_variables_win(tmp_path):
    env_file = tmp_path / "podium.env"
    env_file.write_text("SECRET_KEY=" + "k" * 50 + "\nSITE_URL=https://from-file.example\n")

    from_file = load_settings(ENV_FILE=str(env_file))
    overridden = load_settings(ENV_FILE=str(env_file), SITE_URL="https://from-env.example")

    assert from_file.returncode == 0, from_file.stderr  # SECRET_KEY came from the file
    assert '"SITE_URL": "https://from-file.example"' in from_file.stdout
    assert '"SITE_URL": "https://from-env.example"' in overridden.stdout


@pytest.mark.parametrize(
    "name",
    [
        "COMMENTS_RATE",
        "COMMENTS_REPORT_RATE",
        "COMMENTS_REPORTS_PER_COMMENT",
        "COMMENTS_RECOMMEND_RATE",
        "CORRECTIONS_REPORT_RATE",
        "FOLLOW_RATE",
    ],
)
def test_a_mistyped_rate_stops_startup_with_a_clear_message(name):
    result = load_settings(SECRET_KEY="x" * 50, **{name: "3/h, 10/min"})
    assert result.returncode != 0
    assert f"{name} must look like 5/m,20/h (s, m, h or d), not '3/h, 10/min'." in result.stderr


@pytest.mark.parametrize("rate", [" 2 / m , 9/d,", ""], ids=["spaced", "empty-no-limit"])
def test_a_rate_as_the_rate_limiter_reads_it_starts(rate):
    assert load_settings(SECRET_KEY="x" * 50, COMMENTS_REPORT_RATE=rate).returncode == 0


@pytest.mark.parametrize(
    "admin_url",
    [
        "./", "../", "../x/", "x/../", "a/../b/", "a/./b/", ".../", "desk/../../",  # dot segments
        "a//b/", "//", "%2e%2e/", ".%2E/", "a/%2e%2e/b/", "desk%2F7k2/",  # empty, percent-encoded
        "a\\..\\b/", "..\\", "desk 7k2/", "desk/\n/", "desk-7k2",  # backslashes, spaces, no "/"
    ],
)  # fmt: skip
def test_admin_url_that_a_client_or_proxy_could_rewrite_stops_startup(admin_url):
    result = load_settings(SECRET_KEY="k" * 50, ADMIN_URL=admin_url)
    assert result.returncode != 0, result.stdout
    assert "ADMIN_URL must look like admin/ or desk-7k2/" in result.stderr
    assert "none of them only dots" in result.stderr


@pytest.mark.parametrize(
    ("admin_url", "stored"),
    [("desk-7k2/", "desk-7k2/"), ("/ops/desk.v2/", "ops/desk.v2/"), ("a.b~c/", "a.b~c/")],
)
def test_admin_url_with_dots_inside_a_segment_is_accepted(admin_url, stored):
    import json

    result = load_settings(SECRET_KEY="k" * 50, ADMIN_URL=admin_url)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["ADMIN_URL"] == stored


def test_a_comment_form_max_age_below_one_hour_is_a_clear_error():
    result = load_settings(DEBUG="true", COMMENTS_FORM_MAX_AGE_HOURS="0")
    assert result.returncode != 0
    assert "COMMENTS_FORM_MAX_AGE_HOURS must be a whole number of hours, 1 or more." in result.stderr


def test_reserved_comment_names_come_from_a_comma_separated_variable():
    code = "import json, config.settings as s; print(json.dumps(s.COMMENTS_RESERVED_NAMES))"
    env = {"PATH": os.environ["PATH"], "ENV_FILE": os.devnull, "DEBUG": "true"}
    run = functools.partial(
        subprocess.run, [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    default = run(env=env)
    custom = run(env={**env, "COMMENTS_RESERVED_NAMES": "Race Control, ,Desk"})
    assert json.loads(default.stdout) == ["Podium", "Editor", "Moderator", "Admin", "Administrator", "Staff"]
    assert json.loads(custom.stdout) == ["Race Control", "Desk"]


@pytest.mark.parametrize(
    "name", ["COMMENTS_TRUST_DAYS", "COMMENTS_TRUSTED_AFTER", "COMMENTS_HIDE_AFTER_REPORTS"]
)
def test_a_negative_trust_or_hiding_count_is_a_clear_error(name):
    result = load_settings(DEBUG="true", **{name: "-1"})
    assert result.returncode != 0
    assert f"{name} must be 0 or more, not -1." in result.stderr
