"""Template helpers for athletes, marks and medals (display only; data comes from selectors)."""

import json

from django import template
from django.core.serializers.json import DjangoJSONEncoder
from django.utils.safestring import mark_safe

register = template.Library()

MEDAL_KEYS = ("gold", "silver", "bronze")


@register.filter
def initials(name):
    """Return up to two initials of ``name``: "Josh Kerr" -> "JK", "Narve Gilje Nordås" -> "NN"."""
    words = [word for word in str(name or "").split() if word[:1].isalpha()]
    if not words:
        return "?"
    if len(words) == 1:
        return words[0][0].upper()
    return (words[0][0] + words[-1][0]).upper()


@register.simple_tag
def medal_counts_of(athlete, counts=None):
    """Return the {"gold", "silver", "bronze", "total"} counts of ``athlete`` from ``counts``,
    which may be the mapping ``medal_counts_for`` returns ({athlete_id: counts}), one
    athlete's counts, or missing (then ``athlete.medal_counts`` if set, else None)."""
    if counts is None or counts == "":
        counts = getattr(athlete, "medal_counts", None)
    if not counts or not hasattr(counts, "get"):
        return None
    if all(key in counts for key in MEDAL_KEYS):
        return counts
    return counts.get(getattr(athlete, "pk", None))


@register.filter
def medal_items(counts):
    """Return [(medal, number), ...] for the medals with a non-zero count, gold first."""
    if not counts:
        return []
    return [(medal, counts.get(medal, 0)) for medal in MEDAL_KEYS if counts.get(medal)]


RECORD_FLAG_TITLES = {
    "world_record": "World record",
    "area_record": "Area record",
    "national_record": "National record",
    "championship_record": "Championship record",
    "personal_best": "Personal best",
    "season_best": "Season's best",
}


@register.filter
def record_flag_items(result):
    """Return [(abbreviation, title), ...] for the record flags set on ``result``."""
    return [
        (result._meta.get_field(name).verbose_name, title)
        for name, title in RECORD_FLAG_TITLES.items()
        if getattr(result, name, False)
    ]


_JSON_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


@register.filter
def json_ld(data):
    """Return ``data`` as a JSON-LD script element, escaped so no text can close it."""
    text = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False).translate(_JSON_ESCAPES)
    # Safe: <, > and & are escaped as JSON unicode escapes above, so the text cannot end the
    # script element or open a comment.
    return mark_safe(f'<script type="application/ld+json">{text}</script>')  # noqa: S308
