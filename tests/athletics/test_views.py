import datetime
import json
import re
from http import HTTPStatus

import pytest
from django.utils import timezone

from athletics.models import Record
from tests.athletics.factories import (
    AthleteFactory,
    CompetitionEditionFactory,
    CompetitionFactory,
    CountryFactory,
    DisciplineFactory,
    RecordFactory,
    ResultFactory,
)
from tests.budgets import cold_then_warm
from tests.news.factories import ArticleFactory, SectionFactory

pytestmark = pytest.mark.django_db


def code(prefix, n):
    """A distinct three-capital country code for the n-th generated country."""
    return f"{prefix}{chr(65 + n % 26)}{chr(65 + n // 26)}"


def text_of(response):
    """The page's visible text, tags stripped and whitespace collapsed."""
    html = response.content.decode()
    html = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", html, flags=re.S)
    return (
        re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))
        .replace(" 's", "'s")
        .replace(" ,", ",")
        .replace(" ;", ";")
    )


def json_ld(response):
    match = re.search(r'<script type="application/ld\+json">(.*?)</script>', response.content.decode(), re.S)
    return json.loads(match.group(1))


@pytest.fixture
def world():
    """A small slice of the demo facts: Kerr, Ingebrigtsen, Farah and their championships."""
    gbr = CountryFactory(code="GBR", name="Great Britain & N.I.")
    nor = CountryFactory(code="NOR", name="Norway")
    ken = CountryFactory(code="KEN", name="Kenya")
    olympics = CompetitionFactory(name="Olympic Games", slug="olympic-games", level=1)
    worlds = CompetitionFactory(name="World Championships", slug="world-championships", level=2)
    m1500 = DisciplineFactory(name="1500 m", slug="1500-m", sort_order=1500)
    m5000 = DisciplineFactory(name="5000 m", slug="5000-m", sort_order=5000)
    two_miles = DisciplineFactory(name="Two miles", slug="two-miles", sort_order=3218)
    tokyo = CompetitionEditionFactory(
        competition=olympics, year=2021, name="Tokyo 2020", city="Tokyo", slug="olympic-games-tokyo-2020"
    )
    budapest = CompetitionEditionFactory(
        competition=worlds, year=2023, name="Budapest 2023", city="Budapest",
        slug="world-championships-budapest-2023",
    )  # fmt: skip
    london = CompetitionEditionFactory(
        competition=olympics, year=2012, name="London 2012", city="London", slug="olympic-games-london-2012"
    )
    kerr = AthleteFactory(
        name="Josh Kerr", slug="josh-kerr", country=gbr, birth_date=datetime.date(1997, 10, 8),
        birth_place="Edinburgh", bio="Josh Kerr won the **1500 m** world title.", is_featured=True,
        facts_verified_on=datetime.date(2024, 2, 20),
    )  # fmt: skip
    jakob = AthleteFactory(name="Jakob Ingebrigtsen", slug="jakob-ingebrigtsen", country=nor)
    farah = AthleteFactory(name="Mo Farah", slug="mo-farah", country=gbr)
    cheruiyot = AthleteFactory(name="Timothy Cheruiyot", slug="timothy-cheruiyot", country=ken)
    r = {}
    r["tokyo_jakob"] = ResultFactory(
        athlete=jakob, edition=tokyo, discipline=m1500, position=1, mark=20832, championship_record=True,
        source="world-track.org results", source_url="https://world-track.example/tokyo",
    )  # fmt: skip
    r["tokyo_cheruiyot"] = ResultFactory(
        athlete=cheruiyot, edition=tokyo, discipline=m1500, position=2, mark=20901, source="Bleacher Report"
    )
    r["tokyo_kerr"] = ResultFactory(
        athlete=kerr, edition=tokyo, discipline=m1500, position=3, mark=20905, personal_best=True,
        source="world-track.org; Athletics Weekly",
    )  # fmt: skip
    r["tokyo_fourth"] = ResultFactory(
        athlete=AthleteFactory(name="Fourth Man", country=ken), edition=tokyo, discipline=m1500, position=4,
        mark=None, source="Bleacher Report",
    )  # fmt: skip
    r["budapest_kerr"] = ResultFactory(
        athlete=kerr, edition=budapest, discipline=m1500, position=1, mark=20938, source="Olympics.com report"
    )
    r["budapest_jakob"] = ResultFactory(
        athlete=jakob, edition=budapest, discipline=m1500, position=2, mark=20965, source="LetsRun"
    )
    r["budapest_jakob_5000"] = ResultFactory(
        athlete=jakob, edition=budapest, discipline=m5000, position=1, mark=79130, source="CNA"
    )
    r["london_farah"] = ResultFactory(
        athlete=farah, edition=london, discipline=m5000, position=1, mark=82166, source="PA"
    )
    kerr_best = RecordFactory(
        athlete=kerr, discipline=two_miles, mark=48067, year=2024, date=datetime.date(2024, 2, 11),
        venue="Millrose Games, New York", source="World Athletics report", source_url="https://wa.example/kerr",
    )  # fmt: skip
    farah_best = RecordFactory(
        athlete=farah, discipline=two_miles, mark=48340, year=2015, date=datetime.date(2015, 2, 21),
        venue="Birmingham", superseded_by=kerr_best, source="BBC",
    )  # fmt: skip
    article = ArticleFactory(title="Josh Kerr: the world champion", slug="josh-kerr-world-champion")
    article.athletes.add(kerr, jakob, farah)
    article.editions.add(budapest)
    draft = ArticleFactory(title="Secret draft about Kerr", status="draft", published_at=None)
    draft.athletes.add(kerr)
    draft.editions.add(budapest)
    scheduled = ArticleFactory(
        title="Scheduled piece about Kerr", published_at=timezone.now() + datetime.timedelta(days=1)
    )
    scheduled.athletes.add(kerr)
    return {
        "gbr": gbr, "nor": nor, "kerr": kerr, "jakob": jakob, "farah": farah, "cheruiyot": cheruiyot,
        "tokyo": tokyo, "budapest": budapest, "london": london, "olympics": olympics, "worlds": worlds,
        "m1500": m1500, "m5000": m5000, "results": r, "kerr_best": kerr_best, "farah_best": farah_best,
        "article": article,
    }  # fmt: skip


