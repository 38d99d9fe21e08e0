"""`manage.py load_demo`: the verified facts and the founding article, loaded idempotently.

The facts tables below are a verbatim copy of Podium's verified facts file, so the demo
data module is checked against them by double entry without reading outside the
repository (CI has no ../shared).
"""

import datetime
import io
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.core.files.storage import default_storage
from django.core.management import call_command
from PIL import Image

from athletics.marks import Measure, format_mark
from athletics.models import Athlete, Competition, CompetitionEdition, Country, Discipline, Record, Result
from news import demo_data, embeds
from news.models import Article, Section

pytestmark = pytest.mark.django_db

FACTS_ATHLETES = """
| josh-kerr | Josh Kerr | GBR (Great Britain & N.I.) | 1997-10-08 | Edinburgh |
| jakob-ingebrigtsen | Jakob Ingebrigtsen | NOR (Norway) | 2000-09-19 | Sandnes |
| mo-farah | Mo Farah | GBR (Great Britain & N.I.) | 1983-03-23 | Mogadishu |
| cole-hocker | Cole Hocker | USA | — | — |
| yared-nuguse | Yared Nuguse | USA | — | — |
| timothy-cheruiyot | Timothy Cheruiyot | KEN (Kenya) | — | — |
| narve-gilje-nordas | Narve Gilje Nordås | NOR (Norway) | — | — |
"""

FACTS_RESULTS = """
| Olympic Games | 2021 (Tokyo 2020) | Tokyo | 1500 m | Jakob Ingebrigtsen | 1 | 3:28.32 (Olympic record at the time) | world-track.org results |
| Olympic Games | 2021 (Tokyo 2020) | Tokyo | 1500 m | Timothy Cheruiyot | 2 | 3:29.01 | Bleacher Report |
| Olympic Games | 2021 (Tokyo 2020) | Tokyo | 1500 m | Josh Kerr | 3 | 3:29.05 (PB at the time) | world-track.org; Athletics Weekly |
| World Championships | 2022 | Eugene | 1500 m | Jakob Ingebrigtsen | 2 | 3:29.47 | World Athletics report |
| World Championships | 2022 | Eugene | 5000 m | Jakob Ingebrigtsen | 1 | 13:09.24 | world-track.org |
| World Championships | 2023 | Budapest | 1500 m | Josh Kerr | 1 | 3:29.38 | Olympics.com report |
| World Championships | 2023 | Budapest | 1500 m | Jakob Ingebrigtsen | 2 | 3:29.65 | LetsRun |
| World Championships | 2023 | Budapest | 1500 m | Narve Gilje Nordås | 3 | 3:29.68 | Olympics.com report |
| World Championships | 2023 | Budapest | 5000 m | Jakob Ingebrigtsen | 1 | 13:11.30 | Channel NewsAsia (wire) |
| World Indoor Championships | 2024 | Glasgow | 3000 m | Josh Kerr | 1 | 7:42.98 | World Athletics report |
| Olympic Games | 2024 | Paris | 1500 m | Cole Hocker | 1 | 3:27.65 (Olympic record) | World Athletics report |
| Olympic Games | 2024 | Paris | 1500 m | Josh Kerr | 2 | 3:27.79 (British record) | World Athletics report |
| Olympic Games | 2024 | Paris | 1500 m | Yared Nuguse | 3 | 3:27.80 | World Athletics report |
| Olympic Games | 2024 | Paris | 1500 m | Jakob Ingebrigtsen | 4 | 3:28.24 | World Athletics report |
| Olympic Games | 2024 | Paris | 5000 m | Jakob Ingebrigtsen | 1 | 13:13.66 | World Athletics report |
| World Indoor Championships | 2022 | Belgrade | 1500 m | Jakob Ingebrigtsen | 2 | 3:33.02 | Athletics Weekly |
| World Indoor Championships | 2025 | Nanjing | 1500 m | Jakob Ingebrigtsen | 1 | 3:38.79 | world-track.org |
| World Indoor Championships | 2025 | Nanjing | 3000 m | Jakob Ingebrigtsen | 1 | 7:46.09 | AFP |
| European Championships | 2018 | Berlin | 1500 m | Jakob Ingebrigtsen | 1 | — | World Athletics report |
| European Championships | 2018 | Berlin | 5000 m | Jakob Ingebrigtsen | 1 | 13:17.06 | World Athletics report |
| European Championships | 2022 | Munich | 1500 m | Jakob Ingebrigtsen | 1 | 3:32.76 | world-track.org |
| European Championships | 2022 | Munich | 5000 m | Jakob Ingebrigtsen | 1 | 13:21.13 | world-track.org |
| European Championships | 2024 | Rome | 1500 m | Jakob Ingebrigtsen | 1 | 3:31.95 | European Athletics |
| European Championships | 2024 | Rome | 5000 m | Jakob Ingebrigtsen | 1 | 13:20.11 | European Athletics |
| Olympic Games | 2012 | London | 10,000 m | Mo Farah | 1 | 27:30.42 | World Athletics event report |
| Olympic Games | 2012 | London | 5000 m | Mo Farah | 1 | 13:41.66 | PA |
| Olympic Games | 2016 | Rio de Janeiro | 10,000 m | Mo Farah | 1 | 27:05.17 | BBC |
| Olympic Games | 2016 | Rio de Janeiro | 5000 m | Mo Farah | 1 | 13:03.30 | BBC |
| World Championships | 2011 | Daegu | 10,000 m | Mo Farah | 2 | 27:14.07 | BBC |
| World Championships | 2011 | Daegu | 5000 m | Mo Farah | 1 | 13:23.36 | PA |
| World Championships | 2013 | Moscow | 10,000 m | Mo Farah | 1 | 27:21.71 | CNN |
| World Championships | 2013 | Moscow | 5000 m | Mo Farah | 1 | 13:26.98 | LetsRun |
| World Championships | 2015 | Beijing | 10,000 m | Mo Farah | 1 | 27:01.13 | IAAF report |
| World Championships | 2015 | Beijing | 5000 m | Mo Farah | 1 | 13:50.38 | IAAF report |
| World Championships | 2017 | London | 10,000 m | Mo Farah | 1 | 26:49.51 | NBC Sports |
| World Championships | 2017 | London | 5000 m | Mo Farah | 2 | 13:33.22 | NTB |
| European Championships | 2006 | Gothenburg | 5000 m | Mo Farah | 2 | — | BBC |
| European Championships | 2010 | Barcelona | 5000 m | Mo Farah | 1 | 13:31.18 | BBC |
| European Championships | 2010 | Barcelona | 10,000 m | Mo Farah | 1 | — | BBC |
| European Championships | 2012 | Helsinki | 5000 m | Mo Farah | 1 | — | BBC |
| European Championships | 2014 | Zurich | 10,000 m | Mo Farah | 1 | 28:08.12 | BBC |
| European Championships | 2014 | Zurich | 5000 m | Mo Farah | 1 | 14:05.82 | BBC |
"""  # noqa: E501

