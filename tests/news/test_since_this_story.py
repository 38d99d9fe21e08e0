"""An article keeps readers up to date (issue 13, item 2; README, "Results in stories"):
"Since this story was published" when a record it is about falls later, and "This article
is more than N years old" once it is STORY_AGE_WARNING_DAYS old. Both derived when the
page is built, never stored, and renewed on a cached page by the write or the moment
that changes them."""

import datetime
import os
import re
import subprocess
import sys
from http import HTTPStatus
from pathlib import Path

import pytest
from django.utils import timezone

from athletics.models import Record
from athletics.services import record_create
from core import cache as page_cache
from news.models import Article
from tests.athletics.factories import AthleteFactory, DisciplineFactory, RecordFactory
from tests.budgets import same_but_tokens

from .factories import ArticleFactory

pytestmark = pytest.mark.django_db

UTC = datetime.UTC


def page_of(client, article, **headers):
    response = client.get(article.get_absolute_url(), **headers)
    assert response.status_code == HTTPStatus.OK
    return response


@pytest.fixture
def two_miles():
    """Farah's two-mile world indoor best of 2015 (8:03.40), beaten by Kerr on 11 February
    2024 (8:00.67), as in the facts file."""
    discipline = DisciplineFactory(name="Two miles", slug="two-miles")
    farah = AthleteFactory(name="Mo Farah", slug="mo-farah")
    kerr = AthleteFactory(name="Josh Kerr", slug="josh-kerr")
    kerrs = RecordFactory(
        discipline=discipline, athlete=kerr, mark=48067, year=2024, date=datetime.date(2024, 2, 11)
    )
    farahs = RecordFactory(
        discipline=discipline,
        athlete=farah,
        mark=48340,
        year=2015,
        date=datetime.date(2015, 2, 21),
        superseded_by=kerrs,
    )
    return farahs, kerrs


NOTICE = (
    "Since this story was published: Two miles world indoor best (Mo Farah, 8:03.40) was broken by "
    '<a href="/athletes/josh-kerr/">Josh Kerr</a>, 8:00.67, '
    '<time datetime="2024-02-11">11 February 2024</time>.'
)


# ---------------------------------------------------------------- since this story


def test_a_linked_record_beaten_after_publication_is_announced_at_the_top(client, two_miles):
    farahs, _kerrs = two_miles
    article = ArticleFactory(published_at=datetime.datetime(2015, 2, 21, 18, tzinfo=UTC))
    article.records.add(farahs)
    page = page_of(client, article).content.decode()
    assert NOTICE in page
    assert page.index(NOTICE) < page.index('id="article-title"')  # at its top


def test_an_embedded_record_beaten_after_publication_is_announced_too(client, two_miles):
    farahs, _kerrs = two_miles
    article = ArticleFactory(
        body=f"Farah ran 8:03.40.\n\n[[record {farahs.pk}]]",
        published_at=datetime.datetime(2015, 2, 21, 18, tzinfo=UTC),
    )
    assert NOTICE in page_of(client, article).content.decode()


@pytest.mark.parametrize(
    "published",
    [datetime.datetime(2024, 2, 11, 23, tzinfo=UTC), datetime.datetime(2024, 2, 20, 9, tzinfo=UTC)],
)
def test_a_record_beaten_before_or_on_the_day_of_publication_is_not_news_since(client, two_miles, published):
    farahs, _kerrs = two_miles
    article = ArticleFactory(published_at=published)
    article.records.add(farahs)
    assert "Since this story was published" not in page_of(client, article).content.decode()


def test_a_record_still_standing_or_beaten_by_no_record_on_file_says_nothing(client, two_miles):
    _farahs, kerrs = two_miles
    lost = RecordFactory(discipline=DisciplineFactory(name="Mile", slug="mile"), year=2000, is_current=False)
    article = ArticleFactory(published_at=datetime.datetime(2001, 1, 1, tzinfo=UTC))
    article.records.add(kerrs, lost)
    assert "Since this story was published" not in page_of(client, article).content.decode()


def test_a_successor_known_by_its_year_only_counts_from_the_next_year(client):
    discipline = DisciplineFactory(name="1500 m", slug="1500-m")
    new = RecordFactory(
        discipline=discipline, year=2024, date=None, athlete=AthleteFactory(name="Cole Hocker")
    )
    old = RecordFactory(discipline=discipline, year=2021, date=None, superseded_by=new)
    same_year = ArticleFactory(published_at=datetime.datetime(2024, 1, 5, tzinfo=UTC))
    year_before = ArticleFactory(published_at=datetime.datetime(2023, 12, 31, tzinfo=UTC))
    for article in (same_year, year_before):
        article.records.add(old)
    assert "Since this story" not in page_of(client, same_year).content.decode()
    assert "was broken by <a href" in page_of(client, year_before).content.decode()
    assert ", 2024.</p>" in page_of(client, year_before).content.decode()