# ---------------------------------------------------------------------------
# /athletes/


class TestAthleteList:
    def test_lists_athletes_with_medal_counts(self, client, world):
        response = client.get("/athletes/")
        assert response.status_code == HTTPStatus.OK
        text = text_of(response)
        for name in ("Josh Kerr", "Jakob Ingebrigtsen", "Mo Farah", "Timothy Cheruiyot"):
            assert name in text
        assert 'href="/athletes/josh-kerr/"' in response.content.decode()
        kerr_card = response.content.decode().split('href="/athletes/josh-kerr/"')[1].split("</article>")[0]
        assert "1 gold" in kerr_card and "1 bronze" in kerr_card
        assert response.context["medal_counts"][world["kerr"].pk]["total"] == 2

    def test_filter_form_is_labelled_with_values_from_the_database(self, client, world):
        html = client.get("/athletes/").content.decode()
        assert '<label for="filter-country">' in html and 'id="filter-country" name="country"' in html
        assert '<label for="filter-discipline">' in html
        assert '<option value="GBR">' in html and '<option value="NOR">' in html
        assert '<option value="1500-m">' in html and '<option value="5000-m">' in html

    def test_filter_by_country(self, client, world):
        response = client.get("/athletes/?country=GBR")
        athletes = list(response.context["athletes"])
        assert athletes == [world["kerr"], world["farah"]]
        assert '<option value="GBR" selected>' in response.content.decode()

    def test_country_filter_is_case_insensitive(self, client, world):
        assert list(client.get("/athletes/?country=nor").context["athletes"]) == [world["jakob"]]

    def test_filter_by_discipline_uses_results_and_listed_events(self, client, world):
        listed_only = AthleteFactory(name="Aaron Listed")
        listed_only.disciplines.add(world["m5000"])
        response = client.get("/athletes/?discipline=5000-m")
        assert list(response.context["athletes"]) == [listed_only, world["jakob"], world["farah"]]

    def test_filters_combine(self, client, world):
        response = client.get("/athletes/?country=GBR&discipline=1500-m")
        assert list(response.context["athletes"]) == [world["kerr"]]

    @pytest.mark.parametrize(
        "query",
        [
            "?country=ZZZ",
            "?country=",
            "?country=%00",
            "?country=GBR%27--",
            "?discipline=nope",
            "?discipline=%F0%9F%92%A5",
            "?country[]=GBR",
            "?country=GBR&country=NOR",
            "?page=abc",
            "?page=-1",
            "?page=0",
            "?page=99999999999999999999",
            "?page=1.5",
            "?page=%00",
        ],
    )
    def test_bad_query_values_are_ignored(self, client, world, query):
        response = client.get(f"/athletes/{query}")
        assert response.status_code == HTTPStatus.OK
        assert len(response.context["athletes"]) >= 1

    def test_unknown_filter_value_shows_everyone(self, client, world):
        response = client.get("/athletes/?country=ZZZ&discipline=nope")
        assert response.context["selected_country"] is None
        assert response.context["selected_discipline"] is None
        assert response.context["paginator"].count == 5

    def test_pagination_garbage_is_page_one_and_too_large_is_last_page(self, client):
        country = CountryFactory(code="AAA")
        AthleteFactory.create_batch(50, country=country)
        assert client.get("/athletes/").context["page_obj"].number == 1
        assert len(client.get("/athletes/").context["athletes"]) == 48
        assert client.get("/athletes/?page=abc").context["page_obj"].number == 1
        assert client.get("/athletes/?page=0").context["page_obj"].number == 1
        last = client.get("/athletes/?page=999")
        assert last.status_code == HTTPStatus.OK
        assert last.context["page_obj"].number == 2
        assert len(last.context["athletes"]) == 2
        assert 'rel="prev" href="?page=1"' in last.content.decode()

    def test_pagination_links_keep_the_filters(self, client):
        country = CountryFactory(code="AAA")
        AthleteFactory.create_batch(50, country=country)
        html = client.get("/athletes/?country=AAA").content.decode()
        assert 'href="?country=AAA&amp;page=2"' in html

    def test_no_match_shows_an_empty_state(self, client, world):
        CountryFactory(code="USA", name="United States")
        AthleteFactory(country=CountryFactory(code="FRA"))
        response = client.get("/athletes/?country=FRA&discipline=1500-m")
        assert response.status_code == HTTPStatus.OK
        assert "No athletes match these filters" in text_of(response)

    def test_canonical_and_title(self, client, world):
        html = client.get("/athletes/?country=GBR&page=abc").content.decode()
        assert '<link rel="canonical" href="https://podium.example/athletes/?country=GBR">' in html
        assert "<title>athletes from Great Britain" in html.replace("<title>Athletes", "<title>athletes")

    def test_query_budget_does_not_grow_with_athletes(self, client, django_assert_max_num_queries):
        discipline = DisciplineFactory()
        for n in range(50):
            athlete = AthleteFactory(country=CountryFactory(code=code("Q", n)))
            ResultFactory(athlete=athlete, discipline=discipline, position=n % 4 + 1)
        with django_assert_max_num_queries(6):
            response = client.get("/athletes/")
        assert len(response.context["athletes"]) == 48
        with django_assert_max_num_queries(6):
            client.get("/athletes/?country=QAA&discipline=1500-m&page=2")