FACTS_EDITIONS = """
| European Championships | 2006 | Gothenburg | 2006-08-07 | 2006-08-13 | SWE (Sweden) | BBC Sport; Wikipedia |
| European Championships | 2010 | Barcelona | 2010-07-27 | 2010-08-01 | ESP (Spain) | dpa; Wikipedia |
| World Championships | 2011 | Daegu | 2011-08-27 | 2011-09-04 | KOR (South Korea) | World Athletics report; Wikipedia |
| European Championships | 2012 | Helsinki | 2012-06-27 | 2012-07-01 | FIN (Finland) | Irish Examiner; Wikipedia |
| Olympic Games | 2012 | London | 2012-08-03 | 2012-08-12 | GBR (Great Britain & N.I.) | Metro; Wikipedia |
| World Championships | 2013 | Moscow | 2013-08-10 | 2013-08-18 | RUS (Russia) | BBC Sport; Wikipedia |
| European Championships | 2014 | Zurich | 2014-08-12 | 2014-08-17 | SUI (Switzerland) | European Athletics |
| World Championships | 2015 | Beijing | 2015-08-22 | 2015-08-30 | CHN (China) | Reuters; SCMP |
| Olympic Games | 2016 | Rio de Janeiro | 2016-08-12 | 2016-08-21 | BRA (Brazil) | German Athletics Federation (DLV); Olympedia |
| World Championships | 2017 | London | 2017-08-04 | 2017-08-13 | GBR (Great Britain & N.I.) | World Athletics report; Wikipedia |
| European Championships | 2018 | Berlin | 2018-08-06 | 2018-08-12 | GER (Germany) | European Championships official guide |
| Olympic Games | 2021 (Tokyo 2020) | Tokyo | 2021-07-30 | 2021-08-08 | JPN (Japan) | Olympedia; Wikipedia |
| World Indoor Championships | 2022 | Belgrade | 2022-03-18 | 2022-03-20 | SRB (Serbia) | World Athletics; Olympics.com |
| World Championships | 2022 | Eugene | 2022-07-15 | 2022-07-24 | USA | Olympics.com; City of Eugene |
| European Championships | 2022 | Munich | 2022-08-15 | 2022-08-21 | GER (Germany) | Olympics.com |
| World Championships | 2023 | Budapest | 2023-08-19 | 2023-08-27 | HUN (Hungary) | RFI; Wikipedia |
| World Indoor Championships | 2024 | Glasgow | 2024-03-01 | 2024-03-03 | GBR (Great Britain & N.I.) | World Athletics; The Scotsman |
| European Championships | 2024 | Rome | 2024-06-07 | 2024-06-12 | ITA (Italy) | Rome 2024 organisers; Yahoo Sports |
| Olympic Games | 2024 | Paris | 2024-08-01 | 2024-08-11 | FRA (France) | CBC Sports; Wikipedia |
| World Indoor Championships | 2025 | Nanjing | 2025-03-21 | 2025-03-23 | CHN (China) | Nanjing 2025 organisers |
"""  # noqa: E501

