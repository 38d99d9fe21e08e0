"""Template helpers for athletes, marks and medals (display only; data comes from selectors)."""

from django import template

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
