import pytest
from django.db import IntegrityError, transaction

from athletics.models import Medal, Record, Result
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


class TestMedalDerivation:
    @pytest.mark.parametrize(
        ("position", "medal"),
        [(1, Medal.GOLD), (2, Medal.SILVER), (3, Medal.BRONZE), (4, Medal.NONE), (None, Medal.NONE)],
    )
    def test_final_places_one_to_three_get_medals(self, position, medal):
        assert ResultFactory(position=position).medal == medal

    @pytest.mark.parametrize("round_", [Result.Round.HEAT, Result.Round.SEMI])
    def test_heats_and_semis_get_no_medal(self, round_):
        assert ResultFactory(round=round_, position=1).medal == Medal.NONE

    def test_an_explicit_medal_is_kept(self):
        # E.g. a medal awarded after a disqualification further up.
        result = ResultFactory(position=4, medal=Medal.BRONZE)
        result.refresh_from_db()
        assert result.medal == Medal.BRONZE
        assert ResultFactory(position=1, medal=Medal.SILVER).medal == Medal.SILVER


class TestResultConstraints:
    def test_one_result_per_athlete_per_race_round(self):
        result = ResultFactory()
        with pytest.raises(IntegrityError), transaction.atomic():
            ResultFactory(athlete=result.athlete, edition=result.edition, discipline=result.discipline)
        # Another round of the same race is fine.
        ResultFactory(
            athlete=result.athlete,
            edition=result.edition,
            discipline=result.discipline,
            round=Result.Round.HEAT,
        )

    def test_mark_must_be_positive(self):
        with pytest.raises(IntegrityError), transaction.atomic():
            ResultFactory(mark=0)

    def test_mark_may_be_unknown(self):
        assert ResultFactory(mark=None).mark_display == ""

    def test_position_must_be_positive(self):
        with pytest.raises(IntegrityError), transaction.atomic():
            ResultFactory(position=0)

    def test_mark_display_and_record_flags(self):
        result = ResultFactory(mark=20779, national_record=True, personal_best=True)
        assert result.mark_display == "3:27.79"
        assert result.record_flags == ["NR", "PB"]


class TestRecordChain:
    def test_standing_of_current_and_superseded_records(self):
        kerr = AthleteFactory(name="Josh Kerr")
        farah = AthleteFactory(name="Mo Farah")
        current = RecordFactory(athlete=kerr, mark=48067, year=2024)
        old = RecordFactory(athlete=farah, mark=48340, year=2015, superseded_by=current)
        assert current.standing == "since 2024"
        assert old.standing == "2015–2024, superseded by Josh Kerr"
        assert current.is_current and not old.is_current
        assert current.supersedes == old
        assert current.title == "Two miles world indoor best"
        assert current.mark_display == "8:00.67"

    def test_only_one_current_record_per_kind_discipline_sex_and_scope(self):
        RecordFactory()
        with pytest.raises(IntegrityError), transaction.atomic():
            RecordFactory()

    def test_superseded_records_of_the_same_scope_are_fine(self):
        current = RecordFactory(year=2024)
        older = RecordFactory(year=2015, mark=48340, superseded_by=current)
        RecordFactory(year=2010, mark=49000, superseded_by=older)
        assert Record.objects.current().count() == 1

    def test_other_scopes_each_have_their_own_current_record(self):
        RecordFactory(sex="M")
        RecordFactory(sex="W")
        discipline = DisciplineFactory(name="1500 m")
        gbr, nor = CountryFactory(code="GBR"), CountryFactory(code="NOR")
        RecordFactory(kind=Record.Kind.NATIONAL, country=gbr, discipline=discipline, mark=20779)
        RecordFactory(kind=Record.Kind.NATIONAL, country=nor, discipline=discipline, mark=20741)
        with pytest.raises(IntegrityError), transaction.atomic():
            RecordFactory(kind=Record.Kind.NATIONAL, country=gbr, discipline=discipline, mark=20800)
        olympics = CompetitionFactory(name="Olympic Games")
        RecordFactory(kind=Record.Kind.CHAMPIONSHIP, competition=olympics, discipline=discipline, mark=20765)
        with pytest.raises(IntegrityError), transaction.atomic():
            RecordFactory(
                kind=Record.Kind.CHAMPIONSHIP, competition=olympics, discipline=discipline, mark=20800
            )

    def test_mark_must_be_positive(self):
        with pytest.raises(IntegrityError), transaction.atomic():
            RecordFactory(mark=0)


class TestEditionNames:
    def test_edition_held_in_its_own_year(self):
        edition = CompetitionEditionFactory(city="Budapest", year=2023, name="Budapest 2023")
        assert edition.display_name == "Budapest 2023"
        assert edition.held_note == ""

    def test_edition_held_in_another_year_says_so(self):
        edition = CompetitionEditionFactory(
            competition=CompetitionFactory(name="Olympic Games"), city="Tokyo", year=2021, name="Tokyo 2020"
        )
        assert edition.display_name == "Tokyo 2020 (held 2021)"
        assert str(edition) == "Olympic Games Tokyo 2020"
        assert edition.get_absolute_url() == f"/competitions/{edition.slug}/"


def test_athlete_bio_is_sanitised_at_save():
    athlete = AthleteFactory(bio='Fast. <script>alert(1)</script> <img src="x" onerror="alert(2)">')
    assert "<script" not in athlete.bio_html
    assert "onerror" not in athlete.bio_html
    assert athlete.get_absolute_url() == f"/athletes/{athlete.slug}/"
