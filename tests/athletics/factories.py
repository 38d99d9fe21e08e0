import datetime

import factory
from factory.django import DjangoModelFactory

from athletics.models import (
    Athlete,
    Competition,
    CompetitionEdition,
    Country,
    Discipline,
    Record,
    Result,
    Sport,
)


class SportFactory(DjangoModelFactory):
    class Meta:
        model = Sport
        django_get_or_create = ("slug",)

    name = "Athletics"
    slug = "athletics"


class CountryFactory(DjangoModelFactory):
    class Meta:
        model = Country
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: "".join(chr(65 + (n // 26**i) % 26) for i in (2, 1, 0)))
    name = factory.LazyAttribute(lambda o: f"Country {o.code}")


class DisciplineFactory(DjangoModelFactory):
    class Meta:
        model = Discipline
        django_get_or_create = ("slug",)

    sport = factory.SubFactory(SportFactory)
    name = "1500 m"
    slug = factory.LazyAttribute(lambda o: o.name.lower().replace(" ", "-").replace(",", ""))
    measure = "time"


class CompetitionFactory(DjangoModelFactory):
    class Meta:
        model = Competition
        django_get_or_create = ("slug",)

    sport = factory.SubFactory(SportFactory)
    name = "World Championships"
    slug = factory.LazyAttribute(lambda o: o.name.lower().replace(" ", "-"))
    level = 2


class CompetitionEditionFactory(DjangoModelFactory):
    class Meta:
        model = CompetitionEdition

    competition = factory.SubFactory(CompetitionFactory)
    year = factory.Sequence(lambda n: 1990 + n % 30)
    city = factory.Sequence(lambda n: f"City{n}")
    name = factory.LazyAttribute(lambda o: f"{o.city} {o.year}")
    slug = factory.LazyAttribute(lambda o: f"{o.competition.slug}-{o.city.lower()}-{o.year}")


class AthleteFactory(DjangoModelFactory):
    class Meta:
        model = Athlete

    name = factory.Sequence(lambda n: f"Athlete {n}")
    slug = factory.Sequence(lambda n: f"athlete-{n}")
    country = factory.SubFactory(CountryFactory)
    sex = Athlete.Sex.MEN


class ResultFactory(DjangoModelFactory):
    class Meta:
        model = Result

    athlete = factory.SubFactory(AthleteFactory)
    edition = factory.SubFactory(CompetitionEditionFactory)
    discipline = factory.SubFactory(DisciplineFactory)
    round = Result.Round.FINAL
    position = 1
    mark = 21000
    source = "Test wire"


class RecordFactory(DjangoModelFactory):
    class Meta:
        model = Record

    kind = Record.Kind.WORLD_INDOOR_BEST
    discipline = factory.SubFactory(DisciplineFactory, name="Two miles", slug="two-miles")
    sex = Athlete.Sex.MEN
    athlete = factory.SubFactory(AthleteFactory)
    mark = 48067
    superseded_by = None
    is_current = factory.LazyAttribute(lambda o: o.superseded_by is None)
    year = 2024
    date = datetime.date(2024, 2, 11)
    source = "Test wire"
