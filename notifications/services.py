"""Writes of the notifications app: queueing mail in the outbox (in the caller's
transaction), fans' subscriptions with double opt-in, reply notifications, the moderators'
digest, sending the outbox (``send_notifications``), and forgetting old data.

Rules (README, "Comments", Reply emails): nothing is sent from a request; an address gets
its confirmation request and nothing else until it is confirmed; a reply is notified only
when it is public, never to its own writer, and at most once an hour per address and
thread (later replies join the notification still waiting).

Follows of athletes (README, "Follow an athlete"): each follow is confirmed by its own link
(48 hours) before anything is sent about it; a confirmed address gets at most one digest a
day of what went on record about the athletes it follows since the last one."""

import contextlib
import dataclasses
import datetime
import logging
from urllib.parse import urlsplit

from django.conf import settings
from django.core import mail
from django.core.mail.message import make_msgid
from django.db import connection, transaction
from django.db.models import Exists, F, OuterRef, Q
from django.db.models.functions import Coalesce, Greatest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from athletics import selectors as athletics_selectors
from athletics.models import Athlete, Record, Result
from news.models import Article, Comment, CommentReport

from . import tokens
from .models import AthleteFollow, OutboxMessage, Subscriber, Subscription

logger = logging.getLogger(__name__)

# At most one notification per address and thread in this time.
NOTIFY_INTERVAL = datetime.timedelta(hours=1)
# Retries: 1, 2, 4… minutes after each failure, at most 6 hours apart; after 20 attempts
# (about three days) the sender gives up on a message and logs it (kept, retried from the admin).
RETRY_FIRST = datetime.timedelta(minutes=1)
RETRY_LONGEST = datetime.timedelta(hours=6)
MAX_ATTEMPTS = 20
# A claimed message is not claimed again for this long: a sender that died while sending
# leaves it to the next run after that, never to a sender running beside it.
CLAIM_LEASE = datetime.timedelta(minutes=10)
# The moderators' digest: at most one per hour, and only when something new waits.
DIGEST_INTERVAL = datetime.timedelta(hours=1)
DIGEST_LIST_LIMIT = 20
# Athletes' digests: at most one per address in this time, listing at most this many of
# each kind (stories, results, records); an address follows at most FOLLOWS_PER_ADDRESS.
ATHLETES_DIGEST_INTERVAL = datetime.timedelta(days=1)
ATHLETES_DIGEST_ITEMS = 30
ATHLETES_DIGESTS_PER_RUN = 200
FOLLOWS_PER_ADDRESS = 50
# Mail kinds an unsubscribe takes back while still unsent.
FANS_MAIL = [
    OutboxMessage.Kind.CONFIRM,
    OutboxMessage.Kind.REPLY,
    OutboxMessage.Kind.FOLLOW_CONFIRM,
    OutboxMessage.Kind.FOLLOW_DIGEST,
]
# Copies of sent mail are kept this long (for "did it go out?"), then deleted.
SENT_RETENTION = datetime.timedelta(days=7)


def absolute(path):
    return settings.SITE_URL + path


def normalise_email(email):
    """Addresses are compared and stored lower-case (fans type them either way)."""
    return (email or "").strip().lower()


# ---------------------------------------------------------------- the outbox


def outbox_enqueue(
    *, to: str, subject: str, body: str, kind: str, headers: dict | None = None, due=None
) -> OutboxMessage:
    """Queue one plain-text email, in the caller's transaction: it is sent by
    ``send_notifications`` if and only if that transaction commits. A stable Message-ID is
    stored with it, so a retry of a mail that did get through reads as the same mail."""
    domain = urlsplit(settings.SITE_URL).hostname or "localhost"
    return OutboxMessage.objects.create(
        to=to,
        subject=" ".join(subject.split())[:200],  # one line: a header
        body=body,
        kind=kind,
        headers={"Message-ID": make_msgid(domain=domain), **(headers or {})},
        next_attempt_at=due or timezone.now(),
    )


