"""Results in stories (README, "Results in stories"): shortcodes in an article's Markdown
that show live data from the results database.

    [[results <edition-slug> <discipline-slug>]]   the final's table
    [[h2h <athlete-slug> <athlete-slug>]]          head-to-head score and races
    [[athlete <athlete-slug>]]                     a card with the athlete's medals
    [[record <record-id>]]                         a record or best and its standing

Each stands on a line of its own (outside code blocks). At save time the line becomes a
marker comment in ``body_html``, written after nh3 has sanitised the rest (nh3 strips
comments, so the Markdown cannot forge a marker, nor anything an embed looks like). When
the page is built, ``render_body`` replaces each marker with HTML from our templates,
fetched in a few queries whatever the number of embeds or results. The admin form
refuses a shortcode whose target is unknown (``shortcode_errors``); a target deleted
later is left out of the page, never an error.
"""

import datetime
import re
import secrets
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe

from athletics.models import Athlete, CompetitionEdition, Discipline, Record, Result
from athletics.selectors import athlete_medal_history, head_to_head_from, medal_counts_from

from .markdown import render_markdown

# What each shortcode takes: (argument names, an example), for the admin's messages.
KINDS = {
    "results": (("edition slug", "discipline slug"), "[[results olympic-games-paris-2024 1500-m]]"),
    "h2h": (("athlete slug", "athlete slug"), "[[h2h josh-kerr jakob-ingebrigtsen]]"),
    "athlete": (("athlete slug",), "[[athlete josh-kerr]]"),
    "record": (("record number",), "[[record 12]]"),
}
# A shortcode line: up to three spaces of indent (four make a code block), "[[", a word,
# its arguments, "]]".
SHORTCODE_LINE = re.compile(r"^ {0,3}\[\[\s*([^\s\]]+)((?:\s+[^\s\]]+)*)\s*\]\]\s*$")
FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
ARGUMENT = re.compile(r"[A-Za-z0-9_-]+")
MARKER = re.compile(r"<!--embed:([a-z0-9]+)((?::[A-Za-z0-9_-]+)+)-->")


@dataclass(frozen=True)
class Shortcode:
    text: str  # as the editor wrote it, trimmed
    kind: str
    args: tuple

    @property
    def well_formed(self):
        """Known kind, the right number of arguments, each a slug (a number for a record)."""
        spec = KINDS.get(self.kind)
        if spec is None or len(self.args) != len(spec[0]):
            return False
        if self.kind == "record":
            return self.args[0].isdigit() and len(self.args[0]) < 19
        return all(ARGUMENT.fullmatch(arg) for arg in self.args)


def shortcodes_in(text):
    """Each ``(line number, Shortcode)`` standing on a line of its own in Markdown ``text``,
    outside fenced code blocks."""
    found, fence = [], None
    for number, line in enumerate((text or "").splitlines()):
        opening = FENCE.match(line)
        if fence is not None:
            if opening and opening.group(1)[0] == fence[0] and len(opening.group(1)) >= len(fence):
                fence = None
            continue
        if opening:
            fence = opening.group(1)
            continue
        match = SHORTCODE_LINE.match(line)
        if match:
            shortcode = Shortcode(
                text=line.strip(), kind=match.group(1).lower(), args=tuple(match.group(2).split())
            )
            found.append((number, shortcode))
    return found


def body_html(text):
    """Sanitised HTML for an article's Markdown ``text``, each well-formed shortcode line
    replaced by a marker that ``render_body`` fills when the page is built."""
    lines = (text or "").splitlines()
    # A placeholder paragraph no one can type (a fresh random word), swapped for the
    # marker once nh3 is done.
    nonce = secrets.token_hex(8)
    markers = {}
    for number, shortcode in shortcodes_in(text):
        if shortcode.well_formed:
            token = f"podiumembed{nonce}n{len(markers)}"
            markers[token] = f"<!--embed:{shortcode.kind}:{':'.join(shortcode.args)}-->"
            lines[number] = f"\n{token}\n"
    html = render_markdown("\n".join(lines))
    for token, marker in markers.items():
        html = html.replace(f"<p>{token}</p>", marker)
    return html


def embeds_in(html):
    """The ``(kind, args)`` of each marker in stored ``html``, in reading order."""
    return [(match.group(1), tuple(match.group(2)[1:].split(":"))) for match in MARKER.finditer(html or "")]


# ---------------------------------------------------------------- the admin's check