# What each mark's note in the facts file means as a result flag.
NOTE_FLAGS = {
    "Olympic record at the time": "championship_record",
    "Olympic record": "championship_record",
    "PB at the time": "personal_best",
    "British record": "national_record",
}
FLAG_FIELDS = [
    "world_record",
    "area_record",
    "national_record",
    "championship_record",
    "personal_best",
    "season_best",
]
MEDALS = {1: "gold", 2: "silver", 3: "bronze"}


def table_rows(text):
    return [
        [cell.strip() for cell in line.strip().strip("|").split("|")] for line in text.strip().splitlines()
    ]


def load_demo():
    out, err = io.StringIO(), io.StringIO()
    call_command("load_demo", stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def row_counts():
    """Rows of every model of both apps, many-to-many tables included."""
    return {
        model._meta.label: model._default_manager.count()
        for label in ("athletics", "news")
        for model in apps.get_app_config(label).get_models(include_auto_created=True)
    }


def media_files():
    return sorted(str(path) for path in Path(settings.MEDIA_ROOT).rglob("*") if path.is_file())


@pytest.fixture
def small_hero(monkeypatch):
    """A tiny stand-in for the drawn hero (drawing it takes seconds); tested on its own."""
    buffer = io.BytesIO()
    Image.new("RGB", (16, 9), (10, 20, 44)).save(buffer, "JPEG")
    monkeypatch.setattr(demo_data, "hero_jpeg", buffer.getvalue)


@pytest.fixture
def demo(small_hero):
    load_demo()


class _Paragraphs(HTMLParser):
    def __init__(self):
        super().__init__()
        self.paragraphs, self._current = [], None

    def handle_starttag(self, tag, attrs):
        if tag == "p":
            self._current = []

    def handle_endtag(self, tag):
        if tag == "p":
            self.paragraphs.append("".join(self._current))
            self._current = None

    def handle_data(self, data):
        if self._current is not None:
            self._current.append(data)


def rendered_paragraphs(html):
    parser = _Paragraphs()
    parser.feed(html)
    return parser.paragraphs


# ---------- Idempotence ----------


def test_second_run_creates_nothing_and_leaves_identical_row_counts(small_hero):
    first, _ = load_demo()
    counts = row_counts()
    media = media_files()
    second, _ = load_demo()

    assert "Demo content: created" in first
    assert "42 results" in first
    assert "Demo content: nothing to add." in second
    assert row_counts() == counts
    assert counts["athletics.Result"] == 42
    assert counts["athletics.Record"] == 5
    assert counts["news.Article"] == 3  # the founding article and two staff reports
    # The hero and its WebP renditions (one, as the test's small hero is narrower than 480 px).
    assert len(media) == 2 and sum("/renditions/" in str(path) for path in media) == 1
    assert media_files() == media


def test_editors_changes_survive_a_second_run(demo):
    article = Article.objects.get(slug="josh-kerr-world-champion-plan-for-paris")
    article.title = "Edited headline"
    article.tags.clear()
    article.save()
    kerr = Athlete.objects.get(slug="josh-kerr")
    kerr.bio = "Edited bio."
    kerr.save()
    kerr.disciplines.clear()
    Result.objects.filter(athlete=kerr, edition__slug="world-championships-budapest-2023").update(
        source="Edited source"
    )
    Record.objects.filter(athlete__slug="cole-hocker").update(mark=20766)
    counts = row_counts()

    out, err = load_demo()

    assert "nothing to add" in out
    assert err == ""
    assert row_counts() == counts
    article.refresh_from_db()
    assert article.title == "Edited headline"
    assert not article.tags.exists()
    kerr.refresh_from_db()
    assert kerr.bio == "Edited bio."
    assert not kerr.disciplines.exists()
    assert Result.objects.get(athlete=kerr, edition__slug="world-championships-budapest-2023").source == (
        "Edited source"
    )
    assert Record.objects.get(athlete__slug="cole-hocker").mark == 20766


def test_a_deleted_demo_row_is_created_again(demo):
    Result.objects.filter(athlete__slug="josh-kerr", edition__slug="olympic-games-tokyo-2020").delete()

    out, _ = load_demo()

    assert "created 1 result." in out
    assert Result.objects.filter(athlete__slug="josh-kerr", edition__slug="olympic-games-tokyo-2020").exists()


def test_a_record_that_conflicts_with_an_editors_change_is_skipped_with_a_warning(demo):
    # An editor re-dates Hocker's Olympic record and deletes Ingebrigtsen's, so the demo's
    # versions of both would be a second current Olympic record: they are skipped, not forced.
    Record.objects.filter(athlete__slug="jakob-ingebrigtsen").delete()
    Record.objects.filter(athlete__slug="cole-hocker").update(year=2025)
    counts = row_counts()

    out, err = load_demo()

    assert "nothing to add" in out
    assert "1500-m-or-hocker" in err
    assert "1500-m-or-ingebrigtsen" in err
    assert row_counts() == counts


def as_first_loaded(edition):
    """Put ``edition`` back as the loader before editions' dates and hosts left it: no host,
    no dates but Glasgow's (as a database loaded then still holds it)."""
    glasgow = edition.slug == "world-indoor-championships-glasgow-2024"
    CompetitionEdition.objects.filter(pk=edition.pk).update(
        country=None,
        start_date=datetime.date(2024, 3, 1) if glasgow else None,
        end_date=datetime.date(2024, 3, 3) if glasgow else None,
        updated_at=datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC),
    )


