"""Progression charts on the athlete page (issue 13, item 5): per discipline with two marked
results or more, an inline SVG of the marks over time (better is higher, whatever the
measure), with <title>/<desc>, a visually hidden data table and the season's bests beside
it; no script and no style attribute; no query of its own; rebuilt when results change."""

import datetime
import re
from http import HTTPStatus

import pytest

from athletics import charts
from athletics.models import CompetitionEdition
from athletics.selectors import athlete_results
from tests.budgets import cold_then_warm

from .factories import AthleteFactory, CompetitionEditionFactory, DisciplineFactory, ResultFactory
from .test_query_budgets import ATHLETE_COLD

pytestmark = pytest.mark.django_db


def edition(year, **fields):
    """The World Championships of ``year`` (one per year: results of one race share it)."""
    found = CompetitionEdition.objects.filter(year=year).first()
    return found or CompetitionEditionFactory(
        year=year, name=f"City{year} {year}", city=f"City{year}", **fields
    )


@pytest.fixture
def kerr():
    return AthleteFactory(name="Josh Kerr", slug="kerr")


def progressions(athlete):
    return charts.progressions(results=athlete_results(athlete=athlete))


def test_a_discipline_needs_two_marked_results_for_a_chart(kerr):
    metric = DisciplineFactory(name="1500 m")
    ResultFactory(athlete=kerr, discipline=metric, edition=edition(2021), mark=21000)
    ResultFactory(athlete=kerr, discipline=metric, edition=edition(2022), mark=None)  # no mark: no point
    ResultFactory(athlete=kerr, discipline=DisciplineFactory(name="3000 m"), edition=edition(2023))
    assert progressions(kerr) == []

    ResultFactory(athlete=kerr, discipline=metric, edition=edition(2023), mark=20938)
    (chart,) = progressions(kerr)
    assert chart.discipline == metric
    assert [p.result.mark for p in chart.points] == [21000, 20938]


def test_better_is_higher_for_times_and_for_distances(kerr):
    mile = DisciplineFactory(name="1500 m", measure="time")
    jump = DisciplineFactory(name="Long jump", measure="distance", sort_order=5)
    for year, time, distance in [(2019, 21500, 800), (2021, 21000, 850), (2023, 21200, 820)]:
        ResultFactory(athlete=kerr, discipline=mile, edition=edition(year), mark=time)
        ResultFactory(athlete=kerr, discipline=jump, edition=edition(year), mark=distance)
    times, jumps = progressions(kerr)

    assert times.discipline == mile and jumps.discipline == jump  # discipline order
    for chart, best in ((times, 21000), (jumps, 850)):
        assert chart.best.result.mark == best and chart.best.is_best
        assert min(p.y for p in chart.points) == chart.best.y  # the best is the highest point
        assert [p.when.year for p in chart.points] == [2019, 2021, 2023]
        xs = [p.x for p in chart.points]
        assert xs == sorted(xs) and chart.left <= xs[0] and xs[-1] <= chart.right
        assert all(chart.top <= p.y <= chart.bottom for p in chart.points)
        assert chart.path.startswith(f"M{chart.points[0].x} {chart.points[0].y} L")
    # Axis labels in the sport's notation (athletics/marks.py).
    assert [t.label for t in times.y_ticks] == ["3:30.00", "3:32.00", "3:34.00", "3:36.00"]
    assert [t.label for t in jumps.y_ticks] == ["8.00", "8.20", "8.40", "8.60"]
    assert "Faster times are higher." in times.description
    assert "Better marks are higher." in jumps.description


