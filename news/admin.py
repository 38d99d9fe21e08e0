"""Admin for articles and comments. The full newsroom (actions, preview, roles,
moderation queue) is built on top of this in the editors' issue."""

from django.contrib import admin
from django.utils.text import Truncator

from .models import Article, Author, Comment, Section, Tag, approved_comment_count


@admin.register(Section)
class SectionAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "sort_order"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Author)
class AuthorAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "user"]
    list_select_related = ["user"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    list_display = ["title", "section", "status", "published_at", "is_featured", "approved_comments"]
    list_filter = ["status", "section", "is_featured", "tags"]
    list_select_related = ["section"]
    search_fields = ["title", "standfirst", "body"]
    date_hierarchy = "published_at"
    prepopulated_fields = {"slug": ["title"]}
    autocomplete_fields = ["tags", "athletes", "editions", "authors"]
    list_per_page = 50

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_approved_comments=approved_comment_count())

    @admin.display(description="comments", ordering="_approved_comments")
    def approved_comments(self, obj):
        return obj._approved_comments


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin):
    list_display = ["excerpt", "name", "article", "status", "created_at"]
    list_filter = ["status"]
    list_select_related = ["article"]
    search_fields = ["body", "name"]
    raw_id_fields = ["article", "parent"]
    date_hierarchy = "created_at"

    @admin.display(description="comment")
    def excerpt(self, obj):
        return Truncator(obj.body).words(12)
