"""Demo athletics content: the verified facts Podium launches with, and their loader.

Every value here comes from Podium's verified facts file (copied into the repository so
the project never reads outside it at run time). A value the facts do not give is left
out, never guessed: result dates (except the three 1500 m finals the facts date), four
athletes' birth dates and places. All events are men's.

The loader creates what is missing, matched by natural key, and never deletes. It updates
only rows still exactly as an earlier version of this loader created them, with facts
gained since: an edition gets its dates and host country, a final's result its day. A row
an editor has changed in any way is left as it is. So editors' changes survive ``make run``.
"""

import datetime
from collections import Counter

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.text import slugify

from .marks import Measure, parse_mark
from .models import (
    MEDAL_FOR_POSITION,
    RECORD_FLAG_FIELDS,
    Athlete,
    Competition,
    CompetitionEdition,
    Country,
    Discipline,
    Medal,
    Record,
    Result,
    Sport,
)

SPORT = {"name": "Athletics", "slug": "athletics"}

COUNTRIES = [
    ("GBR", "Great Britain & N.I."),
    ("NOR", "Norway"),
    ("USA", "United States"),
    ("KEN", "Kenya"),
    # Host countries of the editions (facts: "Championship editions").
    ("SWE", "Sweden"),
    ("ESP", "Spain"),
    ("KOR", "South Korea"),
    ("FIN", "Finland"),
    ("RUS", "Russia"),
    ("SUI", "Switzerland"),
    ("CHN", "China"),
    ("BRA", "Brazil"),
    ("GER", "Germany"),
    ("JPN", "Japan"),
    ("SRB", "Serbia"),
    ("HUN", "Hungary"),
    ("ITA", "Italy"),
    ("FRA", "France"),
]

# (name, slug, sort_order: the distance in metres). All timed: lower is better.
DISCIPLINES = [
    ("1500 m", "1500-m", 1500),
    ("3000 m", "3000-m", 3000),
    ("Two miles", "two-miles", 3219),
    ("5000 m", "5000-m", 5000),
    ("10,000 m", "10000-m", 10000),
]

# (slug, name, short name, level: 1 is the highest)
COMPETITIONS = [
    ("olympic-games", "Olympic Games", "Olympics", 1),
    ("world-championships", "World Championships", "Worlds", 2),
    ("world-indoor-championships", "World Indoor Championships", "World Indoors", 3),
    ("european-championships", "European Championships", "Europeans", 4),
]
INDOOR_COMPETITIONS = {"world-indoor-championships"}

