"""Corrections of articles and readers' reports of factual errors."""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import OuterRef, Subquery
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone


class CorrectionQuerySet(models.QuerySet):
    def published(self):
        """Corrections readers can see: those of published articles."""
        from news.models import Article

        return self.filter(article__in=Article.objects.published())

    def for_listing(self):
        """Published corrections with their article, newest first (/corrections/, feeds)."""
        return self.published().select_related("article").order_by("-date", "-created_at", "-pk")


class Correction(models.Model):
    """A correction an editor attached to an article: shown at its foot ("Correction,
    3 March 2024: …"), in its JSON-LD and on /corrections/; it moves the article's
    dateModified (``last_modified``)."""

    article = models.ForeignKey("news.Article", on_delete=models.CASCADE, related_name="corrections")
    text = models.TextField(
        max_length=2000,
        help_text="What was wrong and what is right now, in one or two plain sentences, "
        "e.g. “An earlier version gave Kerr's time as 3:29.38; it was 3:28.76.” Shown as written.",
    )
    date = models.DateField(default=timezone.localdate, help_text="The day the article was corrected.")
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    objects = CorrectionQuerySet.as_manager()

    class Meta:
        ordering = ["-date", "-created_at", "-pk"]
        indexes = [models.Index(fields=["-date", "-created_at"], name="correction_listing_idx")]

    def __str__(self):
        return f"Correction of {self.date:%d %b %Y} to {self.article}"

    def get_absolute_url(self):
        return f"{self.article.get_absolute_url()}#correction-{self.pk}"

    def clean(self):
        if self.date and self.date > timezone.localdate():
            raise ValidationError({"date": "A correction's date cannot be in the future."})


def last_modified(article):
    """When ``article`` last changed for its readers: its own last save or its latest
    correction's, whichever is later. Reads ``article.corrections.all()`` (prefetched on
    the article page)."""
    return max([article.updated_at, *(correction.updated_at for correction in article.corrections.all())])


def last_modified_expression():
    """The ``last_modified`` of each article as an annotation (sitemaps, feeds): one
    subquery, no GROUP BY."""
    latest = (
        Correction.objects.filter(article=OuterRef("pk")).order_by("-updated_at").values("updated_at")[:1]
    )
    return Greatest("updated_at", Coalesce(Subquery(latest), "updated_at"))


class ErrorReport(models.Model):
    """A reader's report of a factual error in an article: the editors' queue in the
    admin. Accepting one with an email address tells the reader, once (the outbox)."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        ACCEPTED = "accepted", "Accepted"
        DISMISSED = "dismissed", "Dismissed"

    article = models.ForeignKey("news.Article", on_delete=models.CASCADE, related_name="error_reports")
    description = models.TextField("what is wrong", max_length=2000)
    source_url = models.URLField("source", max_length=500, blank=True)
    email = models.EmailField(
        blank=True,
        help_text="The reader's, if given: told when the report is accepted. Purged after 90 days.",
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    note = models.TextField("editors' note", blank=True, help_text="For the desk only; never sent or shown.")
    client_hash = models.CharField(max_length=64, blank=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    decided_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Set when the reader's "accepted" mail is queued: never a second one for this report.
    notified_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["status", "-created_at"], name="errorreport_queue_idx"),
            models.Index(fields=["article", "client_hash", "status"], name="errorreport_repeat_idx"),
        ]

    def __str__(self):
        return f"Report on {self.article}"
