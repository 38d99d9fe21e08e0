"""The newsroom: articles, sections, tags, authors and the comment moderation queue."""

from django.contrib import admin, messages
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Count, F, Q
from django.template.defaultfilters import linebreaksbr
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.text import Truncator

from core import cache
from core.admin_filters import QueueStatusFilter
from corrections.admin import CorrectionInline
from notifications.services import replies_published

from .forms import ArticleAdminForm
from .models import Article, ArticleRedirect, Author, Comment, CommentReport, Section, Tag
from .services import article_save


@admin.register(Section)
class SectionAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "sort_order"]
    prepopulated_fields = {"slug": ["name"]}
    search_fields = ["name"]


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Author)
class AuthorAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "is_organization", "user"]
    list_filter = ["is_organization"]
    list_select_related = ["user"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["user"]


def update_and_log(modeladmin, request, queryset, verb, **changes):
    """Apply ``changes`` to the rows of ``queryset`` in one UPDATE, record each change in
    the admin log (the audit trail) and report how many rows changed."""
    changed = list(queryset.values_list("pk", flat=True))
    if changed:
        queryset.model.objects.filter(pk__in=changed).update(**changes)
        # update() sends no signals: invalidate the cached pages showing these rows.
        # (select_related: what a row's scopes name, e.g. a comment's article, in the one query)
        cache.changed(queryset.model, queryset.model.objects.filter(pk__in=changed).select_related())
        LogEntry.objects.log_actions(
            user_id=request.user.pk,
            queryset=queryset.model.objects.filter(pk__in=changed),
            action_flag=CHANGE,
            change_message=f"{verb.capitalize()} (admin action).",
        )
    meta = queryset.model._meta
    noun = meta.verbose_name if len(changed) == 1 else meta.verbose_name_plural
    modeladmin.message_user(request, f"{len(changed)} {noun} {verb}.", messages.SUCCESS)


@admin.register(ArticleRedirect)
class ArticleRedirectAdmin(admin.ModelAdmin):
    """Old URLs of renamed articles, each redirecting to the article. Read-only: they are
    written by ``article_save`` when a published article's slug changes; deleting one
    makes its URL answer 404 again."""

    list_display = ["old_url", "article", "created_at"]
    list_select_related = ["article"]
    search_fields = ["old_slug", "article__title"]
    fields = ["old_slug", "article", "created_at"]
    readonly_fields = fields

    @admin.display(description="old URL", ordering="old_slug")
    def old_url(self, obj):
        return obj.get_absolute_url()

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    form = ArticleAdminForm
    list_display = [
        "title",
        "section",
        "status",
        "published_at",
        "byline",
        "approved_comments",
        "pending_comments",
        "is_featured",
    ]
    list_filter = ["status", "section", "tags", "authors", "is_featured", "published_at"]
    list_select_related = ["section"]
    search_fields = ["title", "standfirst", "body"]
    date_hierarchy = "published_at"
    prepopulated_fields = {"slug": ["title"]}
    autocomplete_fields = ["tags", "authors", "athletes", "editions", "records"]
    list_per_page = 50
    actions = ["publish_now", "unpublish", "feature", "unfeature"]
    inlines = [CorrectionInline]
    readonly_fields = ["old_urls", "comment_summary", "last_changed"]
    fieldsets = [
        ("Story", {"fields": ["title", "slug", "old_urls", "standfirst", "body"]}),
        ("Media", {"fields": ["hero_image", "hero_alt", "hero_caption", "hero_credit"]}),
        ("Relations", {"fields": ["section", "tags", "authors", "athletes", "editions", "records"]}),
        (
            "Publishing",
            {
                "fields": [
                    "status",
                    "published_at",
                    "is_featured",
                    "comments_open",
                    "comment_summary",
                    "last_changed",
                ],
                "description": "Published with a time in the future: scheduled, invisible until then.",
            },
        ),
    ]

    def save_model(self, request, obj, form, change):
        # Through the service, so a published article's changed slug keeps its old URL.
        redirect = article_save(article=obj)
        if redirect is not None:
            self.message_user(
                request,
                format_html(
                    "The slug changed: the old address <code>{}</code> now redirects to <code>{}</code>.",
                    redirect.get_absolute_url(),
                    obj.get_absolute_url(),
                ),
                messages.INFO,
            )

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                _approved=Count("comments", filter=Q(comments__status=Comment.Status.APPROVED)),
                _pending=Count("comments", filter=Q(comments__status=Comment.Status.PENDING)),
            )
            .prefetch_related("authors")
        )

    @admin.display(description="by")
    def byline(self, obj):
        return ", ".join(author.name for author in obj.authors.all())

    @admin.display(description="approved", ordering="_approved")
    def approved_comments(self, obj):
        return obj._approved

    @admin.display(description="pending", ordering="_pending")
    def pending_comments(self, obj):
        return obj._pending

    @admin.display(description="old URLs")
    def old_urls(self, obj):
        """The article's former addresses, each redirecting here (a published article's
        slug never changes silently)."""
        redirects = list(obj.redirects.all()) if obj.pk else []
        if not redirects:
            return "None: when the slug of a published article changes, its old URL redirects here."
        return format_html_join(
            ", ",
            '<a href="{}">{}</a>',
            (
                (
                    reverse("admin:news_articleredirect_change", args=[redirect.pk]),
                    redirect.get_absolute_url(),
                )
                for redirect in redirects
            ),
        )

    @admin.display(description="comments")
    def comment_summary(self, obj):
        if not obj.pk:
            return "—"
        url = reverse("admin:news_comment_changelist") + f"?article__id__exact={obj.pk}&status__exact=all"
        return format_html(
            '{} approved, {} pending — <a href="{}">moderate this article’s comments</a>',
            obj._approved,
            obj._pending,
            url,
        )

    @admin.display(description="last changed")
    def last_changed(self, obj):
        if not obj.pk:
            return "—"
        entry = (
            LogEntry.objects.filter(
                content_type=ContentType.objects.get_for_model(Article), object_id=str(obj.pk)
            )
            .select_related("user")
            .order_by("-action_time")
            .first()
        )
        if entry is None:
            return "No admin changes recorded"
        return f"{entry.user.get_username()}, {timezone.localtime(entry.action_time):%d %b %Y %H:%M}"

    @admin.action(description="Publish now", permissions=["change"])
    def publish_now(self, request, queryset):
        now = timezone.now()
        due = queryset.exclude(status=Article.Status.PUBLISHED, published_at__lte=now)
        update_and_log(
            self, request, due, "published", status=Article.Status.PUBLISHED, published_at=now, updated_at=now
        )

    @admin.action(description="Unpublish (back to draft)", permissions=["change"])
    def unpublish(self, request, queryset):
        published = queryset.filter(status=Article.Status.PUBLISHED)
        update_and_log(
            self, request, published, "unpublished", status=Article.Status.DRAFT, updated_at=timezone.now()
        )

    @admin.action(description="Feature", permissions=["change"])
    def feature(self, request, queryset):
        update_and_log(self, request, queryset.filter(is_featured=False), "featured", is_featured=True)

    @admin.action(description="Stop featuring", permissions=["change"])
    def unfeature(self, request, queryset):
        update_and_log(self, request, queryset.filter(is_featured=True), "unfeatured", is_featured=False)