# ---------------------------------------------------------------------------
# /athletes/<slug>/


class TestAthleteDetail:
    def test_profile_shows_bio_facts_and_medal_counts(self, client, world):
        response = client.get("/athletes/josh-kerr/")
        assert response.status_code == HTTPStatus.OK
        html = response.content.decode()
        text = text_of(response)
        assert html.count("<h1") == 1
        assert "<strong>1500 m</strong>" in html  # sanitised bio HTML rendered, not escaped
        assert "8 October 1997, Edinburgh" in text
        assert "Great Britain & N.I." in text or "Great Britain &amp; N.I." in html
        assert "Men's events" in text
        assert "20 February 2024" in text  # facts verified on
        assert response.context["medal_counts"] == {"gold": 1, "silver": 0, "bronze": 1, "total": 2}

    def test_unknown_birth_date_is_shown_as_absent(self, client, world):
        text = text_of(client.get("/athletes/jakob-ingebrigtsen/"))
        assert "Born — date not on record" in text
        assert "the date of the last check is not recorded" in text

    def test_medal_history_table(self, client, world):
        response = client.get("/athletes/josh-kerr/")
        html = response.content.decode()
        table = html.split('class="data-table data-table--stack medal-history"')[1].split("</table>")[0]
        assert "Championships on record at" in table
        text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", table))
        # Olympic Games (level 1) before World Championships; each row: competition, year, city, event.
        assert text.index("Olympic Games") < text.index("World Championships")
        assert "2021 (Tokyo 2020) Tokyo 1500 m Bronze 3:29.05 PB" in text
        assert "2023 Budapest 1500 m Gold 3:29.38" in text

    def test_best_marks_say_on_record_and_pb_only_when_flagged(self, client, world):
        response = client.get("/athletes/josh-kerr/")
        text = text_of(response)
        assert "Best championship marks on record" in text
        assert [r.pk for r in response.context["profile"].best_marks] == [world["results"]["tokyo_kerr"].pk]
        assert "personal best" not in text.lower().replace("was a personal best at the time", "")
        assert 'title="Personal best">PB<' in response.content.decode()  # Tokyo 2020, flagged PB
        jakob = client.get("/athletes/jakob-ingebrigtsen/").content.decode()
        assert 'title="Personal best"' not in jakob

    def test_records_held_and_lost(self, client, world):
        kerr = text_of(client.get("/athletes/josh-kerr/"))
        assert "Two miles world indoor best 8:00.67" in kerr
        assert "world indoor best since 2024; superseded Mo Farah's 8:03.40" in kerr
        farah = text_of(client.get("/athletes/mo-farah/"))
        assert "world indoor best 2015–2024, superseded by Josh Kerr" in farah

    def test_all_results_and_sources_as_footnotes(self, client, world):
        response = client.get("/athletes/josh-kerr/")
        html = response.content.decode()
        sources = response.context["profile"].sources
        names = [s.name for s in sources]
        assert len(names) == len(set(names))
        assert set(names) == {
            "world-track.org; Athletics Weekly",
            "Olympics.com report",
            "World Athletics report",
            "BBC",
        }
        for source in sources:
            assert f'<li id="source-{source.number}">' in html
            assert f'href="#source-{source.number}"' in html
        assert '<a href="https://wa.example/kerr" rel="nofollow noopener">World Athletics report</a>' in html
        assert "All results on record" in html

    def test_related_articles_are_published_only(self, client, world):
        text = text_of(client.get("/athletes/josh-kerr/"))
        assert "Josh Kerr: the world champion" in text
        assert "Secret draft" not in text
        assert "Scheduled piece" not in text

    def test_head_to_head_links_to_rivals_who_shared_a_race(self, client, world):
        html = client.get("/athletes/josh-kerr/").content.decode()
        assert 'href="/athletes/josh-kerr/vs/jakob-ingebrigtsen/"' in html
        assert 'href="/athletes/josh-kerr/vs/timothy-cheruiyot/"' in html
        assert "/vs/mo-farah/" not in html

    def test_seo_tags_and_person_json_ld(self, client, world):
        response = client.get("/athletes/josh-kerr/")
        html = response.content.decode()
        assert '<link rel="canonical" href="https://podium.example/athletes/josh-kerr/">' in html
        assert '<meta property="og:url" content="https://podium.example/athletes/josh-kerr/">' in html
        assert '<meta property="og:type" content="profile">' in html
        assert re.search(r'<meta name="description" content="Josh Kerr \(Great Britain', html)
        person = json_ld(response)
        assert person["@type"] == "Person"
        assert person["name"] == "Josh Kerr"
        assert person["birthDate"] == "1997-10-08"
        assert person["nationality"]["name"] == "Great Britain & N.I."
        assert person["url"] == "https://podium.example/athletes/josh-kerr/"
        assert "birthDate" not in json_ld(client.get("/athletes/jakob-ingebrigtsen/"))

    def test_json_ld_cannot_be_broken_out_of(self, client, world):
        AthleteFactory(name="</script><script>alert(1)</script>", slug="evil")
        html = client.get("/athletes/evil/").content.decode()
        assert "<script>alert(1)" not in html
        block = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S).group(1)
        assert json.loads(block)["name"] == "</script><script>alert(1)</script>"

    def test_athlete_without_anything_on_record(self, client):
        AthleteFactory(name="New Face", slug="new-face")
        response = client.get("/athletes/new-face/")
        assert response.status_code == HTTPStatus.OK
        assert "No championship medals on record" in text_of(response)

    def test_unknown_slug_is_404(self, client, world):
        assert client.get("/athletes/nobody-here/").status_code == HTTPStatus.NOT_FOUND

    @pytest.mark.parametrize("results", [10, 100])
    def test_query_budget_does_not_grow_with_results(self, client, django_assert_num_queries, results):
        athlete = AthleteFactory(slug="busy")
        athlete.disciplines.add(DisciplineFactory())
        competitions = [CompetitionFactory(name=f"Champs {n}", level=n) for n in range(4)]
        for n in range(results):
            edition = CompetitionEditionFactory(competition=competitions[n % 4], year=1900 + n, city=f"C{n}")
            discipline = DisciplineFactory(name=f"{n % 7 + 1}000 m", sort_order=n % 7)
            ResultFactory(
                athlete=athlete, edition=edition, discipline=discipline, position=n % 5 + 1,
                source=f"Source {n % 13}", personal_best=n % 9 == 0,
            )  # fmt: skip
            ResultFactory(edition=edition, discipline=discipline, position=n % 5 + 2 if n % 5 else 6)
        # A chain of world bests, newest (current) first, each older one superseded by the next.
        successor = None
        for n in range(min(results, 20)):
            successor = RecordFactory(
                athlete=athlete if n % 2 else AthleteFactory(), kind=Record.Kind.WORLD_BEST,
                discipline=DisciplineFactory(name="Mile", slug="mile"), mark=30000 + n, year=2020 - n,
                superseded_by=successor,
            )  # fmt: skip
        for n in range(min(results, 30)):
            ArticleFactory(slug=f"story-{n}").athletes.add(athlete)
        # Cold: the athlete, the profile's five reads, the next scheduled publication and the
        # nav sections (tests/budgets.py); warm (cached profile): none.
        response, _ = cold_then_warm(client, django_assert_num_queries, "/athletes/busy/", cold=8)
        assert len(response.context["profile"].results) == results


