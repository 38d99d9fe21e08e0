"""Writes of the corrections app: a reader's error report, editors' decisions on reports
(the reader told once, through the outbox, in the decision's transaction) and the purge of
reporters' personal data."""

import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from notifications.services import outbox_enqueue

from .models import ErrorReport

OUTBOX_KIND = "correction"


@transaction.atomic
def error_report_create(
    *, article, description: str, source_url: str = "", email: str = "", client_hash: str = ""
) -> tuple[ErrorReport, bool]:
    """Store a reader's report; ``(report, created)``. The same text sent again by the same
    client while its report is open (a double click, a replayed post) is the report already
    stored, not a second one."""
    same = ErrorReport.objects.filter(
        article=article, client_hash=client_hash, status=ErrorReport.Status.OPEN, description=description
    ).first()
    if same is not None and client_hash:
        return same, False
    report = ErrorReport.objects.create(
        article=article,
        description=description,
        source_url=source_url,
        email=email.strip(),
        client_hash=client_hash,
    )
    return report, True


@transaction.atomic
def error_report_set_status(*, report: ErrorReport, status: str) -> bool:
    """Set ``report``'s status (open, accepted or dismissed); on acceptance, a reader who
    left an address is told, in this transaction, and only the first time ever (a report
    accepted, reopened and accepted again is not mailed twice). Returns whether the status
    changed."""
    locked = ErrorReport.objects.select_for_update().select_related("article").get(pk=report.pk)
    if locked.status == status:
        return False
    locked.status = status
    locked.decided_at = None if status == ErrorReport.Status.OPEN else timezone.now()
    fields = ["status", "decided_at"]
    if status == ErrorReport.Status.ACCEPTED and locked.email and locked.notified_at is None:
        _queue_accepted_mail(locked)
        locked.notified_at = timezone.now()
        fields.append("notified_at")
    locked.save(update_fields=fields)
    report.status, report.decided_at, report.notified_at = (
        locked.status,
        locked.decided_at,
        locked.notified_at,
    )
    return True


def _queue_accepted_mail(report):
    article = report.article
    context = {
        "site_name": settings.SITE_NAME,
        "article_title": article.title,
        "article_url": settings.SITE_URL + article.get_absolute_url(),
        "corrections_url": settings.SITE_URL + reverse("corrections:list"),
        "description": report.description,
    }
    outbox_enqueue(
        to=report.email,
        subject=f"{settings.SITE_NAME}: thank you, your report on “{article.title}” was accepted",
        body=render_to_string("corrections/email/report_accepted.txt", context),
        kind=OUTBOX_KIND,
    )


def error_report_data_purge(*, before: datetime.datetime) -> int:
    """Forget who sent reports before ``before``: clear their email addresses and client
    hashes (the report itself stays for the desk). Returns the reports changed."""
    reports = ErrorReport.objects.filter(created_at__lt=before).filter(~Q(email="") | ~Q(client_hash=""))
    return reports.update(email="", client_hash="")
