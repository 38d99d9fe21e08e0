"""Articles and everything around them: sections, tags, authors and comments."""

import calendar
import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Count, Exists, OuterRef, Prefetch, Q
from django.urls import reverse
from django.utils import timezone

from . import embeds
from .images import clean_upload, generate_renditions
from .markdown import fold


class Section(models.Model):
    name = models.CharField(max_length=80, unique=True)
    slug = models.SlugField(max_length=80, unique=True)
    description = models.CharField(max_length=300, blank=True)
    sort_order = models.PositiveSmallIntegerField(default=0, help_text="Order in the site navigation.")

    class Meta:
        ordering = ["sort_order", "name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("news:section", kwargs={"slug": self.slug})


class Tag(models.Model):
    name = models.CharField(max_length=80, unique=True)
    slug = models.SlugField(max_length=80, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("news:tag", kwargs={"slug": self.slug})


class Author(models.Model):
    name = models.CharField(max_length=120, help_text="As shown in the byline.")
    slug = models.SlugField(max_length=120, unique=True)
    bio = models.CharField(max_length=500, blank=True)
    is_organization = models.BooleanField(
        "newsroom byline",
        default=False,
        help_text="Ticked for a byline of the newsroom rather than of a person (“Podium staff”): "
        "search engines are told it is an organisation.",
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="author"
    )

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("news:author", kwargs={"slug": self.slug})


class ArticleQuerySet(models.QuerySet):
    def published(self):
        """The only door to public articles: published, and due (a future time schedules)."""
        return self.filter(status=Article.Status.PUBLISHED, published_at__lte=timezone.now())

    def for_listing(self):
        """Published articles with what a card shows, newest first."""
        return (
            self.published()
            .select_related("section")
            .prefetch_related("authors")
            .order_by("-published_at", "-pk")
        )


class Article(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"

    title = models.CharField(max_length=200)
    slug = models.SlugField(max_length=200, unique=True)
    standfirst = models.CharField(
        max_length=400, help_text="One or two sentences under the headline that sell the story."
    )
    body = models.TextField(
        help_text="Markdown: blank line between paragraphs, ## for a subheading, **bold**, "
        "*italic*, [link text](https://…), > for a quote. Scripts and embeds from other sites are "
        "removed. Live results, each on a line of its own: "
        "[[results olympic-games-paris-2024 1500-m]] (the final of that event at that "
        "championship: edition slug, then discipline slug), "
        "[[h2h josh-kerr jakob-ingebrigtsen]] (head-to-head of two athletes), "
        "[[athlete josh-kerr]] (a card with the athlete’s medals) and [[record 12]] (a record "
        "by its number in the admin’s Records list). They always show the data as it is now; "
        "an unknown slug or number is refused when you save."
    )
    body_html = models.TextField(editable=False, blank=True)
    search_document = models.TextField(editable=False, blank=True)
    hero_image = models.ImageField(
        upload_to="articles/%Y/%m/", blank=True, width_field="hero_width", height_field="hero_height"
    )
    hero_width = models.PositiveIntegerField(null=True, blank=True, editable=False)
    hero_height = models.PositiveIntegerField(null=True, blank=True, editable=False)
    hero_alt = models.CharField(
        "hero image alt text",
        max_length=250,
        blank=True,
        help_text="Describe the image for readers who cannot see it.",
    )
    hero_caption = models.CharField(max_length=300, blank=True)
    hero_credit = models.CharField(
        max_length=200, blank=True, help_text="Photographer/agency, or “Illustration: Podium”."
    )
    section = models.ForeignKey(Section, on_delete=models.PROTECT, related_name="articles")
    tags = models.ManyToManyField(Tag, blank=True, related_name="articles")
    authors = models.ManyToManyField(Author, blank=True, related_name="articles")
    athletes = models.ManyToManyField("athletics.Athlete", blank=True, related_name="articles")
    editions = models.ManyToManyField("athletics.CompetitionEdition", blank=True, related_name="articles")
    records = models.ManyToManyField(
        "athletics.Record", blank=True, related_name="articles",
        help_text="Records this story is about: when one is beaten later, the article says so at its top.",
    )  # fmt: skip
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    published_at = models.DateTimeField(
        null=True, blank=True, help_text="Publication time. A time in the future schedules the article."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    is_featured = models.BooleanField("featured", default=False)
    comments_open = models.BooleanField(default=True)

    objects = ArticleQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "-pk"]
        indexes = [
            # Published lists, newest first (-published_at, -pk): the index is walked
            # backwards, the count and the OFFSET of deep pages never touch the rows.
            models.Index(fields=["status", "published_at", "id"], name="article_listing_idx"),
            models.Index(fields=["is_featured", "-published_at"], name="article_featured_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="published") | Q(published_at__isnull=False),
                name="article_published_has_time",
            ),
        ]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        if self.status == self.Status.PUBLISHED and self.published_at is None:
            self.published_at = timezone.now()
        # Sanitised, with a marker for each results shortcode (filled when the page is built).
        self.body_html = embeds.body_html(self.body)
        self.search_document = fold(f"{self.title}\n{self.standfirst}\n{self.body}")
        # A new upload is stored upright, in sRGB and without metadata (GPS): news/images.py.
        clean_upload(self, "hero_image")
        super().save(*args, **kwargs)
        # Files derived from this row's own image; only missing renditions are written.
        generate_renditions(self.hero_image, self.hero_width)

    def get_absolute_url(self):
        return reverse("news:article", kwargs={"slug": self.slug})

    @property
    def is_published(self):
        return (
            self.status == self.Status.PUBLISHED
            and self.published_at is not None
            and self.published_at <= timezone.now()
        )

    @property
    def is_scheduled(self):
        return (
            self.status == self.Status.PUBLISHED and self.published_at and self.published_at > timezone.now()
        )

    @property
    def was_updated(self):
        """Whether the article changed noticeably after publication (worth an "Updated" line)."""
        return bool(
            self.published_at
            and self.updated_at
            and (self.updated_at - self.published_at).total_seconds() > 600
        )

    @property
    def age_warning(self):
        """ "This article is more than 3 years old" once it is STORY_AGE_WARNING_DAYS old
        (0: never), as the Guardian does: whole years from two years, whole months before
        (whole days under a month), counted on the calendar in UTC; "" before then. Derived
        when shown, never stored; the page cache renews the page at ``age_warning_changes_at``."""
        days = settings.STORY_AGE_WARNING_DAYS
        if not days or self.published_at is None:
            return ""
        published, now = self.published_at.astimezone(datetime.UTC), timezone.now().astimezone(datetime.UTC)
        if now - published < datetime.timedelta(days=days):
            return ""
        months = _whole_months(published, now)
        if months >= 24:
            number, unit = months // 12, "year"
        elif months >= 1:
            number, unit = months, "month"
        else:
            number, unit = (now - published).days, "day"
        return f"This article is more than {number} {unit}{'' if number == 1 else 's'} old"

    @property
    def age_warning_changes_at(self):
        """When ``age_warning`` next changes (appears, or its number grows), or None."""
        days = settings.STORY_AGE_WARNING_DAYS
        if not days or self.published_at is None:
            return None
        published, now = self.published_at.astimezone(datetime.UTC), timezone.now().astimezone(datetime.UTC)
        if now - published < datetime.timedelta(days=days):
            return published + datetime.timedelta(days=days)
        months = _whole_months(published, now)
        if months >= 24:
            return _add_months(published, (months // 12 + 1) * 12)
        if months >= 1:
            return _add_months(published, months + 1)
        return published + datetime.timedelta(days=(now - published).days + 1)

    @property
    def comments_close_at(self):
        """When comments close by themselves: COMMENTS_CLOSE_AFTER_DAYS after publication
        (None when that setting is 0 or the article has no publication time)."""
        days = settings.COMMENTS_CLOSE_AFTER_DAYS
        if not days or self.published_at is None:
            return None
        return self.published_at + datetime.timedelta(days=days)

    @property
    def comments_closed(self):
        """Whether fans can no longer comment: the editor closed comments, or they closed by
        themselves (``comments_close_at`` has passed). The one rule for the form and posts."""
        if not self.comments_open:
            return True
        close_at = self.comments_close_at
        return close_at is not None and timezone.now() >= close_at


def _add_months(moment, months):
    """``moment`` that many calendar months later (the 31st becomes the month's last day)."""
    index = moment.month - 1 + months
    year, month = moment.year + index // 12, index % 12 + 1
    return moment.replace(year=year, month=month, day=min(moment.day, calendar.monthrange(year, month)[1]))


def _whole_months(start, end):
    """Whole calendar months from ``start`` to ``end``."""
    months = (end.year - start.year) * 12 + end.month - start.month
    return months - 1 if _add_months(start, months) > end else months


class CommentSort(models.TextChoices):
    """The orders of an article's conversation (``?sort=``); replies stay oldest first under
    their comment."""

    OLDEST = "oldest", "Oldest first"
    NEWEST = "newest", "Newest first"
    RECOMMENDED = "recommended", "Most recommended"

    @classmethod
    def read(cls, raw):
        """``raw`` (a ``?sort=`` value) as a sort; anything else is the default, oldest first."""
        return cls(raw) if raw in cls.values else cls.OLDEST

    @property
    def order_by(self):
        """The top-level comments' ORDER BY (the pk settles ties, so pages never overlap)."""
        return {
            CommentSort.OLDEST: ("created_at", "pk"),
            CommentSort.NEWEST: ("-created_at", "-pk"),
            CommentSort.RECOMMENDED: ("-recommend_count", "created_at", "pk"),
        }[self]

    def before(self, *, created_at, pk, recommend_count):
        """Q: the top-level comments shown before the one with these values (plain values, or
        ``OuterRef``s in a subquery) in this order."""
        if self is CommentSort.NEWEST:
            return Q(created_at__gt=created_at) | Q(created_at=created_at, pk__gt=pk)
        earlier = Q(created_at__lt=created_at) | Q(created_at=created_at, pk__lt=pk)
        if self is CommentSort.RECOMMENDED:
            return Q(recommend_count__gt=recommend_count) | (Q(recommend_count=recommend_count) & earlier)
        return earlier


class CommentQuerySet(models.QuerySet):
    def approved(self):
        return self.filter(status=Comment.Status.APPROVED)

    def top_level_shown(self):
        """Top-level comments a thread shows: approved ones, and ones their author removed
        that still have approved replies (shown as "Comment removed by its author", so the
        replies keep their place). Decided when read: a reply approved or rejected later
        brings the placeholder back or takes it away."""
        approved_reply = Comment.objects.filter(parent=OuterRef("pk"), status=Comment.Status.APPROVED)
        shown = [Comment.Status.APPROVED, Comment.Status.REMOVED]
        return self.filter(parent__isnull=True, status__in=shown).filter(
            Q(status=Comment.Status.APPROVED) | Exists(approved_reply)
        )

    def thread_for(self, article, sort=CommentSort.OLDEST):
        """Top-level comments shown on ``article`` (``top_level_shown``) in ``sort`` order
        (oldest first by default), with their approved replies, oldest first, prefetched into
        ``approved_replies``."""
        replies = Prefetch(
            "replies",
            # By parent first: the order within each parent is the same, and the query then
            # reads comment_replies_idx instead of every approved comment in date order.
            queryset=Comment.objects.approved().order_by("parent_id", "created_at", "pk"),
            to_attr="approved_replies",
        )
        return (
            self.top_level_shown()
            .filter(article=article)
            .order_by(*CommentSort(sort).order_by)
            .prefetch_related(replies)
        )


class Comment(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"
        SPAM = "spam", "Spam"
        # Deleted by the fan who posted it: the text is cleared (kept as a CommentRevision
        # for moderators); shown as a placeholder only while it has approved replies.
        REMOVED = "removed", "Removed by its author"

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="comments")
    parent = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="replies",
        help_text="The comment this one replies to (one level deep).",
    )  # fmt: skip
    name = models.CharField(max_length=80)
    email = models.EmailField(blank=True, help_text="Never shown publicly.")
    body = models.TextField(max_length=3000)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    ip_hash = models.CharField(max_length=64, blank=True, editable=False)
    # Denormalised from CommentRecommendation, changed with F() in the transaction that
    # stores or deletes one (services.comment_recommend): the thread reads it in its query.
    recommend_count = models.PositiveIntegerField("recommendations", default=0, editable=False)
    is_pick = models.BooleanField(
        "Podium pick", default=False,
        help_text="A moderator’s pick: shown (while approved) with a badge, and first, under “Podium picks”.",
    )  # fmt: skip
    picked_at = models.DateTimeField(null=True, blank=True, editable=False)
    edited_at = models.DateTimeField(
        null=True, blank=True, editable=False, help_text="When its author last edited it (shown as “edited”)."
    )
    hidden_at = models.DateTimeField(
        "hidden after reports", null=True, blank=True, editable=False,
        help_text="When readers’ reports hid it (COMMENTS_HIDE_AFTER_REPORTS); approve it to restore it.",
    )  # fmt: skip

    objects = CommentQuerySet.as_manager()

    # Where a stored comment sits, its article and the comment it replies to, never changes:
    # moving it would split its thread (a reply shown under another story). The admin shows
    # both read-only; clean() and save() refuse a move made any other way.
    PLACE_FIELDS = ("article_id", "parent_id")
    MOVED_MESSAGE = (
        "A comment's article and parent cannot change after it is posted: that would split its thread."
    )

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["article", "status", "created_at"], name="comment_thread_idx"),
            # The approved replies of a page of comments (the planner would otherwise pick
            # the status index and read every approved comment).
            models.Index(fields=["parent", "status", "created_at"], name="comment_replies_idx"),
            models.Index(fields=["status", "-created_at"], name="comment_queue_idx"),
            # ?sort=recommended, and the "Podium picks" of an article.
            models.Index(
                fields=["article", "status", "-recommend_count", "created_at"], name="comment_recommended_idx"
            ),
            models.Index(
                fields=["article", "picked_at"], name="comment_picks_idx", condition=Q(is_pick=True)
            ),
            # A commenter's recent history (moderation.commenter_standing), by client and by email.
            models.Index(fields=["ip_hash", "created_at"], name="comment_client_history_idx"),
            models.Index(fields=["email", "created_at"], name="comment_email_history_idx"),
        ]

    def __str__(self):
        return f"{self.name} on {self.article}"

    def save(self, *args, **kwargs):
        # Refused, not quietly undone: whatever tried to move a stored comment is a bug.
        update_fields = kwargs.get("update_fields")
        place = {"article", "article_id", "parent", "parent_id"}
        if self.is_moved() and (update_fields is None or place & set(update_fields)):
            raise ValueError(self.MOVED_MESSAGE)
        # When it was picked: set by the admin's toggle (the bulk actions set both).
        if self.is_pick != (self.picked_at is not None):
            self.picked_at = timezone.now() if self.is_pick else None
            if update_fields is not None and "is_pick" in update_fields:
                kwargs["update_fields"] = {*update_fields, "picked_at"}
        super().save(*args, **kwargs)
        self._stored_place = {name: getattr(self, name) for name in self.PLACE_FIELDS}

    def get_absolute_url(self):
        """The comment's permalink, on the right page of comments (``?comments=N``) in the
        default order."""
        return self.thread_url()

    def thread_url(self, sort=CommentSort.OLDEST):
        """The comment's link in the conversation sorted by ``sort``: the page that shows
        it (``?sort=…&comments=N``, each only when not the default) and its anchor."""
        sort = CommentSort(sort)
        page = self.thread_page_number(sort=sort)
        query = thread_query(sort=sort, page=page)
        return f"{self.article.get_absolute_url()}{query}#comment-{self.pk}"

    @classmethod
    def from_db(cls, db, field_names, values):
        comment = super().from_db(db, field_names, values)
        comment._stored_place = {
            name: comment.__dict__[name] for name in cls.PLACE_FIELDS if name in comment.__dict__
        }
        return comment

    def is_moved(self):
        """Whether the article or parent differs from the stored row's (no query)."""
        stored = getattr(self, "_stored_place", {})
        return any(getattr(self, name) != value for name, value in stored.items())

    def clean(self):
        """A form's check (the admin's): a stored comment is not moved; a new reply is in its
        parent's thread, one level deep."""
        if self.is_moved():
            raise ValidationError(self.MOVED_MESSAGE)
        if self._state.adding and self.parent_id and self.article_id:
            if self.parent.article_id != self.article_id:
                raise ValidationError(
                    {"parent": "A reply must be on the same article as the comment it replies to."}
                )
            if self.parent.parent_id:
                raise ValidationError(
                    {"parent": "Replies are one level deep: reply to the top-level comment."}
                )

    @property
    def is_removed(self):
        return self.status == self.Status.REMOVED

    def thread_page_number(self, per_page=None, sort=CommentSort.OLDEST):
        """The page of the article's shown comments (``top_level_shown``), in ``sort`` order,
        this comment is on (a reply is on its parent's page), in one query; 1 when there is
        only one page."""
        per_page = per_page or settings.COMMENTS_PER_PAGE
        anchor = self.parent if self.parent_id else self
        before = CommentSort(sort).before(
            created_at=anchor.created_at, pk=anchor.pk, recommend_count=anchor.recommend_count
        )
        top_level = Comment.objects.top_level_shown().filter(article_id=anchor.article_id)
        earlier = top_level.filter(before).count()
        return earlier // per_page + 1


def thread_query(*, sort=CommentSort.OLDEST, page=1):
    """The query string naming a page of comments in an order (``?sort=newest&comments=2``:
    sort first, each only when not the default; "" for the first page oldest first). The
    article page's canonical URL, so the page cache keeps exactly this spelling."""
    params = [f"sort={sort}"] if sort != CommentSort.OLDEST else []
    params += [f"comments={page}"] if page > 1 else []
    return "?" + "&".join(params) if params else ""


def approved_comment_count():
    """Annotation: an article's approved comments."""
    return Count("comments", filter=Q(comments__status=Comment.Status.APPROVED), distinct=True)


class CommentRevision(models.Model):
    """A comment's text before its author edited or deleted it, for moderators (read-only
    in the admin; purged after COMMENTS_DATA_RETENTION_DAYS with the rest of fans' data)."""

    class Change(models.TextChoices):
        EDITED = "edited", "Edited"
        DELETED = "deleted", "Deleted"

    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="revisions")
    body = models.TextField(help_text="The text before the change.")
    change = models.CharField(max_length=10, choices=Change.choices)
    replaced_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-replaced_at", "-pk"]

    def __str__(self):
        return f"{self.get_change_display()} comment {self.comment_id}"


class CommentReport(models.Model):
    """A reader's report of a comment. It never hides the comment; it moves it up the
    moderators' queue. One report per client per comment."""

    class Reason(models.TextChoices):
        SPAM = "spam", "Spam or advertising"
        ABUSE = "abuse", "Abusive or hateful"
        OFF_TOPIC = "off_topic", "Off topic"
        PERSONAL = "personal", "Shares personal information"

    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="reports")
    reason = models.CharField(max_length=12, choices=Reason.choices)
    client_hash = models.CharField(max_length=64, editable=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["comment", "client_hash"], name="commentreport_one_per_client"),
        ]

    def __str__(self):
        return f"{self.get_reason_display()}: comment {self.comment_id}"


class CommentRecommendation(models.Model):
    """A reader's recommendation of a comment: one per client per comment (a second press
    takes it back). The comment's ``recommend_count`` follows these rows."""

    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="recommendations")
    client_hash = models.CharField(max_length=64, editable=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["comment", "client_hash"], name="commentrecommendation_one_per_client"
            ),
        ]

    def __str__(self):
        return f"Recommendation of comment {self.comment_id}"


class ArticleRedirect(models.Model):
    """An article's former slug: /news/<old_slug>/ answers a permanent redirect to the
    article's current URL (written by ``news.services.article_save`` when the slug of a
    published article changes)."""

    old_slug = models.SlugField(max_length=200, unique=True, help_text="The former slug; its URL redirects.")
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="redirects")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = "old URL"
        verbose_name_plural = "old URLs"

    def __str__(self):
        return f"/news/{self.old_slug}/ → {self.article}"

    def get_absolute_url(self):
        return reverse("news:article", kwargs={"slug": self.old_slug})
