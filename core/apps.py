from django.apps import AppConfig


class CoreConfig(AppConfig):
    """What every app shares: the page cache (``core.cache``) and rate limits."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "core"

    def ready(self):
        from . import cache

        cache.connect()

    def page_cache(self):
        """The holes every page may have: a form's CSRF token and the visitor's messages."""
        from . import visitor

        return {"holes": {"csrf_token": visitor.csrf_input, "messages": visitor.messages_html}}
