"""Sitemaps of the news pages. Every URL is built from settings.SITE_URL, never from the
request's host: ``SiteUrlSitemap`` (reusable by other apps) supplies the scheme and host."""

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.db.models import Max, Q
from django.utils import timezone

from .models import Article, Section


class SiteUrlSitemap(Sitemap):
    """A sitemap whose locations start with SITE_URL, whatever host the request named."""

    def get_protocol(self, protocol=None):
        return urlsplit(settings.SITE_URL).scheme

    def get_domain(self, site=None):
        # Host plus any path prefix, so a SITE_URL like https://example.com/podium works too.
        parts = urlsplit(settings.SITE_URL)
        return f"{parts.netloc}{parts.path}"


class ArticleSitemap(SiteUrlSitemap):
    changefreq = "weekly"
    limit = 5000

    def items(self):
        return Article.objects.published().only("slug", "updated_at").order_by("-published_at", "-pk")

    def lastmod(self, item):
        return item.updated_at


class SectionSitemap(SiteUrlSitemap):
    changefreq = "daily"

    def items(self):
        published = Q(articles__status=Article.Status.PUBLISHED, articles__published_at__lte=timezone.now())
        return Section.objects.annotate(
            last_article_at=Max("articles__updated_at", filter=published)
        ).order_by("sort_order", "name")

    def lastmod(self, item):
        return item.last_article_at


SITEMAPS = {"articles": ArticleSitemap, "sections": SectionSitemap}
