import datetime

import pytest
from django.template.loader import render_to_string

from athletics import selectors
from athletics.models import Result
from tests.athletics.factories import (
    AthleteFactory,
    CompetitionEditionFactory,
    CompetitionFactory,
    CountryFactory,
    DisciplineFactory,
    RecordFactory,
    ResultFactory,
)

pytestmark = pytest.mark.django_db

ZERO = {"gold": 0, "silver": 0, "bronze": 0, "total": 0}


@pytest.fixture
def budapest():
    return CompetitionEditionFactory(
        competition=CompetitionFactory(name="World Championships", level=2), city="Budapest", year=2023
    )


def test_medal_counts_for_counts_each_medal_in_one_query(django_assert_num_queries, budapest):
    kerr, jakob, nobody = AthleteFactory.create_batch(3)
    m1500 = DisciplineFactory(name="1500 m")
    m5000 = DisciplineFactory(name="5000 m")
    ResultFactory(athlete=kerr, edition=budapest, discipline=m1500, position=1)
    ResultFactory(athlete=jakob, edition=budapest, discipline=m1500, position=2)
    ResultFactory(athlete=jakob, edition=budapest, discipline=m5000, position=1)
    tokyo = CompetitionEditionFactory(city="Tokyo", year=2021)
    ResultFactory(athlete=kerr, edition=tokyo, discipline=m1500, position=3)
    ResultFactory(athlete=nobody, edition=tokyo, discipline=m1500, position=7)

    with django_assert_num_queries(1):
        counts = selectors.medal_counts_for(athletes=[kerr, jakob, nobody])

    assert counts[kerr.pk] == {"gold": 1, "silver": 0, "bronze": 1, "total": 2}
    assert counts[jakob.pk] == {"gold": 1, "silver": 1, "bronze": 0, "total": 2}
    assert counts[nobody.pk] == ZERO


def test_medal_counts_for_no_athletes_makes_no_query(django_assert_num_queries):
    with django_assert_num_queries(0):
        assert selectors.medal_counts_for(athletes=[]) == {}


def test_medal_counts_for_accepts_ids():
    athlete = AthleteFactory()
    ResultFactory(athlete=athlete, position=2)
    assert selectors.medal_counts_for(athletes=[athlete.pk])[athlete.pk]["silver"] == 1


def test_latest_medallists_newest_editions_first_gold_silver_bronze(django_assert_num_queries):
    old = CompetitionEditionFactory(year=2015, city="Beijing")
    new = CompetitionEditionFactory(year=2024, city="Paris")
    discipline = DisciplineFactory()
    bronze = ResultFactory(edition=new, discipline=discipline, position=3)
    gold = ResultFactory(edition=new, discipline=discipline, position=1)
    silver = ResultFactory(edition=new, discipline=discipline, position=2)
    old_gold = ResultFactory(edition=old, discipline=discipline, position=1)
    ResultFactory(edition=new, discipline=discipline, position=4)  # no medal
    ResultFactory(edition=new, discipline=discipline, position=1, round=Result.Round.HEAT)  # no medal

    with django_assert_num_queries(1):
        medallists = selectors.latest_medallists(limit=6)
        # Everything a card touches is selected.
        for result in medallists:
            str(result.athlete.country.code)
            str(result.edition.competition.name)
            str(result.discipline.name)

    assert medallists == [gold, silver, bronze, old_gold]
    assert selectors.latest_medallists(limit=2) == [gold, silver]


def test_featured_athletes_only_featured_with_country(django_assert_num_queries):
    featured = AthleteFactory(is_featured=True, name="B")
    other = AthleteFactory(is_featured=True, name="A")
    AthleteFactory(is_featured=False)
    with django_assert_num_queries(1):
        athletes = selectors.featured_athletes(limit=6)
        [a.country.code for a in athletes]
    assert athletes == [other, featured]
    assert selectors.featured_athletes(limit=1) == [other]


def test_athlete_card_shows_name_link_country_and_medals():
    athlete = AthleteFactory(
        name="Josh Kerr", slug="josh-kerr", country=CountryFactory(code="GBR", name="Great Britain")
    )
    counts = {athlete.pk: {"gold": 1, "silver": 1, "bronze": 1, "total": 3}}
    html = render_to_string("includes/card/athlete-card.html", {"athlete": athlete, "counts": counts})
    assert 'href="/athletes/josh-kerr/"' in html
    assert ">JK<" in html
    assert "GBR" in html and "Great Britain" in html
    assert 'class="medal medal--gold">1 gold<' in html
    assert 'class="medal medal--bronze">1 bronze<' in html


