from django.apps import AppConfig


class NewsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "news"

    def page_cache(self):
        """What the page cache (``core.cache``) follows for this app: the scopes each model's
        writes change, when news changes by itself, and the per-visitor holes of its pages."""
        from core.cache import ALL, NEWS

        from . import comment_edits, comment_views, selectors
        from .models import Article, Author, Comment, CommentRecommendation, Section, Tag

        relations = ("tags", "authors", "athletes", "editions", "records")
        through = [getattr(Article, field).through for field in relations]
        return {
            "invalidates": [
                (selectors.article_scopes, [Article]),
                ((NEWS,), [Tag, Author, *through]),
                ((NEWS, ALL), [Section]),  # every page's header lists the sections
                (comment_views.comment_scopes, [Comment]),
                (comment_views.recommendation_scopes, [CommentRecommendation]),
            ],
            "changes_at": {NEWS: selectors.next_change, "story-age:{slug}": selectors.age_warning_changes_at},
            "holes": {
                "rendered_at": comment_views.rendered_at_hole,
                # With the cookie without which they are empty: not asked for anyone else.
                "commenter_name": (comment_views.remembered_name_attribute, comment_views.COMMENTER_COOKIE),
                "own_comment": (comment_edits.own_comment_controls, comment_edits.EDIT_COOKIE),
            },
        }
