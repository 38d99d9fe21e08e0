"""Writes that touch several rows at once."""

from django.db import transaction
from django.utils import timezone

from .models import Record


@transaction.atomic
def record_create(*, record, supersedes=None):
    """Save the new ``record``; when it beats ``supersedes`` (the current record of the same
    kind, discipline, sex and scope), retire that one and link the chain.

    The old record stops being current before the new one is saved, because the database
    allows only one current record per scope at any moment."""
    if supersedes is not None:
        Record.objects.filter(pk=supersedes.pk).update(is_current=False)
    record.is_current = True
    record.superseded_by = None
    record.save()
    if supersedes is not None:
        # updated_at by hand (update() skips auto_now): the old holder's page changed too.
        Record.objects.filter(pk=supersedes.pk).update(superseded_by=record, updated_at=timezone.now())
        supersedes.is_current, supersedes.superseded_by = False, record
    # The update()s above send no signals; record.save() bumps the page cache's "athletics"
    # generation in this same transaction, which covers the whole change (core.cache).
    return record
