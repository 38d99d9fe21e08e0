"""Fill a benchmark database with a large, realistic, synthetic archive (``make bench``).

Everything here is made up except the demo content, which is loaded first through
``load_demo`` so that the demo URLs the bench measures (``/athletes/josh-kerr/`` …)
exist. Synthetic athletes, cities and articles have invented names; none of it may ever
reach the development or production database, so the command refuses to run against the
default ``db.sqlite3`` unless ``--force`` is given.

Rows are written with ``bulk_create`` in big batches inside transactions. ``bulk_create``
skips ``save()``, so the columns ``save()`` derives are filled here the same way:
``Article.body_html``/``search_document``, ``Athlete.name_folded``/``bio_html`` and
``Result.medal`` (a final's first three). Markdown is rendered once per distinct body
(bodies come from a pool), and ``fold()`` of "title\\nstandfirst\\nbody" is assembled from
the folded parts: folding works character by character, so the two are equal (a test
checks it).
"""

import datetime
import random
import time
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.text import slugify

from athletics.marks import Measure
from athletics.models import (
    MEDAL_FOR_POSITION,
    Athlete,
    Competition,
    CompetitionEdition,
    Country,
    Discipline,
    Medal,
    Result,
    Sport,
)
from core import cache
from news import embeds
from news.demo_data import demo_records
from news.markdown import fold, render_markdown
from news.models import Article, Author, Comment, Section, Tag

BENCH_ARTICLE_SLUG = "bench-article-with-2000-comments"
LARGE = {"articles": 20_000, "comments": 200_000, "athletes": 2_000, "results": 50_000}
SMALL = {"articles": 50, "comments": 300, "athletes": 30, "results": 200}
BATCH = 5_000
SOURCE = "Podium bench data (synthetic)"

COUNTRIES = [
    ("ETH", "Ethiopia"), ("JAM", "Jamaica"), ("UGA", "Uganda"), ("ESP", "Spain"), ("FRA", "France"),
    ("GER", "Germany"), ("ITA", "Italy"), ("NED", "Netherlands"), ("BEL", "Belgium"), ("POL", "Poland"),
    ("SWE", "Sweden"), ("FIN", "Finland"), ("DEN", "Denmark"), ("IRL", "Ireland"), ("POR", "Portugal"),
    ("SUI", "Switzerland"), ("AUT", "Austria"), ("CZE", "Czechia"), ("HUN", "Hungary"), ("CAN", "Canada"),
    ("MEX", "Mexico"), ("BRA", "Brazil"), ("ARG", "Argentina"), ("AUS", "Australia"),
    ("NZL", "New Zealand"), ("JPN", "Japan"), ("CHN", "China"), ("KOR", "Korea"), ("IND", "India"),
    ("RSA", "South Africa"), ("MAR", "Morocco"), ("ALG", "Algeria"), ("BRN", "Bahrain"), ("QAT", "Qatar"),
    ("ERI", "Eritrea"), ("TAN", "Tanzania"), ("BOT", "Botswana"), ("NGR", "Nigeria"), ("CUB", "Cuba"),
    ("TTO", "Trinidad and Tobago"),
]  # fmt: skip