# ---------------------------------------------------------------------------
# /athletes/<slug>/vs/<other>/


class TestHeadToHead:
    def test_score_and_each_race(self, client, world, django_assert_max_num_queries):
        with django_assert_max_num_queries(4):  # with the page cache's generations read
            response = client.get("/athletes/josh-kerr/vs/jakob-ingebrigtsen/")
        assert response.status_code == HTTPStatus.OK
        html = response.content.decode()
        assert 'class="h2h-score"' in html
        score = html.split('class="h2h-score"')[1].split("</section>")[0]
        score = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", score.split(">", 1)[1])).split()
        assert score[:3] == ["1", "Josh", "Kerr"]
        assert score[4:7] == ["v", "1", "Jakob"]
        h2h = response.context["h2h"]
        assert (h2h.athlete_wins, h2h.rival_wins) == (1, 1)
        assert [race.edition for race in h2h.races] == [world["budapest"], world["tokyo"]]
        table = text_of(response).split("Races both ran")[1]
        assert "World Championships Budapest 2023" in table and "Olympic Games Tokyo 2020" in table
        assert (
            '<link rel="canonical" href="https://podium.example/athletes/josh-kerr/vs/jakob-ingebrigtsen/">'
            in html
        )

    def test_no_shared_race(self, client, world):
        response = client.get("/athletes/josh-kerr/vs/mo-farah/")
        assert response.status_code == HTTPStatus.OK
        assert "have no race in common" in text_of(response)

    @pytest.mark.parametrize(
        "path",
        [
            "/athletes/josh-kerr/vs/josh-kerr/",
            "/athletes/josh-kerr/vs/nobody/",
            "/athletes/nobody/vs/josh-kerr/",
            "/athletes/nobody/vs/nobody-else/",
        ],
    )
    def test_same_or_unknown_athlete_is_404(self, client, world, path):
        assert client.get(path).status_code == HTTPStatus.NOT_FOUND