# (competition slug, city, games year, year held, first and last day of athletics, host
# country). The name is "<city> <games year>". Dates and hosts: the facts' "Championship
# editions" table (for the Olympic Games, the athletics programme, not the whole Games).
D = datetime.date
EDITIONS = [
    ("olympic-games", "London", 2012, 2012, D(2012, 8, 3), D(2012, 8, 12), "GBR"),
    ("olympic-games", "Rio de Janeiro", 2016, 2016, D(2016, 8, 12), D(2016, 8, 21), "BRA"),
    # Postponed: held in 2021, known as Tokyo 2020.
    ("olympic-games", "Tokyo", 2020, 2021, D(2021, 7, 30), D(2021, 8, 8), "JPN"),
    ("olympic-games", "Paris", 2024, 2024, D(2024, 8, 1), D(2024, 8, 11), "FRA"),
    ("world-championships", "Daegu", 2011, 2011, D(2011, 8, 27), D(2011, 9, 4), "KOR"),
    ("world-championships", "Moscow", 2013, 2013, D(2013, 8, 10), D(2013, 8, 18), "RUS"),
    ("world-championships", "Beijing", 2015, 2015, D(2015, 8, 22), D(2015, 8, 30), "CHN"),
    ("world-championships", "London", 2017, 2017, D(2017, 8, 4), D(2017, 8, 13), "GBR"),
    ("world-championships", "Eugene", 2022, 2022, D(2022, 7, 15), D(2022, 7, 24), "USA"),
    ("world-championships", "Budapest", 2023, 2023, D(2023, 8, 19), D(2023, 8, 27), "HUN"),
    ("world-indoor-championships", "Belgrade", 2022, 2022, D(2022, 3, 18), D(2022, 3, 20), "SRB"),
    ("world-indoor-championships", "Glasgow", 2024, 2024, D(2024, 3, 1), D(2024, 3, 3), "GBR"),
    ("world-indoor-championships", "Nanjing", 2025, 2025, D(2025, 3, 21), D(2025, 3, 23), "CHN"),
    ("european-championships", "Gothenburg", 2006, 2006, D(2006, 8, 7), D(2006, 8, 13), "SWE"),
    ("european-championships", "Barcelona", 2010, 2010, D(2010, 7, 27), D(2010, 8, 1), "ESP"),
    ("european-championships", "Helsinki", 2012, 2012, D(2012, 6, 27), D(2012, 7, 1), "FIN"),
    ("european-championships", "Zurich", 2014, 2014, D(2014, 8, 12), D(2014, 8, 17), "SUI"),
    ("european-championships", "Berlin", 2018, 2018, D(2018, 8, 6), D(2018, 8, 12), "GER"),
    ("european-championships", "Munich", 2022, 2022, D(2022, 8, 15), D(2022, 8, 21), "GER"),
    ("european-championships", "Rome", 2024, 2024, D(2024, 6, 7), D(2024, 6, 12), "ITA"),
]
del D
# The dates earlier versions of this loader gave an edition it created (no host country):
# an edition still holding exactly those, and the rest of what it wrote, is untouched.
EARLIER_EDITION_DATES = {
    "world-indoor-championships-glasgow-2024": (datetime.date(2024, 3, 1), datetime.date(2024, 3, 3)),
}


def edition_slug(competition, city, games_year):
    """``<competition>-<city>-<games year>``, lower-case ASCII: "olympic-games-tokyo-2020"."""
    return slugify(f"{competition} {city} {games_year}")


ATHLETES = [
    {
        "slug": "josh-kerr",
        "name": "Josh Kerr",
        "country": "GBR",
        "birth_date": datetime.date(1997, 10, 8),
        "birth_place": "Edinburgh",
        "is_featured": True,
        "bio": (
            "Josh Kerr won the 1500 m world title in Budapest in 2023, two years after Olympic "
            "bronze at Tokyo 2020, and took Olympic silver in Paris in 2024 in a British record of "
            "3:27.79. In February 2024 he ran a two-mile world indoor best of 8:00.67 at the "
            "Millrose Games in New York."
        ),
    },
    {
        "slug": "jakob-ingebrigtsen",
        "name": "Jakob Ingebrigtsen",
        "country": "NOR",
        "birth_date": datetime.date(2000, 9, 19),
        "birth_place": "Sandnes",
        "is_featured": True,
        "bio": (
            "Jakob Ingebrigtsen won the Olympic 1500 m title at Tokyo 2020 and the Olympic 5000 m "
            "title in Paris in 2024. He won the 5000 m at the World Championships in 2022 and 2023."
        ),
    },
    {
        "slug": "mo-farah",
        "name": "Mo Farah",
        "country": "GBR",
        "birth_date": datetime.date(1983, 3, 23),
        "birth_place": "Mogadishu",
        "is_featured": True,
        "bio": (
            "Mo Farah won the Olympic 5000 m and 10,000 m titles in London in 2012 and again in "
            "Rio de Janeiro in 2016. His two-mile world indoor best of 8:03.40, set in Birmingham "
            "in 2015, stood until Josh Kerr's 8:00.67 in 2024."
        ),
    },
    {
        "slug": "cole-hocker",
        "name": "Cole Hocker",
        "country": "USA",
        "bio": "Cole Hocker won the Olympic 1500 m title in Paris in 2024 in an Olympic record of 3:27.65.",
    },
    {
        "slug": "yared-nuguse",
        "name": "Yared Nuguse",
        "country": "USA",
        "bio": "Yared Nuguse won Olympic 1500 m bronze in Paris in 2024 in 3:27.80.",
    },
    {
        "slug": "timothy-cheruiyot",
        "name": "Timothy Cheruiyot",
        "country": "KEN",
        "bio": "Timothy Cheruiyot won Olympic 1500 m silver at Tokyo 2020 in 3:29.01.",
    },
    {
        "slug": "narve-gilje-nordas",
        "name": "Narve Gilje Nordås",
        "country": "NOR",
        "bio": "Narve Gilje Nordås won 1500 m bronze at the 2023 World Championships in Budapest.",
    },
]

