"""Reporters' personal data: emails and client hashes of error reports are forgotten after
COMMENTS_DATA_RETENTION_DAYS by ``purge_comment_data``, as /privacy/ says."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from corrections.models import ErrorReport

from .factories import ErrorReportFactory

pytestmark = pytest.mark.django_db


def test_purge_clears_reporters_emails_and_hashes_after_the_retention(settings):
    days = settings.COMMENTS_DATA_RETENTION_DAYS
    old = ErrorReportFactory(
        email="old@example.com",
        client_hash="a" * 64,
        created_at=timezone.now() - datetime.timedelta(days=days + 1),
    )
    recent = ErrorReportFactory(
        email="new@example.com",
        client_hash="b" * 64,
        created_at=timezone.now() - datetime.timedelta(days=days - 1),
    )
    out = io.StringIO()

    call_command("purge_comment_data", stdout=out)

    old.refresh_from_db()
    recent.refresh_from_db()
    assert (old.email, old.client_hash) == ("", "")
    assert old.description  # the report itself stays for the desk
    assert (recent.email, recent.client_hash) == ("new@example.com", "b" * 64)
    assert "1 error report(s)" in out.getvalue()
    call_command("purge_comment_data", stdout=io.StringIO())  # twice changes nothing
    assert ErrorReport.objects.filter(email="").count() == 1


def test_the_privacy_page_says_what_error_reports_keep_and_for_how_long(client):
    html = client.get("/privacy/").content.decode()
    section = html.split("Reporting an error")[1].split("<h2>")[0]
    assert "email address" in section and "90 days" in section and "hash of your network address" in section