def shortcode_errors(text):
    """One message per shortcode of ``text`` that cannot be shown, naming it: unknown kind,
    wrong arguments, or a slug or number that names nothing (four queries at most)."""
    errors, known = [], []
    for _number, shortcode in shortcodes_in(text):
        spec = KINDS.get(shortcode.kind)
        if spec is None:
            errors.append(
                f"{shortcode.text}: unknown shortcode “{shortcode.kind}”; use "
                f"{', '.join(KINDS)} (see the help below)."
            )
        elif not shortcode.well_formed:
            names = " and ".join(spec[0])
            errors.append(f"{shortcode.text}: {shortcode.kind} takes {names}, e.g. {spec[1]}.")
        elif shortcode.kind == "h2h" and shortcode.args[0] == shortcode.args[1]:
            errors.append(f"{shortcode.text}: name two different athletes.")
        else:
            known.append(shortcode)
    wanted = {kind: set() for kind in ("edition", "discipline", "athlete", "record")}
    for shortcode in known:
        if shortcode.kind == "results":
            wanted["edition"].add(shortcode.args[0])
            wanted["discipline"].add(shortcode.args[1])
        elif shortcode.kind == "record":
            wanted["record"].add(int(shortcode.args[0]))
        else:
            wanted["athlete"].update(shortcode.args)
    exists = {
        "edition": _existing(CompetitionEdition, "slug", wanted["edition"]),
        "discipline": _existing(Discipline, "slug", wanted["discipline"]),
        "athlete": _existing(Athlete, "slug", wanted["athlete"]),
        "record": {str(pk) for pk in _existing(Record, "pk", wanted["record"])},
    }
    nouns = {
        "edition": "no championship edition has the slug “{}”",
        "discipline": "no discipline has the slug “{}”",
        "athlete": "no athlete has the slug “{}”",
        "record": "there is no record number {}",
    }
    for shortcode in known:
        roles = {"results": ("edition", "discipline"), "record": ("record",)}.get(shortcode.kind)
        roles = roles or ("athlete",) * len(shortcode.args)
        missing = [
            nouns[role].format(arg)
            for role, arg in zip(roles, shortcode.args, strict=True)
            if arg not in exists[role]
        ]
        if missing:
            errors.append(f"{shortcode.text}: {'; '.join(missing)}.")
    return errors


def _existing(model, field_name, values):
    if not values:
        return set()
    return set(model.objects.filter(**{f"{field_name}__in": values}).values_list(field_name, flat=True))


# ---------------------------------------------------------------- the page


@dataclass
class FinalTable:
    edition: CompetitionEdition
    discipline: Discipline
    results: list

    @property
    def date(self):
        return next((result.date for result in self.results if result.date), None)


@dataclass
class AthleteCard:
    athlete: Athlete
    medal_counts: dict
    medal_history: list


@dataclass
class EmbedData:
    """What the embeds of one article show, each kind fetched in one query."""

    finals: dict = field(default_factory=dict)  # (edition slug, discipline slug) -> FinalTable
    athletes: dict = field(default_factory=dict)  # slug -> Athlete
    results_of: dict = field(default_factory=dict)  # athlete pk -> [Result] (head-to-heads)
    cards: dict = field(default_factory=dict)  # slug -> AthleteCard
    records: dict = field(default_factory=dict)  # pk -> Record


def record_queryset():
    """Records with what an embed and "Since this story" show, in the one query."""
    return Record.objects.select_related(
        "athlete__country", "discipline", "country", "competition", "superseded_by__athlete__country",
        "superseded_by__discipline",
    )  # fmt: skip


def load(embeds, *, article=None):
    """Fetch what ``embeds`` (``embeds_in``'s pairs, of one article or of many) show, and
    ``article``'s linked records: at most one query per kind of data (finals, athletes,
    their results, their medals, records), whatever the number of embeds or of results."""
    data = EmbedData()
    finals = {args for kind, args in embeds if kind == "results"}
    pairs = [args for kind, args in embeds if kind == "h2h"]
    carded = {args[0] for kind, args in embeds if kind == "athlete"}
    record_ids = {int(args[0]) for kind, args in embeds if kind == "record" and args[0].isdigit()}
    if finals:
        _load_finals(data, finals)
    slugs = carded | {slug for pair in pairs for slug in pair}
    if slugs:
        data.athletes = {a.slug: a for a in Athlete.objects.for_listing().filter(slug__in=slugs)}
    if pairs:
        ids = [data.athletes[slug].pk for pair in pairs for slug in pair if slug in data.athletes]
        results = Result.objects.filter(athlete_id__in=ids).select_related(
            "edition__competition", "edition__country", "discipline"
        )
        for result in results.order_by():
            data.results_of.setdefault(result.athlete_id, []).append(result)
    cards = [data.athletes[slug] for slug in carded if slug in data.athletes]
    if cards:
        medals = {athlete.pk: [] for athlete in cards}
        for result in (
            Result.objects.medals()
            .filter(athlete__in=cards)
            .select_related("edition__competition", "edition__country", "discipline")
        ):
            medals[result.athlete_id].append(result)
        for athlete in cards:
            data.cards[athlete.slug] = AthleteCard(
                athlete=athlete,
                medal_counts=medal_counts_from(medals[athlete.pk]),
                medal_history=athlete_medal_history(results=medals[athlete.pk]),
            )
    if record_ids or article is not None:
        linked = Q()
        if article is not None:
            through = type(article).records.through
            linked = Q(pk__in=through.objects.filter(article_id=article.pk).values("record_id"))
        records = record_queryset().filter(linked | Q(pk__in=record_ids))
        data.records = {record.pk: record for record in records}
    return data


