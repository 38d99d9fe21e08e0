"""Follow an athlete: /athletes/<slug>/feed/ (RSS) and /athletes/<slug>/feed/atom/ (Atom).
New stories about the athlete, new results and records on record, newest first, each with
a stable id and an absolute link; valid feeds (feedparser, bozo 0); bounded queries; a
cached page that the writes changing it invalidate; unknown slug 404."""

import datetime
from http import HTTPStatus
from unittest import mock

import feedparser
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from athletics.models import Result
from news.models import Article
from tests.news.factories import ArticleFactory

from .factories import (
    AthleteFactory,
    CompetitionEditionFactory,
    DisciplineFactory,
    RecordFactory,
    ResultFactory,
)

pytestmark = pytest.mark.django_db

SITE_URL = "https://podium.example"
FEEDS = ["/athletes/kerr/feed/", "/athletes/kerr/feed/atom/"]


def ago(**delta):
    return timezone.now() - datetime.timedelta(**delta)


@pytest.fixture
def kerr():
    return AthleteFactory(name="Josh Kerr", slug="kerr")


@pytest.fixture
def news(kerr):
    """A story about Kerr, a result and a record of his, at known moments; and what must
    not show: a draft, a scheduled story, another athlete's story and result."""
    other = AthleteFactory(name="Someone Else", slug="someone-else")
    ArticleFactory(title="Kerr wins in Budapest", athletes=[kerr], published_at=ago(days=3))
    ArticleFactory(title="Draft about Kerr", athletes=[kerr], status=Article.Status.DRAFT)
    ArticleFactory(title="Scheduled about Kerr", athletes=[kerr], published_at=ago(days=-1))
    ArticleFactory(title="Not about Kerr", athletes=[other], published_at=ago(hours=1))
    edition = CompetitionEditionFactory(name="Budapest 2023", city="Budapest", year=2023)
    result = ResultFactory(
        athlete=kerr, edition=edition, discipline=DisciplineFactory(name="1500 m"), mark=20938,
        recorded_at=ago(days=2), date=datetime.date(2023, 8, 23),
    )  # fmt: skip
    ResultFactory(athlete=other, recorded_at=ago(minutes=5))
    record = RecordFactory(athlete=kerr, mark=48067, recorded_at=ago(days=1))
    return result, record


def parse(client, url):
    response = client.get(url)
    assert response.status_code == HTTPStatus.OK, url
    feed = feedparser.parse(response.content)
    assert feed.bozo == 0, feed.get("bozo_exception")
    return response, feed


@pytest.mark.parametrize("url", FEEDS)
def test_feed_is_valid_and_lists_stories_results_and_records_newest_first(client, news, url):
    response, feed = parse(client, url)
    result, record = news

    expected_type = "application/atom+xml" if "atom" in url else "application/rss+xml"
    assert response["Content-Type"].startswith(expected_type)
    titles = [entry.title for entry in feed.entries]
    assert titles == [
        "Josh Kerr: Two miles world indoor best, 8:00.67",
        "Josh Kerr: 1st, 1500 m final, World Championships Budapest 2023: 3:29.38 (gold)",
        "Kerr wins in Budapest",
    ]
    assert feed.feed.link == f"{SITE_URL}/athletes/kerr/"
    for entry in feed.entries:
        assert entry.link.startswith(f"{SITE_URL}/"), entry.link
        assert entry.id.startswith("tag:podium.example,2024:"), entry.id
    assert feed.entries[0].link == f"{SITE_URL}/athletes/kerr/#record-{record.pk}"
    assert feed.entries[1].link == f"{SITE_URL}/athletes/kerr/#result-{result.pk}"
    assert feed.entries[2].link.startswith(f"{SITE_URL}/news/")
    dates = [entry.published_parsed or entry.updated_parsed for entry in feed.entries]
    assert dates == sorted(dates, reverse=True)
    body = response.content.decode()
    for hidden in ("Draft about Kerr", "Scheduled about Kerr", "Not about Kerr", "Someone Else"):
        assert hidden not in body


def test_feed_item_ids_stay_the_same_when_slugs_and_titles_change(client, news, kerr):
    _, before = parse(client, "/athletes/kerr/feed/")
    Article.objects.filter(title="Kerr wins in Budapest").update(slug="renamed", title="Renamed")
    kerr.slug = "josh-kerr"
    kerr.save()
    _, after = parse(client, "/athletes/josh-kerr/feed/")

    assert [entry.id for entry in after.entries] == [entry.id for entry in before.entries]
    assert len({entry.id for entry in after.entries}) == 3


