"""Reads that pages share: medal counts, medal histories, best marks, head-to-heads,
record chains and medal tables, each in a fixed number of queries.

Everything here is derived from results and records as editors entered them, so pages
call it "championships on record at Podium", never a whole career.
"""

from __future__ import annotations

import datetime
from collections import OrderedDict
from dataclasses import dataclass, field

from django.db.models import Case, Count, Exists, F, IntegerField, OuterRef, Q, Value, When

from .marks import is_better
from .models import Athlete, Competition, CompetitionEdition, Country, Medal, Record, Result

MEDALS = (Medal.GOLD, Medal.SILVER, Medal.BRONZE)


def _zero_counts():
    return {"gold": 0, "silver": 0, "bronze": 0, "total": 0}


def medal_rank():
    """Annotation: 1 for gold, 2 for silver, 3 for bronze, 4 for no medal (for ordering)."""
    return Case(
        When(medal=Medal.GOLD, then=Value(1)),
        When(medal=Medal.SILVER, then=Value(2)),
        When(medal=Medal.BRONZE, then=Value(3)),
        default=Value(4),
        output_field=IntegerField(),
    )


def _medal_count_annotations():
    return {medal.value: Count("pk", filter=Q(medal=medal)) for medal in MEDALS}


def medal_counts_for(*, athletes):
    """Return {athlete_id: {"gold", "silver", "bronze", "total"}} for ``athletes`` (objects or
    ids; athletes without medals get zeros) in one query.

    Pass a list or a page, not an unevaluated queryset you iterate again later: the
    athletes are iterated here to learn their ids.
    """
    ids = [getattr(athlete, "pk", athlete) for athlete in athletes]
    counts = {pk: _zero_counts() for pk in ids}
    if not ids:
        return counts
    rows = (
        Result.objects.medals()
        .filter(athlete_id__in=ids)
        .order_by()  # Result's default ordering would join and group by editions.
        .values("athlete_id")
        .annotate(**_medal_count_annotations())
    )
    for row in rows:
        entry = counts[row["athlete_id"]]
        for medal in MEDALS:
            entry[medal.value] = row[medal.value]
        entry["total"] = sum(row[medal.value] for medal in MEDALS)
    return counts


def medal_counts_from(results):
    """Return {"gold", "silver", "bronze", "total"} counted from already fetched results."""
    counts = _zero_counts()
    for result in results:
        if result.medal in counts:
            counts[result.medal] += 1
            counts["total"] += 1
    return counts


def latest_medallists(*, limit=6):
    """Return up to ``limit`` medal results, newest editions first, then gold, silver,
    bronze, with the athlete's country, the competition and the discipline selected."""
    return list(
        Result.objects.medals()
        .select_related("athlete__country", "edition__competition", "edition__country", "discipline")
        .annotate(medal_rank=medal_rank())
        .order_by(
            "-edition__year",
            "edition__competition__level",
            "edition_id",
            "medal_rank",
            "discipline__sort_order",
            "discipline__name",
            "pk",
        )[:limit]
    )


def featured_athletes(*, limit=6):
    """Return up to ``limit`` featured athletes by name, with their country selected."""
    return list(Athlete.objects.for_listing().filter(is_featured=True).order_by("name", "pk")[:limit])


# ---------------------------------------------------------------------------
# Athlete profile


def athlete_results(*, athlete):
    """Return all results of ``athlete``, newest first, with what result tables show."""
    return list(
        Result.objects.filter(athlete=athlete)
        .select_related("edition__competition", "edition__country", "discipline")
        .order_by(
            "-edition__year",
            F("edition__start_date").desc(nulls_last=True),
            "edition__competition__level",
            "discipline__sort_order",
            "discipline__name",
            "round",
            "pk",
        )
    )


@dataclass
class MedalHistoryGroup:
    competition: Competition
    results: list


def athlete_medal_history(*, results):
    """Group the medal results among ``results`` by competition (highest level first),
    newest first inside each group."""
    groups = OrderedDict()
    medals = [result for result in results if result.medal]
    medals.sort(
        key=lambda r: (
            r.edition.competition.level,
            r.edition.competition.name,
            -r.edition.year,
            r.discipline.sort_order,
            r.discipline.name,
        )
    )
    for result in medals:
        competition = result.edition.competition
        groups.setdefault(competition.pk, MedalHistoryGroup(competition=competition, results=[]))
        groups[competition.pk].results.append(result)
    return list(groups.values())