def unsubscribe_headers(subscriber):
    """The one-click unsubscribe headers of every mail to a fan (RFC 2369 and RFC 8058)."""
    url = absolute(reverse("notifications:unsubscribe", args=[tokens.unsubscribe_token(subscriber)]))
    return url, {"List-Unsubscribe": f"<{url}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}


def _render(name, context):
    context = {"SITE_NAME": settings.SITE_NAME, "SITE_URL": settings.SITE_URL, **context}
    return render_to_string(f"notifications/email/{name}.txt", context)


@dataclasses.dataclass
class SendReport:
    sent: int = 0
    failed: int = 0
    given_up: int = 0


def _candidates(due):
    """A few due messages, as (pk, next_attempt_at): what a claim must still find unchanged."""
    return list(due.values_list("pk", "next_attempt_at")[:10])


def _claim_next():
    """Take the next due message for this sender, or None. The claim is an UPDATE that
    only succeeds if the row is still as it was read (due, unsent): two senders running at
    once never take the same message. On PostgreSQL the read also skips rows another
    sender has locked (SELECT … FOR UPDATE SKIP LOCKED)."""
    now = timezone.now()
    with transaction.atomic():
        due = OutboxMessage.objects.due(now=now).order_by("next_attempt_at", "pk")
        if connection.features.has_select_for_update_skip_locked:
            due = due.select_for_update(skip_locked=True)
        for pk, at in _candidates(due):
            claimed = OutboxMessage.objects.filter(pk=pk, sent_at__isnull=True, next_attempt_at=at).update(
                next_attempt_at=now + CLAIM_LEASE, attempts=F("attempts") + 1
            )
            if claimed:
                return OutboxMessage.objects.get(pk=pk)
    return None


class NotAccepted(Exception):
    """The mail backend returned without sending (and without saying why)."""


def _close(backend):
    """Close the mail connection; a server that fails at goodbye changes nothing."""
    if backend is not None:
        with contextlib.suppress(Exception):
            backend.close()


def _as_email(message):
    return mail.EmailMessage(
        subject=message.subject,
        body=message.body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[message.to],
        headers=message.headers,
    )


def _record_failure(message, error, report):
    """Schedule the next attempt (backoff), or give up after MAX_ATTEMPTS; the error is kept."""
    now = timezone.now()
    text = f"{type(error).__name__}: {error}"[:1000]
    if message.attempts >= MAX_ATTEMPTS:
        next_at = None
        report.given_up += 1
        logger.error(
            "outbox gave up message=%s kind=%s attempts=%s error=%s",
            message.pk, message.kind, message.attempts, text,
        )  # fmt: skip
    else:
        next_at = now + min(RETRY_FIRST * 2 ** (message.attempts - 1), RETRY_LONGEST)
        report.failed += 1
        logger.warning(
            "outbox send failed message=%s kind=%s attempts=%s retry_at=%s error=%s",
            message.pk, message.kind, message.attempts, next_at.isoformat(), text,
        )  # fmt: skip
    OutboxMessage.objects.filter(pk=message.pk).update(next_attempt_at=next_at, last_error=text)


def outbox_send_due(*, limit: int = 500) -> SendReport:
    """Send the due messages of the outbox, oldest due first, through the mail backend of
    ``EMAIL_URL``; mark each sent, or schedule its retry. A mail server that refuses the
    connection stops the run (the messages wait for the next one): an outage delays mail
    and loses none."""
    report = SendReport()
    backend = None
    failures_in_a_row = 0
    try:
        while report.sent + report.failed + report.given_up < limit:
            message = _claim_next()
            if message is None:
                break
            try:
                if backend is None:
                    backend = mail.get_connection(fail_silently=False)
                    backend.open()
                if backend.send_messages([_as_email(message)]) != 1:
                    raise NotAccepted("the mail backend did not take the message")
            except Exception as error:  # whatever went wrong, the message is kept and retried
                _record_failure(message, error, report)
                _close(backend)
                backend = None
                failures_in_a_row += 1
                if failures_in_a_row >= 3:
                    break  # the server is down: the rest wait for the next run
                continue
            OutboxMessage.objects.filter(pk=message.pk).update(
                sent_at=timezone.now(), next_attempt_at=None, last_error=""
            )
            report.sent += 1
            failures_in_a_row = 0
    finally:
        _close(backend)
    return report


# ---------------------------------------------------------------- subscriptions


def _queue_confirm_mail(subscriber, token, *, subject, template, kind, **context):
    """A mail asking ``subscriber`` to confirm (link ``token``, valid CONFIRM_MAX_AGE), with
    its one-click unsubscribe link and headers; ``context`` for the ``template``."""
    url, headers = unsubscribe_headers(subscriber)
    context |= {
        "confirm_url": absolute(reverse("notifications:confirm", args=[token])),
        "unsubscribe_url": url,
        "hours": int(tokens.CONFIRM_MAX_AGE.total_seconds() // 3600),
    }
    body = _render(template, context)
    outbox_enqueue(to=subscriber.email, subject=subject, body=body, kind=kind, headers=headers)


def _queue_confirmation(subscriber, thread):
    _queue_confirm_mail(
        subscriber,
        tokens.confirm_token(subscriber),
        subject=f"Confirm reply emails from {settings.SITE_NAME}",
        template="confirm",
        kind=OutboxMessage.Kind.CONFIRM,
        article=thread.article,
    )


@transaction.atomic
def subscription_request(*, email: str, thread: Comment) -> Subscription:
    """Follow ``thread`` (a top-level comment) at ``email``. An address not confirmed yet
    gets a confirmation link (valid 48 hours), at most one per 48 hours however often it
    is given: a stranger typing someone's address cannot flood their inbox."""
    if thread.parent_id is not None:
        raise ValueError("A conversation is followed by its top-level comment.")
    now = timezone.now()
    subscriber, _ = Subscriber.objects.get_or_create(email=normalise_email(email))
    # Locked (PostgreSQL), so two posts at once send one confirmation.
    subscriber = Subscriber.objects.select_for_update().get(pk=subscriber.pk)
    subscription, _ = Subscription.objects.get_or_create(subscriber=subscriber, thread=thread)
    asked = subscriber.confirmation_sent_at
    if not subscriber.is_confirmed and (asked is None or asked <= now - tokens.CONFIRM_MAX_AGE):
        _queue_confirmation(subscriber, thread)
        subscriber.confirmation_sent_at = now
        subscriber.save(update_fields=["confirmation_sent_at"])
    return subscription


@transaction.atomic
def subscriber_confirm(*, subscriber: Subscriber) -> None:
    """Confirm the address: its subscriptions start receiving notifications."""
    Subscriber.objects.filter(pk=subscriber.pk, confirmed_at__isnull=True).update(confirmed_at=timezone.now())


@transaction.atomic
def subscriber_unsubscribe(*, subscriber: Subscriber) -> None:
    """Forget the address: its subscriptions and athlete follows, and the mail still
    waiting for it."""
    Subscriber.objects.filter(pk=subscriber.pk).delete()
    OutboxMessage.objects.filter(to=subscriber.email, sent_at__isnull=True, kind__in=FANS_MAIL).delete()


# ---------------------------------------------------------------- following athletes


class TooManyFollows(Exception):
    """The address already follows FOLLOWS_PER_ADDRESS athletes."""


def _queue_follow_confirmation(follow):
    _queue_confirm_mail(
        follow.subscriber,
        tokens.confirm_token(follow.subscriber, follow),
        subject=f"Confirm: follow {follow.athlete.name} on {settings.SITE_NAME}",
        template="follow_confirm",
        kind=OutboxMessage.Kind.FOLLOW_CONFIRM,
        athlete=follow.athlete,
        athlete_url=absolute(follow.athlete.get_absolute_url()),
    )


@transaction.atomic
def athlete_follow_request(*, email: str, athlete: Athlete) -> AthleteFollow:
    """Follow ``athlete`` at ``email``: a follow not confirmed yet gets a confirmation link
    (valid 48 hours), at most one per follow per 48 hours however often it is asked for; a
    confirmed follow gets nothing (the form says the same either way). TooManyFollows past
    FOLLOWS_PER_ADDRESS athletes."""
    now = timezone.now()
    subscriber, _ = Subscriber.objects.get_or_create(email=normalise_email(email))
    # Locked (PostgreSQL), so two posts at once send one confirmation.
    subscriber = Subscriber.objects.select_for_update().get(pk=subscriber.pk)
    follow = AthleteFollow.objects.filter(subscriber=subscriber, athlete=athlete).first()
    if follow is None:
        if AthleteFollow.objects.filter(subscriber=subscriber).count() >= FOLLOWS_PER_ADDRESS:
            raise TooManyFollows
        follow = AthleteFollow.objects.create(subscriber=subscriber, athlete=athlete, created_at=now)
    asked = follow.confirmation_sent_at
    if not follow.is_confirmed and (asked is None or asked <= now - tokens.CONFIRM_MAX_AGE):
        follow.subscriber, follow.athlete = subscriber, athlete
        _queue_follow_confirmation(follow)
        follow.confirmation_sent_at = now
        follow.save(update_fields=["confirmation_sent_at"])
    return follow


@transaction.atomic
def athlete_follow_confirm(*, follow: AthleteFollow) -> None:
    """Confirm the follow, and with it the address (its owner opened the link): digests
    cover what goes on record about the athlete from now on."""
    now = timezone.now()
    AthleteFollow.objects.filter(pk=follow.pk, confirmed_at__isnull=True).update(confirmed_at=now)
    Subscriber.objects.filter(pk=follow.subscriber_id, confirmed_at__isnull=True).update(confirmed_at=now)


def _since(follow, subscriber):
    """What a digest covers for ``follow``: after its confirmation and after the last digest."""
    last = subscriber.athletes_digest_at
    return follow.confirmed_at if last is None else max(follow.confirmed_at, last)


def _due_subscribers(now, limit):
    """Ids of confirmed addresses whose last digest is a day old (or none) and that follow,
    confirmed, an athlete with something new since: one query, run every minute."""
    through = Article.athletes.through
    since = Greatest("confirmed_at", Coalesce("subscriber__athletes_digest_at", "confirmed_at"))
    new = Q(Exists(Result.objects.filter(athlete=OuterRef("athlete_id"), recorded_at__gt=OuterRef("since"))))
    new |= Q(Exists(Record.objects.filter(athlete=OuterRef("athlete_id"), recorded_at__gt=OuterRef("since"))))
    new |= Q(
        Exists(
            through.objects.filter(
                athlete=OuterRef("athlete_id"),
                article__published_at__gt=OuterRef("since"),
                article__in=Article.objects.published(),
            )
        )
    )
    follows = (
        AthleteFollow.objects.filter(confirmed_at__isnull=False, subscriber__confirmed_at__isnull=False)
        .filter(
            Q(subscriber__athletes_digest_at__isnull=True)
            | Q(subscriber__athletes_digest_at__lte=now - ATHLETES_DIGEST_INTERVAL)
        )
        .annotate(since=since)
        .filter(new)
    )
    return list(follows.order_by("subscriber_id").values_list("subscriber_id", flat=True).distinct()[:limit])


def _queue_athletes_digest(subscriber, now):
    """Queue ``subscriber``'s digest if something is new; False when nothing is, or when
    another sender queued it first (the claim below is an UPDATE of what was read)."""
    last = subscriber.athletes_digest_at
    if last is not None and last > now - ATHLETES_DIGEST_INTERVAL:
        return False
    follows = list(
        AthleteFollow.objects.filter(subscriber=subscriber, confirmed_at__isnull=False)
        .select_related("athlete")
        .order_by("athlete__name", "pk")
    )
    since = {follow.athlete_id: _since(follow, subscriber) for follow in follows}
    updates = athletics_selectors.athlete_updates(athletes_since=since, limit=ATHLETES_DIGEST_ITEMS)
    if not updates:
        return False
    unchanged = Subscriber.objects.filter(pk=subscriber.pk, athletes_digest_at=last)
    claimed = unchanged.update(athletes_digest_at=now)
    if not claimed:
        return False
    url, headers = unsubscribe_headers(subscriber)
    sections = []
    for follow in follows:
        mine = [update for update in updates if update.athlete_id == follow.athlete_id]
        if mine:
            sections.append({"athlete": follow.athlete, "updates": [_digest_line(u) for u in mine]})
    context = {
        "sections": sections,
        "following": [follow.athlete for follow in follows],
        "unsubscribe_url": url,
        "more": len(updates) >= ATHLETES_DIGEST_ITEMS,
    }
    names = ", ".join(section["athlete"].name for section in sections)
    outbox_enqueue(
        to=subscriber.email,
        subject=f"New on {settings.SITE_NAME}: {names}",
        body=_render("athletes_digest", context),
        kind=OutboxMessage.Kind.FOLLOW_DIGEST,
        headers=headers,
    )
    return True


def _digest_line(update):
    """``(text, absolute link)`` of one update in a digest."""
    item = update.item
    if update.kind == "story":
        return f"Story: {item.title}", absolute(item.get_absolute_url())
    athlete_url = absolute(reverse("athletics:athlete", kwargs={"slug": item.athlete.slug}))
    if update.kind == "result":
        return f"Result: {athletics_selectors.result_summary(item)}", f"{athlete_url}#result-{item.pk}"
    return f"Record: {item.title}, {item.mark_display}", f"{athlete_url}#record-{item.pk}"


def athletes_digests_queue(*, limit: int = ATHLETES_DIGESTS_PER_RUN) -> int:
    """Queue the athletes' digests that are due (``send_notifications``, every minute): to
    each confirmed address with something new about an athlete it follows, at most once a
    day. Returns how many were queued."""
    now = timezone.now()
    queued = 0
    for pk in _due_subscribers(now, limit):
        with transaction.atomic():
            subscriber = Subscriber.objects.filter(pk=pk).first()
            if subscriber is not None and _queue_athletes_digest(subscriber, now):
                queued += 1
    return queued


# ---------------------------------------------------------------- reply notifications


def _queue_reply_notification(subscription, reply, due):
    subscriber = subscription.subscriber
    url, headers = unsubscribe_headers(subscriber)
    reply.article = subscription.thread.article
    context = {
        "reply": reply,
        "thread": subscription.thread,
        "article": reply.article,
        "reply_url": absolute(reply.get_absolute_url()),
        "unsubscribe_url": url,
    }
    return outbox_enqueue(
        to=subscriber.email,
        subject=f"New reply to a conversation you follow on {settings.SITE_NAME}",
        body=_render("reply", context),
        kind=OutboxMessage.Kind.REPLY,
        headers=headers,
        due=due,
    )


# No savepoint of its own (savepoint=False): it runs in the reply's transaction, one query
# when nobody follows the thread (the article page's post budget, tests/news).
@transaction.atomic(savepoint=False)
def replies_published(*, replies) -> int:
    """Queue the notifications of ``replies`` that are public now (new and approved, or
    approved by a moderator): to each confirmed address following their thread but the
    reply's own writer. An address notified in the last hour about that thread gets the
    next notification an hour after the last; a reply while one is still waiting joins it.
    Returns how many notifications were queued."""
    now = timezone.now()
    queued = 0
    for reply in replies:
        if reply.parent_id is None or reply.status != Comment.Status.APPROVED:
            continue
        subscriptions = (
            Subscription.objects.filter(thread_id=reply.parent_id, subscriber__confirmed_at__isnull=False)
            .exclude(subscriber__email=normalise_email(reply.email))
            .select_related("subscriber", "thread__article", "pending_message")
            .select_for_update(of=("self",))
        )
        for subscription in subscriptions:
            waiting = subscription.pending_message
            if waiting is not None and waiting.sent_at is None and waiting.next_attempt_at is not None:
                continue  # this reply is news in the mail already waiting
            last = subscription.last_notified_at
            due = now if last is None else max(now, last + NOTIFY_INTERVAL)
            subscription.pending_message = _queue_reply_notification(subscription, reply, due)
            subscription.last_notified_at = due
            subscription.save(update_fields=["pending_message", "last_notified_at"])
            queued += 1
    return queued


def comment_posted(*, comment: Comment, notify: bool) -> None:
    """The notifications part of posting ``comment`` (called by ``news.services.comment_create``
    in its transaction): a public reply is notified, and a fan who ticked "Email me when
    someone replies" follows the conversation. Spam follows nothing."""
    if comment.status == Comment.Status.APPROVED and comment.parent_id:
        replies_published(replies=[comment])
    if notify and comment.email and comment.status != Comment.Status.SPAM:
        thread = comment.parent if comment.parent_id else comment
        subscription_request(email=comment.email, thread=thread)


# ---------------------------------------------------------------- moderators' digest


@transaction.atomic
def moderation_digest_queue() -> int:
    """Queue the digest of pending and reported comments to ``COMMENTS_MODERATORS_EMAIL``:
    at most once an hour, and only when a comment was held or reported since the last one.
    Returns how many mails were queued."""
    recipients = settings.COMMENTS_MODERATORS_EMAIL
    if not recipients:
        return 0
    now = timezone.now()
    last = OutboxMessage.objects.filter(kind=OutboxMessage.Kind.DIGEST).order_by("-created_at").first()
    if last is not None and last.created_at > now - DIGEST_INTERVAL:
        return 0
    since = last.created_at if last is not None else None
    pending = Comment.objects.filter(status=Comment.Status.PENDING)
    reported = Comment.objects.filter(status=Comment.Status.APPROVED, reports__isnull=False).distinct()
    if since is not None:
        news = (
            pending.filter(created_at__gt=since).exists()
            or CommentReport.objects.filter(
                created_at__gt=since, comment__status=Comment.Status.APPROVED
            ).exists()
        )
    else:
        news = pending.exists() or reported.exists()
    if not news:
        return 0
    queue = reverse("admin:news_comment_changelist")
    context = {
        "pending": list(pending.select_related("article").order_by("-created_at")[:DIGEST_LIST_LIMIT]),
        "pending_count": pending.count(),
        "reported": list(reported.select_related("article").order_by("-created_at")[:DIGEST_LIST_LIMIT]),
        "reported_count": reported.count(),
        "pending_url": absolute(queue),
        "reported_url": absolute(queue + "?reported=yes&status__exact=approved"),
    }
    body = _render("digest", context)
    subject = (
        f"{settings.SITE_NAME} comments: {context['pending_count']} pending, "
        f"{context['reported_count']} reported"
    )
    for to in recipients:
        outbox_enqueue(to=to, subject=subject, body=body, kind=OutboxMessage.Kind.DIGEST)
    return len(recipients)


# ---------------------------------------------------------------- privacy


@transaction.atomic
def notification_data_purge(*, before: datetime.datetime) -> dict[str, int]:
    """Forget notification data no longer needed (README, "Comments" and "Follow an
    athlete"; /privacy/): conversation follows asked for before ``before``, athlete follows
    never confirmed whose link expired, addresses following nothing any more, unconfirmed
    addresses whose link expired (unless a follow's link is still valid), copies of mail
    sent over a week ago and mail given up on before ``before``. Confirmed athlete follows
    stay until unsubscribed. Mail still to be sent is kept. Returns the rows deleted by kind."""
    now = timezone.now()
    link_expired = now - tokens.CONFIRM_MAX_AGE
    subscriptions, _ = Subscription.objects.filter(created_at__lt=before).delete()
    follows, _ = AthleteFollow.objects.filter(
        Q(confirmation_sent_at__lt=link_expired)
        | Q(confirmation_sent_at__isnull=True, created_at__lt=link_expired),
        confirmed_at__isnull=True,
    ).delete()
    expired = Q(confirmed_at__isnull=True) & (
        Q(confirmation_sent_at__lt=link_expired)
        | Q(confirmation_sent_at__isnull=True, created_at__lt=link_expired)
    )
    follows_athletes = Exists(AthleteFollow.objects.filter(subscriber=OuterRef("pk")))
    follows_nothing = Q(subscriptions__isnull=True) & ~follows_athletes
    # A follow waiting for its (still valid) link keeps its address, confirmed or not.
    waiting = Exists(
        AthleteFollow.objects.filter(
            subscriber=OuterRef("pk"), confirmed_at__isnull=True, confirmation_sent_at__gte=link_expired
        )
    )
    _, by_model = Subscriber.objects.filter((expired & ~waiting) | follows_nothing).delete()
    subscriptions += by_model.get(Subscription._meta.label, 0)
    follows += by_model.get(AthleteFollow._meta.label, 0)
    addresses = by_model.get(Subscriber._meta.label, 0)
    messages, _ = OutboxMessage.objects.filter(
        Q(sent_at__lt=now - SENT_RETENTION)
        | Q(sent_at__isnull=True, next_attempt_at__isnull=True, created_at__lt=before)
    ).delete()
    return {"subscriptions": subscriptions, "follows": follows, "addresses": addresses, "messages": messages}