def test_feed_links_its_own_url_and_the_profile_links_both_feeds(client, news):
    _, rss = parse(client, "/athletes/kerr/feed/")
    _, atom = parse(client, "/athletes/kerr/feed/atom/")
    assert {link.href for link in rss.feed.links if link.rel == "self"} == {f"{SITE_URL}/athletes/kerr/feed/"}
    assert {link.href for link in atom.feed.links if link.rel == "self"} == {
        f"{SITE_URL}/athletes/kerr/feed/atom/"
    }
    page = client.get("/athletes/kerr/").content.decode()
    assert 'type="application/rss+xml" title="Josh Kerr on Podium (RSS)" href="/athletes/kerr/feed/"' in page
    assert (
        'type="application/atom+xml" title="Josh Kerr on Podium (Atom)" href="/athletes/kerr/feed/atom/"'
        in page
    )


@pytest.mark.parametrize("url", ["/athletes/nobody/feed/", "/athletes/nobody/feed/atom/"])
def test_unknown_athlete_feed_is_404(client, url):
    assert client.get(url).status_code == HTTPStatus.NOT_FOUND


@pytest.mark.parametrize("method", ["post", "put", "delete"])
def test_feed_answers_only_get_and_head(client, kerr, method):
    response = getattr(client, method)("/athletes/kerr/feed/")
    assert response.status_code == HTTPStatus.METHOD_NOT_ALLOWED


def test_athlete_with_nothing_on_record_has_a_valid_empty_feed(client, kerr):
    _, feed = parse(client, "/athletes/kerr/feed/atom/")
    assert feed.entries == []


def test_feed_lists_at_most_twenty_items(client, kerr):
    for n in range(15):
        ResultFactory(athlete=kerr, discipline=DisciplineFactory(name=f"Event {n}"), recorded_at=ago(hours=n))
        RecordFactory(
            athlete=kerr, discipline=DisciplineFactory(name=f"Record {n}"), recorded_at=ago(hours=n)
        )
    _, feed = parse(client, "/athletes/kerr/feed/")
    assert len(feed.entries) == 20
    assert "Event 0" in feed.entries[0].title or "Record 0" in feed.entries[0].title


def cold_queries(client, url):
    from django.core.cache import cache

    from core import cache as page_cache

    cache.clear()
    page_cache.local.clear()
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == HTTPStatus.OK
    return len(captured)


@pytest.mark.parametrize("url", FEEDS)
def test_feed_queries_do_not_grow_with_the_athletes_record(client, kerr, url, django_assert_max_num_queries):
    ArticleFactory(athletes=[kerr])
    ResultFactory(athlete=kerr)
    RecordFactory(athlete=kerr)
    few = cold_queries(client, url)
    for n in range(30):
        ArticleFactory(athletes=[kerr])
        ResultFactory(athlete=kerr, discipline=DisciplineFactory(name=f"Event {n}"))
        RecordFactory(athlete=kerr, discipline=DisciplineFactory(name=f"Record {n}"))
    many = cold_queries(client, url)
    assert many == few
    # Generations, the athlete, stories, results, records.
    with django_assert_max_num_queries(5):
        client.get(url + "?x=1")  # not the canonical URL: never stored, always built


def test_feed_is_cached_and_every_write_it_shows_invalidates_it(client, kerr, django_assert_num_queries):
    _, feed = parse(client, "/athletes/kerr/feed/")
    assert feed.entries == []
    with django_assert_num_queries(1):  # a warm feed: the generations only
        client.get("/athletes/kerr/feed/")

    result = ResultFactory(athlete=kerr, mark=20938)
    _, feed = parse(client, "/athletes/kerr/feed/")
    assert [entry.title for entry in feed.entries] == [f"Josh Kerr: {selectors_summary(result)}"]

    Result.objects.filter(pk=result.pk).update(mark=20800)
    result.refresh_from_db()
    result.save()  # an editor's correction in the admin
    _, feed = parse(client, "/athletes/kerr/feed/")
    assert "3:28.00" in feed.entries[0].title

    RecordFactory(athlete=kerr, mark=48000)
    _, feed = parse(client, "/athletes/kerr/feed/")
    assert feed.entries[0].title == "Josh Kerr: Two miles world indoor best, 8:00.00"

    story = ArticleFactory(title="A story", published_at=ago(minutes=1))
    story.athletes.add(kerr)  # linked afterwards: the through table's write
    _, feed = parse(client, "/athletes/kerr/feed/")
    assert "A story" in [entry.title for entry in feed.entries]

    story.status = Article.Status.DRAFT
    story.save()  # unpublished
    _, feed = parse(client, "/athletes/kerr/feed/")
    assert "A story" not in [entry.title for entry in feed.entries]


def test_scheduled_story_appears_in_the_cached_feed_when_it_goes_live(client, kerr):
    ArticleFactory(title="Later", athletes=[kerr], published_at=ago(hours=-1))
    _, feed = parse(client, "/athletes/kerr/feed/")
    assert feed.entries == []
    with mock.patch("django.utils.timezone.now", return_value=ago(hours=-2)):  # time passes
        _, feed = parse(client, "/athletes/kerr/feed/")
    assert [entry.title for entry in feed.entries] == ["Later"]


def selectors_summary(result):
    from athletics.selectors import result_summary

    return result_summary(result)
