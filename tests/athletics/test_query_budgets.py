"""Query budgets of the athletics pages: exact, cold (empty cache) and warm, at two sizes
of data each (see tests/budgets.py)."""

import pytest

from tests.budgets import WARM, cold_then_warm
from tests.news.factories import ArticleFactory

from .factories import (
    AthleteFactory,
    CompetitionEditionFactory,
    CountryFactory,
    DisciplineFactory,
    RecordFactory,
    ResultFactory,
)

pytestmark = pytest.mark.django_db

# Every page first reads the generations of what it shows (core.cache: the one query of a
# warm page). The athlete, the five reads of the profile (results, records, events, rivals,
# articles) and the header's sections.
ATHLETE_COLD = 8
# Both athletes, their races, the sections.
H2H_COLD = 4
# Competitions with medals (the filter), the table, the sections.
MEDALS_COLD = 4


def code(prefix, n):
    return f"{prefix}{chr(65 + n // 26)}{chr(65 + n % 26)}"


@pytest.mark.parametrize("medals", [1, 30])
def test_athlete(client, django_assert_num_queries, medals):
    athlete = AthleteFactory(slug="busy")
    athlete.disciplines.add(DisciplineFactory())
    for n in range(medals):
        edition = CompetitionEditionFactory()
        ResultFactory(athlete=athlete, edition=edition, position=1 + n % 3)
        ResultFactory(edition=edition, discipline=athlete.results.last().discipline, position=4)
        RecordFactory(athlete=athlete, year=2000 + n, discipline=DisciplineFactory(name=f"Event {n}"))
        ArticleFactory().athletes.add(athlete)

    response, _ = cold_then_warm(client, django_assert_num_queries, "/athletes/busy/", ATHLETE_COLD)
    assert response.context["medal_counts"]["total"] == medals


@pytest.mark.parametrize("races", [1, 30])
def test_head_to_head(client, django_assert_num_queries, races):
    one, two = AthleteFactory(slug="one"), AthleteFactory(slug="two")
    for n in range(races):
        edition = CompetitionEditionFactory()
        discipline = DisciplineFactory(name=f"Event {n}")
        ResultFactory(athlete=one, edition=edition, discipline=discipline, position=1 + n % 2)
        ResultFactory(athlete=two, edition=edition, discipline=discipline, position=2 - n % 2)

    response, _ = cold_then_warm(client, django_assert_num_queries, "/athletes/one/vs/two/", H2H_COLD)
    assert len(response.context["h2h"].races) == races


@pytest.mark.parametrize("countries", [2, 40])
@pytest.mark.parametrize("url", ["/medals/", "/medals/?competition=nowhere"])
def test_medal_table(client, django_assert_num_queries, url, countries):
    edition = CompetitionEditionFactory()
    for n in range(countries):
        ResultFactory(
            edition=edition, discipline=DisciplineFactory(), position=n % 3 + 1,
            athlete=AthleteFactory(country=CountryFactory(code=code("M", n))),
        )  # fmt: skip

    # An unknown competition is not the page's canonical URL: served in full, never stored.
    warm = MEDALS_COLD if "nowhere" in url else WARM
    response, _ = cold_then_warm(client, django_assert_num_queries, url, MEDALS_COLD, warm)
    assert len(response.context["rows"]) == countries