def test_editions_loaded_before_their_dates_were_verified_get_them(demo):
    for edition in CompetitionEdition.objects.all():
        as_first_loaded(edition)
    counts = row_counts()

    out, err = load_demo()

    assert "Demo content: completed 20 competition editions." in out
    assert "created" not in out
    assert err == ""
    assert row_counts() == counts
    budapest = CompetitionEdition.objects.get(slug="world-championships-budapest-2023")
    assert (budapest.start_date, budapest.end_date, budapest.country.code) == (
        datetime.date(2023, 8, 19),
        datetime.date(2023, 8, 27),
        "HUN",
    )
    assert not CompetitionEdition.objects.filter(country=None).exists()
    assert budapest.updated_at.year > 2020  # so its sitemap lastmod moves
    assert "nothing to add" in load_demo()[0]  # and a third run changes nothing


def test_an_edition_an_editor_changed_keeps_every_change(demo):
    # Each edition as the earlier loader left it, then an editor's change to each of three:
    # a renamed one, one given other dates, and one given a host and no dates.
    for edition in CompetitionEdition.objects.all():
        as_first_loaded(edition)
    CompetitionEdition.objects.filter(slug="olympic-games-tokyo-2020").update(name="Tokyo 2020 Games")
    CompetitionEdition.objects.filter(slug="world-championships-budapest-2023").update(
        start_date=datetime.date(2023, 8, 18), end_date=datetime.date(2023, 8, 28)
    )
    glasgow = CompetitionEdition.objects.get(slug="world-indoor-championships-glasgow-2024")
    CompetitionEdition.objects.filter(pk=glasgow.pk).update(
        start_date=None, end_date=None, country=Country.objects.get(code="GBR")
    )
    edited = {
        e.slug: (e.name, e.start_date, e.end_date, e.country_id)
        for e in CompetitionEdition.objects.filter(
            slug__in=[
                "olympic-games-tokyo-2020",
                "world-championships-budapest-2023",
                "world-indoor-championships-glasgow-2024",
            ]
        )
    }

    out, _ = load_demo()

    assert "completed 17 competition editions." in out
    for slug, values in edited.items():
        edition = CompetitionEdition.objects.get(slug=slug)
        assert (edition.name, edition.start_date, edition.end_date, edition.country_id) == values, slug
    # The untouched ones got their facts.
    paris = CompetitionEdition.objects.get(slug="olympic-games-paris-2024")
    assert (paris.start_date, paris.country.code) == (datetime.date(2024, 8, 1), "FRA")


def test_an_editors_change_to_a_complete_edition_survives(demo):
    CompetitionEdition.objects.filter(slug="olympic-games-paris-2024").update(
        start_date=None, end_date=None, country=None, city="Saint-Denis"
    )

    out, _ = load_demo()

    assert "nothing to add" in out
    paris = CompetitionEdition.objects.get(slug="olympic-games-paris-2024")
    assert (paris.city, paris.start_date, paris.end_date, paris.country) == ("Saint-Denis", None, None, None)