# Championship finals as in the facts file, race by race:
# (edition slug, discipline slug): [(athlete slug, place, mark or None, source, record flags)]
RESULTS = {
    ("olympic-games-tokyo-2020", "1500-m"): [
        # Olympic record at the time
        ("jakob-ingebrigtsen", 1, "3:28.32", "world-track.org results", ("championship_record",)),
        ("timothy-cheruiyot", 2, "3:29.01", "Bleacher Report", ()),
        # PB at the time
        ("josh-kerr", 3, "3:29.05", "world-track.org; Athletics Weekly", ("personal_best",)),
    ],
    ("world-championships-eugene-2022", "1500-m"): [
        ("jakob-ingebrigtsen", 2, "3:29.47", "World Athletics report", ()),
    ],
    ("world-championships-eugene-2022", "5000-m"): [
        ("jakob-ingebrigtsen", 1, "13:09.24", "world-track.org", ()),
    ],
    ("world-championships-budapest-2023", "1500-m"): [
        ("josh-kerr", 1, "3:29.38", "Olympics.com report", ()),
        ("jakob-ingebrigtsen", 2, "3:29.65", "LetsRun", ()),
        ("narve-gilje-nordas", 3, "3:29.68", "Olympics.com report", ()),
    ],
    ("world-championships-budapest-2023", "5000-m"): [
        ("jakob-ingebrigtsen", 1, "13:11.30", "Channel NewsAsia (wire)", ()),
    ],
    ("world-indoor-championships-glasgow-2024", "3000-m"): [
        ("josh-kerr", 1, "7:42.98", "World Athletics report", ()),
    ],
    ("olympic-games-paris-2024", "1500-m"): [
        ("cole-hocker", 1, "3:27.65", "World Athletics report", ("championship_record",)),  # Olympic record
        ("josh-kerr", 2, "3:27.79", "World Athletics report", ("national_record",)),  # British record
        ("yared-nuguse", 3, "3:27.80", "World Athletics report", ()),
        ("jakob-ingebrigtsen", 4, "3:28.24", "World Athletics report", ()),
    ],
    ("olympic-games-paris-2024", "5000-m"): [
        ("jakob-ingebrigtsen", 1, "13:13.66", "World Athletics report", ()),
    ],
    ("world-indoor-championships-belgrade-2022", "1500-m"): [
        ("jakob-ingebrigtsen", 2, "3:33.02", "Athletics Weekly", ()),
    ],
    ("world-indoor-championships-nanjing-2025", "1500-m"): [
        ("jakob-ingebrigtsen", 1, "3:38.79", "world-track.org", ()),
    ],
    ("world-indoor-championships-nanjing-2025", "3000-m"): [
        ("jakob-ingebrigtsen", 1, "7:46.09", "AFP", ()),
    ],
    ("european-championships-berlin-2018", "1500-m"): [
        ("jakob-ingebrigtsen", 1, None, "World Athletics report", ()),
    ],
    ("european-championships-berlin-2018", "5000-m"): [
        ("jakob-ingebrigtsen", 1, "13:17.06", "World Athletics report", ()),
    ],
    ("european-championships-munich-2022", "1500-m"): [
        ("jakob-ingebrigtsen", 1, "3:32.76", "world-track.org", ()),
    ],
    ("european-championships-munich-2022", "5000-m"): [
        ("jakob-ingebrigtsen", 1, "13:21.13", "world-track.org", ()),
    ],
    ("european-championships-rome-2024", "1500-m"): [
        ("jakob-ingebrigtsen", 1, "3:31.95", "European Athletics", ()),
    ],
    ("european-championships-rome-2024", "5000-m"): [
        ("jakob-ingebrigtsen", 1, "13:20.11", "European Athletics", ()),
    ],
    ("olympic-games-london-2012", "10000-m"): [
        ("mo-farah", 1, "27:30.42", "World Athletics event report", ()),
    ],
    ("olympic-games-london-2012", "5000-m"): [
        ("mo-farah", 1, "13:41.66", "PA", ()),
    ],
    ("olympic-games-rio-de-janeiro-2016", "10000-m"): [
        ("mo-farah", 1, "27:05.17", "BBC", ()),
    ],
    ("olympic-games-rio-de-janeiro-2016", "5000-m"): [
        ("mo-farah", 1, "13:03.30", "BBC", ()),
    ],
    ("world-championships-daegu-2011", "10000-m"): [
        ("mo-farah", 2, "27:14.07", "BBC", ()),
    ],
    ("world-championships-daegu-2011", "5000-m"): [
        ("mo-farah", 1, "13:23.36", "PA", ()),
    ],
    ("world-championships-moscow-2013", "10000-m"): [
        ("mo-farah", 1, "27:21.71", "CNN", ()),
    ],
    ("world-championships-moscow-2013", "5000-m"): [
        ("mo-farah", 1, "13:26.98", "LetsRun", ()),
    ],
    ("world-championships-beijing-2015", "10000-m"): [
        ("mo-farah", 1, "27:01.13", "IAAF report", ()),
    ],
    ("world-championships-beijing-2015", "5000-m"): [
        ("mo-farah", 1, "13:50.38", "IAAF report", ()),
    ],
    ("world-championships-london-2017", "10000-m"): [
        ("mo-farah", 1, "26:49.51", "NBC Sports", ()),
    ],
    ("world-championships-london-2017", "5000-m"): [
        ("mo-farah", 2, "13:33.22", "NTB", ()),
    ],
    ("european-championships-gothenburg-2006", "5000-m"): [
        ("mo-farah", 2, None, "BBC", ()),
    ],
    ("european-championships-barcelona-2010", "5000-m"): [
        ("mo-farah", 1, "13:31.18", "BBC", ()),
    ],
    ("european-championships-barcelona-2010", "10000-m"): [
        ("mo-farah", 1, None, "BBC", ()),
    ],
    ("european-championships-helsinki-2012", "5000-m"): [
        ("mo-farah", 1, None, "BBC", ()),
    ],
    ("european-championships-zurich-2014", "10000-m"): [
        ("mo-farah", 1, "28:08.12", "BBC", ()),
    ],
    ("european-championships-zurich-2014", "5000-m"): [
        ("mo-farah", 1, "14:05.82", "BBC", ()),
    ],
}