# ---------------------------------------------------------------------------
# /competitions/


class TestCompetitions:
    def test_list_newest_first_with_held_note(self, client, world, django_assert_max_num_queries):
        with django_assert_max_num_queries(2):
            response = client.get("/competitions/")
        assert response.status_code == HTTPStatus.OK
        assert list(response.context["editions"]) == [world["budapest"], world["tokyo"], world["london"]]
        text = text_of(response)
        assert "Olympic Games Tokyo 2020 (held 2021)" in text
        assert text.index("Budapest 2023") < text.index("Tokyo 2020") < text.index("London 2012")
        assert 'href="/competitions/olympic-games-tokyo-2020/"' in response.content.decode()

    def test_list_query_budget_does_not_grow(self, client, django_assert_max_num_queries):
        for n in range(40):
            edition = CompetitionEditionFactory(country=CountryFactory(code=code("E", n)))
            ResultFactory(edition=edition)
        with django_assert_max_num_queries(2):
            response = client.get("/competitions/")
        assert len(response.context["editions"]) == 40

    def test_edition_medallists_and_other_finalists(self, client, world):
        response = client.get("/competitions/olympic-games-tokyo-2020/")
        assert response.status_code == HTTPStatus.OK
        text = text_of(response)
        assert "Olympic Games Tokyo 2020" in text
        assert "Tokyo 2020 was held 2021" in text
        assert "dates not on record" in text
        assert "Gold Place 1 Jakob Ingebrigtsen NOR 3:28.32 CR" in text
        assert "Silver Place 2 Timothy Cheruiyot KEN 3:29.01" in text
        assert "Bronze Place 3 Josh Kerr GBR 3:29.05 PB" in text
        assert "Other finalists on record" in text
        assert "Fourth Man" in text and "not on record" in text
        event = json_ld(response)
        assert event["@type"] == "SportsEvent"
        assert event["name"] == "Olympic Games Tokyo 2020"
        assert event["url"] == "https://podium.example/competitions/olympic-games-tokyo-2020/"
        assert "startDate" not in event

    def test_edition_with_dates_and_related_articles(self, client, world):
        edition = world["budapest"]
        edition.start_date, edition.end_date = datetime.date(2023, 8, 19), datetime.date(2023, 8, 27)
        edition.country = CountryFactory(code="HUN", name="Hungary")
        edition.save()
        response = client.get("/competitions/world-championships-budapest-2023/")
        text = text_of(response)
        assert "19 August 2023 – 27 August 2023" in text
        assert "Hungary" in text
        assert "Josh Kerr: the world champion" in text
        assert "Secret draft" not in text
        event = json_ld(response)
        assert event["startDate"] == "2023-08-19" and event["endDate"] == "2023-08-27"
        assert event["location"]["address"]["addressCountry"] == {
            "@type": "Country",
            "name": "Hungary",
            "identifier": "HUN",
        }

    def test_unknown_edition_is_404(self, client, world):
        assert client.get("/competitions/olympic-games-atlantis-2099/").status_code == HTTPStatus.NOT_FOUND

    @pytest.mark.parametrize("finalists", [5, 60])
    def test_edition_query_budget_does_not_grow(self, client, django_assert_max_num_queries, finalists):
        edition = CompetitionEditionFactory(slug="big-champs")
        for n in range(finalists):
            ResultFactory(
                edition=edition, discipline=DisciplineFactory(name=f"Event {n % 6}"), position=n // 6 + 1,
                athlete=AthleteFactory(country=CountryFactory(code=code("F", n))),
                source=f"Wire {n % 4}",
            )  # fmt: skip
        for n in range(5):
            ArticleFactory(slug=f"champs-story-{n}").editions.add(edition)
        CompetitionEditionFactory.create_batch(5, competition=edition.competition)
        with django_assert_max_num_queries(5):
            response = client.get("/competitions/big-champs/")
        assert response.status_code == HTTPStatus.OK


