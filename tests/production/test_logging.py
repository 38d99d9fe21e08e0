"""Structured logs: one key=value line per record on stdout, each with the request id;
one line per request with method, path, status and duration; errors with their
traceback in the log and never on the page; LOG_LEVEL from the environment."""

import logging
import os
import re
import subprocess
import sys
from http import HTTPStatus
from pathlib import Path

import pytest
from django.test import Client

from config.logging import LineFormatter, quote

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]


def request_lines(caplog):
    return [r for r in caplog.records if r.name == "podium.request"]


def test_each_request_logs_one_line_with_method_path_status_and_duration(client, caplog):
    caplog.set_level(logging.INFO)
    response = client.get("/news/?page=1")

    (record,) = request_lines(caplog)
    assert (record.method, record.path, record.status) == ("GET", "/news/", 200)
    assert isinstance(record.duration_ms, float) and record.duration_ms >= 0
    assert record.request_id == response["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", record.request_id)
    line = LineFormatter().format(record)
    assert "\n" not in line
    assert f"request_id={record.request_id}" in line
    assert "method=GET path=/news/ status=200 duration_ms=" in line


def test_a_sane_incoming_request_id_is_kept_and_echoed(client, caplog):
    caplog.set_level(logging.INFO)
    response = client.get("/no/such/page/", HTTP_X_REQUEST_ID="lb-7f3a.42:x")

    assert response["X-Request-ID"] == "lb-7f3a.42:x"
    # Every record of the request carries it, Django's own "Not Found" warning included.
    ids = {r.request_id for r in caplog.records if r.name in {"podium.request", "django.request"}}
    assert ids == {"lb-7f3a.42:x"}


@pytest.mark.parametrize("incoming", ["has space", 'quote"d', "a\nb", "x" * 200, "", "-leading-dash", "ü"])
def test_an_insane_incoming_request_id_is_replaced(client, incoming):
    response = client.get("/healthz", HTTP_X_REQUEST_ID=incoming)
    assert re.fullmatch(r"[0-9a-f]{32}", response["X-Request-ID"])


def test_ids_differ_per_request_and_records_outside_a_request_say_so(client, caplog):
    first, second = client.get("/healthz"), client.get("/healthz")
    assert first["X-Request-ID"] != second["X-Request-ID"]
    logging.getLogger("podium.test").warning("outside")
    assert caplog.records[-1].request_id == "-"


def test_an_error_goes_to_the_log_with_its_traceback_and_never_to_the_page(caplog, monkeypatch):
    def explode(**kwargs):
        raise RuntimeError("secret internals: table news_article")

    monkeypatch.setattr("news.selectors.home_articles", explode)
    response = Client(raise_request_exception=False).get("/", HTTP_X_REQUEST_ID="req-500")

    assert response.status_code == HTTPStatus.INTERNAL_SERVER_ERROR
    assert "secret internals" not in response.text and "Traceback" not in response.text
    (error,) = [r for r in caplog.records if r.name == "django.request" and r.levelno == logging.ERROR]
    assert error.request_id == "req-500" and error.exc_info
    line = LineFormatter().format(error)
    assert "\n" not in line  # one line, whatever the traceback
    assert "exc=" in line and "Traceback (most recent call last):\\n" in line
    assert "RuntimeError: secret internals" in line
    assert "status_code=500" in line
    (access,) = request_lines(caplog)
    assert access.levelno == logging.WARNING and access.status == 500


def test_a_hostile_path_cannot_break_the_line_or_forge_a_key(client, caplog):
    caplog.set_level(logging.INFO)
    client.get("/news/x%22%20status=200%20admin=1%0A/")
    line = LineFormatter().format(request_lines(caplog)[0])
    assert "\n" not in line
    assert re.search(r" status=404 duration_ms=[0-9.]+$", line)
    assert 'path="/news/x\\" status=200 admin=1\\n/"' in line


@pytest.mark.parametrize(
    ("value", "quoted"),
    [("plain", "plain"), ("two words", '"two words"'), ("", '""'), ('say "hi"', '"say \\"hi\\""'),
     ("a\nb", '"a\\nb"'), ("nul\x00", '"nul\\x00"'), ("k=v", '"k=v"')],
)  # fmt: skip
def test_values_are_quoted_so_each_record_is_one_parseable_line(value, quoted):
    assert quote(value) == quoted


def run_logging(**env):
    code = (
        "import django, logging, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'config.settings');"
        "django.setup(); log = logging.getLogger('podium.check');"
        "log.info('an info'); log.warning('a warning')"
    )
    return subprocess.run(  # noqa: S603 - fixed interpreter and code
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={"PATH": os.environ["PATH"], "DEBUG": "true", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_logs_go_to_stdout_at_the_level_log_level_sets():
    default = run_logging()
    assert default.returncode == 0, default.stderr
    assert 'msg="an info"' in default.stdout and 'msg="a warning"' in default.stdout
    assert default.stderr == ""
    assert all(line.startswith("time=") for line in default.stdout.splitlines())

    quiet = run_logging(LOG_LEVEL="WARNING")
    assert "an info" not in quiet.stdout and "a warning" in quiet.stdout
