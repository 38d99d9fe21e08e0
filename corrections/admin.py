"""The desk's side of corrections: corrections inline in the article form and in a list of
their own, and the queue of readers' error reports."""

from django.contrib import admin, messages
from django.contrib.admin.models import CHANGE, LogEntry
from django.db import transaction
from django.urls import reverse
from django.utils.html import format_html
from django.utils.text import Truncator

from core.admin_filters import QueueStatusFilter

from .models import Correction, ErrorReport
from .services import error_report_set_status


class CorrectionInline(admin.StackedInline):
    """Corrections in the article form (``news.admin.ArticleAdmin``): each shows at the
    article's foot and in its JSON-LD, and moves its dateModified."""

    model = Correction
    extra = 0
    fields = ["date", "text"]
    show_change_link = True
    verbose_name_plural = "corrections (shown at the article's foot and on /corrections/)"


@admin.register(Correction)
class CorrectionAdmin(admin.ModelAdmin):
    list_display = ["date", "article", "excerpt", "updated_at"]
    list_select_related = ["article"]
    list_filter = ["date"]
    search_fields = ["text", "article__title"]
    autocomplete_fields = ["article"]
    date_hierarchy = "date"
    fields = ["article", "date", "text"]

    @admin.display(description="correction")
    def excerpt(self, obj):
        return Truncator(obj.text).words(16)


class ErrorReportStatusFilter(QueueStatusFilter):
    """Defaults to the queue: open reports."""

    statuses = ErrorReport.Status
    default = ErrorReport.Status.OPEN


@admin.register(ErrorReport)
class ErrorReportAdmin(admin.ModelAdmin):
    """The editors' queue of readers' error reports: open ones, newest first, filterable by
    article. Accepting a report whose reader left an address tells them, once."""

    list_display = ["excerpt", "article_link", "status", "source_link", "has_email", "created_at"]
    list_select_related = ["article"]
    # Only the articles that have reports: the filter never lists the whole archive.
    list_filter = [ErrorReportStatusFilter, ("article", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["description", "article__title"]
    ordering = ["-created_at", "-pk"]
    actions = ["accept", "dismiss", "reopen"]
    fields = [
        "article_link", "description", "source_link", "email", "status", "note", "created_at", "decided_at",
        "notified_at",
    ]  # fmt: skip
    readonly_fields = [
        "article_link", "description", "source_link", "email", "created_at", "decided_at", "notified_at",
    ]  # fmt: skip

    def has_add_permission(self, request):
        return False  # reports come from readers

    @admin.display(description="what is wrong")
    def excerpt(self, obj):
        return Truncator(obj.description).words(16)

    @admin.display(description="article", ordering="article__title")
    def article_link(self, obj):
        return format_html(
            '<a href="{}">{}</a> (<a href="{}">edit, add a correction</a>)',
            obj.article.get_absolute_url(),
            obj.article.title,
            reverse("admin:news_article_change", args=[obj.article_id]),
        )

    @admin.display(description="source")
    def source_link(self, obj):
        if not obj.source_url:
            return "—"
        return format_html(
            '<a href="{}" rel="noopener noreferrer nofollow">{}</a>', obj.source_url, obj.source_url
        )

    @admin.display(description="email", boolean=True)
    def has_email(self, obj):
        return bool(obj.email)

    def save_model(self, request, obj, form, change):
        # The status goes through the service (the reader's mail, once, in this transaction).
        status = obj.status
        stored = ErrorReport.objects.get(pk=obj.pk)
        obj.status = stored.status
        obj.save(update_fields=["note"])
        error_report_set_status(report=obj, status=status)

    @transaction.atomic
    def _set_status(self, request, queryset, status, verb):
        reports = queryset.select_related("article")
        changed = [report.pk for report in reports if error_report_set_status(report=report, status=status)]
        if changed:
            LogEntry.objects.log_actions(
                user_id=request.user.pk,
                queryset=ErrorReport.objects.filter(pk__in=changed),
                action_flag=CHANGE,
                change_message=f"{verb.capitalize()} (admin action).",
            )
        self.message_user(
            request, f"{len(changed)} report{'s' * (len(changed) != 1)} {verb}.", messages.SUCCESS
        )

    @admin.action(description="Accept (tells a reader who left an email, once)", permissions=["change"])
    def accept(self, request, queryset):
        self._set_status(request, queryset, ErrorReport.Status.ACCEPTED, "accepted")

    @admin.action(description="Dismiss", permissions=["change"])
    def dismiss(self, request, queryset):
        self._set_status(request, queryset, ErrorReport.Status.DISMISSED, "dismissed")

    @admin.action(description="Reopen", permissions=["change"])
    def reopen(self, request, queryset):
        self._set_status(request, queryset, ErrorReport.Status.OPEN, "reopened")
