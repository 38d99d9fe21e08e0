"""Every ``<time datetime>`` is valid HTML (issue 12, item 6): one filter, ``html_datetime``,
writes them all, in whole seconds (the Nu Html Checker refuses Django's six-digit fraction)."""

import datetime
import re
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.utils import timezone

from core.templatetags.html_time import html_datetime
from tests.news.factories import ArticleFactory, CommentFactory

pytestmark = pytest.mark.django_db

# HTML's "valid date string" and "valid global date and time string" (with an offset),
# as the Nu checker reads them: at most three digits of a fraction of a second.
VALID = re.compile(r"\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:?\d{2}))?")


def test_the_filter_writes_whole_seconds_with_the_offset_in_the_sites_time_zone(settings):
    settings.TIME_ZONE = "Europe/London"
    moment = datetime.datetime(2024, 7, 1, 8, 30, 15, 123456, tzinfo=datetime.UTC)
    assert html_datetime(moment) == "2024-07-01T09:30:15+01:00"
    assert html_datetime(datetime.date(2024, 2, 18)) == "2024-02-18"
    naive = datetime.datetime(2024, 2, 18, 9, 0, 0, 5)  # noqa: DTZ001 (a naive value is written as such)
    assert html_datetime(naive) == "2024-02-18T09:00:00"
    assert html_datetime(None) == html_datetime("") == html_datetime("2024") == ""
    assert html_datetime(moment.astimezone(ZoneInfo("America/New_York"))) == "2024-07-01T09:30:15+01:00"


def test_pages_with_times_of_microsecond_precision_write_only_valid_datetimes(client):
    # timezone.now() has microseconds: an article published "now" and a comment posted now.
    article = ArticleFactory(
        published_at=timezone.now().replace(microsecond=654321) - datetime.timedelta(minutes=5)
    )
    CommentFactory(article=article, created_at=timezone.now().replace(microsecond=123456))
    for url in ("/", "/news/", article.get_absolute_url(), f"/news/section/{article.section.slug}/"):
        html = client.get(url).content.decode()
        values = re.findall(r'<time[^>]* datetime="([^"]*)"', html)
        assert values, url
        assert all(VALID.fullmatch(value) for value in values), (url, values)
        assert not re.search(r'datetime="[^"]*\.\d', html), url


def test_every_template_writes_datetime_through_the_filter():
    roots = [Path(settings.BASE_DIR) / name for name in ("news", "athletics", "templates")]
    for path in (p for root in roots for p in root.rglob("*.html")):
        for attribute in re.findall(r'datetime="([^"]*)"', path.read_text()):
            assert "|html_datetime }}" in attribute, (path, attribute)
