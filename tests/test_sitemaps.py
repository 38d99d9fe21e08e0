"""Sitemaps (config/sitemaps.py, news/sitemaps.py, athletics/sitemaps.py; issue 13, item
6): the index and every section have ``lastmod``, the home page and /news/ are listed,
and a change shows in the cached sitemaps on the next request."""

import datetime
import xml.etree.ElementTree as ET  # parses only our own responses
from http import HTTPStatus

import pytest
from django.utils import timezone

from athletics.models import Athlete, CompetitionEdition, Result
from athletics.sitemaps import latest_athletics_change
from tests.athletics.factories import (
    AthleteFactory,
    CompetitionEditionFactory,
    RecordFactory,
    ResultFactory,
)
from tests.news.factories import ArticleFactory

pytestmark = pytest.mark.django_db

SITE_URL = "https://podium.example"
NS = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
LONG_AGO = datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC)


def xml(client, url):
    response = client.get(url)
    assert response.status_code == HTTPStatus.OK, url
    return ET.fromstring(response.content)  # noqa: S314 (our own sitemap)


def index(client):
    """``{location: lastmod}`` of the sitemap index."""
    return {
        entry.findtext(f"{NS}loc"): entry.findtext(f"{NS}lastmod")
        for entry in xml(client, "/sitemap.xml").findall(f"{NS}sitemap")
    }


def urls(client, section):
    """``{location: lastmod}`` of one section's sitemap."""
    return {
        url.findtext(f"{NS}loc"): url.findtext(f"{NS}lastmod")
        for url in xml(client, f"/sitemap-{section}.xml").findall(f"{NS}url")
    }


def backdate(*rows):
    """Set the rows' ``updated_at`` long ago (``update()``: no auto_now, no signal)."""
    for row in rows:
        type(row).objects.filter(pk=row.pk).update(updated_at=LONG_AGO)


@pytest.fixture
def data():
    edition = CompetitionEditionFactory(slug="worlds-2030")
    athlete = AthleteFactory(slug="runner")
    result = ResultFactory(athlete=athlete, edition=edition)
    record = RecordFactory(athlete=athlete)
    article = ArticleFactory(slug="story", published_at=timezone.now() - datetime.timedelta(days=3))
    backdate(edition, athlete, result, record)
    return {"edition": edition, "athlete": athlete, "result": result, "record": record, "article": article}


def test_the_home_page_and_news_are_in_a_sitemap_with_the_latest_story_as_lastmod(client, data):
    pages = urls(client, "pages")

    day = data["article"].updated_at.date().isoformat()
    assert pages == {f"{SITE_URL}/": day, f"{SITE_URL}/news/": day}
    assert f"{SITE_URL}/sitemap-pages.xml" in index(client)


def test_every_entry_of_the_index_has_a_lastmod(client, data):
    entries = index(client)

    assert set(entries) == {
        f"{SITE_URL}/sitemap-{section}.xml"
        for section in ("pages", "articles", "sections", "athletes", "competitions", "athletics-pages")
    }
    for location, lastmod in entries.items():
        assert lastmod, location
        assert datetime.datetime.fromisoformat(lastmod).tzinfo is not None
    athletics = datetime.datetime.fromisoformat(entries[f"{SITE_URL}/sitemap-athletes.xml"])
    assert athletics == LONG_AGO
    news = datetime.datetime.fromisoformat(entries[f"{SITE_URL}/sitemap-articles.xml"])
    assert news == data["article"].updated_at


def test_athlete_and_edition_lastmod_follow_their_results_and_records(client, data):
    assert urls(client, "athletes") == {f"{SITE_URL}/athletes/runner/": "2020-01-01"}
    assert urls(client, "competitions") == {f"{SITE_URL}/competitions/worlds-2030/": "2020-01-01"}

    # A corrected result: both pages changed, on the next request (the sitemaps are cached).
    data["result"].source = "Corrected source"
    data["result"].save()

    today = timezone.now().date().isoformat()
    assert urls(client, "athletes") == {f"{SITE_URL}/athletes/runner/": today}
    assert urls(client, "competitions") == {f"{SITE_URL}/competitions/worlds-2030/": today}
    assert index(client)[f"{SITE_URL}/sitemap-athletes.xml"].startswith(today)


def test_a_record_changes_the_athletes_lastmod_and_an_edit_the_editions(client, data):
    backdate(data["result"])
    data["record"].venue = "Somewhere else"
    data["record"].save()
    assert urls(client, "athletes")[f"{SITE_URL}/athletes/runner/"] == timezone.now().date().isoformat()
    assert urls(client, "competitions")[f"{SITE_URL}/competitions/worlds-2030/"] == "2020-01-01"

    data["edition"].end_date = data["edition"].start_date
    data["edition"].save()
    assert urls(client, "competitions")[f"{SITE_URL}/competitions/worlds-2030/"] == (
        timezone.now().date().isoformat()
    )


def test_an_athlete_without_results_has_their_own_lastmod(client):
    athlete = AthleteFactory(slug="newcomer")
    backdate(athlete)

    assert urls(client, "athletes") == {f"{SITE_URL}/athletes/newcomer/": "2020-01-01"}


def test_latest_athletics_change_is_none_without_data_and_the_newest_of_four_tables():
    assert latest_athletics_change() is None

    edition = CompetitionEditionFactory()
    backdate(edition)
    assert latest_athletics_change() == LONG_AGO
    newer = LONG_AGO + datetime.timedelta(days=3)
    athlete = AthleteFactory()
    backdate(athlete)
    Athlete.objects.filter(pk=athlete.pk).update(updated_at=newer)

    assert latest_athletics_change() == newer


def test_an_empty_site_has_a_sitemap_index_without_lastmod(client):
    entries = index(client)

    assert all(lastmod is None for lastmod in entries.values())


@pytest.mark.parametrize("size", [3, 30])
def test_sitemap_queries_do_not_grow(client, django_assert_max_num_queries, size):
    for n in range(size):
        result = ResultFactory(edition=CompetitionEditionFactory(slug=f"e-{n}"))
        RecordFactory(athlete=result.athlete, is_current=False)
    assert Result.objects.count() == size and CompetitionEdition.objects.count() >= size
    for section in ("athletes", "competitions", "athletics-pages", "pages"):
        with django_assert_max_num_queries(3):
            client.get(f"/sitemap-{section}.xml")


def test_a_superseded_record_changes_its_old_holders_lastmod(client, data):
    from athletics.services import record_create

    old = data["record"]
    new = RecordFactory.build(
        kind=old.kind, discipline=old.discipline, sex=old.sex, athlete=AthleteFactory(slug="successor"),
        mark=old.mark - 1, year=old.year + 1,
    )  # fmt: skip
    record_create(record=new, supersedes=old)

    today = timezone.now().date().isoformat()
    assert urls(client, "athletes")[f"{SITE_URL}/athletes/runner/"] == today