def test_points_are_placed_by_date_else_start_date_else_mid_year_and_rounds_in_order(kerr):
    metric = DisciplineFactory(name="1500 m")
    games = edition(2024, start_date=datetime.date(2024, 8, 2))
    final = ResultFactory(athlete=kerr, discipline=metric, edition=games, round="final", mark=20779)
    heat = ResultFactory(athlete=kerr, discipline=metric, edition=games, round="heat", mark=21300)
    dated = ResultFactory(
        athlete=kerr, discipline=metric, edition=edition(2023), mark=20938, date=datetime.date(2023, 8, 23)
    )
    undated = ResultFactory(athlete=kerr, discipline=metric, edition=edition(2021), mark=20905)
    (chart,) = progressions(kerr)

    assert [p.result for p in chart.points] == [undated, dated, heat, final]
    assert [p.when for p in chart.points] == [
        datetime.date(2021, 7, 1),
        datetime.date(2023, 8, 23),
        datetime.date(2024, 8, 2),
        datetime.date(2024, 8, 2),
    ]
    # The line joins each championship's best mark; the heat is a dot beside the final.
    heat_point, final_point = chart.points[2], chart.points[3]
    assert final_point.leads and not heat_point.leads
    assert f"{final_point.x} {final_point.y}" in chart.path and f"{heat_point.y}" not in chart.path
    assert [t.label for t in chart.year_labels] == ["2021", "2022", "2023", "2024"]
    assert len(chart.x_ticks) == 5  # a band per year, from 1 January 2021 to 1 January 2025


def test_many_years_label_at_most_six_and_always_the_latest(kerr):
    metric = DisciplineFactory(name="1500 m")
    for year in range(2001, 2025):
        ResultFactory(athlete=kerr, discipline=metric, edition=edition(year), mark=21000 + year)
    (chart,) = progressions(kerr)
    labels = [t.label for t in chart.year_labels]
    assert len(labels) <= 6 and labels[-1] == "2024"


def test_seasons_best_is_the_best_mark_of_each_year_newest_first(kerr):
    mile = DisciplineFactory(name="1500 m")
    jump = DisciplineFactory(name="Long jump", measure="distance")
    for year, marks in [(2023, (21100, 20938)), (2024, (20779, 21300))]:
        for n, mark in enumerate(marks):
            ResultFactory(
                athlete=kerr, discipline=mile, edition=edition(year), mark=mark, round=["heat", "final"][n]
            )
    ResultFactory(athlete=kerr, discipline=jump, edition=edition(2023), mark=800)
    ResultFactory(athlete=kerr, discipline=jump, edition=edition(2023), mark=840, round="heat")
    times, jumps = progressions(kerr)
    assert [(s.year, s.result.mark) for s in times.season_bests] == [(2024, 20779), (2023, 20938)]
    assert [(s.year, s.result.mark) for s in jumps.season_bests] == [(2023, 840)]


def test_one_mark_repeated_still_draws_a_chart(kerr):
    metric = DisciplineFactory(name="1500 m")
    for year in (2022, 2023):
        ResultFactory(athlete=kerr, discipline=metric, edition=edition(year), mark=21000)
    (chart,) = progressions(kerr)
    assert len(chart.y_ticks) >= 2 and chart.points[0].y == chart.points[1].y


# ---------------------------------------------------------------- the page


@pytest.fixture
def kerr_with_results(kerr):
    metric = DisciplineFactory(name="1500 m")
    ResultFactory(
        athlete=kerr, discipline=metric, edition=edition(2021), mark=20905, medal="bronze", position=3
    )
    ResultFactory(athlete=kerr, discipline=metric, edition=edition(2023), mark=20938)
    ResultFactory(athlete=kerr, discipline=metric, edition=edition(2024), mark=20779, position=2)
    ResultFactory(
        athlete=kerr, discipline=DisciplineFactory(name="3000 m"), edition=edition(2024), mark=46298
    )
    return kerr


