from django.apps import AppConfig


class AthleticsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "athletics"

    def page_cache(self):
        """What the page cache (``core.cache``) follows for this app: every write to the
        results database changes the scope "athletics"."""
        from core.cache import ATHLETICS

        from . import models

        writes = [models.Sport, models.Country, models.Discipline, models.Competition]
        writes += [models.CompetitionEdition, models.Athlete, models.Athlete.disciplines.through]
        writes += [models.Result, models.Record]
        return {"invalidates": [((ATHLETICS,), writes)]}