def best_marks(*, results):
    """Return the best marked result per discipline among ``results`` (lower is better for
    times, higher for distances, heights and points; the earlier result wins a tie), in
    discipline order."""
    best = {}
    # Oldest first, so an equal mark set later does not replace the first one.
    ordered = sorted(
        (r for r in results if r.mark is not None),
        key=lambda r: (r.edition.year, r.date or r.edition.start_date or datetime.date.max, r.pk),
    )
    for result in ordered:
        current = best.get(result.discipline_id)
        if current is None or is_better(result.mark, current.mark, result.discipline.measure):
            best[result.discipline_id] = result
    return sorted(best.values(), key=lambda r: (r.discipline.sort_order, r.discipline.name))


def athlete_records(*, athlete):
    """Return the records ``athlete`` set (current first, then newest), with the record
    that superseded each and the record each superseded."""
    return list(
        Record.objects.filter(athlete=athlete)
        .select_related(
            "discipline",
            "country",
            "competition",
            "superseded_by__athlete",
            "supersedes__athlete",
            "supersedes__discipline",
        )
        .order_by("-is_current", "-year", "discipline__sort_order", "kind", "pk")
    )


def record_kind_label(record):
    """The kind with its scope: "world indoor best", "Olympic Games record", "Norway record"."""
    if record.kind == Record.Kind.CHAMPIONSHIP:
        return f"{record.competition.name} record"
    if record.kind == Record.Kind.NATIONAL:
        return f"{record.country.name} record"
    if record.kind == Record.Kind.AREA:
        return f"{record.area} record"
    return record.get_kind_display().lower()


def record_standing(record):
    """E.g. "world indoor best since 2024" or "world indoor best 2015–2024, superseded by
    Josh Kerr" (the superseding record and its athlete should be selected)."""
    return f"{record_kind_label(record)} {record.standing}"


def record_superseded_text(record):
    """E.g. "superseded Mo Farah's 8:03.40", or "" when the record beat no stored record."""
    try:
        previous = record.supersedes
    except Record.DoesNotExist:
        return ""
    return f"superseded {previous.athlete.name}'s {previous.mark_display}"


def rivals_of(*, athlete):
    """Return the athletes who ran at least one race (edition, discipline, round) with
    ``athlete``, most shared races first, each annotated with ``shared_races``."""
    mine = Result.objects.filter(
        athlete=athlete,
        edition=OuterRef("edition"),
        discipline=OuterRef("discipline"),
        round=OuterRef("round"),
    )
    shared = Result.objects.filter(Exists(mine)).exclude(athlete=athlete)
    return list(
        Athlete.objects.filter(results__in=shared)
        .select_related("country")
        .annotate(shared_races=Count("results", distinct=True))
        .order_by("-shared_races", "name", "pk")
    )


def related_articles(*, athlete, limit=6):
    """Return up to ``limit`` published articles about ``athlete``, newest first."""
    from news.models import Article  # news depends on athletics, not the other way round

    return list(
        Article.objects.published()
        .filter(athletes=athlete)
        .select_related("section")
        .order_by("-published_at", "-pk")[:limit]
    )


@dataclass
class Source:
    number: int
    name: str
    url: str


class Footnotes:
    """Numbers distinct sources (name and URL) in the order rows cite them."""

    def __init__(self):
        self._numbers = OrderedDict()

    def cite(self, fact):
        """Return the footnote number of ``fact``'s source (None when it has none)."""
        if not fact.source:
            return None
        key = (fact.source, fact.source_url)
        if key not in self._numbers:
            self._numbers[key] = len(self._numbers) + 1
        return self._numbers[key]

    @property
    def sources(self):
        return [Source(number=n, name=name, url=url) for (name, url), n in self._numbers.items()]


@dataclass
class AthleteProfile:
    athlete: Athlete
    results: list
    medal_history: list
    medal_counts: dict
    best_marks: list
    records: list
    rivals: list
    articles: list
    sources: list
    events: list = field(default_factory=list)


def athlete_profile(*, athlete):
    """Return everything the profile page shows about ``athlete`` (5 queries, whatever
    the number of results, records, rivals or articles)."""
    results = athlete_results(athlete=athlete)
    history = athlete_medal_history(results=results)
    bests = best_marks(results=results)
    records = athlete_records(athlete=athlete)
    footnotes = Footnotes()
    # Numbered in reading order: medal history, best marks, records, then all results.
    for group in history:
        for result in group.results:
            result.footnote = footnotes.cite(result)
    for result in bests:
        result.footnote = footnotes.cite(result)
    for record in records:
        record.footnote = footnotes.cite(record)
        record.kind_label = record_kind_label(record)
        record.standing_text = record_standing(record)
        record.superseded_text = record_superseded_text(record)
        try:
            previous = record.supersedes
        except Record.DoesNotExist:
            previous = None
        record.previous_footnote = footnotes.cite(previous) if previous else None
    for result in results:
        result.footnote = footnotes.cite(result)
    events = list(athlete.disciplines.all())
    if not events:
        # Not entered by an editor: the events of the results on record, in order.
        seen = {}
        for result in results:
            seen.setdefault(result.discipline_id, result.discipline)
        events = sorted(seen.values(), key=lambda d: (d.sort_order, d.name))
    return AthleteProfile(
        athlete=athlete,
        results=results,
        medal_history=history,
        medal_counts=medal_counts_from(results),
        best_marks=bests,
        records=records,
        rivals=rivals_of(athlete=athlete),
        articles=related_articles(athlete=athlete),
        sources=footnotes.sources,
        events=events,
    )