def test_athlete_card_accepts_one_athletes_counts_or_none():
    athlete = AthleteFactory()
    one = render_to_string(
        "includes/card/athlete-card.html",
        {"athlete": athlete, "counts": {"gold": 2, "silver": 0, "bronze": 0, "total": 2}},
    )
    assert "2 gold" in one and "silver" not in one
    zero = render_to_string(
        "includes/card/athlete-card.html", {"athlete": athlete, "counts": {athlete.pk: ZERO}}
    )
    assert "No championship medals on record" in zero
    missing = render_to_string("includes/card/athlete-card.html", {"athlete": athlete})
    assert "medal" not in missing.replace("medal_counts", "")


def test_best_marks_lower_is_better_for_times():
    athlete = AthleteFactory()
    m1500 = DisciplineFactory(name="1500 m", measure="time")
    slow = ResultFactory(
        athlete=athlete, discipline=m1500, mark=21300, edition=CompetitionEditionFactory(year=2018)
    )
    fast = ResultFactory(
        athlete=athlete, discipline=m1500, mark=20779, edition=CompetitionEditionFactory(year=2024)
    )
    ResultFactory(athlete=athlete, discipline=m1500, mark=None, edition=CompetitionEditionFactory(year=2019))
    results = selectors.athlete_results(athlete=athlete)
    assert selectors.best_marks(results=results) == [fast]
    assert slow not in selectors.best_marks(results=results)


def test_best_marks_higher_is_better_for_heights_and_per_discipline():
    athlete = AthleteFactory()
    high_jump = DisciplineFactory(name="High jump", measure="height", sort_order=10)
    m1500 = DisciplineFactory(name="1500 m", measure="time", sort_order=1)
    low = ResultFactory(
        athlete=athlete, discipline=high_jump, mark=229, edition=CompetitionEditionFactory(year=2020)
    )
    high = ResultFactory(
        athlete=athlete, discipline=high_jump, mark=235, edition=CompetitionEditionFactory(year=2016)
    )
    run = ResultFactory(
        athlete=athlete, discipline=m1500, mark=21000, edition=CompetitionEditionFactory(year=2017)
    )
    best = selectors.best_marks(results=selectors.athlete_results(athlete=athlete))
    assert best == [run, high]
    assert low not in best


def test_best_marks_tie_goes_to_the_earlier_result():
    athlete = AthleteFactory()
    discipline = DisciplineFactory()
    first = ResultFactory(
        athlete=athlete, discipline=discipline, mark=21000, edition=CompetitionEditionFactory(year=2010)
    )
    ResultFactory(
        athlete=athlete, discipline=discipline, mark=21000, edition=CompetitionEditionFactory(year=2012)
    )
    assert selectors.best_marks(results=selectors.athlete_results(athlete=athlete)) == [first]


def test_medal_history_groups_by_competition_level_newest_first():
    athlete = AthleteFactory()
    olympics = CompetitionFactory(name="Olympic Games", level=1)
    worlds = CompetitionFactory(name="World Championships", level=2)
    w2023 = ResultFactory(
        athlete=athlete, edition=CompetitionEditionFactory(competition=worlds, year=2023), position=1
    )
    o2021 = ResultFactory(
        athlete=athlete, edition=CompetitionEditionFactory(competition=olympics, year=2021), position=3
    )
    o2024 = ResultFactory(
        athlete=athlete, edition=CompetitionEditionFactory(competition=olympics, year=2024), position=2
    )
    ResultFactory(
        athlete=athlete, edition=CompetitionEditionFactory(competition=worlds, year=2022), position=5
    )
    groups = selectors.athlete_medal_history(results=selectors.athlete_results(athlete=athlete))
    assert [g.competition for g in groups] == [olympics, worlds]
    assert groups[0].results == [o2024, o2021]
    assert groups[1].results == [w2023]