def test_profile_shows_an_accessible_svg_chart_and_seasons_bests(client, kerr_with_results):
    page = client.get("/athletes/kerr/").content.decode()
    assert '<h2 class="section-heading" id="progression-heading">Progression</h2>' in page
    svg = re.search(r"<svg class=\"chart\".*?</svg>", page, re.S).group(0)
    assert 'role="img" aria-labelledby="chart-1500-m-title chart-1500-m-desc"' in svg
    assert '<title id="chart-1500-m-title">Josh Kerr: 1500 m marks on record over time</title>' in svg
    assert '<desc id="chart-1500-m-desc">3 marks from 2021 to 2024: first 3:29.05' in svg
    assert "best 3:27.79" in svg
    assert svg.count("<circle") == 3 and "chart__point--best" in svg and "chart__point--bronze" in svg
    assert "<title>World Championships City2023 2023, final: 3:29.38</title>" in svg
    # Strict CSP: no script, no style attribute; presentation attributes and classes only.
    section = page[page.index('id="progression-heading"') : page.index('id="bests-heading"')]
    assert "<script" not in section and " style=" not in page
    # The data, for screen readers: every point in a visually hidden table.
    hidden = re.search(r'<div class="visually-hidden"><table>.*?</table></div>', page, re.S).group(0)
    assert "<caption>Josh Kerr's 1500 m marks on record, oldest first</caption>" in hidden
    assert hidden.count("<tr>") == 4 and "3:27.79 (best)" in hidden
    seasons = re.search(r'<table class="data-table season-bests">.*?</table>', page, re.S).group(0)
    assert "<caption>Season's best</caption>" in seasons
    assert re.findall(r'<th scope="row">(\d{4})</th><td class="num">([^<]+)</td>', seasons) == [
        ("2024", "3:27.79"),
        ("2023", "3:29.38"),
        ("2021", "3:29.05"),
    ]
    assert "chart-3000-m" not in page  # one result: no chart


def test_profile_without_two_marks_in_any_event_has_no_progression_section(client, kerr):
    ResultFactory(athlete=kerr, edition=edition(2023))
    page = client.get("/athletes/kerr/").content.decode()
    assert "progression-heading" not in page and "<svg" not in page


def test_a_new_result_redraws_the_cached_chart(client, kerr):
    metric = DisciplineFactory(name="1500 m")
    ResultFactory(athlete=kerr, discipline=metric, edition=edition(2023), mark=20938)
    assert "<svg" not in client.get("/athletes/kerr/").content.decode()
    result = ResultFactory(athlete=kerr, discipline=metric, edition=edition(2024), mark=20779)
    assert "best 3:27.79" in client.get("/athletes/kerr/").content.decode()
    result.mark = 20700  # corrected in the admin
    result.save()
    assert "best 3:27.00" in client.get("/athletes/kerr/").content.decode()


@pytest.mark.parametrize("results", [4, 40])
def test_cold_query_count_stays_flat_as_results_grow(client, kerr, results, django_assert_num_queries):
    for n in range(results):
        discipline = DisciplineFactory(
            name=["1500 m", "Long jump"][n % 2], measure=["time", "distance"][n % 2]
        )
        ResultFactory(athlete=kerr, discipline=discipline, edition=edition(1980 + n), mark=20000 + n)
    response, _ = cold_then_warm(client, django_assert_num_queries, "/athletes/kerr/", ATHLETE_COLD)
    assert response.status_code == HTTPStatus.OK
    assert len(response.context["progressions"]) == 2


def test_indoor_marks_are_a_series_of_their_own(client, kerr):
    metric = DisciplineFactory(name="1500 m")
    for year in (2022, 2023):
        ResultFactory(athlete=kerr, discipline=metric, edition=edition(year), mark=21000 - year)
        indoor = CompetitionEditionFactory(year=year, name=f"Hall {year}", city=f"Hall{year}", indoor=True)
        ResultFactory(athlete=kerr, discipline=metric, edition=indoor, mark=22000 - year)
    outdoor, inside = progressions(kerr)
    assert (outdoor.name, inside.name) == ("1500 m", "1500 m indoor")
    assert all(not p.result.edition.indoor for p in outdoor.points)
    assert all(p.result.edition.indoor for p in inside.points)
    page = client.get("/athletes/kerr/").content.decode()
    assert 'aria-labelledby="chart-1500-m-title chart-1500-m-desc"' in page
    assert (
        '<title id="chart-1500-m-indoor-title">Josh Kerr: 1500 m indoor marks on record over time</title>'
        in page
    )