def test_a_renamed_section_slug_is_not_created_twice(demo):
    Section.objects.filter(slug="athletics").update(slug="track-and-field")

    out, _ = load_demo()

    assert "nothing to add" in out
    assert Section.objects.count() == 1


# ---------- The founding article ----------


def test_article_is_published_featured_at_the_founding_time(demo):
    article = Article.objects.get(slug="josh-kerr-world-champion-plan-for-paris")

    assert article.status == Article.Status.PUBLISHED
    assert article.published_at == datetime.datetime(2024, 2, 20, 9, 0, tzinfo=datetime.UTC)
    assert Article.objects.published().filter(pk=article.pk).exists()
    assert article.is_featured
    assert article.comments_open
    assert not article.was_updated
    assert article.section.slug == "athletics"
    assert [(a.name, a.is_organization) for a in article.authors.all()] == [("Podium staff", True)]
    assert sorted(article.tags.values_list("slug", flat=True)) == [
        "1500-m",
        "paris-2024",
        "world-indoor-championships",
    ]
    assert sorted(article.athletes.values_list("slug", flat=True)) == [
        "jakob-ingebrigtsen",
        "josh-kerr",
        "mo-farah",
    ]
    assert sorted(article.editions.values_list("slug", flat=True)) == [
        "olympic-games-paris-2024",
        "world-championships-budapest-2023",
        "world-indoor-championships-glasgow-2024",
    ]


def test_article_body_is_the_text_verbatim_without_the_comment_form_line(demo):
    lines = demo_data.ARTICLE_TEXT.read_text(encoding="utf-8").splitlines()
    assert lines[-1] == "ADD A COMMENT :"
    article = Article.objects.get(slug="josh-kerr-world-champion-plan-for-paris")

    assert article.body.split("\n\n") == lines[:-1]
    assert len(lines[:-1]) == 6
    # Markdown changed nothing: each rendered paragraph is the line, character for character.
    assert rendered_paragraphs(article.body_html) == lines[:-1]
    assert "ADD A COMMENT" not in article.body
    assert "ADD A COMMENT" not in article.body_html


def test_article_text_in_the_repository_is_the_founding_text():
    text = demo_data.ARTICLE_TEXT.read_text(encoding="utf-8")

    assert text.startswith("Josh Kerr, the 26-year-old Scottish middle-distance runner")
    assert "known for breaking Mo Farah's world indoor two-mile record" in text
    assert text.rstrip().endswith("ADD A COMMENT :")


def test_article_hero_is_a_credited_image_in_media_storage(demo):
    article = Article.objects.get(slug="josh-kerr-world-champion-plan-for-paris")

    assert article.hero_image.name.startswith("articles/")
    assert default_storage.exists(article.hero_image.name)
    assert article.hero_credit == "Illustration: Podium"
    assert article.hero_alt
    assert article.hero_caption
    with default_storage.open(article.hero_image.name) as fh, Image.open(fh) as image:
        assert image.format == "JPEG"
        assert (article.hero_width, article.hero_height) == image.size


def test_pages_render_from_the_stored_image_size_even_when_the_media_file_is_missing(demo, client):
    """Stored dimensions mean a page never opens the original to measure it: a database
    restored or served without its media still renders (the image is merely missing)."""
    article = Article.objects.get(slug="josh-kerr-world-champion-plan-for-paris")
    default_storage.delete(article.hero_image.name)
    for url in ("/", "/news/", article.get_absolute_url()):
        assert client.get(url).status_code == 200, url


def test_existing_article_keeps_its_image_and_none_is_drawn_again(demo, monkeypatch):
    def fail():
        raise AssertionError("the hero was drawn again")

    monkeypatch.setattr(demo_data, "hero_jpeg", fail)
    article = Article.objects.get(slug="josh-kerr-world-champion-plan-for-paris")

    load_demo()

    assert Article.objects.get(pk=article.pk).hero_image.name == article.hero_image.name


def test_the_real_hero_is_a_1600_by_900_jpeg():
    load_demo()
    article = Article.objects.get(slug="josh-kerr-world-champion-plan-for-paris")

    assert (article.hero_width, article.hero_height) == (1600, 900)
    with default_storage.open(article.hero_image.name) as fh, Image.open(fh) as image:
        assert (image.format, image.size) == ("JPEG", (1600, 900))


# ---------- The facts ----------