class TestHeadToHead:
    def test_every_shared_race_who_finished_ahead_and_score(self, django_assert_num_queries):
        kerr, jakob = AthleteFactory(name="Kerr"), AthleteFactory(name="Jakob")
        m1500 = DisciplineFactory(name="1500 m")
        m5000 = DisciplineFactory(name="5000 m")
        tokyo = CompetitionEditionFactory(year=2021, city="Tokyo")
        budapest = CompetitionEditionFactory(year=2023, city="Budapest")
        paris = CompetitionEditionFactory(year=2024, city="Paris")
        berlin = CompetitionEditionFactory(year=2018, city="Berlin")
        ResultFactory(athlete=jakob, edition=tokyo, discipline=m1500, position=1, mark=20832)
        ResultFactory(athlete=kerr, edition=tokyo, discipline=m1500, position=3, mark=20905)
        ResultFactory(athlete=kerr, edition=budapest, discipline=m1500, position=1, mark=20938)
        ResultFactory(athlete=jakob, edition=budapest, discipline=m1500, position=2, mark=20965)
        # Positions unknown: decided by the marks.
        ResultFactory(athlete=kerr, edition=paris, discipline=m1500, position=None, mark=20779)
        ResultFactory(athlete=jakob, edition=paris, discipline=m1500, position=None, mark=20824)
        # Neither known: nobody is ahead.
        ResultFactory(athlete=kerr, edition=berlin, discipline=m1500, position=None, mark=None)
        ResultFactory(athlete=jakob, edition=berlin, discipline=m1500, position=1, mark=None)
        # Not a shared race: different discipline, and a different round.
        ResultFactory(athlete=jakob, edition=paris, discipline=m5000, position=1)
        ResultFactory(athlete=kerr, edition=tokyo, discipline=m1500, round=Result.Round.SEMI, position=2)

        with django_assert_num_queries(1):
            h2h = selectors.head_to_head(athlete=kerr, rival=jakob)
            [(r.edition.competition.name, r.discipline.name) for r in h2h.races]

        assert [race.edition for race in h2h.races] == [paris, budapest, tokyo, berlin]
        assert [race.ahead for race in h2h.races] == [kerr, kerr, jakob, None]
        assert (h2h.athlete_wins, h2h.rival_wins, h2h.undecided) == (2, 1, 1)

    def test_higher_is_better_marks_decide_field_events(self):
        a, b = AthleteFactory(), AthleteFactory()
        high_jump = DisciplineFactory(name="High jump", measure="height")
        edition = CompetitionEditionFactory()
        ResultFactory(athlete=a, edition=edition, discipline=high_jump, position=None, mark=233)
        ResultFactory(athlete=b, edition=edition, discipline=high_jump, position=None, mark=235)
        h2h = selectors.head_to_head(athlete=a, rival=b)
        assert h2h.races[0].ahead == b
        assert (h2h.athlete_wins, h2h.rival_wins) == (0, 1)

    def test_equal_positions_are_undecided(self):
        a, b = AthleteFactory(), AthleteFactory()
        edition, discipline = CompetitionEditionFactory(), DisciplineFactory()
        ResultFactory(athlete=a, edition=edition, discipline=discipline, position=2, medal="silver")
        ResultFactory(athlete=b, edition=edition, discipline=discipline, position=2, medal="silver")
        assert selectors.head_to_head(athlete=a, rival=b).races[0].ahead is None

    def test_no_shared_race(self):
        a, b = AthleteFactory(), AthleteFactory()
        ResultFactory(athlete=a)
        h2h = selectors.head_to_head(athlete=a, rival=b)
        assert h2h.races == [] and (h2h.athlete_wins, h2h.rival_wins, h2h.undecided) == (0, 0, 0)


def test_rivals_of_counts_shared_races():
    kerr, jakob, narve, stranger = AthleteFactory.create_batch(4)
    discipline = DisciplineFactory()
    e1, e2, e3 = CompetitionEditionFactory.create_batch(3)
    for athlete, edition in [(kerr, e1), (jakob, e1), (narve, e1), (kerr, e2), (jakob, e2), (stranger, e3)]:
        ResultFactory(athlete=athlete, edition=edition, discipline=discipline)
    rivals = selectors.rivals_of(athlete=kerr)
    assert rivals == [jakob, narve]
    assert [r.shared_races for r in rivals] == [2, 1]


def test_record_standing_and_superseded_text():
    farah = AthleteFactory(name="Mo Farah")
    kerr = AthleteFactory(name="Josh Kerr")
    two_miles = DisciplineFactory(name="Two miles", slug="two-miles")
    new = RecordFactory(athlete=kerr, discipline=two_miles, mark=48067, year=2024)
    old = RecordFactory(
        athlete=farah,
        discipline=two_miles,
        mark=48340,
        year=2015,
        date=datetime.date(2015, 2, 21),
        superseded_by=new,
    )
    kerrs = selectors.athlete_records(athlete=kerr)
    farahs = selectors.athlete_records(athlete=farah)
    assert selectors.record_standing(kerrs[0]) == "world indoor best since 2024"
    assert selectors.record_superseded_text(kerrs[0]) == "superseded Mo Farah's 8:03.40"
    assert selectors.record_standing(farahs[0]) == "world indoor best 2015–2024, superseded by Josh Kerr"
    assert selectors.record_superseded_text(farahs[0]) == ""
    assert old.pk == farahs[0].pk


