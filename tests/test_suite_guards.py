"""The suite itself: a missing feature must fail, never skip.

Guards written while a feature was being built (``if not hasattr(View, "post"): skip``,
"not built yet" branches) turn a later regression into a silent skip. The only skips
allowed are for a machine that lacks a service (PostgreSQL-only tests in the SQLite pass,
Chromium or Redis outside CI), and each of those fails under ``CI=true`` or runs in CI's
other pass."""

import re
from pathlib import Path

TESTS = Path(__file__).resolve().parent
FEATURE_GUARD = re.compile(
    r"not (yet )?built|not implemented yet|hasattr\([^)]*\)[^\n]*\n[^\n]*pytest\.skip|"
    r"except (ImportError|Resolver404|NoReverseMatch)[^\n]*\n[^\n]*(pytest\.skip|= False)",
    re.IGNORECASE,
)


def test_no_test_skips_or_branches_around_a_missing_feature():
    offenders = [
        f"{path.relative_to(TESTS)}:{source.count(chr(10), 0, match.start()) + 1}: {match[0]!r}"
        for path in sorted(TESTS.rglob("*.py"))
        if path.name != Path(__file__).name
        for source in [path.read_text()]
        for match in FEATURE_GUARD.finditer(source)
    ]
    assert offenders == []
