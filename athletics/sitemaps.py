"""Sitemaps for athlete profiles, championship editions and the athletics list pages, on
SITE_URL (config.sitemaps)."""

from django.urls import reverse

from config.sitemaps import SiteUrlSitemap

from .models import Athlete, CompetitionEdition


class AthleteSitemap(SiteUrlSitemap):
    changefreq = "weekly"
    priority = 0.7

    def items(self):
        return Athlete.objects.order_by("name", "pk").only("slug")


class EditionSitemap(SiteUrlSitemap):
    changefreq = "monthly"
    priority = 0.6

    def items(self):
        return CompetitionEdition.objects.order_by("-year", "pk").only("slug")


class AthleticsPagesSitemap(SiteUrlSitemap):
    changefreq = "weekly"
    priority = 0.5

    def items(self):
        return ["athletics:athlete_list", "athletics:competition_list", "athletics:medals"]

    def location(self, item):
        return reverse(item)


SITEMAPS = {
    "athletes": AthleteSitemap,
    "competitions": EditionSitemap,
    "athletics-pages": AthleticsPagesSitemap,
}
