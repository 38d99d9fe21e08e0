"""RSS and Atom feeds of the latest published articles, site-wide and per section.

Every link is built from settings.SITE_URL (link(), feed_url() and item_link() return
absolute URLs), so the Host header of the request never ends up in a feed.
"""

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.feedgenerator import Atom1Feed

from core.cache import NEWS, cache_page
from corrections.models import last_modified_expression

from .models import Article, Section

FEED_LENGTH = 20


def _absolute(path):
    return f"{settings.SITE_URL}{path}"


def _with_last_modified(articles):
    """``articles`` with ``last_modified``: a correction updates its article's entry."""
    return articles.annotate(last_modified=last_modified_expression())


@method_decorator(cache_page(NEWS), name="__call__")
class LatestArticlesFeed(Feed):
    """RSS 2.0: the latest published articles (each feed a cached page, ``core.cache``)."""

    description = "The latest athletics news from Podium."

    def title(self):
        return f"{settings.SITE_NAME}: latest news"

    def link(self):
        return _absolute(reverse("news:article_list"))

    def feed_url(self):
        return _absolute(reverse("news:feed_latest"))

    def items(self):
        return _with_last_modified(Article.objects.for_listing().prefetch_related("tags"))[:FEED_LENGTH]

    def item_title(self, item):
        return item.title

    def item_description(self, item):
        return item.standfirst

    def item_link(self, item):
        return _absolute(item.get_absolute_url())

    def item_guid(self, item):
        return _absolute(item.get_absolute_url())

    def item_pubdate(self, item):
        return item.published_at

    def item_updateddate(self, item):
        return item.last_modified

    def item_author_name(self, item):
        return ", ".join(author.name for author in item.authors.all()) or settings.SITE_NAME

    def item_categories(self, item):
        return [item.section.name, *(tag.name for tag in item.tags.all())]


class LatestArticlesAtomFeed(LatestArticlesFeed):
    """Atom 1.0: the latest published articles."""

    feed_type = Atom1Feed
    subtitle = LatestArticlesFeed.description

    def feed_url(self):
        return _absolute(reverse("news:feed_latest_atom"))


class SectionFeed(LatestArticlesFeed):
    """RSS 2.0: the latest published articles of one section (unknown slug: 404)."""

    def get_object(self, request, slug):
        return get_object_or_404(Section, slug=slug)

    def title(self, obj):
        return f"{settings.SITE_NAME}: {obj.name}"

    def description(self, obj):
        return obj.description or f"The latest {obj.name} news from {settings.SITE_NAME}."

    def link(self, obj):
        return _absolute(obj.get_absolute_url())

    def feed_url(self, obj):
        return _absolute(reverse("news:feed_section", kwargs={"slug": obj.slug}))

    def items(self, obj):
        articles = Article.objects.for_listing().filter(section=obj).prefetch_related("tags")
        return _with_last_modified(articles)[:FEED_LENGTH]


class SectionAtomFeed(SectionFeed):
    """Atom 1.0: the latest published articles of one section (unknown slug: 404)."""

    feed_type = Atom1Feed

    def subtitle(self, obj):
        return self.description(obj)

    def feed_url(self, obj):
        return _absolute(reverse("news:feed_section_atom", kwargs={"slug": obj.slug}))
