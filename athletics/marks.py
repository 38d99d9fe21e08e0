"""Marks: stored as sortable integers, shown in the sport's notation.

Units of the stored integer, by measure:

* time: hundredths of a second ("3:29.38" -> 20938, "9.58" -> 958, "2:01:09" -> 726900)
* distance and height: centimetres ("8.95" -> 895, "2.35" -> 235)
* points: points ("8998" -> 8998)

Centimetres and hundredths are the precision that results are published in, so a
stored value formats back to exactly the text it was parsed from.
"""

import re

from django.core.exceptions import ValidationError
from django.db import models


class Measure(models.TextChoices):
    TIME = "time", "Time (lower is better)"
    DISTANCE = "distance", "Distance (higher is better)"
    HEIGHT = "height", "Height (higher is better)"
    POINTS = "points", "Points (higher is better)"


LOWER_IS_BETTER = {Measure.TIME}

_TIME_RE = re.compile(
    r"""^(?:
        (?P<h>\d{1,2}):(?P<hm>[0-5]\d):(?P<hs>[0-5]\d)   # h:mm:ss
      | (?P<m>\d{1,3}):(?P<ms>[0-5]\d)                   # m:ss
      | (?P<s>\d{1,3})                                    # ss
    )(?:\.(?P<frac>\d{1,2}))?$""",
    re.VERBOSE,
)
_METRES_RE = re.compile(r"^(?P<m>\d{1,3})(?:\.(?P<frac>\d{1,2}))?$")
_POINTS_RE = re.compile(r"^\d{1,5}$")


def _invalid(text, example):
    return ValidationError(
        "“%(text)s” is not a valid mark: write it like “%(example)s”.",
        code="invalid_mark",
        params={"text": text, "example": example},
    )


EXAMPLES = {
    Measure.TIME: "3:29.38",
    Measure.DISTANCE: "8.95",
    Measure.HEIGHT: "2.35",
    Measure.POINTS: "8998",
}


def parse_mark(text, measure):
    """Return the stored integer for a mark written in notation; ValidationError if not."""
    cleaned = (text or "").strip()
    example = EXAMPLES[measure]
    if measure == Measure.TIME:
        match = _TIME_RE.match(cleaned)
        if not match:
            raise _invalid(text, example)
        frac = (match["frac"] or "0").ljust(2, "0")
        if match["h"] is not None:
            seconds = int(match["h"]) * 3600 + int(match["hm"]) * 60 + int(match["hs"])
        elif match["m"] is not None:
            seconds = int(match["m"]) * 60 + int(match["ms"])
        else:
            seconds = int(match["s"])
        value = seconds * 100 + int(frac)
    elif measure in (Measure.DISTANCE, Measure.HEIGHT):
        match = _METRES_RE.match(cleaned)
        if not match:
            raise _invalid(text, example)
        value = int(match["m"]) * 100 + int((match["frac"] or "0").ljust(2, "0"))
    elif measure == Measure.POINTS:
        if not _POINTS_RE.match(cleaned):
            raise _invalid(text, example)
        value = int(cleaned)
    else:  # pragma: no cover - guarded by the choices
        raise ValueError(f"unknown measure {measure!r}")
    if value <= 0:
        raise ValidationError("A mark must be greater than zero.", code="invalid_mark")
    return value


def format_mark(value, measure):
    """Return the notation for a stored mark ("" when there is none)."""
    if value is None:
        return ""
    if measure == Measure.TIME:
        seconds, hundredths = divmod(value, 100)
        hours, rest = divmod(seconds, 3600)
        minutes, secs = divmod(rest, 60)
        if hours:
            text = f"{hours}:{minutes:02d}:{secs:02d}"
            # Road times are published to the second; keep hundredths only when present.
            return f"{text}.{hundredths:02d}" if hundredths else text
        if minutes:
            return f"{minutes}:{secs:02d}.{hundredths:02d}"
        return f"{secs}.{hundredths:02d}"
    if measure in (Measure.DISTANCE, Measure.HEIGHT):
        metres, centimetres = divmod(value, 100)
        return f"{metres}.{centimetres:02d}"
    return str(value)


def is_better(value, other, measure):
    """Whether mark ``value`` beats ``other`` in this measure (ties do not)."""
    if measure in LOWER_IS_BETTER:
        return value < other
    return value > other
