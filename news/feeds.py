"""RSS and Atom feeds of the latest published articles, site-wide and per section.

Every link is built from settings.SITE_URL (link(), feed_url() and item_link() return
absolute URLs), so the Host header of the request never ends up in a feed. Each item
carries the article's whole body, as sanitised at save (RSS ``content:encoded``, Atom
``content``), with its results embeds rendered as on the page (read for all the items at
once, ``news.embeds.render_bodies``) and its links made absolute, and its hero image as
Media RSS ``media:content`` (width, height, alt text and credit; no file is opened to
measure it).
"""

import mimetypes
import re

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed

from core.cache import ATHLETICS, NEWS, cache_page
from core.structured_data import absolute
from corrections.models import last_modified_expression

from . import embeds
from .models import Article, Section

FEED_LENGTH = 20
CONTENT_NS = "http://purl.org/rss/1.0/modules/content/"
MEDIA_NS = "http://search.yahoo.com/mrss/"
# A root-relative href or src in sanitised HTML (nh3 writes every attribute in double quotes).
_RELATIVE_URL = re.compile(r'(<(?:a|img)\s[^>]*?\b(?:href|src)=")/(?!/)')


def _absolute(path):
    return f"{settings.SITE_URL}{path}"


def _feed_items(articles):
    """The first FEED_LENGTH of ``articles``, each with ``last_modified`` (a correction
    updates its article's entry) and ``feed_body``: the body with its embeds rendered, the
    embeds of all the items read in one go, and its links absolute."""
    items = list(articles.annotate(last_modified=last_modified_expression())[:FEED_LENGTH])
    for item, body in zip(items, embeds.render_bodies(items), strict=True):
        item.feed_body = absolute_links(body)
    return items


def absolute_links(html):
    """``html`` with its root-relative links and images on SITE_URL: a feed reader shows the
    body away from the site, where "/athletes/josh-kerr/" leads nowhere."""
    return _RELATIVE_URL.sub(lambda match: f"{match[1]}{settings.SITE_URL}/", html)


class _MediaElements:
    """Writes an item's full body and its image (``content`` and ``media`` item keys)."""

    def add_media(self, handler, item):
        media = item.get("media")
        if not media:
            return
        handler.startElement("media:content", media["attributes"])
        if media["description"]:
            handler.addQuickElement("media:description", media["description"], {"type": "plain"})
        if media["credit"]:
            handler.addQuickElement("media:credit", media["credit"])
        handler.endElement("media:content")


class FullRssFeed(_MediaElements, Rss201rev2Feed):
    """RSS 2.0 with ``content:encoded`` (the whole body) and ``media:content`` (the image)."""

    def rss_attributes(self):
        return {**super().rss_attributes(), "xmlns:content": CONTENT_NS, "xmlns:media": MEDIA_NS}

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, item)
        if item.get("content"):
            handler.addQuickElement("content:encoded", item["content"])
        self.add_media(handler, item)


class FullAtomFeed(_MediaElements, Atom1Feed):
    """Atom 1.0 with ``content`` (the whole body, as HTML) and ``media:content`` (the image)."""

    def root_attributes(self):
        return {**super().root_attributes(), "xmlns:media": MEDIA_NS}

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, item)
        if item.get("content"):
            handler.addQuickElement("content", item["content"], {"type": "html"})
        self.add_media(handler, item)


# The embeds show results and records: their writes renew the feeds too.
@method_decorator(cache_page(NEWS, ATHLETICS), name="__call__")
class LatestArticlesFeed(Feed):
    """RSS 2.0: the latest published articles (each feed a cached page, ``core.cache``)."""

    feed_type = FullRssFeed
    description = "The latest athletics news from Podium."

    def title(self):
        return f"{settings.SITE_NAME}: latest news"

    def link(self):
        return _absolute(reverse("news:article_list"))

    def feed_url(self):
        return _absolute(reverse("news:feed_latest"))

    def items(self):
        return _feed_items(Article.objects.for_listing().prefetch_related("tags"))

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

    def item_extra_kwargs(self, item):
        """The whole body (sanitised at save, embeds rendered) and the hero image, for the
        feed generators."""
        return {"content": item.feed_body, "media": self.item_media(item)}

    @staticmethod
    def item_media(item):
        """The hero image's Media RSS attributes, alt text and credit, or None."""
        if not item.hero_image:
            return None
        attributes = {"url": absolute(item.hero_image.url), "medium": "image"}
        mime_type, _encoding = mimetypes.guess_type(item.hero_image.name)
        if mime_type:
            attributes["type"] = mime_type
        if item.hero_width and item.hero_height:
            attributes |= {"width": str(item.hero_width), "height": str(item.hero_height)}
        return {"attributes": attributes, "description": item.hero_alt, "credit": item.hero_credit}


class LatestArticlesAtomFeed(LatestArticlesFeed):
    """Atom 1.0: the latest published articles."""

    feed_type = FullAtomFeed
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
        return _feed_items(articles)


class SectionAtomFeed(SectionFeed):
    """Atom 1.0: the latest published articles of one section (unknown slug: 404)."""

    feed_type = FullAtomFeed

    def subtitle(self, obj):
        return self.description(obj)

    def feed_url(self, obj):
        return _absolute(reverse("news:feed_section_atom", kwargs={"slug": obj.slug}))