# The finals whose day the facts give (men's 1500 m: Tokyo, Budapest, and Paris, where the
# records were set).
FINAL_DATES = {
    ("olympic-games-tokyo-2020", "1500-m"): datetime.date(2021, 8, 7),
    ("world-championships-budapest-2023", "1500-m"): datetime.date(2023, 8, 23),
    ("olympic-games-paris-2024", "1500-m"): datetime.date(2024, 8, 6),
}
# Earlier versions of this loader dated only the Paris final.
EARLIER_FINAL_DATES = {("olympic-games-paris-2024", "1500-m")}

# The facts file names no publication for the two-mile bests; say so rather than invent one.
RESEARCH_DESK = "Podium research desk (original publication not recorded)"

# Records and bests. A record that supersedes another comes first: the database allows one
# current record per kind, discipline, sex and scope, so the older one is created already
# pointing at its successor.
RECORDS = [
    {
        "key": "two-miles-wib-kerr",
        "kind": Record.Kind.WORLD_INDOOR_BEST,
        "discipline": "two-miles",
        "athlete": "josh-kerr",
        "mark": "8:00.67",
        "date": datetime.date(2024, 2, 11),
        "year": 2024,
        "venue": "Millrose Games, New York",
        "source": RESEARCH_DESK,
    },
    {
        "key": "two-miles-wib-farah",
        "kind": Record.Kind.WORLD_INDOOR_BEST,
        "discipline": "two-miles",
        "athlete": "mo-farah",
        "mark": "8:03.40",
        "date": datetime.date(2015, 2, 21),
        "year": 2015,
        "venue": "Birmingham",
        "source": RESEARCH_DESK,
        "superseded_by": "two-miles-wib-kerr",
    },
    {
        "key": "1500-m-nr-gbr-kerr",
        "kind": Record.Kind.NATIONAL,
        "country": "GBR",
        "discipline": "1500-m",
        "athlete": "josh-kerr",
        "mark": "3:27.79",
        "date": datetime.date(2024, 8, 6),
        "year": 2024,
        "venue": "Paris",
        "source": "World Athletics report",  # as the Paris final's result row
    },
    {
        "key": "1500-m-or-hocker",
        "kind": Record.Kind.CHAMPIONSHIP,
        "competition": "olympic-games",
        "discipline": "1500-m",
        "athlete": "cole-hocker",
        "mark": "3:27.65",
        "date": datetime.date(2024, 8, 6),
        "year": 2024,
        "venue": "Paris",
        "source": "World Athletics report",  # as the Paris final's result row
    },
    {
        "key": "1500-m-or-ingebrigtsen",
        "kind": Record.Kind.CHAMPIONSHIP,
        "competition": "olympic-games",
        "discipline": "1500-m",
        "athlete": "jakob-ingebrigtsen",
        "mark": "3:28.32",
        "date": None,  # the facts give the year only
        "year": 2021,
        "venue": "Tokyo",
        "source": "world-track.org results",  # as the Tokyo final's result row
        "superseded_by": "1500-m-or-hocker",
    },
]


