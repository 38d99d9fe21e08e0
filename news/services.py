"""Writes that touch several news models; the admin and the views call these instead of
re-implementing them."""

import datetime
import enum

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import CharField, F, Q, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone

from core import ratelimit
from core.metrics import comments_posted
from notifications import services as notifications

from .models import Article, ArticleRedirect, Comment, CommentRecommendation, CommentReport, CommentRevision
from .moderation import hold_reasons


@transaction.atomic
def article_save(*, article: Article) -> ArticleRedirect | None:
    """Save ``article``; when the slug of a published article changes, keep its old URL
    working with a redirect, and return that redirect (None when no redirect was written).

    Every save of an article through the newsroom comes here, so a slug never changes
    silently. A slug that an article takes (new or renamed) stops being a redirect: the
    article wins over an old URL that happened to have the same slug.
    """
    before = None
    if article.pk is not None:
        before = (
            Article.objects.select_for_update()
            .only("slug", "status", "published_at")
            .filter(pk=article.pk)
            .first()
        )
    article.save()
    # The slug now names this article: an old URL with the same slug would shadow nothing
    # (articles are looked up first) but would be confusing in the admin and would come
    # back to life if this article were renamed again.
    ArticleRedirect.objects.filter(old_slug=article.slug).delete()
    if before is None or before.slug == article.slug or not before.is_published:
        # Only a URL readers could reach needs to keep working; a draft's or a scheduled
        # article's old slug was never public.
        return None
    redirect, _ = ArticleRedirect.objects.update_or_create(
        old_slug=before.slug, defaults={"article": article}
    )
    return redirect


@transaction.atomic
def comment_create(
    *,
    article: Article,
    name: str,
    body: str,
    email: str = "",
    parent: Comment | None = None,
    client_hash: str = "",
    is_spam: bool = False,
    notify: bool = False,
) -> Comment:
    """Store a fan's comment with the status the moderation policy gives it (README,
    "Comments"): spam when the form caught a bot, pending when a check holds it or every
    comment is pre-moderated, approved otherwise. A reply to a reply attaches to its
    top-level comment. A public reply queues its email notifications, and ``notify`` (with
    an email) follows the conversation (``notifications.services.comment_posted``).

    Atomic so that the repeat check and the insert see the same data (on SQLite the
    transaction takes the write lock first: IMMEDIATE), and so that the outbox rows are
    written if and only if the comment is."""
    if parent is not None:
        if parent.article_id != article.pk:
            raise ValueError("A reply must belong to the same article as its parent.")
        if parent.parent_id:
            parent = parent.parent
    now = timezone.now()
    if is_spam:
        status = Comment.Status.SPAM
    elif settings.COMMENTS_MODERATION == "pre" or hold_reasons(
        name=name, body=body, client_hash=client_hash, email=email, now=now
    ):
        status = Comment.Status.PENDING
    else:
        status = Comment.Status.APPROVED
    comment = Comment.objects.create(
        article=article,
        parent=parent,
        name=name,
        # Lower-case, as notification addresses are: one fan's history is one address.
        email=(email or "").strip().lower(),
        body=body,
        created_at=now,
        status=status,
        ip_hash=client_hash,
    )
    notifications.comment_posted(comment=comment, notify=notify)
    # Counted once stored for good: a rolled-back post is no post.
    transaction.on_commit(lambda: comments_posted.labels(Comment.Status(status).value).inc())
    return comment


class ReportOutcome(enum.Enum):
    STORED = "stored"
    ALREADY_REPORTED = "already reported"
    # Past COMMENTS_REPORTS_PER_COMMENT: the comment already leads the moderators' queue.
    NOT_STORED = "not stored"


@transaction.atomic
def comment_report(*, comment: Comment, reason: str, client_hash: str) -> ReportOutcome:
    """Record a reader's report of ``comment``, once per client per comment (also under a
    race). At most ``COMMENTS_REPORTS_PER_COMMENT`` reports of one comment are stored per
    window, whoever sends them: a flood from rotating addresses fills no table, and the
    comment is at the top of the queue long before the cap.

    With ``COMMENTS_HIDE_AFTER_REPORTS`` = N, the report that makes N distinct reports of a
    shown comment hides it, pending review (``hidden_at`` tells moderators why); a moderator
    restores it by approving it, and later reports never hide it again. The comment's row is
    locked first, so concurrent reports count each other."""
    hide_after = settings.COMMENTS_HIDE_AFTER_REPORTS
    if hide_after:
        comment = Comment.objects.select_for_update().select_related("article").get(pk=comment.pk)
    if CommentReport.objects.filter(comment=comment, client_hash=client_hash).exists():
        return ReportOutcome.ALREADY_REPORTED
    cap = ratelimit.parse_rates(settings.COMMENTS_REPORTS_PER_COMMENT)
    if ratelimit.hit("reports-of-comment", comment.pk, cap):
        return ReportOutcome.NOT_STORED
    _, created = CommentReport.objects.get_or_create(
        comment=comment, client_hash=client_hash, defaults={"reason": reason}
    )
    if (
        created
        and hide_after
        and comment.status == Comment.Status.APPROVED
        and comment.hidden_at is None
        and comment.reports.count() >= hide_after
    ):
        comment.status = Comment.Status.PENDING
        comment.hidden_at = timezone.now()
        comment.save(update_fields=["status", "hidden_at"])
    return ReportOutcome.STORED if created else ReportOutcome.ALREADY_REPORTED


