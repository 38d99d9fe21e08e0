"""Progression charts of an athlete's page: per discipline, the marks on record over time,
drawn as inline SVG by the template from the geometry computed here (no script, no inline
style: the classes are styled by the static stylesheet, in both colour schemes), with the
season's best of each year beside it.

Everything is computed from the results the profile already fetched: no query of its own,
so the page's query count does not grow with the results. A discipline needs two marked
results for a chart (one point is no progression); better marks are always higher on the
chart, so times (lower is better) run downwards.
"""

import datetime
from dataclasses import dataclass, field

from .marks import LOWER_IS_BETTER, format_mark, is_better

# The SVG's coordinate system (viewBox); the stylesheet scales it to the column's width,
# capped so its text stays near the page's size on a wide screen.
WIDTH, HEIGHT = 360, 200
LEFT, RIGHT, TOP, BOTTOM = 68, 12, 14, 30
PLOT_W, PLOT_H = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
MAX_Y_TICKS = 4
MAX_YEAR_LABELS = 6
# Steps of the mark axis, in stored units: hundredths of a second for times (a clock's
# steps: 10 s, 15 s, 30 s, a minute…), centimetres or points for the rest.
TIME_STEPS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 1500, 3000, 6000, 12000, 30000, 60000, 120000]
TIME_STEPS += [300000, 360000, 720000, 1800000]
ROUND_ORDER = {"heat": 0, "semi": 1, "final": 2}


@dataclass
class Point:
    result: object
    when: datetime.date
    x: float = 0.0
    y: float = 0.0
    is_best: bool = False
    leads: bool = True  # the best mark of its championship: on the line (other rounds are dots)

    @property
    def label(self):
        """E.g. "World Championships Budapest 2023, final: 3:29.38"."""
        return f"{self.result.edition}, {self.result.get_round_display().lower()}: {self.result.mark_display}"


@dataclass
class Tick:
    position: float
    label: str


@dataclass
class SeasonBest:
    year: int
    result: object


@dataclass
class Progression:
    discipline: object
    points: list
    season_bests: list
    indoor: bool = False  # indoor marks are a series of their own (not comparable with outdoor)
    y_ticks: list = field(default_factory=list)
    x_ticks: list = field(default_factory=list)  # year boundaries (grid lines)
    year_labels: list = field(default_factory=list)
    path: str = ""
    best: Point | None = None
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    right: int = WIDTH - RIGHT
    top: int = TOP
    bottom: int = HEIGHT - BOTTOM

    @property
    def slug(self):
        return f"{self.discipline.slug}-indoor" if self.indoor else self.discipline.slug

    @property
    def name(self):
        """E.g. "1500 m", or "1500 m indoor" for an event run both indoors and out."""
        if self.indoor and self.discipline.venue != self.discipline.Venue.INDOOR:
            return f"{self.discipline.name} indoor"
        return self.discipline.name

    @property
    def lower_is_better(self):
        return self.discipline.lower_is_better

    @property
    def description(self):
        """The chart's ``<desc>``: what it shows, in words."""
        first, last = self.points[0], self.points[-1]
        best = self.best
        direction = "Faster times are higher." if self.lower_is_better else "Better marks are higher."
        return (
            f"{len(self.points)} marks from {first.when.year} to {last.when.year}: first "
            f"{first.result.mark_display} ({first.result.edition.display_name}), latest "
            f"{last.result.mark_display} ({last.result.edition.display_name}), best "
            f"{best.result.mark_display} ({best.result.edition.display_name}). {direction}"
        )


def _when(result):
    """The day a result was set: its date, else its championship's first day, else mid-year."""
    return result.date or result.edition.start_date or datetime.date(result.edition.year, 7, 1)


