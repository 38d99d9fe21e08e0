"""RSS and Atom feeds of corrections, newest first (the patterns of ``news.feeds``: every
link absolute from SITE_URL, each feed a cached page)."""

import datetime

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.template.defaultfilters import linebreaksbr
from django.urls import reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.feedgenerator import Atom1Feed

from core.cache import NEWS, cache_page

from .models import Correction

FEED_LENGTH = 30


def _absolute(path):
    return f"{settings.SITE_URL}{path}"


@method_decorator(cache_page(NEWS), name="__call__")
class CorrectionsFeed(Feed):
    """RSS 2.0: the latest corrections of published articles."""

    description = "Every correction Podium makes to its stories, newest first."

    def title(self):
        return f"{settings.SITE_NAME}: corrections"

    def link(self):
        return _absolute(reverse("corrections:list"))

    def feed_url(self):
        return _absolute(reverse("corrections:feed"))

    def items(self):
        return Correction.objects.for_listing()[:FEED_LENGTH]

    def item_title(self, item):
        return f"Correction: {item.article.title}"

    def item_description(self, item):
        # A description is HTML to feed readers: the editor's plain text, escaped, as the page shows it.
        return linebreaksbr(item.text, autoescape=True)

    def item_link(self, item):
        return _absolute(item.get_absolute_url())

    # Stable whatever happens to the article's slug: the correction's own number.
    item_guid_is_permalink = False

    def item_guid(self, item):
        return _absolute(f"{reverse('corrections:list')}#correction-{item.pk}")

    def item_pubdate(self, item):
        # The correction's day, at the moment it was written if that was the same day.
        created = timezone.localtime(item.created_at)
        if created.date() == item.date:
            return created
        return timezone.make_aware(datetime.datetime.combine(item.date, datetime.time(12)))

    def item_updateddate(self, item):
        return max(item.updated_at, self.item_pubdate(item))

    def item_author_name(self, item):
        return settings.SITE_NAME


class CorrectionsAtomFeed(CorrectionsFeed):
    """Atom 1.0: the latest corrections."""

    feed_type = Atom1Feed
    subtitle = CorrectionsFeed.description

    def feed_url(self):
        return _absolute(reverse("corrections:feed_atom"))