def test_kerr_has_tokyo_bronze_and_budapest_gold(demo):
    tokyo = Result.objects.get(
        athlete__slug="josh-kerr", edition__slug="olympic-games-tokyo-2020", discipline__slug="1500-m"
    )
    budapest = Result.objects.get(
        athlete__slug="josh-kerr",
        edition__slug="world-championships-budapest-2023",
        discipline__slug="1500-m",
    )

    assert (tokyo.round, tokyo.position, tokyo.medal, tokyo.mark_display) == ("final", 3, "bronze", "3:29.05")
    assert tokyo.personal_best
    assert (budapest.round, budapest.position, budapest.medal, budapest.mark_display) == (
        "final",
        1,
        "gold",
        "3:29.38",
    )
    assert tokyo.edition.name == "Tokyo 2020"
    assert tokyo.edition.year == 2021


def test_results_are_exactly_the_facts_table(demo):
    expected = set()
    for competition, year, city, event, athlete, place, mark, source in table_rows(FACTS_RESULTS):
        note = re.search(r"\((.+)\)", mark)
        flags = frozenset({NOTE_FLAGS[note[1]]} if note else set())
        mark = None if mark == "—" else mark.split(" (")[0]
        expected.add(
            (
                competition,
                int(year[:4]),
                city,
                event,
                athlete,
                int(place),
                mark,
                source,
                flags,
                MEDALS.get(int(place), ""),
            )
        )

    actual = {
        (
            r.edition.competition.name,
            r.edition.year,
            r.edition.city,
            r.discipline.name,
            r.athlete.name,
            r.position,
            format_mark(r.mark, Measure.TIME) or None,
            r.source,
            frozenset(flag for flag in FLAG_FIELDS if getattr(r, flag)),
            r.medal,
        )
        for r in Result.objects.for_listing()
    }

    assert actual == expected
    assert Result.objects.count() == len(expected) == 42
    assert set(Result.objects.values_list("round", flat=True)) == {"final"}
    assert not Result.objects.exclude(source_url="").exists()


def test_only_the_three_1500_m_finals_the_facts_date_have_a_date(demo):
    dated = Result.objects.filter(date__isnull=False)

    assert set(dated.values_list("edition__slug", "discipline__slug", "date")) == {
        ("olympic-games-tokyo-2020", "1500-m", datetime.date(2021, 8, 7)),
        ("world-championships-budapest-2023", "1500-m", datetime.date(2023, 8, 23)),
        ("olympic-games-paris-2024", "1500-m", datetime.date(2024, 8, 6)),
    }
    assert dated.count() == 3 + 3 + 4


def test_finals_loaded_before_their_day_was_verified_get_it_unless_an_editor_changed_them(demo):
    # As the earlier loader left them: only Paris dated. Then an editor corrects one row.
    Result.objects.exclude(edition__slug="olympic-games-paris-2024").update(date=None)
    Result.objects.filter(athlete__slug="josh-kerr", edition__slug="olympic-games-tokyo-2020").update(
        source="Edited source"
    )

    out, _ = load_demo()

    assert "completed 5 results." in out
    tokyo = Result.objects.filter(edition__slug="olympic-games-tokyo-2020")
    assert dict(tokyo.values_list("athlete__slug", "date")) == {
        "jakob-ingebrigtsen": datetime.date(2021, 8, 7),
        "timothy-cheruiyot": datetime.date(2021, 8, 7),
        "josh-kerr": None,  # the editor's row is theirs
    }
    assert set(
        Result.objects.filter(
            edition__slug="world-championships-budapest-2023", discipline__slug="1500-m"
        ).values_list("date", flat=True)
    ) == {datetime.date(2023, 8, 23)}
    assert "nothing to add" in load_demo()[0]


def test_athletes_are_exactly_the_facts_table(demo):
    expected = {
        (
            slug,
            name,
            country[:3],
            None if born == "—" else datetime.date.fromisoformat(born),
            "" if place == "—" else place,
        )
        for slug, name, country, born, place in table_rows(FACTS_ATHLETES)
    }

    actual = set(Athlete.objects.values_list("slug", "name", "country__code", "birth_date", "birth_place"))

    assert actual == expected
    assert set(Athlete.objects.values_list("sex", flat=True)) == {"M"}
    assert Athlete.objects.filter(birth_date__isnull=False).count() == 3
    assert set(Athlete.objects.filter(is_featured=True).values_list("slug", flat=True)) == {
        "josh-kerr",
        "jakob-ingebrigtsen",
        "mo-farah",
    }


def test_athletes_disciplines_come_from_their_results_and_records(demo):
    def disciplines(slug):
        return set(Athlete.objects.get(slug=slug).disciplines.values_list("slug", flat=True))

    assert disciplines("josh-kerr") == {"1500-m", "3000-m", "two-miles"}
    assert disciplines("jakob-ingebrigtsen") == {"1500-m", "3000-m", "5000-m"}
    assert disciplines("mo-farah") == {"5000-m", "10000-m", "two-miles"}
    assert disciplines("cole-hocker") == {"1500-m"}