def test_a_record_beaten_after_the_page_was_cached_is_announced_on_the_next_request(client):
    discipline = DisciplineFactory(name="Two miles", slug="two-miles")
    farahs = RecordFactory(
        discipline=discipline, athlete=AthleteFactory(name="Mo Farah"), mark=48340, year=2015
    )
    article = ArticleFactory(published_at=datetime.datetime(2015, 2, 21, 18, tzinfo=UTC))
    article.records.add(farahs)
    assert "Since this story" not in page_of(client, article).content.decode()
    assert "Since this story" not in page_of(client, article).content.decode()  # cached

    kerr = AthleteFactory(name="Josh Kerr", slug="josh-kerr")
    record = Record(
        kind=farahs.kind, discipline=discipline, sex=farahs.sex, athlete=kerr, mark=48067, year=2024
    )
    record.date = datetime.date(2024, 2, 11)
    record_create(record=record, supersedes=farahs)

    assert NOTICE in page_of(client, article).content.decode()


def test_linking_a_record_in_the_admin_form_is_optional_and_saved(two_miles, admin_client):
    farahs, _kerrs = two_miles
    article = ArticleFactory()
    form = admin_client.get(f"/admin/news/article/{article.pk}/change/").content.decode()
    assert 'name="records"' in form


# ---------------------------------------------------------------- the age warning


def aged(now, published):
    """The warning of an article published at ``published``, seen at ``now``."""
    article = Article(published_at=published)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(timezone, "now", lambda: now)
        return article.age_warning, article.age_warning_changes_at


PUBLISHED = datetime.datetime(2024, 2, 20, 9, 0, tzinfo=UTC)


def utc(*parts):
    return datetime.datetime(*parts, tzinfo=UTC)


MONTHS_11, MONTHS_12, MONTHS_23 = (f"This article is more than {n} months old" for n in (11, 12, 23))
YEARS_2, YEARS_10 = "This article is more than 2 years old", "This article is more than 10 years old"


@pytest.mark.parametrize(
    ("now", "warning", "changes_at"),
    [
        (utc(2024, 8, 1), "", PUBLISHED + datetime.timedelta(days=365)),
        (utc(2025, 2, 19, 8, 59), "", utc(2025, 2, 19, 9, 0)),
        # 365 days after a leap-year February: a day short of twelve calendar months.
        (utc(2025, 2, 19, 9, 0), MONTHS_11, utc(2025, 2, 20, 9, 0)),
        (utc(2025, 2, 20, 9, 0), MONTHS_12, utc(2025, 3, 20, 9, 0)),
        (utc(2026, 2, 20, 8, 0), MONTHS_23, utc(2026, 2, 20, 9, 0)),
        (utc(2026, 2, 20, 9, 0), YEARS_2, utc(2027, 2, 20, 9, 0)),
        (utc(2035, 1, 1), YEARS_10, utc(2035, 2, 20, 9, 0)),
    ],
)  # fmt: skip
def test_the_age_warning_counts_months_under_two_years_then_years(now, warning, changes_at):
    assert aged(now, PUBLISHED) == (warning, changes_at)


def test_a_short_threshold_counts_days_then_months_in_the_singular_too(settings):
    settings.STORY_AGE_WARNING_DAYS = 1
    published = datetime.datetime(2024, 1, 31, 12, tzinfo=UTC)
    assert aged(published + datetime.timedelta(hours=23), published)[0] == ""
    assert aged(published + datetime.timedelta(days=1), published)[0] == "This article is more than 1 day old"
    assert (
        aged(published + datetime.timedelta(days=3), published)[0] == "This article is more than 3 days old"
    )
    # A month from 31 January is the last day of February.
    assert (
        aged(datetime.datetime(2024, 2, 29, 12, tzinfo=UTC), published)[0]
        == "This article is more than 1 month old"
    )


def test_zero_turns_the_age_warning_off(settings):
    settings.STORY_AGE_WARNING_DAYS = 0
    assert aged(datetime.datetime(2040, 1, 1, tzinfo=UTC), PUBLISHED) == ("", None)


def test_an_old_article_says_so_in_the_page_and_its_open_graph_description(client):
    article = ArticleFactory(
        standfirst="Kerr heads to Glasgow.", published_at=timezone.now() - datetime.timedelta(days=3 * 366)
    )
    page = page_of(client, article).content.decode()
    assert '<p class="story-age">This article is more than 3 years old</p>' in page
    assert (
        '<meta property="og:description" '
        'content="This article is more than 3 years old. Kerr heads to Glasgow.">' in page
    )
    fresh = ArticleFactory(standfirst="Fresh news.", published_at=timezone.now() - datetime.timedelta(days=2))
    page = page_of(client, fresh).content.decode()
    assert "story-age" not in page and '<meta property="og:description" content="Fresh news.">' in page


