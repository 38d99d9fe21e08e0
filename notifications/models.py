"""The outbox (every email the site sends, queued in the transaction of what caused it),
fans' reply notifications (an address, confirmed once, and the threads it follows) and
readers' follows of athletes (each confirmed by its own link, a digest a day at most)."""

from django.db import models
from django.utils import timezone


class OutboxMessageQuerySet(models.QuerySet):
    def due(self, *, now):
        """Messages to try now: not sent, not given up, their next attempt reached."""
        return self.filter(sent_at__isnull=True, next_attempt_at__lte=now)


class OutboxMessage(models.Model):
    """One email waiting to be sent, or sent. Written in the same transaction as what
    caused it (a reply, a confirmation request); ``send_notifications`` sends it, retries
    with backoff after a failure and marks it sent. Any app may queue mail here
    (``notifications.services.outbox_enqueue``); ``kind`` says which feature did."""

    class Kind(models.TextChoices):
        CONFIRM = "confirm", "Confirm reply emails"
        REPLY = "reply", "Reply notification"
        DIGEST = "digest", "Moderators' digest"
        FOLLOW_CONFIRM = "follow-confirm", "Confirm following an athlete"
        FOLLOW_DIGEST = "follow-digest", "Athletes' daily digest"

    to = models.EmailField()
    subject = models.CharField(max_length=200)
    body = models.TextField(help_text="Plain text.")
    headers = models.JSONField(default=dict, blank=True, help_text="Extra headers, e.g. List-Unsubscribe.")
    # Not TextChoices-bound: other apps (corrections) bring kinds of their own.
    kind = models.CharField(max_length=30)
    created_at = models.DateTimeField(default=timezone.now)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(
        null=True, blank=True, help_text="Empty once sent, or when the sender gave up after its last attempt."
    )
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    objects = OutboxMessageQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            # The sender's query, run every minute: only the unsent rows are indexed.
            models.Index(
                fields=["next_attempt_at"], condition=models.Q(sent_at__isnull=True), name="outbox_due_idx"
            ),
            models.Index(fields=["kind", "-created_at"], name="outbox_kind_idx"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} to {self.to}"

    def get_kind_display(self):
        return dict(self.Kind.choices).get(self.kind, self.kind)

    @property
    def status(self):
        if self.sent_at:
            return "sent"
        return "waiting" if self.next_attempt_at else "gave up"


class Subscriber(models.Model):
    """An email address that asked for reply notifications or to follow an athlete. Nothing
    but confirmation requests is sent until the address is confirmed (double opt-in)."""

    email = models.EmailField(unique=True, help_text="Stored lower-case.")
    created_at = models.DateTimeField(default=timezone.now)
    confirmation_sent_at = models.DateTimeField(null=True, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    # The last athletes' digest queued for this address: the next waits a day after it.
    athletes_digest_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return self.email

    @property
    def is_confirmed(self):
        return self.confirmed_at is not None


class Subscription(models.Model):
    """An address following one conversation: a top-level comment and its replies."""

    subscriber = models.ForeignKey(Subscriber, on_delete=models.CASCADE, related_name="subscriptions")
    thread = models.ForeignKey(
        "news.Comment", on_delete=models.CASCADE, related_name="subscriptions",
        help_text="The top-level comment whose replies are notified.",
    )  # fmt: skip
    created_at = models.DateTimeField(default=timezone.now)
    # When the last notification was (or is) due: the next one waits an hour after it.
    last_notified_at = models.DateTimeField(null=True, blank=True)
    # The notification not sent yet, which later replies join instead of queueing another.
    pending_message = models.ForeignKey(
        OutboxMessage, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["subscriber", "thread"], name="subscription_unique_thread"),
        ]

    def __str__(self):
        return f"{self.subscriber} follows comment {self.thread_id}"


class AthleteFollow(models.Model):
    """An address following one athlete: new stories, results and records about them, in at
    most one digest a day per address. Pending until its own confirmation link is used
    (double opt-in per follow: a confirmed address does not let strangers add follows)."""

    subscriber = models.ForeignKey(Subscriber, on_delete=models.CASCADE, related_name="athlete_follows")
    athlete = models.ForeignKey("athletics.Athlete", on_delete=models.CASCADE, related_name="follows")
    created_at = models.DateTimeField(default=timezone.now)
    confirmation_sent_at = models.DateTimeField(null=True, blank=True)
    confirmed_at = models.DateTimeField(
        null=True, blank=True, help_text="Digests cover what went on record after this moment."
    )

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["subscriber", "athlete"], name="athletefollow_unique_athlete"),
        ]

    def __str__(self):
        return f"{self.subscriber} follows {self.athlete}"

    @property
    def is_confirmed(self):
        return self.confirmed_at is not None
