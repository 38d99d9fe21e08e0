"""An error the client caused (bad Host, oversized body, too many fields, a path outside the
media root: Django's SuspiciousOperation, answered 400) is logged as one WARNING line without
a traceback, not as an ERROR with Django's own traceback."""

import io
import logging
from http import HTTPStatus

import pytest
from django.test import Client

from config.logging import LineFormatter

from .media_serving import serve_media  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db


@pytest.fixture
def console(monkeypatch):
    """What the console handler of LOGGING writes (to stdout in production), as lines."""
    (handler,) = [h for h in logging.getLogger().handlers if isinstance(h.formatter, LineFormatter)]
    buffer = io.StringIO()
    monkeypatch.setattr(handler, "stream", buffer)
    return lambda: buffer.getvalue().splitlines()


def assert_one_warning_line(caplog, console, logger, response):
    assert response.status_code == HTTPStatus.BAD_REQUEST
    problems = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert [(r.name, r.levelname) for r in problems] == [(logger, "WARNING")]
    (record,) = problems
    assert record.exc_info is None and record.exc_text is None
    assert record.request_id == response["X-Request-ID"]
    line = LineFormatter().format(record)
    assert "exc=" not in line and "Traceback" not in line
    assert "status_code=400" in line

    # What the operator sees on stdout: that line, and the request's own INFO line.
    printed = console()
    assert [line for line in printed if "level=INFO" not in line] == [
        line for line in printed if f"level=WARNING logger={logger} " in line
    ]
    assert len([line for line in printed if "level=WARNING" in line]) == 1
    assert not [line for line in printed if "level=ERROR" in line or "Traceback" in line]


def test_bad_host_header_is_one_warning_line(client, caplog, console):
    caplog.set_level(logging.INFO)
    response = client.get("/news/", HTTP_HOST="evil.example")
    assert_one_warning_line(caplog, console, "django.security.DisallowedHost", response)
    assert "evil.example" in caplog.records[0].getMessage()


def test_oversized_body_is_one_warning_line(caplog, console, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    browser = Client(enforce_csrf_checks=True)
    browser.cookies["csrftoken"] = "a" * 32  # the CSRF check reads the body
    caplog.set_level(logging.INFO)
    response = browser.post(
        "/news/", "csrfmiddlewaretoken=x&body=" + "x" * 5000, content_type="application/x-www-form-urlencoded"
    )
    assert_one_warning_line(caplog, console, "django.security.RequestDataTooBig", response)


def test_too_many_query_fields_is_one_warning_line(client, caplog, console, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 10
    caplog.set_level(logging.INFO)
    response = client.get("/search/?" + "&".join(f"f{i}=x" for i in range(50)) + "&q=kerr")
    assert_one_warning_line(caplog, console, "django.security.TooManyFieldsSent", response)


@pytest.mark.parametrize(
    "path", ["/media/%2e%2e/%2e%2e/etc/passwd", "/media/articles/%2e%2e/%2e%2e/%2e%2e/x"]
)
def test_path_outside_the_media_root_is_one_warning_line(client, caplog, console, serve_media, path):  # noqa: F811
    caplog.set_level(logging.INFO)
    response = client.get(path)
    assert_one_warning_line(caplog, console, "django.security.SuspiciousFileOperation", response)


def test_a_server_error_keeps_its_level_and_traceback():
    """Only django.security's records are lowered: the record factory leaves others alone."""
    try:
        raise RuntimeError("ours")
    except RuntimeError as exc:
        record = logging.getLogger("django.request").makeRecord(
            "django.request", logging.ERROR, __file__, 1, "boom", (), (type(exc), exc, exc.__traceback__)
        )
    assert record.levelno == logging.ERROR and record.exc_info
    assert "Traceback" in LineFormatter().format(record)
