from django.apps import AppConfig


class NewsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "news"

    def ready(self):
        # Cached pages follow the content they show (README, "Performance").
        from config import caching, invalidation

        from .selectors import next_publication

        invalidation.connect()
        caching.changes_at(caching.NEWS, next_publication)