# (name, slug, measure, sort order (a small integer column), typical winning mark in stored units)
DISCIPLINES = [
    ("100 m", "100-m", Measure.TIME, 100, 1000),
    ("200 m", "200-m", Measure.TIME, 200, 2010),
    ("400 m", "400-m", Measure.TIME, 400, 4450),
    ("800 m", "800-m", Measure.TIME, 800, 10500),
    ("1500 m", "1500-m", Measure.TIME, 1500, 21500),
    ("3000 m", "3000-m", Measure.TIME, 3000, 46000),
    ("3000 m steeplechase", "3000-m-steeplechase", Measure.TIME, 3001, 49500),
    ("5000 m", "5000-m", Measure.TIME, 5000, 79000),
    ("10,000 m", "10000-m", Measure.TIME, 10000, 165000),
    ("Marathon", "marathon", Measure.TIME, 20000, 770000),
    ("High jump", "high-jump", Measure.HEIGHT, 21001, 232),
    ("Pole vault", "pole-vault", Measure.HEIGHT, 21002, 585),
    ("Long jump", "long-jump", Measure.DISTANCE, 21003, 830),
    ("Triple jump", "triple-jump", Measure.DISTANCE, 21004, 1760),
    ("Shot put", "shot-put", Measure.DISTANCE, 21005, 2150),
    ("Discus throw", "discus-throw", Measure.DISTANCE, 21006, 6700),
    ("Javelin throw", "javelin-throw", Measure.DISTANCE, 21007, 8700),
    ("Decathlon", "decathlon", Measure.POINTS, 21008, 8600),
]
# (competition slug, first year held, every N years, indoor)
EDITION_SERIES = [
    ("olympic-games", 1956, 4, False),
    ("world-championships", 1983, 2, False),
    ("world-indoor-championships", 1985, 2, True),
    ("european-championships", 1958, 4, False),
]
# Invented host cities: bench editions never claim a real city held a championship.
CITIES = [
    "Aldmere", "Brightwater", "Carrowby", "Dunmore Vale", "Eastwick", "Fairhaven", "Glenmoor",
    "Highbridge", "Ironvale", "Juniper Bay", "Kingsmouth", "Larkfield", "Millbrook", "Northgate",
    "Oakridge", "Portsea", "Queensbury", "Riverton", "Stonehaven", "Thornbury", "Upton Vale", "Westmere",
]  # fmt: skip
FIRST_NAMES = [
    "Ada", "Bram", "Cleo", "Dario", "Elin", "Farid", "Greta", "Hugo", "Ines", "Jonas", "Kaja", "Luca",
    "Maren", "Nils", "Oona", "Pavel", "Quinn", "Rosa", "Soren", "Talia", "Ugo", "Vera", "Wim", "Xenia",
    "Yusuf", "Zora", "Åsa", "Émile", "Øystein", "Zoë", "Malte", "Noor", "Idris", "Selin", "Tomás", "Lucía",
]  # fmt: skip
# Invented surnames; a few contain "kerr" so that the bench's /search/?q=kerr finds pages of hits.
SURNAMES = [
    "Abernethy", "Baldacci", "Castellan", "Dervish", "Eklund", "Fairweather", "Galloway", "Haverkamp",
    "Iversholm", "Jankowic", "Kerrigan", "Lindqvist", "Moravec", "Nordahl", "Okonkwo-Bell", "Pellegrin",
    "Quarrie-Stone", "Rautio", "Strand", "Tavernier", "Ullmark", "Vasquez-Roe", "Whitlock", "Yamashiro",
    "Zelenko", "Kerrison", "Åberg", "Sørlie", "Nüssli", "Čapek", "Mbeki-Ross", "Okafor", "Haddad",
]  # fmt: skip
TITLE_PATTERNS = [
    "{a} takes {d} title in {c} with a late surge",
    "{a} and {b}: the rivalry that defines the {d}",
    "How {a} rebuilt a season after injury",
    "{c} preview: five things to watch in the {d}",
    "{a} sets the pace as {c} heats begin",
    "Analysis: why the {d} is faster than ever",
    "{a} signs off a long career at {c}",
    "Training diary: a week with {a}",
    "{b} upsets favourite {a} in the {d}",
    "Comment: championships need a calmer calendar",
]
SENTENCES = [
    "The pace was honest from the gun and the field strung out before the bell.",
    "Coaches in the stands had predicted a tactical race; they were wrong.",
    "A gust down the back straight cost everyone a tenth, but nobody complained.",
    "The season has been long, and the fatigue showed in the final hundred metres.",
    "Behind the result sits a winter of altitude blocks and patient base work.",
    "Officials reviewed the finish photograph for several minutes before confirming the order.",
    "The crowd rose for the last lap, as it always does when the favourite moves early.",
    "Several athletes will now turn their attention to the indoor season.",
    "Spikes, shoe rules and pacing lights continue to divide opinion among athletes.",
    "Afterwards the winner spoke about family, friends and a coach who never doubted.",
    "The semi-finals were brutal, with three of the fastest qualifiers eliminated.",
    "Statisticians will pore over the splits for weeks to come.",
]
COMMENT_SENTENCES = [
    "What a race!", "Never seen a finish like that.", "The pacing was perfect.",
    "Robbed in the last ten metres, honestly.", "Great write-up, thanks.",
    "The heats were more exciting than the final.", "Can't wait for next season.",
    "Someone explain the new shoe rules to me?", "That last lap was unreal.",
    "Respect to everyone who finished.", "The commentary team missed the move at the bell.",
    "Fantastic photos from the stadium.", "This rivalry is good for the sport.",
]  # fmt: skip
SECTIONS = [
    ("Athletics", "athletics"),
    ("Track", "track"),
    ("Field", "field"),
    ("Road running", "road-running"),
    ("Cross country", "cross-country"),
    ("Indoor", "indoor"),
    ("Opinion", "opinion"),
    ("Interviews", "interviews"),
]
BODY_POOL = 300
BIO_POOL = 60


