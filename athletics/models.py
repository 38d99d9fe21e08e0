"""Athletes, championships, results and records.

Only what a source supports is stored: every fact a source may lack (a birth date, an
edition's dates, a result's date or mark) is nullable and shown as absent, never
guessed. Medal histories, medal counts, best marks and head-to-heads are derived from
results in ``selectors.py``, never stored twice.
"""

from django.db import models
from django.db.models import F, Q, Value
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone

from news.images import clean_upload, generate_renditions
from news.markdown import fold, render_markdown

from .marks import LOWER_IS_BETTER, Measure, format_mark


class Sport(models.Model):
    name = models.CharField(max_length=80, unique=True)
    slug = models.SlugField(max_length=80, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class Country(models.Model):
    code = models.CharField(
        max_length=3,
        unique=True,
        help_text="World Athletics three-letter code: GBR, NOR, USA, KEN, GER (not DEU).",
    )
    name = models.CharField(max_length=100)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "countries"
        constraints = [
            models.CheckConstraint(
                condition=Q(code__regex=r"^[A-Z]{3}$"), name="country_code_three_capitals"
            ),
        ]

    def __str__(self):
        return self.name


class Discipline(models.Model):
    class Venue(models.TextChoices):
        ANY = "any", "Indoor or outdoor"
        INDOOR = "indoor", "Indoor"
        OUTDOOR = "outdoor", "Outdoor"

    sport = models.ForeignKey(Sport, on_delete=models.PROTECT, related_name="disciplines")
    name = models.CharField(max_length=80, help_text="As printed in results: “1500 m”, “Two miles”.")
    slug = models.SlugField(max_length=80, unique=True)
    measure = models.CharField(
        max_length=10,
        choices=Measure.choices,
        default=Measure.TIME,
        help_text="Times: lower is better. Distances, heights and points: higher is better.",
    )
    venue = models.CharField(
        max_length=10,
        choices=Venue.choices,
        default=Venue.ANY,
        help_text="Only where it matters: an event held only indoors or only outdoors.",
    )
    sort_order = models.PositiveSmallIntegerField(
        default=0, help_text="Lists show disciplines in this order (e.g. by distance)."
    )

    class Meta:
        ordering = ["sort_order", "name"]

    def __str__(self):
        return self.name

    @property
    def lower_is_better(self):
        return self.measure in LOWER_IS_BETTER

    def format_mark(self, value):
        return format_mark(value, self.measure)


class Competition(models.Model):
    """A championship series, e.g. the Olympic Games."""

    sport = models.ForeignKey(Sport, on_delete=models.PROTECT, related_name="competitions")
    name = models.CharField(max_length=120)
    short_name = models.CharField(max_length=40, blank=True, help_text="E.g. “Worlds”.")
    slug = models.SlugField(max_length=120, unique=True)
    level = models.PositiveSmallIntegerField(
        default=10,
        help_text="Importance for ordering medal histories: 1 is the highest (Olympic Games).",
    )

    class Meta:
        ordering = ["level", "name"]

    def __str__(self):
        return self.name


class CompetitionEditionQuerySet(models.QuerySet):
    def for_listing(self):
        return self.select_related("competition", "country")


class CompetitionEdition(models.Model):
    """One edition of a competition: "World Championships Budapest 2023"."""

    competition = models.ForeignKey(Competition, on_delete=models.PROTECT, related_name="editions")
    year = models.PositiveSmallIntegerField(help_text="The year it was held (Tokyo 2020 was held in 2021).")
    name = models.CharField(max_length=80, help_text="As it is known: “Tokyo 2020”, “Budapest 2023”.")
    city = models.CharField(max_length=80)
    country = models.ForeignKey(
        Country, on_delete=models.PROTECT, null=True, blank=True, related_name="editions_hosted"
    )
    start_date = models.DateField(null=True, blank=True)
    end_date = models.DateField(null=True, blank=True)
    indoor = models.BooleanField(default=False)
    updated_at = models.DateTimeField(
        auto_now=True, help_text="Last saved: the lastmod of its page in the sitemap."
    )
    slug = models.SlugField(
        max_length=160,
        unique=True,
        help_text="<competition>-<city>-<games year>, e.g. world-championships-budapest-2023.",
    )

    objects = CompetitionEditionQuerySet.as_manager()

    class Meta:
        ordering = ["-year", "competition__level"]
        indexes = [models.Index(fields=["-year"], name="edition_year_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True)
                | Q(start_date__isnull=True)
                | Q(end_date__gte=F("start_date")),
                name="competitionedition_dates_in_order",
            ),
        ]

    def __str__(self):
        return f"{self.competition.name} {self.name}"

    def get_absolute_url(self):
        return reverse("athletics:edition", kwargs={"slug": self.slug})

    @property
    def held_note(self):
        """Return "held 2021" when the edition is known by another year (Tokyo 2020), else nothing."""
        return "" if str(self.year) in self.name else f"held {self.year}"

    @property
    def display_name(self):
        """E.g. "Budapest 2023", or "Tokyo 2020 (held 2021)"."""
        return f"{self.name} ({self.held_note})" if self.held_note else self.name


class AthleteQuerySet(models.QuerySet):
    def for_listing(self):
        return self.select_related("country")


class Athlete(models.Model):
    class Sex(models.TextChoices):
        MEN = "M", "Men"
        WOMEN = "W", "Women"

    name = models.CharField(max_length=120)
    name_folded = models.CharField(max_length=120, editable=False, db_index=True)
    slug = models.SlugField(max_length=120, unique=True)
    country = models.ForeignKey(Country, on_delete=models.PROTECT, related_name="athletes")
    sex = models.CharField(max_length=1, choices=Sex.choices)
    birth_date = models.DateField(null=True, blank=True)
    birth_place = models.CharField(max_length=120, blank=True)
    disciplines = models.ManyToManyField(Discipline, blank=True, related_name="athletes")
    photo = models.ImageField(
        upload_to="athletes/%Y/", blank=True, width_field="photo_width", height_field="photo_height"
    )
    photo_width = models.PositiveIntegerField(null=True, blank=True, editable=False)
    photo_height = models.PositiveIntegerField(null=True, blank=True, editable=False)
    photo_alt = models.CharField(
        max_length=200, blank=True, help_text="Describe the photo for readers who cannot see it."
    )
    photo_credit = models.CharField(max_length=200, blank=True, help_text="Photographer/agency.")
    bio = models.TextField(blank=True, help_text="Markdown: **bold**, *italic*, [links](https://…).")
    bio_html = models.TextField(blank=True, editable=False)
    is_active = models.BooleanField("active", default=True)
    is_featured = models.BooleanField("featured", default=False)
    facts_verified_on = models.DateField(
        null=True, blank=True, help_text="When an editor last checked this athlete's facts against sources."
    )
    updated_at = models.DateTimeField(
        auto_now=True, help_text="Last saved: the lastmod of its page in the sitemap."
    )

    objects = AthleteQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        indexes = [models.Index(fields=["is_featured", "name"], name="athlete_featured_idx")]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.name_folded = fold(self.name)
        self.bio_html = render_markdown(self.bio)
        # A new upload is stored upright, in sRGB and without metadata (GPS): news/images.py.
        clean_upload(self, "photo")
        super().save(*args, **kwargs)
        generate_renditions(self.photo, self.photo_width)

    def get_absolute_url(self):
        return reverse("athletics:athlete", kwargs={"slug": self.slug})


class SourcedFact(models.Model):
    """Mixin fields: where a fact comes from, shown as a footnote."""

    source = models.CharField(max_length=200, help_text="Publication the fact was checked against.")
    source_url = models.URLField(blank=True)

    class Meta:
        abstract = True


class Medal(models.TextChoices):
    GOLD = "gold", "Gold"
    SILVER = "silver", "Silver"
    BRONZE = "bronze", "Bronze"
    NONE = "", "No medal"


MEDAL_FOR_POSITION = {1: Medal.GOLD, 2: Medal.SILVER, 3: Medal.BRONZE}


RECORD_FLAG_FIELDS = [
    "world_record",
    "area_record",
    "national_record",
    "championship_record",
    "personal_best",
    "season_best",
]


class ResultQuerySet(models.QuerySet):
    def medals(self):
        return self.exclude(medal=Medal.NONE)

    def for_listing(self):
        return self.select_related(
            "athlete__country", "edition__competition", "edition__country", "discipline"
        )


class Result(SourcedFact):
    class Round(models.TextChoices):
        FINAL = "final", "Final"
        SEMI = "semi", "Semi-final"
        HEAT = "heat", "Heat"

    athlete = models.ForeignKey(Athlete, on_delete=models.PROTECT, related_name="results")
    edition = models.ForeignKey(CompetitionEdition, on_delete=models.PROTECT, related_name="results")
    discipline = models.ForeignKey(Discipline, on_delete=models.PROTECT, related_name="results")
    round = models.CharField(max_length=10, choices=Round.choices, default=Round.FINAL)
    position = models.PositiveSmallIntegerField(null=True, blank=True)
    mark = models.PositiveIntegerField(
        null=True, blank=True, help_text="Stored in hundredths of a second, centimetres or points."
    )
    date = models.DateField(null=True, blank=True)
    medal = models.CharField(
        max_length=6,
        choices=Medal.choices,
        blank=True,
        default=Medal.NONE,
        help_text="Left empty, a final's first three places get gold, silver and bronze.",
    )
    world_record = models.BooleanField("WR", default=False)
    area_record = models.BooleanField("AR", default=False)
    national_record = models.BooleanField("NR", default=False)
    championship_record = models.BooleanField("CR", default=False)
    personal_best = models.BooleanField("PB", default=False)
    season_best = models.BooleanField("SB", default=False)
    updated_at = models.DateTimeField(
        auto_now=True, help_text="Last saved: the lastmod of its page in the sitemap."
    )
    # When the result went on record at Podium (not when it was run): what the athlete's
    # feed and followers' digests call new.
    recorded_at = models.DateTimeField("on record since", default=timezone.now, editable=False)

    objects = ResultQuerySet.as_manager()

    class Meta:
        ordering = ["-edition__year", "edition__competition__level", "discipline__sort_order", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["athlete", "edition", "discipline", "round"],
                name="result_one_per_athlete_race_round",
            ),
            models.CheckConstraint(
                condition=Q(mark__isnull=True) | Q(mark__gt=0), name="result_mark_positive"
            ),
            models.CheckConstraint(
                condition=Q(position__isnull=True) | Q(position__gt=0), name="result_position_positive"
            ),
        ]
        indexes = [
            models.Index(fields=["edition", "discipline", "round", "position"], name="result_race_idx"),
            models.Index(fields=["discipline", "mark"], name="result_discipline_mark_idx"),
            models.Index(fields=["medal"], name="result_medal_idx"),
            models.Index(fields=["athlete", "-recorded_at"], name="result_athlete_recorded_idx"),
        ]

    def __str__(self):
        return f"{self.athlete} — {self.edition} {self.discipline} {self.get_round_display()}"

    def save(self, *args, **kwargs):
        if not self.medal and self.round == self.Round.FINAL:
            self.medal = MEDAL_FOR_POSITION.get(self.position, Medal.NONE)
        super().save(*args, **kwargs)

    @property
    def mark_display(self):
        return format_mark(self.mark, self.discipline.measure)

    @property
    def record_flags(self):
        """Abbreviations of the record flags set on this result ("CR", "PB"…)."""
        names = RECORD_FLAG_FIELDS
        return [self._meta.get_field(name).verbose_name for name in names if getattr(self, name)]