def athlete_discipline_slugs():
    """Each demo athlete's disciplines: those of their results and records."""
    slugs = {athlete["slug"]: set() for athlete in ATHLETES}
    for (_edition, discipline), rows in RESULTS.items():
        for athlete, *_rest in rows:
            slugs[athlete].add(discipline)
    for record in RECORDS:
        slugs[record["athlete"]].add(record["discipline"])
    return slugs


def get_or_create_missing(model, created, *, lookup, defaults):
    """Return the row matching ``lookup`` (a Q or field values), creating it if missing."""
    query = lookup if isinstance(lookup, Q) else Q(**lookup)
    obj = model.objects.filter(query).first()
    if obj is None:
        values = {} if isinstance(lookup, Q) else dict(lookup)
        obj = model.objects.create(**{**values, **defaults})
        created[model] += 1
    return obj


def _as_first_loaded(edition, slug, values):
    """Whether ``edition`` holds exactly what an earlier version of this loader wrote: no
    host country, its earlier dates (none but Glasgow's) and the demo's other values. Any
    difference is an editor's change, and the row is theirs."""
    start_date, end_date = EARLIER_EDITION_DATES.get(slug, (None, None))
    return (
        edition.country_id is None
        and (edition.start_date, edition.end_date) == (start_date, end_date)
        and all(getattr(edition, field) == value for field, value in values.items())
    )