def test_countries_disciplines_and_competitions(demo):
    hosts = {(host[:3], host[5:-1]) for *_rest, host, _source in table_rows(FACTS_EDITIONS) if "(" in host}
    assert (
        set(Country.objects.values_list("code", "name"))
        == {
            ("GBR", "Great Britain & N.I."),
            ("NOR", "Norway"),
            ("USA", "United States"),
            ("KEN", "Kenya"),
        }
        | hosts
    )
    assert Country.objects.count() == 18
    assert list(Discipline.objects.values_list("name", "slug", "measure")) == [
        ("1500 m", "1500-m", "time"),
        ("3000 m", "3000-m", "time"),
        ("Two miles", "two-miles", "time"),
        ("5000 m", "5000-m", "time"),
        ("10,000 m", "10000-m", "time"),
    ]
    assert list(Competition.objects.values_list("slug", "level")) == [
        ("olympic-games", 1),
        ("world-championships", 2),
        ("world-indoor-championships", 3),
        ("european-championships", 4),
    ]


def test_editions_have_conventional_slugs_and_no_guessed_facts(demo):
    editions = CompetitionEdition.objects.select_related("competition")

    assert editions.count() == 20
    for edition in editions:
        games_year = int(edition.name[-4:])
        city = edition.city.lower().replace(" ", "-")
        assert edition.slug == f"{edition.competition.slug}-{city}-{games_year}"
        assert edition.indoor == (edition.competition.slug == "world-indoor-championships")
    rio = editions.get(slug="olympic-games-rio-de-janeiro-2016")
    assert (rio.name, rio.year) == ("Rio de Janeiro 2016", 2016)


def test_edition_dates_and_hosts_are_exactly_the_facts_table(demo):
    expected = {
        (
            competition,
            int(year[:4]),
            city,
            datetime.date.fromisoformat(start),
            datetime.date.fromisoformat(end),
            host[:3],
        )
        for competition, year, city, start, end, host, _source in table_rows(FACTS_EDITIONS)
    }

    actual = set(
        CompetitionEdition.objects.values_list(
            "competition__name", "year", "city", "start_date", "end_date", "country__code"
        )
    )

    assert actual == expected
    assert len(expected) == 20


def test_kerr_two_mile_world_indoor_best_supersedes_farahs(demo):
    kerr = Record.objects.get(kind="wib", athlete__slug="josh-kerr")
    farah = Record.objects.get(kind="wib", athlete__slug="mo-farah")

    assert farah.superseded_by == kerr
    assert kerr.is_current
    assert (kerr.discipline.slug, kerr.mark_display, kerr.date, kerr.venue) == (
        "two-miles",
        "8:00.67",
        datetime.date(2024, 2, 11),
        "Millrose Games, New York",
    )
    assert (farah.mark_display, farah.date, farah.year, farah.venue) == (
        "8:03.40",
        datetime.date(2015, 2, 21),
        2015,
        "Birmingham",
    )
    assert farah.standing == "2015–2024, superseded by Josh Kerr"
    assert kerr.sex == farah.sex == "M"


def test_olympic_and_british_1500_m_records(demo):
    hocker = Record.objects.get(kind="championship", athlete__slug="cole-hocker")
    ingebrigtsen = Record.objects.get(kind="championship", athlete__slug="jakob-ingebrigtsen")
    british = Record.objects.get(kind="national")

    assert hocker.competition.slug == "olympic-games"
    assert (hocker.mark_display, hocker.date, hocker.venue, hocker.is_current) == (
        "3:27.65",
        datetime.date(2024, 8, 6),
        "Paris",
        True,
    )
    assert ingebrigtsen.superseded_by == hocker
    assert (ingebrigtsen.mark_display, ingebrigtsen.date, ingebrigtsen.year, ingebrigtsen.venue) == (
        "3:28.32",
        None,
        2021,
        "Tokyo",
    )
    assert (british.athlete.slug, british.country.code, british.mark_display, british.date) == (
        "josh-kerr",
        "GBR",
        "3:27.79",
        datetime.date(2024, 8, 6),
    )
    assert british.is_current
    # Sources: the matching result row's publication, or an honest "not recorded".
    assert hocker.source == british.source == "World Athletics report"
    assert ingebrigtsen.source == "world-track.org results"
    assert set(Record.objects.filter(kind="wib").values_list("source", flat=True)) == {
        "Podium research desk (original publication not recorded)"
    }
    assert Record.objects.current().count() == 3


# ---------- The staff reports (results in stories) ----------