class Progress:
    """A plain-text progress bar on stderr (one line per 10 % when stderr is not a terminal)."""

    def __init__(self, stream, label, total):
        self.stream, self.label, self.total = stream, label, max(total, 1)
        self.tty = stream.isatty()
        self.done = 0
        self.last_tenth = -1
        self.started = time.monotonic()
        self.update(0)

    def update(self, step):
        self.done += step
        fraction = min(self.done / self.total, 1.0)
        bar = "#" * int(fraction * 30)
        elapsed = time.monotonic() - self.started
        line = f"{self.label:<10} [{bar:<30}] {self.done:>7}/{self.total} {elapsed:5.1f}s"
        if self.tty:
            self.stream.write("\r" + line)
            self.stream.flush()
        elif int(fraction * 10) != self.last_tenth:
            self.last_tenth = int(fraction * 10)
            self.stream.write(line + "\n")

    def close(self):
        if self.tty:
            self.stream.write("\n")
            self.stream.flush()


def batched(items, size=BATCH):
    for start in range(0, len(items), size):
        yield items[start : start + size]


def is_dev_database(database):
    """Whether ``database`` (a DATABASES entry) is the default development SQLite file."""
    if database["ENGINE"] != "django.db.backends.sqlite3":
        return False
    name = str(database.get("NAME") or "")
    if not name or name == ":memory:" or name.startswith("file:"):
        return False
    return Path(name).resolve() == (Path(settings.BASE_DIR) / "db.sqlite3").resolve()