def load_athletics_demo(*, warn=print, updated=None):
    """Create the missing demo athletics rows; return a Counter of rows created per model.

    ``warn`` is called with a message for each row skipped because an editor's change
    conflicts with it (e.g. a record chain re-linked by hand). ``updated``, a Counter if
    given, counts the rows completed with facts added since they were created (editions'
    dates and hosts, finals' days).
    """
    created = Counter()
    updated = Counter() if updated is None else updated
    sport = get_or_create_missing(
        Sport,
        created,
        lookup=Q(slug=SPORT["slug"]) | Q(name=SPORT["name"]),
        defaults=SPORT,
    )
    countries = {
        code: get_or_create_missing(Country, created, lookup={"code": code}, defaults={"name": name})
        for code, name in COUNTRIES
    }
    disciplines = {
        slug: get_or_create_missing(
            Discipline,
            created,
            lookup={"slug": slug},
            defaults={"sport": sport, "name": name, "measure": Measure.TIME, "sort_order": order},
        )
        for name, slug, order in DISCIPLINES
    }
    competitions = {
        slug: get_or_create_missing(
            Competition,
            created,
            lookup={"slug": slug},
            defaults={"sport": sport, "name": name, "short_name": short_name, "level": level},
        )
        for slug, name, short_name, level in COMPETITIONS
    }
    editions = {}
    for competition, city, games_year, year, start_date, end_date, host in EDITIONS:
        slug = edition_slug(competition, city, games_year)
        values = {
            "competition": competitions[competition],
            "year": year,
            "name": f"{city} {games_year}",
            "city": city,
            "indoor": competition in INDOOR_COMPETITIONS,
        }
        facts = {"start_date": start_date, "end_date": end_date, "country": countries[host]}
        edition = CompetitionEdition.objects.filter(slug=slug).first()
        if edition is None:
            edition = CompetitionEdition.objects.create(slug=slug, **values, **facts)
            created[CompetitionEdition] += 1
        elif _as_first_loaded(edition, slug, values):
            for field, value in facts.items():
                setattr(edition, field, value)
            edition.save(update_fields=[*facts, "updated_at"])  # the sitemap's lastmod moves
            updated[CompetitionEdition] += 1
        editions[slug] = edition

    athletes = {}
    discipline_slugs = athlete_discipline_slugs()
    for data in ATHLETES:
        athlete = Athlete.objects.filter(slug=data["slug"]).first()
        if athlete is None:
            athlete = Athlete.objects.create(
                slug=data["slug"],
                name=data["name"],
                country=countries[data["country"]],
                sex=Athlete.Sex.MEN,
                birth_date=data.get("birth_date"),
                birth_place=data.get("birth_place", ""),
                bio=data.get("bio", ""),
                is_featured=data.get("is_featured", False),
            )
            # Only with a new athlete: an editor may have trimmed the list since.
            athlete.disciplines.set(disciplines[slug] for slug in sorted(discipline_slugs[data["slug"]]))
            created[Athlete] += 1
        athletes[data["slug"]] = athlete

    for (edition, discipline), rows in RESULTS.items():
        day = FINAL_DATES.get((edition, discipline))
        for athlete, position, mark, source, flags in rows:
            lookup = {
                "athlete": athletes[athlete],
                "edition": editions[edition],
                "discipline": disciplines[discipline],
                "round": Result.Round.FINAL,
            }
            values = {
                "position": position,
                "mark": parse_mark(mark, Measure.TIME) if mark else None,
                "medal": MEDAL_FOR_POSITION.get(position, Medal.NONE),
                "source": source,
                **{flag: flag in flags for flag in RECORD_FLAG_FIELDS},
            }
            result = Result.objects.filter(**lookup).first()
            if result is None:
                Result.objects.create(**lookup, **values, date=day)
                created[Result] += 1
            elif (
                # Dated since it was created, and untouched by editors: it gets its day.
                day is not None
                and (edition, discipline) not in EARLIER_FINAL_DATES
                and result.date is None
                and all(getattr(result, field) == value for field, value in values.items())
            ):
                result.date = day
                result.save(update_fields=["date", "updated_at"])
                updated[Result] += 1

    records = {}
    for data in RECORDS:
        scope = {
            "kind": data["kind"],
            "discipline": disciplines[data["discipline"]],
            "sex": Athlete.Sex.MEN,
            "country": countries[data["country"]] if "country" in data else None,
            "area": "",
            "competition": competitions[data["competition"]] if "competition" in data else None,
        }
        # Matched by scope, holder and year, so an editor's corrected mark is not duplicated.
        record = Record.objects.filter(**scope, athlete=athletes[data["athlete"]], year=data["year"]).first()
        if record is None:
            try:
                # A savepoint, so a conflict skips this record without spoiling the load.
                with transaction.atomic():
                    record = Record.objects.create(
                        **scope,
                        athlete=athletes[data["athlete"]],
                        mark=parse_mark(data["mark"], Measure.TIME),
                        date=data["date"],
                        year=data["year"],
                        venue=data["venue"],
                        source=data["source"],
                        superseded_by=records.get(data.get("superseded_by")),
                        is_current=records.get(data.get("superseded_by")) is None,
                    )
            except IntegrityError:
                warn(f"Skipped the demo record {data['key']}: it conflicts with records an editor changed.")
                continue
            created[Record] += 1
        records[data["key"]] = record
    return created