def test_athlete_profile_numbers_distinct_sources(django_assert_max_num_queries):
    athlete = AthleteFactory()
    a = ResultFactory(athlete=athlete, source="Wire A", source_url="https://a.example/", position=1)
    b = ResultFactory(athlete=athlete, source="Wire B", position=5)
    c = ResultFactory(athlete=athlete, source="Wire A", source_url="https://a.example/", position=6)
    record = RecordFactory(athlete=athlete, source="Wire C")
    with django_assert_max_num_queries(6):
        profile = selectors.athlete_profile(athlete=athlete)
    names = [(s.number, s.name) for s in profile.sources]
    assert names == [(1, "Wire A"), (2, "Wire C"), (3, "Wire B")]
    by_pk = {r.pk: r.footnote for r in profile.results}
    assert by_pk[a.pk] == by_pk[c.pk] == 1
    assert by_pk[b.pk] == 3
    assert profile.records[0].footnote == 2
    assert profile.records[0].pk == record.pk


def test_medal_table_orders_gold_silver_bronze_then_name(django_assert_num_queries):
    gbr, nor, usa, ken = (
        CountryFactory(code=c, name=n)
        for c, n in [("GBR", "Great Britain"), ("NOR", "Norway"), ("USA", "United States"), ("KEN", "Kenya")]
    )
    discipline = DisciplineFactory()
    olympics = CompetitionFactory(name="Olympic Games", level=1)
    paris = CompetitionEditionFactory(competition=olympics, year=2024)
    worlds = CompetitionEditionFactory(year=2023)
    ResultFactory(athlete=AthleteFactory(country=usa), edition=paris, discipline=discipline, position=1)
    ResultFactory(athlete=AthleteFactory(country=gbr), edition=paris, discipline=discipline, position=2)
    ResultFactory(athlete=AthleteFactory(country=nor), edition=worlds, discipline=discipline, position=1)
    ResultFactory(athlete=AthleteFactory(country=nor), edition=worlds, discipline=discipline, position=2)
    ResultFactory(athlete=AthleteFactory(country=ken), edition=worlds, discipline=discipline, position=4)
    with django_assert_num_queries(1):
        table = selectors.medal_table()
    assert [(c.code, c.gold, c.silver, c.bronze, c.total) for c in table] == [
        ("NOR", 1, 1, 0, 2),
        ("USA", 1, 0, 0, 1),
        ("GBR", 0, 1, 0, 1),
    ]
    only_olympics = selectors.medal_table(competition=olympics)
    assert [(c.code, c.gold, c.silver) for c in only_olympics] == [("USA", 1, 0), ("GBR", 0, 1)]


def test_edition_results_medallists_and_other_finalists(django_assert_num_queries):
    edition = CompetitionEditionFactory()
    m1500 = DisciplineFactory(name="1500 m", sort_order=1)
    m5000 = DisciplineFactory(name="5000 m", sort_order=2)
    fourth = ResultFactory(edition=edition, discipline=m1500, position=4)
    bronze = ResultFactory(edition=edition, discipline=m1500, position=3)
    gold = ResultFactory(edition=edition, discipline=m1500, position=1)
    ResultFactory(edition=edition, discipline=m1500, position=1, round=Result.Round.HEAT)
    gold5000 = ResultFactory(edition=edition, discipline=m5000, position=1)
    with django_assert_num_queries(1):
        events = selectors.edition_results(edition=edition)
        [(r.athlete.country.code, r.discipline.name) for e in events for r in e.medallists + e.others]
    assert [e.discipline for e in events] == [m1500, m5000]
    assert events[0].medallists == [gold, bronze]
    assert events[0].others == [fourth]
    assert events[1].medallists == [gold5000]


def test_record_standing_names_the_scope():
    olympics = CompetitionFactory(name="Olympic Games")
    m1500 = DisciplineFactory(name="1500 m")
    hocker = AthleteFactory(name="Cole Hocker")
    current = RecordFactory(
        kind="championship", competition=olympics, discipline=m1500, athlete=hocker, mark=20765, year=2024
    )
    old = RecordFactory(
        kind="championship",
        competition=olympics,
        discipline=m1500,
        mark=20832,
        year=2021,
        superseded_by=current,
    )
    national = RecordFactory(
        kind="national",
        country=CountryFactory(code="GBR", name="Great Britain & N.I."),
        discipline=m1500,
        mark=20779,
        year=2024,
    )
    [current, old, national] = [
        selectors.athlete_records(athlete=r.athlete)[0] for r in (current, old, national)
    ]
    assert selectors.record_standing(current) == "Olympic Games record since 2024"
    assert selectors.record_standing(old) == "Olympic Games record 2021–2024, superseded by Cole Hocker"
    assert selectors.record_standing(national) == "Great Britain & N.I. record since 2024"
