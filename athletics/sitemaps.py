"""Sitemaps for athlete profiles, championship editions and the athletics list pages.

URLs are built from ``settings.SITE_URL``, never from the request's Host header."""

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from .models import Athlete, CompetitionEdition


class SiteURLSitemap(Sitemap):
    """Takes scheme and host from ``settings.SITE_URL`` instead of the request."""

    def get_domain(self, site=None):
        return urlsplit(settings.SITE_URL).netloc

    def get_protocol(self, protocol=None):
        return urlsplit(settings.SITE_URL).scheme


class AthleteSitemap(SiteURLSitemap):
    changefreq = "weekly"
    priority = 0.7

    def items(self):
        return Athlete.objects.order_by("name", "pk").only("slug")


class EditionSitemap(SiteURLSitemap):
    changefreq = "monthly"
    priority = 0.6

    def items(self):
        return CompetitionEdition.objects.order_by("-year", "pk").only("slug")


class AthleticsPagesSitemap(SiteURLSitemap):
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
