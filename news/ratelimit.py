"""Fixed-window rate limits through Django's cache (local memory in development, Redis in
production, so every gunicorn worker and machine shares the counts).

When the cache fails (Redis down or unreachable) the limits fail open: the hit is allowed
and a warning is logged. Refusing every comment while Redis restarts would punish fans
for our outage; the spam checks that do not need the cache still run.
"""

import logging
import re
import time
from dataclasses import dataclass

from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured

PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_RATE_RE = re.compile(r"^\s*(\d+)\s*/\s*([smhd])\s*$")
logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Limit:
    count: int
    seconds: int


def parse_rates(text):
    """``"5/m,20/h"`` -> ``[Limit(5, 60), Limit(20, 3600)]``."""
    limits = []
    for part in (text or "").split(","):
        if not part.strip():
            continue
        match = _RATE_RE.match(part)
        if not match:
            raise ImproperlyConfigured(f"Bad rate {part!r}: write it like 5/m,20/h (s, m, h or d).")
        limits.append(Limit(int(match[1]), PERIODS[match[2]]))
    return limits


def hit(scope, key, limits, now=None):
    """Count one hit for ``key`` and return 0 if it is allowed, else the seconds to wait.

    A refused hit is not counted, so a client that waits the given time gets through.
    A cache that fails (raising, or, with django-redis' IGNORE_EXCEPTIONS, answering
    nothing) allows the hit and logs a warning."""
    now = time.time() if now is None else now
    keys = []
    for limit in limits:
        window = int(now // limit.seconds)
        cache_key = f"ratelimit:{scope}:{key}:{limit.seconds}:{window}"
        keys.append((cache_key, limit, window))
    try:
        return _count(keys, now)
    except Exception as exc:  # noqa: BLE001 - any cache failure fails open, logged
        logger.warning(
            "rate limit cache unavailable, allowing the hit (fail open): %s",
            exc.__class__.__name__,
            extra={"scope": scope, "error": exc.__class__.__name__},
        )
        return 0


class CacheUnavailable(Exception):
    """The cache answered nothing where a working cache always answers."""


def _count(keys, now):
    counts = cache.get_many([k for k, _, _ in keys]) or {}
    wait = 0
    for cache_key, limit, window in keys:
        if (counts.get(cache_key) or 0) >= limit.count:
            wait = max(wait, int((window + 1) * limit.seconds - now) + 1)
    if wait:
        return wait
    for cache_key, limit, _ in keys:
        # add() is a no-op when the key exists; incr() is atomic on Redis.
        cache.add(cache_key, 0, timeout=limit.seconds + 1)
        try:
            value = cache.incr(cache_key)
        except ValueError:  # expired between add() and incr()
            value = cache.set(cache_key, 1, timeout=limit.seconds + 1) or 1
        if value is None:
            # django-redis with IGNORE_EXCEPTIONS: the error was swallowed (and logged by it).
            raise CacheUnavailable("the cache did not answer incr()")
    return 0
