"""Sitemaps for athlete profiles, championship editions and the athletics list pages, on
SITE_URL (config.sitemaps). A profile's ``lastmod`` is the latest change to the athlete,
their results or their records; an edition's, to the edition or its results."""

import datetime

from django.db import connection
from django.db.models import F, OuterRef, Subquery
from django.db.models.functions import Coalesce, Greatest
from django.urls import reverse

from config.sitemaps import SiteUrlSitemap

from .models import Athlete, CompetitionEdition, Record, Result


def _latest_of(model, field):
    """The latest ``updated_at`` of the ``model`` rows whose ``field`` is the outer row."""
    rows = model.objects.filter(**{field: OuterRef("pk")}).order_by("-updated_at").values("updated_at")
    return Subquery(rows[:1])


def _changed(*latest):
    # Coalesce: a row without results must not make the whole expression NULL (SQLite).
    return Greatest(F("updated_at"), *(Coalesce(value, F("updated_at")) for value in latest))


def latest_athletics_change():
    """When an athlete, edition, result or record last changed (or None), in one query:
    each athletics section's ``<lastmod>`` in the index (every page there shows several of
    them: a profile names editions, an edition names athletes)."""
    quote = connection.ops.quote_name
    newest = " UNION ALL ".join(
        f"SELECT MAX({quote('updated_at')}) AS latest FROM {quote(model._meta.db_table)}"  # noqa: S608
        for model in (Athlete, CompetitionEdition, Result, Record)
    )
    # Raw SQL: the ORM cannot take one maximum over four tables in one query.
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT MAX(latest) FROM ({newest}) AS changes")  # noqa: S608
        (latest,) = cursor.fetchone()
    if isinstance(latest, str):  # SQLite: the stored text of a UTC time
        latest = datetime.datetime.fromisoformat(latest).replace(tzinfo=datetime.UTC)
    return latest


class AthleteSitemap(SiteUrlSitemap):
    changefreq = "weekly"
    priority = 0.7

    def items(self):
        return (
            Athlete.objects.annotate(
                last_changed=_changed(_latest_of(Result, "athlete"), _latest_of(Record, "athlete"))
            )
            .order_by("name", "pk")
            .only("slug")
        )

    def lastmod(self, item):
        return item.last_changed

    latest_change = staticmethod(latest_athletics_change)


class EditionSitemap(SiteUrlSitemap):
    changefreq = "monthly"
    priority = 0.6

    def items(self):
        return (
            CompetitionEdition.objects.annotate(last_changed=_changed(_latest_of(Result, "edition")))
            .order_by("-year", "pk")
            .only("slug")
        )

    def lastmod(self, item):
        return item.last_changed

    latest_change = staticmethod(latest_athletics_change)


class AthleticsPagesSitemap(SiteUrlSitemap):
    """The athletes, championships and medal table pages: any athletics change shows there."""

    changefreq = "weekly"
    priority = 0.5

    def items(self):
        return ["athletics:athlete_list", "athletics:competition_list", "athletics:medals"]

    def location(self, item):
        return reverse(item)

    latest_change = staticmethod(latest_athletics_change)

    def lastmod(self, item):
        if not hasattr(self, "_latest"):  # once for the sitemap, not per page
            self._latest = self.get_latest_lastmod()
        return self._latest


SITEMAPS = {
    "athletes": AthleteSitemap,
    "competitions": EditionSitemap,
    "athletics-pages": AthleticsPagesSitemap,
}
