from django.apps import AppConfig


class CorrectionsConfig(AppConfig):
    """Readers holding us to the facts: their error reports (an editors' queue) and the
    corrections editors attach to articles, shown on the article, on /corrections/ and in
    its feeds (README, "Corrections")."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "corrections"

    def page_cache(self):
        """What the page cache (``core.cache``) follows for this app. A correction changes
        its article's page and dateModified, which the news lists, feeds and sitemaps show
        too, and /corrections/ with its feeds (cached under the news scope): so news. A
        reader's report shows nowhere public. The report form's token is per visitor."""
        from core.cache import NEWS

        from . import views
        from .models import Correction

        return {
            "invalidates": [((NEWS,), [Correction])],
            "holes": {"report_token": views.report_token_hole},
        }