# ---------------------------------------------------------------------------
# Head-to-head


@dataclass
class Race:
    edition: CompetitionEdition
    discipline: object
    round: str
    athlete_result: Result
    rival_result: Result
    ahead: Athlete | None  # None when the results do not say who finished ahead

    @property
    def round_display(self):
        return self.athlete_result.get_round_display()


@dataclass
class HeadToHead:
    athlete: Athlete
    rival: Athlete
    races: list
    athlete_wins: int
    rival_wins: int
    undecided: int


def finished_ahead(result, other):
    """Return which of two results in the same race finished ahead (by position, else by
    mark in the discipline's measure), or None when unknown or tied."""
    if result.position is not None and other.position is not None:
        if result.position == other.position:
            return None
        return result if result.position < other.position else other
    if result.mark is not None and other.mark is not None:
        measure = result.discipline.measure
        if is_better(result.mark, other.mark, measure):
            return result
        if is_better(other.mark, result.mark, measure):
            return other
    return None


def head_to_head(*, athlete, rival):
    """Return every race (same edition, discipline and round) both athletes ran, newest
    first, who finished ahead in each, and the overall score, in one query.

    Positions in a round run in several heats are compared as entered: the model does
    not record which heat a result came from.
    """
    results = (
        Result.objects.filter(athlete__in=[athlete, rival])
        .select_related("edition__competition", "edition__country", "discipline")
        .order_by()
    )
    return head_to_head_from(athlete=athlete, rival=rival, results=results)


def head_to_head_from(*, athlete, rival, results):
    """``head_to_head`` computed from already fetched ``results`` (those of both athletes,
    and maybe others', with edition, competition and discipline selected): no query."""
    by_race = {}
    for result in results:
        key = (result.edition_id, result.discipline_id, result.round)
        by_race.setdefault(key, {})[result.athlete_id] = result
    races = []
    for pair in by_race.values():
        if athlete.pk not in pair or rival.pk not in pair:
            continue
        mine, theirs = pair[athlete.pk], pair[rival.pk]
        winner = finished_ahead(mine, theirs)
        ahead = None if winner is None else (athlete if winner is mine else rival)
        races.append(
            Race(
                edition=mine.edition,
                discipline=mine.discipline,
                round=mine.round,
                athlete_result=mine,
                rival_result=theirs,
                ahead=ahead,
            )
        )
    round_order = {value: n for n, value in enumerate(Result.Round.values)}
    races.sort(
        key=lambda race: (
            -race.edition.year,
            race.edition.competition.level,
            race.discipline.sort_order,
            race.discipline.name,
            round_order.get(race.round, 99),
        )
    )
    athlete_wins = sum(1 for race in races if race.ahead is athlete)
    rival_wins = sum(1 for race in races if race.ahead is rival)
    return HeadToHead(
        athlete=athlete,
        rival=rival,
        races=races,
        athlete_wins=athlete_wins,
        rival_wins=rival_wins,
        undecided=len(races) - athlete_wins - rival_wins,
    )


# ---------------------------------------------------------------------------
# Competitions and medal tables


def editions_for_listing():
    """Return all editions newest first, with their competition, host country and the
    number of results and medals on record."""
    return list(
        CompetitionEdition.objects.for_listing()
        .annotate(
            result_count=Count("results", distinct=True),
            medal_count=Count("results", filter=~Q(results__medal=Medal.NONE), distinct=True),
        )
        .order_by("-year", F("start_date").desc(nulls_last=True), "competition__level", "name", "pk")
    )


@dataclass
class EventResults:
    discipline: object
    medallists: list
    others: list