def _nice_step(span, measure):
    """The smallest step (stored units) giving at most MAX_Y_TICKS ticks: 1, 2, 5, 10, 20,
    50… or, for times, TIME_STEPS."""
    if measure in LOWER_IS_BETTER:
        return next((step for step in TIME_STEPS if span / step <= MAX_Y_TICKS - 1), TIME_STEPS[-1])
    magnitude = 1
    while True:
        for factor in (1, 2, 5):
            step = factor * magnitude
            if span / step <= MAX_Y_TICKS - 1:
                return step
        magnitude *= 10


def _season_bests(results):
    best = {}
    for result in sorted(results, key=lambda r: (_when(r), r.pk)):
        year = _when(result).year
        current = best.get(year)
        if current is None or is_better(result.mark, current.mark, result.discipline.measure):
            best[year] = result
    return [SeasonBest(year=year, result=best[year]) for year in sorted(best, reverse=True)]


def _layout(progression):
    points, measure = progression.points, progression.discipline.measure
    marks = [point.result.mark for point in points]
    low, high = min(marks), max(marks)
    step = _nice_step(max(high - low, 1), measure)
    low, high = (low // step) * step, -(-high // step) * step
    if low == high:
        low, high = max(low - step, 0), high + step
    ticks = range(low, high + 1, step)

    def y_of(mark):
        share = (mark - low) / (high - low)
        # Better is higher: a low time near the top, a long throw near the top.
        return TOP + (share if progression.lower_is_better else 1 - share) * PLOT_H

    first_year, last_year = points[0].when.year, points[-1].when.year
    start = datetime.date(first_year, 1, 1).toordinal()
    end = datetime.date(last_year + 1, 1, 1).toordinal()

    def x_of(day):
        return LEFT + (day.toordinal() - start) / (end - start) * PLOT_W

    for point in points:
        point.x, point.y = round(x_of(point.when), 1), round(y_of(point.result.mark), 1)
    progression.path = "M" + " L".join(f"{p.x} {p.y}" for p in points if p.leads)
    progression.y_ticks = [Tick(round(y_of(mark), 1), format_mark(mark, measure)) for mark in ticks]
    years = list(range(first_year, last_year + 1))
    progression.x_ticks = [Tick(round(x_of(datetime.date(y, 1, 1)), 1), "") for y in [*years, last_year + 1]]
    every = -(-len(years) // MAX_YEAR_LABELS)
    progression.year_labels = [
        Tick(round((x_of(datetime.date(y, 1, 1)) + x_of(datetime.date(y + 1, 1, 1))) / 2, 1), str(y))
        for y in years[::-1][::every][::-1]  # the latest year always labelled
    ]


def progressions(*, results):
    """Return a Progression per discipline (indoor marks apart from outdoor ones) with two
    marked results or more among ``results``, in discipline order, outdoor first: points
    oldest first, laid out for the SVG, the best point marked, and the season's best of each
    year (newest first)."""
    by_series = {}
    for result in results:
        if result.mark is not None:
            by_series.setdefault((result.discipline_id, result.edition.indoor), []).append(result)
    charts = []
    for (_, indoor), marked in by_series.items():
        if len(marked) < 2:
            continue
        marked.sort(key=lambda r: (_when(r), ROUND_ORDER.get(r.round, 9), r.pk))
        points = [Point(result=result, when=_when(result)) for result in marked]
        progression = Progression(
            discipline=marked[0].discipline, points=points, season_bests=_season_bests(marked), indoor=indoor
        )
        best = points[0]
        for point in points[1:]:
            if is_better(point.result.mark, best.result.mark, progression.discipline.measure):
                best = point
        best.is_best, progression.best = True, best
        # The line joins each championship's best mark; its other rounds are dots beside it.
        leaders = {}
        for point in points:
            leader = leaders.get(point.result.edition_id)
            if leader is None or is_better(
                point.result.mark, leader.result.mark, progression.discipline.measure
            ):
                leaders[point.result.edition_id] = point
        for point in points:
            point.leads = leaders[point.result.edition_id] is point
        _layout(progression)
        charts.append(progression)
    charts.sort(key=lambda p: (p.discipline.sort_order, p.discipline.name, p.indoor))
    return charts