@pytest.fixture
def clock(monkeypatch):
    real_now = timezone.now

    class Clock:
        offset = datetime.timedelta()

        def move(self, **delta):
            self.offset += datetime.timedelta(**delta)

    moved = Clock()
    monkeypatch.setattr(timezone, "now", lambda: real_now() + moved.offset)
    return moved


def test_a_cached_article_never_shows_a_stale_age(client, clock):
    article = ArticleFactory(published_at=timezone.now() - datetime.timedelta(days=365, minutes=-30))
    first = page_of(client, article)
    assert "story-age" not in first.content.decode()
    # Kept: the same bytes (but the per-visitor tokens of its forms), and a conditional GET
    # is answered 304 until the moment comes.
    # (The ETag covers the visitor's cookies: the first answer set the CSRF cookie.)
    again = page_of(client, article)
    assert same_but_tokens(again, first)
    assert client.get(article.get_absolute_url(), HTTP_IF_NONE_MATCH=again["ETag"]).status_code == 304

    clock.move(minutes=31)  # nothing is written: only time passes
    response = client.get(article.get_absolute_url(), HTTP_IF_NONE_MATCH=again["ETag"])
    assert response.status_code == HTTPStatus.OK
    assert re.search(r"This article is more than 1[12] months old", response.content.decode())
    second = response.content.decode()
    months = int(re.search(r"more than (\d+) months", second).group(1))

    clock.move(days=31)
    assert f"more than {months + 1} months old" in page_of(client, article).content.decode()

    clock.move(days=366)
    assert "This article is more than 2 years old" in page_of(client, article).content.decode()


def test_only_the_aged_article_is_rendered_again(client, clock):
    aging = ArticleFactory(published_at=timezone.now() - datetime.timedelta(days=365, minutes=-30))
    other = ArticleFactory(published_at=timezone.now() - datetime.timedelta(days=10))
    for article in (aging, other):
        page_of(client, article)
    before = page_cache.generations(["news", f"story-age:{other.slug}"])
    clock.move(minutes=31)
    page_of(client, aging)
    assert page_cache.generations(["news", f"story-age:{other.slug}"]) == before


def test_changing_the_publication_time_renews_the_moment(client, clock):
    article = ArticleFactory(published_at=timezone.now() - datetime.timedelta(days=30))
    page_of(client, article)
    article.published_at = timezone.now() - datetime.timedelta(days=365, minutes=-30)
    article.save()
    assert "story-age" not in page_of(client, article).content.decode()
    clock.move(minutes=31)
    assert "story-age" in page_of(client, article).content.decode()


def test_a_deploy_drops_the_moments_and_they_come_back_on_the_next_request(client, clock):
    article = ArticleFactory(published_at=timezone.now() - datetime.timedelta(days=365, minutes=-30))
    page_of(client, article)
    page_cache.bump_all()
    from core.models import Generation

    assert not Generation.objects.filter(scope=f"story-age:{article.slug}").exists()
    page_of(client, article)
    row = Generation.objects.get(scope=f"story-age:{article.slug}")
    assert row.changes_at == article.published_at + datetime.timedelta(days=365)
    clock.move(minutes=31)
    assert "story-age" in page_of(client, article).content.decode()


def test_an_unknown_slug_writes_no_generation(client):
    from core.models import Generation

    before = Generation.objects.count()
    for n in range(5):
        assert client.get(f"/news/nothing-here-{n}/").status_code == HTTPStatus.NOT_FOUND
    assert Generation.objects.count() == before


# ---------------------------------------------------------------- the setting


def story_age_days(**extra):
    code = "import config.settings as s; print(s.STORY_AGE_WARNING_DAYS)"
    env = {"PATH": os.environ["PATH"], "ENV_FILE": os.devnull, "DEBUG": "true", **extra}
    root = Path(__file__).resolve().parents[2]
    return subprocess.run(  # noqa: S603 - this interpreter, fixed code
        [sys.executable, "-c", code], cwd=root, env=env, capture_output=True, text=True, timeout=60
    )


def test_story_age_warning_days_comes_from_the_environment_and_is_validated():
    assert story_age_days().stdout.strip() == "365"
    assert story_age_days(STORY_AGE_WARNING_DAYS="0").stdout.strip() == "0"
    assert story_age_days(STORY_AGE_WARNING_DAYS="730").stdout.strip() == "730"
    for wrong in ("-1", "a year", "1.5"):
        refused = story_age_days(STORY_AGE_WARNING_DAYS=wrong)
        assert refused.returncode != 0
        assert "STORY_AGE_WARNING_DAYS must be a whole number of days, 0 (off) to 99999" in refused.stderr