class Command(BaseCommand):
    help = (
        "Fill the database DATABASE_URL points at with a large synthetic archive for the "
        "benchmark (make bench). Refuses the development database db.sqlite3 unless --force."
    )

    def add_arguments(self, parser):
        parser.add_argument("--articles", type=int, default=None)
        parser.add_argument("--comments", type=int, default=None)
        parser.add_argument("--athletes", type=int, default=None)
        parser.add_argument("--results", type=int, default=None)
        parser.add_argument(
            "--article-comments",
            type=int,
            default=None,
            help=f"Approved comments on {BENCH_ARTICLE_SLUG} (default: 2000, fewer for small sets).",
        )
        parser.add_argument("--small", action="store_true", help=f"Smoke-test sizes: {SMALL}.")
        parser.add_argument("--seed", type=int, default=2024)
        parser.add_argument("--force", action="store_true", help="Allow the development database.")

    def handle(self, *args, **options):
        database = connection.settings_dict
        if is_dev_database(database) and not options["force"]:
            raise CommandError(
                "Refusing to fill the development database db.sqlite3 with benchmark data. "
                "Point DATABASE_URL at a separate database (make bench does), or pass --force."
            )
        defaults = SMALL if options["small"] else LARGE
        sizes = {key: options[key] if options[key] is not None else defaults[key] for key in LARGE}
        if any(value < 0 for value in sizes.values()):
            raise CommandError("Sizes must not be negative.")
        if sizes["articles"] < 1:
            raise CommandError("--articles must be at least 1 (the article with many comments).")
        thread = options["article_comments"]
        if thread is None:
            thread = min(2000, sizes["comments"] // 3)
        if thread > sizes["comments"]:
            raise CommandError("--article-comments cannot exceed --comments.")
        if Article.objects.filter(slug=BENCH_ARTICLE_SLUG).exists():
            raise CommandError(
                "This database already holds benchmark data; point DATABASE_URL at an empty database."
            )

        started = time.monotonic()
        # Reproducible synthetic data, not secrets.
        self.random = random.Random(options["seed"])  # noqa: S311
        self.now = timezone.now()
        call_command("load_demo", stdout=self.stdout, stderr=self.stderr)
        with transaction.atomic():
            self.reference_data()
            athletes = self.athletes(sizes["athletes"])
            results = self.results(athletes, sizes["results"])
        with transaction.atomic():
            articles = self.articles(sizes["articles"], athletes)
        with transaction.atomic():
            comments = self.comments(articles, sizes["comments"], thread)
        # bulk_create sends no signals: no page cached before this run may be served again.
        cache.bump_all()
        elapsed = time.monotonic() - started
        self.stdout.write(
            self.style.SUCCESS(
                f"Bench data: {len(articles)} articles, {comments} comments ({thread} on "
                f"/news/{BENCH_ARTICLE_SLUG}/), {len(athletes)} athletes, {results} results "
                f"in {elapsed:.1f}s."
            )
        )

    # ---------- reference data ----------

    def reference_data(self):
        self.sport = Sport.objects.get(slug="athletics")
        existing = set(Country.objects.values_list("code", flat=True))
        Country.objects.bulk_create(
            [Country(code=code, name=name) for code, name in COUNTRIES if code not in existing]
        )
        self.countries = list(Country.objects.order_by("code"))

        existing = set(Discipline.objects.values_list("slug", flat=True))
        Discipline.objects.bulk_create(
            [
                Discipline(sport=self.sport, name=name, slug=slug, measure=measure, sort_order=order)
                for name, slug, measure, order, _mark in DISCIPLINES
                if slug not in existing
            ]
        )
        by_slug = {d.slug: d for d in Discipline.objects.all()}
        self.disciplines = [(by_slug[slug], mark) for _n, slug, _m, _o, mark in DISCIPLINES]

        competitions = {c.slug: c for c in Competition.objects.all()}
        taken = set(CompetitionEdition.objects.values_list("competition__slug", "year"))
        slugs = set(CompetitionEdition.objects.values_list("slug", flat=True))
        new = []
        for competition_slug, first, every, indoor in EDITION_SERIES:
            competition = competitions[competition_slug]
            for year in range(first, 2026, every):
                if (competition_slug, year) in taken:
                    continue
                city = CITIES[(year * 7 + len(competition_slug)) % len(CITIES)]
                slug = slugify(f"{competition_slug} {city} {year}")
                if slug in slugs:
                    continue
                slugs.add(slug)
                new.append(
                    CompetitionEdition(
                        competition=competition,
                        year=year,
                        name=f"{city} {year}",
                        city=city,
                        slug=slug,
                        indoor=indoor,
                        start_date=datetime.date(year, 3 if indoor else 8, 1),
                        end_date=datetime.date(year, 3 if indoor else 8, 9),
                    )
                )
        CompetitionEdition.objects.bulk_create(new)
        self.editions = list(CompetitionEdition.objects.select_related("competition").order_by("-year", "pk"))

        for order, (name, slug) in enumerate(SECTIONS):
            Section.objects.get_or_create(slug=slug, defaults={"name": name, "sort_order": order})
        self.sections = list(Section.objects.all())
        existing = set(Tag.objects.values_list("slug", flat=True))
        tags = [(f"Bench topic {n}", f"bench-topic-{n}") for n in range(1, 151)]
        Tag.objects.bulk_create([Tag(name=n, slug=s) for n, s in tags if s not in existing])
        self.tags = list(Tag.objects.values_list("pk", flat=True))
        existing = set(Author.objects.values_list("slug", flat=True))
        authors = [(f"{FIRST_NAMES[n]} {SURNAMES[-n - 1]}", f"bench-author-{n}") for n in range(30)]
        Author.objects.bulk_create(
            [Author(name=n, slug=s, bio="Writes for the bench.") for n, s in authors if s not in existing]
        )
        self.authors = list(Author.objects.values_list("pk", flat=True))

    # ---------- athletes and results ----------

    def athletes(self, count):
        rnd = self.random
        bios = []
        for _ in range(BIO_POOL):
            text = " ".join(rnd.sample(SENTENCES, 3))
            bios.append((f"{text}\n\n**Coach:** a long-time mentor.", None))
        bios = [(text, render_markdown(text)) for text, _ in bios]
        # Each athlete specialises in one or two neighbouring disciplines; small sets use
        # fewer disciplines so that races still have fields.
        used = max(2, min(len(self.disciplines), count // 40))
        rows, specialities = [], []
        progress = Progress(self.stderr, "athletes", count)
        for n in range(count):
            name = f"{rnd.choice(FIRST_NAMES)} {rnd.choice(SURNAMES)}"
            bio, bio_html = rnd.choice(bios)
            first = rnd.randrange(used)
            specialities.append({first, min(first + rnd.randrange(2), used - 1)})
            rows.append(
                Athlete(
                    name=name,
                    name_folded=fold(name),
                    slug=f"{slugify(name)}-{n + 1}",
                    country=rnd.choice(self.countries),
                    sex=Athlete.Sex.MEN if n % 2 == 0 else Athlete.Sex.WOMEN,
                    birth_date=datetime.date(
                        1975 + rnd.randrange(30), 1 + rnd.randrange(12), 1 + rnd.randrange(28)
                    )
                    if rnd.random() < 0.8
                    else None,
                    birth_place=rnd.choice(CITIES) if rnd.random() < 0.6 else "",
                    bio=bio,
                    bio_html=bio_html,
                    is_featured=n < max(1, count // 100),
                )
            )
        athletes = []
        for batch in batched(rows):
            athletes += Athlete.objects.bulk_create(batch)
            progress.update(len(batch))
        progress.close()
        through = Athlete.disciplines.through
        links = [
            through(athlete_id=athlete.pk, discipline_id=self.disciplines[i][0].pk)
            for athlete, spec in zip(athletes, specialities, strict=True)
            for i in sorted(spec)
        ]
        for batch in batched(links):
            through.objects.bulk_create(batch)
        self.specialities = specialities
        return athletes

    def results(self, athletes, count):
        """Championship races, newest editions first: a final, semi-finals and heats per
        event and sex, each runner at most once per round (the model's unique constraint)."""
        rnd = self.random
        pools = {}
        for athlete, spec in zip(athletes, self.specialities, strict=True):
            for i in spec:
                pools.setdefault((i, athlete.sex), []).append(athlete.pk)
        events = [(edition, i) for edition in self.editions for i in range(len(self.disciplines))]
        rnd.shuffle(events)
        events.sort(key=lambda event: -event[0].year)  # stable: newest first, shuffled within a year
        rounds = [(Result.Round.FINAL, 8, 12), (Result.Round.SEMI, 12, 24), (Result.Round.HEAT, 16, 40)]
        rows = []
        progress = Progress(self.stderr, "results", count)
        created = 0
        for edition, i in events:
            if created + len(rows) >= count:
                break
            discipline, winning = self.disciplines[i]
            lower_is_better = discipline.measure == Measure.TIME
            for sex in (Athlete.Sex.MEN, Athlete.Sex.WOMEN):
                pool = pools.get((i, sex), [])
                for round_, low, high in rounds:
                    size = min(rnd.randint(low, high), len(pool), count - created - len(rows))
                    if size <= 0:
                        continue
                    base = (
                        winning
                        if sex == Athlete.Sex.MEN
                        else int(winning * (1.1 if lower_is_better else 0.88))
                    )
                    for place, athlete_id in enumerate(rnd.sample(pool, size), start=1):
                        spread = 1 + place * 0.004 + rnd.random() * 0.002
                        mark = int(base * spread) if lower_is_better else int(base / spread)
                        # A few places unknown (e.g. did not finish), as in real archives.
                        position = place if rnd.random() > 0.01 else None
                        rows.append(
                            Result(
                                athlete_id=athlete_id,
                                edition=edition,
                                discipline=discipline,
                                round=round_,
                                position=position,
                                mark=max(mark, 1) if rnd.random() > 0.02 else None,
                                date=edition.start_date,
                                # What Result.save() would set: a final's first three.
                                medal=MEDAL_FOR_POSITION.get(position, Medal.NONE)
                                if round_ == Result.Round.FINAL
                                else Medal.NONE,
                                personal_best=rnd.random() < 0.06,
                                season_best=rnd.random() < 0.08,
                                championship_record=position == 1 and rnd.random() < 0.03,
                                source=SOURCE,
                            )
                        )
            if len(rows) >= BATCH:
                Result.objects.bulk_create(rows[:BATCH])
                created += BATCH
                progress.update(BATCH)
                rows = rows[BATCH:]
        for batch in batched(rows):
            Result.objects.bulk_create(batch)
            created += len(batch)
            progress.update(len(batch))
        progress.close()
        return created

    # ---------- articles ----------

    def articles(self, count, athletes):
        """``count`` articles, the first being the one with many comments; about 96 %
        published over ten years, the rest drafts and scheduled."""
        rnd = self.random
        bodies = []
        for n in range(BODY_POOL):
            paragraphs = [
                " ".join(rnd.sample(SENTENCES, rnd.randint(3, 6))) for _ in range(rnd.randint(5, 9))
            ]
            paragraphs.insert(2, f"## {rnd.choice(['The race', 'Looking ahead', 'What they said'])}")
            paragraphs.insert(4, "> " + rnd.choice(SENTENCES))
            paragraphs.append(
                f"Full results are on the [championship page](https://example.com/results/{n})."
            )
            body = "\n\n".join(paragraphs)
            bodies.append((body, embeds.body_html(body), fold(body)))  # as Article.save()
        # The measured article embeds results as the demo's staff report does (load_demo ran
        # first): its page is what a story living on the results database costs.
        shortcodes = ["[[results olympic-games-paris-2024 1500-m]]", "[[h2h josh-kerr jakob-ingebrigtsen]]"]
        shortcodes.append("[[athlete josh-kerr]]")
        shortcodes += [f"[[record {record.pk}]]" for record in list(demo_records().values())[:1]]
        body = bodies[0][0] + "\n\n" + "\n\n".join(shortcodes)
        embedding = (body, embeds.body_html(body), fold(body))
        demo = list(Athlete.objects.filter(slug__in=["josh-kerr", "jakob-ingebrigtsen", "mo-farah"]))
        athlete_ids = [a.pk for a in athletes] or [a.pk for a in demo]
        demo_ids = [a.pk for a in demo]
        edition_ids = [e.pk for e in self.editions]
        span = datetime.timedelta(days=3650).total_seconds()
        rows, links = [], {"authors": [], "tags": [], "athletes": [], "editions": []}
        progress = Progress(self.stderr, "articles", count)
        for n in range(count):
            a, b = rnd.choice(FIRST_NAMES) + " " + rnd.choice(SURNAMES), rnd.choice(SURNAMES)
            discipline = self.disciplines[rnd.randrange(len(self.disciplines))][0].name
            city = rnd.choice(CITIES)
            title = rnd.choice(TITLE_PATTERNS).format(a=a, b=b, c=city, d=discipline)
            standfirst = f"{rnd.choice(SENTENCES)} {rnd.choice(SENTENCES)}"
            body, body_html, body_folded = bodies[n % BODY_POOL]
            status, published_at = Article.Status.PUBLISHED, None
            if n == 0:
                body, body_html, body_folded = embedding
                title = "Bench: the article with two thousand comments"
                slug = BENCH_ARTICLE_SLUG
                published_at = self.now - datetime.timedelta(days=2)
            else:
                slug = f"{slugify(title)[:150]}-{n}"
                roll = rnd.random()
                if roll < 0.03:
                    status = Article.Status.DRAFT
                elif roll < 0.04:
                    published_at = self.now + datetime.timedelta(days=rnd.randint(1, 30))
                else:
                    published_at = self.now - datetime.timedelta(seconds=3600 + rnd.random() * span)
            rows.append(
                Article(
                    title=title,
                    slug=slug,
                    standfirst=standfirst,
                    body=body,
                    body_html=body_html,
                    search_document=f"{fold(title)}\n{fold(standfirst)}\n{body_folded}",
                    section=rnd.choice(self.sections),
                    status=status,
                    published_at=published_at,
                    is_featured=n != 0 and rnd.random() < 0.01,
                    comments_open=True,
                )
            )
        articles = []
        for batch in batched(rows, 2_000):
            articles += Article.objects.bulk_create(batch)
            progress.update(len(batch))
        progress.close()
        # auto_now(_add) stamped every row "now"; an archive was written when it was published.
        # (The demo article was created before them, with a lower primary key.)
        Article.objects.filter(pk__gte=articles[0].pk, published_at__isnull=False).update(
            created_at=F("published_at"), updated_at=F("published_at")
        )
        for article in articles:
            pk = article.pk
            links["authors"] += [
                (pk, x) for x in rnd.sample(self.authors, min(len(self.authors), rnd.randint(1, 2)))
            ]
            links["tags"] += [(pk, x) for x in rnd.sample(self.tags, min(len(self.tags), rnd.randint(1, 3)))]
            chosen = set(rnd.sample(athlete_ids, min(len(athlete_ids), rnd.randint(0, 3))))
            if demo_ids and rnd.random() < 0.02:
                chosen.add(rnd.choice(demo_ids))
            links["athletes"] += [(pk, x) for x in chosen]
            if edition_ids and rnd.random() < 0.4:
                links["editions"].append((pk, rnd.choice(edition_ids)))
        for field, pairs in links.items():
            m2m = Article._meta.get_field(field)
            through = m2m.remote_field.through
            source, target = f"{m2m.m2m_field_name()}_id", f"{m2m.m2m_reverse_field_name()}_id"
            objs = [through(**{source: pk, target: other}) for pk, other in pairs]
            for batch in batched(objs):
                through.objects.bulk_create(batch)
        return articles

    # ---------- comments ----------

    def comments(self, articles, count, thread):
        """``thread`` approved comments (a quarter of them replies) plus a few held ones on
        the bench article; the rest spread over published articles, most on recent ones.
        Most comments have a few recommendations, about one in 150 is a moderator's pick."""
        rnd = self.random
        # Its own generator: recommends and picks leave the rest of the data as it was.
        fans = random.Random(hash(rnd.getstate()))  # noqa: S311 - ints hash the same in every run
        bench = articles[0]
        published = [a for a in articles[1:] if a.published_at and a.published_at <= self.now]
        per_article = {bench.pk: 0}
        held_on_bench = min(40, max(0, count - thread))
        rest = count - thread - held_on_bench
        if published and rest > 0:
            # Recent articles draw more comments: weight by recency rank.
            published.sort(key=lambda a: a.published_at, reverse=True)
            weights = [1 / (1 + rank / 500) for rank in range(len(published))]
            for article in rnd.choices(published, weights=weights, k=rest):
                per_article[article.pk] = per_article.get(article.pk, 0) + 1
        elif rest > 0:
            held_on_bench += rest
        published_at = {a.pk: a.published_at for a in articles}
        statuses = [Comment.Status.APPROVED] * 92 + [Comment.Status.PENDING] * 4
        statuses += [Comment.Status.REJECTED] * 2 + [Comment.Status.SPAM] * 2

        def make(article_pk, status, parent_id=None, after=None):
            start = after or published_at[article_pk]
            window = max((self.now - start).total_seconds(), 1)
            created = start + datetime.timedelta(seconds=rnd.random() * min(window, 30 * 86400))
            picked = status == Comment.Status.APPROVED and fans.random() < 1 / 150
            return Comment(
                article_id=article_pk,
                parent_id=parent_id,
                name=f"{rnd.choice(FIRST_NAMES)} {rnd.choice(SURNAMES)[0]}.",
                email=f"fan{rnd.randrange(10**6)}@example.com" if rnd.random() < 0.3 else "",
                body=" ".join(rnd.choices(COMMENT_SENTENCES, k=rnd.randint(1, 4))),
                created_at=created,
                status=status,
                ip_hash=f"{rnd.getrandbits(256):064x}",
                recommend_count=min(int(fans.paretovariate(1.2)) - 1, 5000),
                is_pick=picked,
                picked_at=created if picked else None,
            )

        progress = Progress(self.stderr, "comments", count)
        # Top-level comments first (their primary keys are the replies' parents).
        tops, replies_wanted = [], []
        bench_replies = thread // 4
        tops += [make(bench.pk, Comment.Status.APPROVED) for _ in range(thread - bench_replies)]
        tops += [make(bench.pk, rnd.choice(statuses[92:])) for _ in range(held_on_bench)]
        replies_wanted.append((bench.pk, bench_replies, Comment.Status.APPROVED))
        for pk, n in per_article.items():
            if pk == bench.pk or n == 0:
                continue
            n_replies = n // 5
            tops += [make(pk, rnd.choice(statuses)) for _ in range(n - n_replies)]
            replies_wanted.append((pk, n_replies, None))
        saved = []
        for batch in batched(tops):
            saved += Comment.objects.bulk_create(batch)
            progress.update(len(batch))
        approved_tops = {}
        for comment in saved:
            if comment.status == Comment.Status.APPROVED:
                approved_tops.setdefault(comment.article_id, []).append(comment)
        replies = []
        for pk, n, status in replies_wanted:
            parents = approved_tops.get(pk)
            if not parents:
                # No approved comment to answer: these become top-level comments instead.
                replies += [make(pk, status or rnd.choice(statuses)) for _ in range(n)]
                continue
            for _ in range(n):
                parent = rnd.choice(parents)
                replies.append(make(pk, status or rnd.choice(statuses), parent.pk, after=parent.created_at))
        for batch in batched(replies):
            Comment.objects.bulk_create(batch)
            progress.update(len(batch))
        progress.close()
        return len(saved) + len(replies)