def _load_finals(data, finals):
    wanted = Q()
    for edition_slug, discipline_slug in finals:
        wanted |= Q(edition__slug=edition_slug, discipline__slug=discipline_slug)
    results = (
        Result.objects.filter(wanted, round=Result.Round.FINAL)
        .select_related("athlete__country", "edition__competition", "discipline")
        .order_by("position", "pk")
    )
    for result in results:
        key = (result.edition.slug, result.discipline.slug)
        if key not in data.finals:
            data.finals[key] = FinalTable(edition=result.edition, discipline=result.discipline, results=[])
        data.finals[key].results.append(result)
    empty = finals - data.finals.keys()
    if empty:  # no final on record yet: the edition and discipline still name the table
        editions = CompetitionEdition.objects.select_related("competition").filter(
            slug__in={edition for edition, _ in empty}
        )
        editions = {edition.slug: edition for edition in editions}
        disciplines = {d.slug: d for d in Discipline.objects.filter(slug__in={d for _, d in empty})}
        for edition_slug, discipline_slug in empty:
            if edition_slug in editions and discipline_slug in disciplines:
                data.finals[(edition_slug, discipline_slug)] = FinalTable(
                    edition=editions[edition_slug], discipline=disciplines[discipline_slug], results=[]
                )
    for table in data.finals.values():
        # Places unknown go last, in the order entered.
        table.results.sort(key=lambda r: (r.position is None, r.position or 0, r.pk))


def _context(kind, args, data):
    """The template context of one embed, or None when its target is gone."""
    if kind == "results":
        table = data.finals.get(args)
        return table and {"table": table}
    if kind == "h2h":
        athlete, rival = (data.athletes.get(slug) for slug in args)
        if athlete is None or rival is None or athlete.pk == rival.pk:
            return None
        results = data.results_of.get(athlete.pk, []) + data.results_of.get(rival.pk, [])
        return {"h2h": head_to_head_from(athlete=athlete, rival=rival, results=results)}
    if kind == "athlete":
        card = data.cards.get(args[0])
        return card and {"card": card}
    if kind == "record":
        record = data.records.get(int(args[0])) if args[0].isdigit() else None
        return record and {"record": record}
    return None


def render_body(article, data):
    """``article.body_html`` with each marker replaced by its embed's HTML (nothing when
    its target no longer exists). Safe: the body was sanitised at save time and the embeds
    are our templates, auto-escaped."""
    count = 0

    def replace(match):
        nonlocal count
        kind, args = match.group(1), tuple(match.group(2)[1:].split(":"))
        context = _context(kind, args, data)
        if context is None:
            return ""
        count += 1
        context.update(embed_id=f"embed-{count}", site_name=settings.SITE_NAME)
        return render_to_string(f"news/embeds/{kind}.html", context)

    return mark_safe(MARKER.sub(replace, article.body_html or ""))  # noqa: S308


def render_bodies(articles):
    """Each of ``articles``' bodies, in order, with its embeds rendered (``render_body``)
    from one ``load`` for them all: a feed costs the same queries for 1 article or 20."""
    data = load([embed for article in articles for embed in embeds_in(article.body_html)])
    return [render_body(article, data) for article in articles]


@dataclass
class Superseded:
    record: Record  # the record the story is about
    successor: Record  # the record that beat it, after the story was published


def since_this_story(article, records):
    """The records among ``records`` (the article's linked and embedded ones) beaten after
    ``article`` was published, each with the record that beat it, in the order they fell.
    Beaten on the day of publication or before does not count: the story may be about
    that very race. No query: the successors come with ``record_queryset``."""
    if article.published_at is None:
        return []
    published = timezone.localdate(article.published_at)
    found = []
    for record in records:
        successor = record.superseded_by if record.superseded_by_id else None
        if record.is_current or successor is None:
            continue
        after = successor.date > published if successor.date else successor.year > published.year
        if after:
            found.append(Superseded(record=record, successor=successor))
    found.sort(
        key=lambda item: (item.successor.date or datetime.date(item.successor.year, 12, 31), item.record.pk)
    )
    return found