# ---------------------------------------------------------------------------
# /medals/


class TestMedalTable:
    def test_countries_by_gold_then_silver_then_bronze(self, client, world, django_assert_max_num_queries):
        with django_assert_max_num_queries(4):  # with the page cache's generations read
            response = client.get("/medals/")
        assert response.status_code == HTTPStatus.OK
        rows = [(c.code, c.gold, c.silver, c.bronze, c.total) for c in response.context["rows"]]
        assert rows == [("NOR", 2, 1, 0, 3), ("GBR", 2, 0, 1, 3), ("KEN", 0, 1, 0, 1)]
        assert "championships on record at" in text_of(response)

    def test_filter_by_competition(self, client, world):
        response = client.get("/medals/?competition=olympic-games")
        rows = [(c.code, c.gold, c.silver, c.bronze) for c in response.context["rows"]]
        assert rows == [("GBR", 1, 0, 1), ("NOR", 1, 0, 0), ("KEN", 0, 1, 0)]
        assert '<option value="olympic-games" selected>' in response.content.decode()

    @pytest.mark.parametrize(
        "query", ["?competition=nope", "?competition=", "?competition=%00", "?competition[]=x"]
    )
    def test_bad_competition_is_ignored(self, client, world, query):
        response = client.get(f"/medals/{query}")
        assert response.status_code == HTTPStatus.OK
        assert response.context["selected_competition"] is None
        assert len(response.context["rows"]) == 3

    def test_ties_share_a_rank(self, client):
        edition = CompetitionEditionFactory()
        for code, position in [("AAA", 1), ("BBB", 1), ("CCC", 2)]:
            ResultFactory(
                edition=edition,
                athlete=AthleteFactory(country=CountryFactory(code=code)),
                position=position,
                discipline=DisciplineFactory(name=f"Event {code}"),
            )
        ranks = [c.rank for c in client.get("/medals/").context["rows"]]
        assert ranks == [1, 1, 3]

    def test_query_budget_does_not_grow(self, client, django_assert_max_num_queries):
        edition = CompetitionEditionFactory()
        for n in range(40):
            ResultFactory(
                edition=edition, discipline=DisciplineFactory(name=f"Event {n}"), position=n % 3 + 1,
                athlete=AthleteFactory(country=CountryFactory(code=code("M", n))),
            )  # fmt: skip
        with django_assert_max_num_queries(4):  # with the page cache's generations read
            response = client.get("/medals/")
        assert len(response.context["rows"]) == 40