class RecordQuerySet(models.QuerySet):
    def current(self):
        return self.filter(is_current=True)

    def for_listing(self):
        return self.select_related(
            "athlete__country", "discipline", "country", "competition", "superseded_by__athlete"
        )


class Record(SourcedFact):
    """A record or best. Its history is a chain: each record points to the one that
    superseded it. ``is_current`` is a column of its own, not derived from the chain,
    because a record can stop being current without its successor being on record at
    Podium, and because a partial unique index on it is what lets the database allow only
    one current record per kind, discipline, sex and scope. Superseding goes through
    ``services.record_create`` so the chain and the flag change together."""

    class Kind(models.TextChoices):
        WORLD_RECORD = "wr", "World record"
        WORLD_INDOOR_RECORD = "wir", "World indoor record"
        WORLD_BEST = "wb", "World best"
        WORLD_INDOOR_BEST = "wib", "World indoor best"
        AREA = "area", "Area record"
        NATIONAL = "national", "National record"
        CHAMPIONSHIP = "championship", "Championship record"

    kind = models.CharField(max_length=12, choices=Kind.choices)
    discipline = models.ForeignKey(Discipline, on_delete=models.PROTECT, related_name="records")
    sex = models.CharField(max_length=1, choices=Athlete.Sex.choices)
    country = models.ForeignKey(
        Country, on_delete=models.PROTECT, null=True, blank=True, related_name="records",
        help_text="National records only.",
    )  # fmt: skip
    area = models.CharField(max_length=60, blank=True, help_text="Area records only, e.g. “Europe”.")
    competition = models.ForeignKey(
        Competition, on_delete=models.PROTECT, null=True, blank=True, related_name="records",
        help_text="Championship records only.",
    )  # fmt: skip
    athlete = models.ForeignKey(Athlete, on_delete=models.PROTECT, related_name="records")
    mark = models.PositiveIntegerField(help_text="Stored in hundredths of a second, centimetres or points.")
    date = models.DateField(null=True, blank=True)
    year = models.PositiveSmallIntegerField(help_text="The year it was set (also when the date is unknown).")
    venue = models.CharField(max_length=120, blank=True)
    is_current = models.BooleanField(
        "current",
        default=True,
        help_text="Unticked once beaten (set for you when a new record supersedes this one).",
    )
    superseded_by = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="supersedes",
        help_text="The record that beat this one.",
    )  # fmt: skip
    updated_at = models.DateTimeField(
        auto_now=True, help_text="Last saved: the lastmod of its page in the sitemap."
    )
    # When the record went on record at Podium: what the athlete's feed calls new.
    recorded_at = models.DateTimeField("on record since", default=timezone.now, editable=False)

    objects = RecordQuerySet.as_manager()

    class Meta:
        ordering = ["discipline__sort_order", "kind", "-year"]
        indexes = [models.Index(fields=["athlete", "-recorded_at"], name="record_athlete_recorded_idx")]
        constraints = [
            # Coalesce because NULLs never collide in a unique index (SQLite and PostgreSQL).
            models.UniqueConstraint(
                F("kind"),
                F("discipline"),
                F("sex"),
                Coalesce(F("country"), Value(0)),
                F("area"),
                Coalesce(F("competition"), Value(0)),
                condition=Q(is_current=True),
                name="record_one_current_per_scope",
            ),  # fmt: skip
            models.CheckConstraint(condition=Q(mark__gt=0), name="record_mark_positive"),
            models.CheckConstraint(
                condition=~Q(superseded_by=F("pk")), name="record_not_superseded_by_itself"
            ),
            models.CheckConstraint(
                condition=Q(is_current=False) | Q(superseded_by__isnull=True),
                name="record_current_has_no_successor",
            ),
            models.CheckConstraint(
                condition=(
                    (Q(kind="national") & Q(country__isnull=False))
                    | (~Q(kind="national") & Q(country__isnull=True))
                )
                & ((Q(kind="area") & ~Q(area="")) | (~Q(kind="area") & Q(area="")))
                & (
                    (Q(kind="championship") & Q(competition__isnull=False))
                    | (~Q(kind="championship") & Q(competition__isnull=True))
                ),
                name="record_scope_matches_kind",
            ),
        ]

    def __str__(self):
        return f"{self.scope_label} {self.get_kind_display().lower()}: {self.discipline} {self.mark_display}"

    @property
    def mark_display(self):
        return format_mark(self.mark, self.discipline.measure)

    @property
    def scope_label(self):
        if self.kind == self.Kind.NATIONAL:
            return self.country.name
        if self.kind == self.Kind.AREA:
            return self.area
        if self.kind == self.Kind.CHAMPIONSHIP:
            return self.competition.name
        return self.get_sex_display()

    @property
    def title(self):
        """E.g. "Two miles world indoor best", "1500 m Olympic Games record"."""
        kind = self.get_kind_display().lower()
        if self.kind == self.Kind.NATIONAL:
            kind = f"{self.country.name} national record"
        elif self.kind == self.Kind.AREA:
            kind = f"{self.area} record"
        elif self.kind == self.Kind.CHAMPIONSHIP:
            kind = f"{self.competition.name} record"
        return f"{self.discipline.name} {kind}"

    @property
    def standing(self):
        """Its standing as of today: "since 2024" or "2015–2024, superseded by Josh Kerr"."""
        if self.is_current:
            return f"since {self.year}"
        if self.superseded_by_id is None:
            return f"set {self.year}, since superseded"
        successor = self.superseded_by
        return f"{self.year}–{successor.year}, superseded by {successor.athlete.name}"
