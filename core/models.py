from django.db import models


class Generation(models.Model):
    """The current generation of one scope of content ("news", "comments:<slug>"…): a
    random value that every write to that content replaces, in the write's own transaction.
    Cached pages are keyed by the generations of what they show (``core.cache``)."""

    scope = models.CharField(max_length=255, primary_key=True)
    value = models.BigIntegerField()
    changes_at = models.DateTimeField(
        null=True, blank=True, help_text="When this content next changes by itself (a scheduled article)."
    )

    class Meta:
        ordering = ["scope"]

    def __str__(self):
        return f"{self.scope}: {self.value}"


class RateLimitCount(models.Model):
    """Hits of one client on one limited action in one time window (``core.ratelimit``),
    in the database so that every worker and machine shares the count."""

    key = models.CharField(max_length=255, unique=True)
    count = models.PositiveIntegerField(default=0)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["key"]

    def __str__(self):
        return f"{self.key}: {self.count}"