@transaction.atomic
def comment_recommend(*, comment: Comment, client_hash: str) -> bool:
    """Recommend ``comment`` for the client, or take its recommendation back if it has one;
    return whether the client now recommends it. The row and the comment's
    ``recommend_count`` change in one transaction, the count with F() (never read and
    written back), so concurrent presses from many clients give an exact count, and two
    presses of one client at once store one recommendation (the unique constraint decides;
    the loser's press is the same recommend)."""
    existing = CommentRecommendation.objects.filter(comment=comment, client_hash=client_hash).first()
    counted = Comment.objects.filter(pk=comment.pk)
    if existing is not None:
        existing.comment = comment  # what the page cache's scopes read: no query
        deleted, _ = existing.delete()
        if deleted:  # else a concurrent press of the same client took it back first
            counted.update(recommend_count=F("recommend_count") - 1)
        return False
    try:
        with transaction.atomic():  # a savepoint: the constraint's refusal leaves the rest usable
            CommentRecommendation.objects.create(comment=comment, client_hash=client_hash)
    except IntegrityError:
        return True
    counted.update(recommend_count=F("recommend_count") + 1)
    return True


# What a fan may still change: a comment shown or waiting for a moderator, not one a
# moderator rejected or marked as spam, nor one already removed.
EDITABLE_STATUSES = (Comment.Status.APPROVED, Comment.Status.PENDING)


class CommentNotChangeable(Exception):
    """The comment is no longer approved or pending (a moderator decided, or it was removed)."""


@transaction.atomic
def comment_edit(*, comment: Comment, body: str, client_hash: str = "") -> Comment:
    """Replace ``comment``'s text with ``body`` as its author asked, keeping the old text
    as a ``CommentRevision`` for moderators and marking it edited. The edit is moderated
    like a new comment (README, "Comments"): held as pending when a check holds it or
    every comment is pre-moderated, else approved. The same text again changes nothing."""
    comment = Comment.objects.select_for_update().select_related("article").get(pk=comment.pk)
    if comment.status not in EDITABLE_STATUSES:
        raise CommentNotChangeable(comment.status)
    if body == comment.body:
        return comment
    now = timezone.now()
    CommentRevision.objects.create(
        comment=comment, body=comment.body, change=CommentRevision.Change.EDITED, replaced_at=now
    )
    # (The comment's own row still has its old text: it cannot count as a repeat of itself.)
    held = settings.COMMENTS_MODERATION == "pre" or hold_reasons(
        name=comment.name, body=body, client_hash=client_hash, email=comment.email, now=now
    )
    comment.body = body
    comment.edited_at = now
    comment.status = Comment.Status.PENDING if held else Comment.Status.APPROVED
    comment.save(update_fields=["body", "edited_at", "status"])
    return comment


@transaction.atomic
def comment_remove(*, comment: Comment) -> Comment:
    """Delete ``comment`` as its author asked: its text is cleared (kept as a
    ``CommentRevision`` for moderators) and its status becomes removed, so it disappears,
    or, while it has approved replies, leaves "Comment removed by its author" above them."""
    comment = Comment.objects.select_for_update().select_related("article").get(pk=comment.pk)
    if comment.status not in EDITABLE_STATUSES:
        raise CommentNotChangeable(comment.status)
    CommentRevision.objects.create(comment=comment, body=comment.body, change=CommentRevision.Change.DELETED)
    comment.body = ""
    comment.status = Comment.Status.REMOVED
    comment.save(update_fields=["body", "status"])
    return comment


# Marks a report whose client hash was purged (not a hex digest, so never a real hash).
PURGED_PREFIX = "purged:"


@transaction.atomic
def comment_data_purge(*, before: datetime.datetime) -> dict[str, int]:
    """Forget who wrote what before ``before``: clear commenters' emails and address
    hashes, replace report and recommendation hashes with a meaningless unique marker
    (the report and its reason stay for the moderators, a recommendation stays counted; one
    marker per row keeps the one-per-client rule), and delete the earlier texts of edited
    and deleted comments replaced before then. Returns how many rows of each kind were
    changed."""
    comments = Comment.objects.filter(created_at__lt=before).filter(~Q(email="") | ~Q(ip_hash=""))
    reports = CommentReport.objects.filter(created_at__lt=before).exclude(
        client_hash__startswith=PURGED_PREFIX
    )
    recommendations = CommentRecommendation.objects.filter(created_at__lt=before).exclude(
        client_hash__startswith=PURGED_PREFIX
    )
    revisions, _ = CommentRevision.objects.filter(replaced_at__lt=before).delete()
    return {
        "revisions": revisions,
        "comments": comments.update(email="", ip_hash=""),
        "reports": reports.update(
            client_hash=Concat(Value(PURGED_PREFIX), Cast("pk", output_field=CharField()))
        ),
        "recommendations": recommendations.update(
            client_hash=Concat(Value(PURGED_PREFIX), Cast("pk", output_field=CharField()))
        ),
    }