def edition_results(*, edition):
    """Return the edition's results per discipline: medallists (gold, silver, bronze) and
    the other finalists on record by position, in one query."""
    results = (
        Result.objects.filter(edition=edition)
        .select_related("athlete__country", "discipline")
        .annotate(medal_rank=medal_rank())
        .order_by(
            "discipline__sort_order", "discipline__name", "discipline_id", "medal_rank", "position", "pk"
        )
    )
    events = OrderedDict()
    for result in results:
        event = events.setdefault(
            result.discipline_id, EventResults(discipline=result.discipline, medallists=[], others=[])
        )
        if result.medal:
            event.medallists.append(result)
        elif result.round == Result.Round.FINAL:
            event.others.append(result)
    for event in events.values():
        # Positions unknown go last, in the order entered.
        event.others.sort(key=lambda r: (r.position is None, r.position or 0, r.pk))
    return list(events.values())


def medal_table(*, competition=None):
    """Return countries with at least one medal on record, annotated with gold, silver,
    bronze and total, ordered gold, then silver, then bronze, then name (one query).

    An athlete's medals count for the athlete's current country.
    """
    scope = Q(athletes__results__medal__in=MEDALS)
    if competition is not None:
        scope &= Q(athletes__results__edition__competition=competition)
    annotations = {
        medal.value: Count("athletes__results", filter=scope & Q(athletes__results__medal=medal))
        for medal in MEDALS
    }
    return list(
        Country.objects.annotate(**annotations, total=Count("athletes__results", filter=scope))
        .filter(total__gt=0)
        .order_by("-gold", "-silver", "-bronze", "name")
    )


def medal_table_competitions():
    """Return the competitions that have at least one medal on record (for the filter)."""
    has_medal = Result.objects.medals().filter(edition__competition=OuterRef("pk"))
    return list(Competition.objects.filter(Exists(has_medal)).order_by("level", "name"))


# ---------------------------------------------------------------------------
# Follow an athlete: what is new about them (their feed, followers' digests)


@dataclass
class Update:
    """One new thing about an athlete: a published story about them, or a result or record
    of theirs that went on record at Podium (``at``: when it was published or recorded)."""

    kind: str  # "story", "result" or "record"
    athlete_id: int
    at: datetime.datetime
    item: object


def _since(athletes_since, athlete_field, time_field):
    """``(athlete is A and time > since A) or …`` for each ``{athlete id: since or None}``."""
    condition = Q(pk__in=[])
    for athlete_id, since in athletes_since.items():
        part = Q(**{athlete_field: athlete_id})
        if since is not None:
            part &= Q(**{f"{time_field}__gt": since})
        condition |= part
    return condition


def athlete_updates(*, athletes_since, limit=20):
    """Return what is new about the athletes of ``{athlete id: since}`` (a moment, or None
    for everything): published stories about them, their results and records on record
    after ``since``, newest first, at most ``limit`` of each kind (three queries)."""
    from news.models import Article  # news depends on athletics, not the other way round

    if not athletes_since:
        return []
    through = Article.athletes.through
    stories = (
        through.objects.filter(
            _since(athletes_since, "athlete_id", "article__published_at"),
            article__in=Article.objects.published(),
        )
        .select_related("article__section")
        .order_by("-article__published_at", "-article_id", "athlete_id")[:limit]
    )
    results = (
        Result.objects.filter(_since(athletes_since, "athlete_id", "recorded_at"))
        .select_related("athlete", "edition__competition", "discipline")
        .order_by("-recorded_at", "-edition__year", "-pk")[:limit]
    )
    records = (
        Record.objects.filter(_since(athletes_since, "athlete_id", "recorded_at"))
        .select_related("athlete", "discipline", "country", "competition")
        .order_by("-recorded_at", "-year", "-pk")[:limit]
    )
    updates = [Update("story", row.athlete_id, row.article.published_at, row.article) for row in stories]
    updates += [Update("record", r.athlete_id, r.recorded_at, r) for r in records]
    updates += [Update("result", r.athlete_id, r.recorded_at, r) for r in results]
    # A stable sort: equal moments keep stories first, then records, then results, each newest first.
    updates.sort(key=lambda update: update.at, reverse=True)
    return updates


def result_summary(result):
    """E.g. "1st, 1500 m final, World Championships Budapest 2023: 3:29.38 (gold, CR)"."""
    round_name = result.get_round_display().lower()
    text = f"{result.discipline.name} {round_name}, {result.edition}"
    if result.position:
        text = f"{ordinal(result.position)}, {text}"
    if result.mark is not None:
        text += f": {result.mark_display}"
    notes = ([result.get_medal_display().lower()] if result.medal else []) + list(result.record_flags)
    return f"{text} ({', '.join(notes)})" if notes else text


def ordinal(number):
    """1st, 2nd, 3rd, 4th… 11th, 12th, 13th, 21st."""
    suffix = "th" if 10 <= number % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    return f"{number}{suffix}"
