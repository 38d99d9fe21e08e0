"""Follow an athlete: ``/athletes/<slug>/feed/`` (RSS 2.0) and ``…/feed/atom/`` (Atom 1.0).

New stories about the athlete, and their results and records as they go on record at
Podium, newest first (``selectors.athlete_updates``: three bounded queries). Every link is
absolute, built from SITE_URL; every item's id is a tag URI naming the row (``tag:<host>,
2024:result/42``), so it stays the same when a slug or a title changes. Each feed is a
cached page (``core.cache``): results and records bump "athletics", stories "news".
"""

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.feedgenerator import Atom1Feed
from django.utils.formats import date_format

from core.cache import ATHLETICS, NEWS, cache_page

from . import selectors
from .models import Athlete

FEED_LENGTH = 20
KINDS = {"story": "article", "result": "result", "record": "record"}


def _absolute(path):
    return f"{settings.SITE_URL}{path}"


def item_id(update):
    """The item's permanent id: a tag URI (RFC 4151) of the site's host and the row."""
    host = urlsplit(settings.SITE_URL).hostname or "localhost"
    return f"tag:{host},2024:{KINDS[update.kind]}/{update.item.pk}"


@method_decorator(cache_page(ATHLETICS, NEWS), name="__call__")
class AthleteFeed(Feed):
    """RSS 2.0: what is new about one athlete (unknown slug: 404)."""

    def get_object(self, request, slug):
        return get_object_or_404(Athlete.objects.for_listing(), slug=slug)

    def title(self, obj):
        return f"{obj.name} on {settings.SITE_NAME}: stories, results and records"

    def description(self, obj):
        return (
            f"New stories about {obj.name}, and {obj.name}'s results and records as they go on "
            f"record at {settings.SITE_NAME}."
        )

    def link(self, obj):
        return _absolute(obj.get_absolute_url())

    def feed_url(self, obj):
        return _absolute(reverse("athletics:athlete_feed", kwargs={"slug": obj.slug}))

    def author_name(self):
        return settings.SITE_NAME

    def items(self, obj):
        return selectors.athlete_updates(athletes_since={obj.pk: None}, limit=FEED_LENGTH)[:FEED_LENGTH]

    def item_title(self, update):
        item = update.item
        if update.kind == "story":
            return item.title
        name = item.athlete.name
        if update.kind == "result":
            return f"{name}: {selectors.result_summary(item)}"
        return f"{name}: {item.title}, {item.mark_display}"

    def item_description(self, update):
        item = update.item
        if update.kind == "story":
            return item.standfirst
        if update.kind == "result":
            when = f" on {date_format(item.date, 'j F Y')}" if item.date else ""
            summary = selectors.result_summary(item)
            return f"New on record at {settings.SITE_NAME}: {summary}{when}. Source: {item.source}."
        where = f", {item.venue}" if item.venue else ""
        return (
            f"New on record at {settings.SITE_NAME}: {item.title}, {item.mark_display} "
            f"({item.year}{where}), {item.standing}. Source: {item.source}."
        )

    def item_link(self, update):
        if update.kind == "story":
            return _absolute(update.item.get_absolute_url())
        anchor = f"#{update.kind}-{update.item.pk}"
        # Results and records are shown on their athlete's profile, each row with its id.
        return _absolute(update.item.athlete.get_absolute_url() + anchor)

    def item_guid(self, update):
        return item_id(update)

    item_guid_is_permalink = False

    def item_pubdate(self, update):
        return update.at

    def item_updateddate(self, update):
        return update.item.updated_at if update.kind == "story" else update.at

    def item_categories(self, update):
        return [{"story": "Story", "result": "Result", "record": "Record"}[update.kind]]


class AthleteAtomFeed(AthleteFeed):
    """Atom 1.0: what is new about one athlete (unknown slug: 404)."""

    feed_type = Atom1Feed

    def subtitle(self, obj):
        return self.description(obj)

    def feed_url(self, obj):
        return _absolute(reverse("athletics:athlete_feed_atom", kwargs={"slug": obj.slug}))
