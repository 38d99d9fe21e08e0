"""Mail settings come from the environment: EMAIL_URL (django-environ; the console by
default), DEFAULT_FROM_EMAIL, EMAIL_TIMEOUT and COMMENTS_MODERATORS_EMAIL (checked at start-up)."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
NAMES = [
    "EMAIL_BACKEND", "EMAIL_HOST", "EMAIL_PORT", "EMAIL_HOST_USER", "EMAIL_HOST_PASSWORD", "EMAIL_USE_TLS",
    "EMAIL_TIMEOUT", "DEFAULT_FROM_EMAIL", "COMMENTS_MODERATORS_EMAIL",
]  # fmt: skip


def load_settings(**env):
    """config.settings imported in a fresh interpreter with exactly ``env``: the mail settings."""
    code = (
        f"import json, config.settings as s; print(json.dumps({{n: getattr(s, n, None) for n in {NAMES!r}}}))"
    )
    clean_env = {"PATH": os.environ["PATH"], "ENV_FILE": os.devnull, "DEBUG": "true", **env}
    return subprocess.run(  # noqa: S603 - fixed interpreter and code
        [sys.executable, "-c", code], cwd=ROOT, env=clean_env, capture_output=True, text=True, timeout=60
    )


def test_mail_is_printed_on_the_console_by_default():
    values = json.loads(load_settings().stdout)
    assert values["EMAIL_BACKEND"] == "django.core.mail.backends.console.EmailBackend"
    assert values["DEFAULT_FROM_EMAIL"] == "Podium <noreply@127.0.0.1>"
    assert values["EMAIL_TIMEOUT"] == 10
    assert values["COMMENTS_MODERATORS_EMAIL"] == []


def test_email_url_configures_smtp():
    result = load_settings(
        EMAIL_URL="smtp+tls://mailer:s3cret@smtp.example.com:587",
        SITE_URL="https://podium.example",
        COMMENTS_MODERATORS_EMAIL="mods@podium.example, ,desk@podium.example",
    )
    values = json.loads(result.stdout)
    assert values["EMAIL_BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"
    assert (values["EMAIL_HOST"], values["EMAIL_PORT"], values["EMAIL_USE_TLS"]) == (
        "smtp.example.com",
        587,
        True,
    )
    assert (values["EMAIL_HOST_USER"], values["EMAIL_HOST_PASSWORD"]) == ("mailer", "s3cret")
    assert values["DEFAULT_FROM_EMAIL"] == "Podium <noreply@podium.example>"
    assert values["COMMENTS_MODERATORS_EMAIL"] == ["mods@podium.example", "desk@podium.example"]


def test_a_moderators_address_that_is_not_one_stops_startup_with_a_clear_message():
    result = load_settings(COMMENTS_MODERATORS_EMAIL="mods@podium.example;desk")
    assert result.returncode != 0
    assert "COMMENTS_MODERATORS_EMAIL must be comma-separated email addresses" in result.stderr