class CommentStatusFilter(QueueStatusFilter):
    """Defaults to the moderation queue: pending comments."""

    statuses = Comment.Status
    default = Comment.Status.PENDING


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin):
    """The moderators' queue: reported comments first, most reported first (readers'
    reports bring a comment to a moderator; they hide it, pending review, only past
    ``COMMENTS_HIDE_AFTER_REPORTS``: "hidden after reports" says when), then newest first.
    Moderators pick comments here (an action, or the "Podium pick" box of each row, both
    logged): an approved pick is shown with a badge, first, under "Podium picks"."""

    class ReportedFilter(admin.SimpleListFilter):
        title = "readers' reports"
        parameter_name = "reported"

        def lookups(self, request, model_admin):
            return [("yes", "Reported"), ("no", "Not reported")]

        def queryset(self, request, queryset):
            if self.value() == "yes":
                return queryset.filter(_report_count__gt=0)
            if self.value() == "no":
                return queryset.filter(_report_count=0)
            return queryset

    list_display = [
        "excerpt", "report_count", "name", "article_link", "status", "recommend_count", "is_pick",
        "created_at",
    ]  # fmt: skip
    list_editable = ["is_pick"]  # the per-comment toggle: saved with save(), logged as a change
    list_filter = [CommentStatusFilter, ReportedFilter, "is_pick", "article"]
    list_select_related = ["article"]
    search_fields = ["body", "name"]
    raw_id_fields = ["article", "parent"]
    readonly_fields = [
        "created_at",
        "edited_at",
        "hidden_at",
        "earlier_texts",
        "report_summary",
        "recommend_count",
        "picked_at",
    ]
    ordering = ["-created_at"]
    actions = ["approve", "reject", "mark_spam", "mark_pick", "remove_pick"]

    def get_queryset(self, request):
        # One COUNT per row in the same query: the queue's size never adds queries.
        return super().get_queryset(request).annotate(_report_count=Count("reports"))

    def get_readonly_fields(self, request, obj=None):
        # A posted comment stays where it is: another article or parent would split its
        # thread (Comment.save refuses it too). Chosen only when a comment is added here.
        fields = super().get_readonly_fields(request, obj)
        if obj is not None and obj.is_removed:  # its author removed it: nothing left to moderate
            return [*fields, "article", "parent", "name", "email", "body", "status"]
        return [*fields, "article", "parent"] if obj is not None else fields

    def get_ordering(self, request):
        # An annotation cannot go in ``ordering`` (checked against model fields), so here;
        # an F() expression, as the annotation is added after ModelAdmin orders the queryset.
        return [F("_report_count").desc(), "-created_at"]

    @admin.display(description="reports", ordering="_report_count")
    def report_count(self, obj):
        return obj._report_count

    @admin.display(description="readers' reports")
    def report_summary(self, obj):
        if not obj.pk:
            return "—"
        rows = obj.reports.order_by().values("reason").annotate(n=Count("pk")).order_by("-n", "reason")
        labels = dict(CommentReport.Reason.choices)
        summary = ", ".join(f"{labels.get(row['reason'], row['reason'])} ×{row['n']}" for row in rows)
        return summary or "None"

    @admin.display(description="earlier texts")
    def earlier_texts(self, obj):
        """What its author replaced by an edit or deleted, newest first: read-only, so a
        moderator sees what was said. (Not an inline: nothing here is edited.)"""
        revisions = list(obj.revisions.all()) if obj.pk else []
        if not revisions:
            return "None: its author has not edited or deleted it."
        return format_html_join(
            "",
            "<p><strong>{}</strong> {}:<br>{}</p>",
            (
                (
                    revision.get_change_display(),
                    timezone.localtime(revision.replaced_at).strftime("%d %b %Y %H:%M"),
                    linebreaksbr(revision.body, autoescape=True),
                )
                for revision in revisions
            ),
        )

    @admin.display(description="comment")
    def excerpt(self, obj):
        if obj.is_removed:
            return "(removed by its author: the text is under “earlier texts”)"
        return Truncator(obj.body).words(12)

    @admin.display(description="article", ordering="article__title")
    def article_link(self, obj):
        return format_html(
            '<a href="{}">{}</a>',
            reverse("admin:news_article_change", args=[obj.article_id]),
            obj.article.title,
        )

    def _set_status(self, request, queryset, status, verb):
        # A comment its author removed has no text left to approve, reject or mark.
        changed = queryset.exclude(status__in=[status, Comment.Status.REMOVED])
        update_and_log(self, request, changed, verb, status=status)

    def save_model(self, request, obj, form, change):
        # A reply a moderator makes public here is notified like one published at once
        # (the admin saves in a transaction: the outbox rows go with the change).
        was_public = change and Comment.objects.filter(pk=obj.pk, status=Comment.Status.APPROVED).exists()
        super().save_model(request, obj, form, change)
        if not was_public:
            replies_published(replies=[obj])

    @admin.action(description="Approve", permissions=["change"])
    def approve(self, request, queryset):
        # The replies made public by this action are notified, in the same transaction.
        with transaction.atomic():
            held_replies = list(queryset.exclude(status=Comment.Status.APPROVED).filter(parent__isnull=False))
            self._set_status(request, queryset, Comment.Status.APPROVED, "approved")
            for reply in held_replies:
                reply.status = Comment.Status.APPROVED
            replies_published(replies=held_replies)

    @admin.action(description="Reject", permissions=["change"])
    def reject(self, request, queryset):
        self._set_status(request, queryset, Comment.Status.REJECTED, "rejected")

    @admin.action(description="Mark as spam", permissions=["change"])
    def mark_spam(self, request, queryset):
        self._set_status(request, queryset, Comment.Status.SPAM, "marked as spam")

    @admin.action(description="Mark as Podium pick", permissions=["change"])
    def mark_pick(self, request, queryset):
        update_and_log(
            self, request, queryset.filter(is_pick=False), "picked", is_pick=True, picked_at=timezone.now()
        )

    @admin.action(description="Remove pick", permissions=["change"])
    def remove_pick(self, request, queryset):
        update_and_log(
            self, request, queryset.filter(is_pick=True), "unpicked", is_pick=False, picked_at=None
        )