# ---------------------------------------------------------------------------
# Sitemap


def test_sitemap_lists_athletes_and_editions_with_site_url(client, world, settings):
    # /sitemap.xml is the index; each section's sitemap is /sitemap-<section>.xml.
    index = client.get("/sitemap.xml", HTTP_HOST="127.0.0.1").content.decode()
    assert "<loc>https://podium.example/sitemap-athletes.xml</loc>" in index
    assert "127.0.0.1" not in index
    xml = ""
    for section in ("athletes", "competitions", "athletics-pages"):
        response = client.get(f"/sitemap-{section}.xml", HTTP_HOST="127.0.0.1")
        assert response.status_code == HTTPStatus.OK
        xml += response.content.decode()
    assert "<loc>https://podium.example/athletes/josh-kerr/</loc>" in xml
    assert "<loc>https://podium.example/competitions/olympic-games-tokyo-2020/</loc>" in xml
    assert "<loc>https://podium.example/medals/</loc>" in xml
    assert "127.0.0.1" not in xml


@pytest.mark.parametrize("section", ["athletes", "sections"])
def test_every_sitemap_keeps_a_path_prefix_of_site_url(client, world, settings, section):
    """Both apps' sitemaps share config.sitemaps.SiteUrlSitemap: SITE_URL + the path,
    as canonical links and feeds build them."""
    SectionFactory()
    settings.SITE_URL = "https://example.org/podium"
    index = client.get("/sitemap.xml").content.decode()
    assert f"<loc>https://example.org/podium/sitemap-{section}.xml</loc>" in index

    xml = client.get(f"/sitemap-{section}.xml").content.decode()
    locations = re.findall(r"<loc>(.*?)</loc>", xml)
    assert locations
    assert all(location.startswith("https://example.org/podium/") for location in locations), locations
