"""Sitemaps of the news pages, on SITE_URL (config.sitemaps): the home page and /news/,
articles and sections, each with its ``lastmod``."""

from django.db.models import Max, Q
from django.urls import reverse
from django.utils import timezone

from config.sitemaps import SiteUrlSitemap
from corrections.models import last_modified_expression

from .models import Article, Section


def latest_article_change():
    """When a published article last changed (or None): what the news pages show."""
    return Article.objects.published().aggregate(latest=Max("updated_at"))["latest"]


class NewsPagesSitemap(SiteUrlSitemap):
    """The home page and /news/: both change when a published article does."""

    changefreq = "daily"
    priority = 1.0

    def items(self):
        return ["news:home", "news:article_list"]

    def location(self, item):
        return reverse(item)

    latest_change = staticmethod(latest_article_change)

    def lastmod(self, item):
        if not hasattr(self, "_latest"):  # one query for the sitemap, not one per page
            self._latest = self.get_latest_lastmod()
        return self._latest


class ArticleSitemap(SiteUrlSitemap):
    changefreq = "weekly"
    limit = 5000

    def items(self):
        return (
            Article.objects.published()
            .only("slug", "updated_at")
            .annotate(last_modified=last_modified_expression())
            .order_by("-published_at", "-pk")
        )

    def lastmod(self, item):
        # The article's own last save or its latest correction's (corrections app).
        return item.last_modified

    latest_change = staticmethod(latest_article_change)


class SectionSitemap(SiteUrlSitemap):
    changefreq = "daily"

    def items(self):
        published = Q(articles__status=Article.Status.PUBLISHED, articles__published_at__lte=timezone.now())
        return Section.objects.annotate(
            last_article_at=Max("articles__updated_at", filter=published)
        ).order_by("sort_order", "name")

    def lastmod(self, item):
        return item.last_article_at

    latest_change = staticmethod(latest_article_change)


SITEMAPS = {"pages": NewsPagesSitemap, "articles": ArticleSitemap, "sections": SectionSitemap}
