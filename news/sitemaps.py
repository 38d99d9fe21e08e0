"""Sitemaps of the news pages, on SITE_URL (config.sitemaps)."""

from django.db.models import Max, Q
from django.utils import timezone

from config.sitemaps import SiteUrlSitemap
from corrections.models import last_modified_expression

from .models import Article, Section


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