FACTS_RECORDS = """
| Two miles, world indoor best | Mo Farah | 8:03.40 | 2015-02-21 | Birmingham | superseded by Kerr, 2024 |
| Two miles, world indoor best | Josh Kerr | 8:00.67 | 2024-02-11 | Millrose Games, New York | supersedes Farah's 8:03.40 |
| 1500 m, British record | Josh Kerr | 3:27.79 | 2024-08-06 | Paris (Olympic final) | |
| 1500 m, Olympic record | Cole Hocker | 3:27.65 | 2024-08-06 | Paris | supersedes Ingebrigtsen's 3:28.32 (Tokyo, 2021) |
"""  # noqa: E501
PARIS_REPORT = "hocker-wins-olympic-1500-m-kerr-silver-in-british-record"
FARAH_REPORT = "farah-sets-two-mile-world-indoor-best-in-birmingham"


def test_each_report_states_only_marks_dates_and_names_of_the_facts_file(demo):
    facts = FACTS_RESULTS + FACTS_RECORDS
    known_names = {row[4] for row in table_rows(FACTS_RESULTS)} | {
        row[1] for row in table_rows(FACTS_ATHLETES)
    }
    for data in demo_data.REPORTS:
        text = " ".join([data["title"], data["standfirst"], *data["body"]])
        for mark in re.findall(r"\d+:\d\d\.\d\d", text):
            assert mark in facts, (data["slug"], mark)
        for name in re.findall(
            r"\b(?:Cole Hocker|Josh Kerr|Yared Nuguse|Jakob Ingebrigtsen|Mo Farah)\b", text
        ):
            assert name in known_names
        assert "world record" not in text.replace("world-record event", "").replace("than a world record", "")


def test_the_reports_are_published_staff_reports_with_their_embeds_resolved(demo):
    paris = Article.objects.get(slug=PARIS_REPORT)
    farah = Article.objects.get(slug=FARAH_REPORT)
    assert paris.published_at == datetime.datetime(2024, 8, 6, 22, 0, tzinfo=datetime.UTC)
    assert farah.published_at == datetime.datetime(2015, 2, 21, 20, 0, tzinfo=datetime.UTC)
    for article in (paris, farah):
        assert article.status == Article.Status.PUBLISHED and not article.was_updated
        assert [a.name for a in article.authors.all()] == ["Podium staff"]
        assert embeds.shortcode_errors(article.body) == []
    assert [kind for kind, _args in embeds.embeds_in(paris.body_html)] == [
        "results",
        "record",
        "h2h",
        "athlete",
    ]
    hocker_or = Record.objects.get(athlete__slug="cole-hocker")
    assert f"[[record {hocker_or.pk}]]" in paris.body
    farahs = Record.objects.get(athlete__slug="mo-farah")
    assert embeds.embeds_in(farah.body_html) == [("record", (str(farahs.pk),))]
    assert set(farah.records.all()) == {farahs}
    assert sorted(paris.athletes.values_list("slug", flat=True)) == [
        "cole-hocker", "jakob-ingebrigtsen", "josh-kerr", "yared-nuguse",
    ]  # fmt: skip


def test_the_farah_report_shows_the_record_and_since_this_story(demo, client):
    page = client.get(f"/news/{FARAH_REPORT}/").content.decode()
    assert (
        "Since this story was published: Two miles world indoor best (Mo Farah, 8:03.40) was broken by"
        in page
    )
    assert '<a href="/athletes/josh-kerr/">Josh Kerr</a>, 8:00.67' in page
    assert 'class="embed embed--record embed--lost"' in page
    assert "This article is more than" in page


def test_the_paris_report_shows_its_table_and_head_to_head(demo, client):
    page = client.get(f"/news/{PARIS_REPORT}/").content.decode()
    for expected in (
        "Olympic Games Paris 2024: 1500 m final",
        "3:27.65",
        "3:27.80",
        "Josh Kerr v Jakob Ingebrigtsen",
    ):
        assert expected in page
    assert "Since this story was published" not in page  # Hocker's record still stands


def test_a_report_line_naming_a_missing_record_is_left_out():
    body = demo_data.report_body(["Intro.", "[[record {record:gone}]]", "End."], {})
    assert body == "Intro.\n\nEnd."


def test_an_editors_change_to_a_report_survives_a_second_run(demo):
    Article.objects.filter(slug=FARAH_REPORT).update(title="Edited")
    Article.objects.filter(slug=PARIS_REPORT).delete()
    out, _ = load_demo()
    assert "created 1 article" in out
    assert Article.objects.get(slug=FARAH_REPORT).title == "Edited"
    assert Article.objects.filter(slug=PARIS_REPORT).exists()
