"""Fixed-window rate limits, counted in the database (``core.models.RateLimitCount``), so
every gunicorn worker and machine shares the counts, whichever cache is configured; the
count is one atomic INSERT … ON CONFLICT UPDATE per window."""

import re
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.core.exceptions import ImproperlyConfigured
from django.db import connection, transaction

from .models import RateLimitCount

PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_RATE_RE = re.compile(r"^\s*(\d+)\s*/\s*([smhd])\s*$")


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
    A refused hit is not counted, so a client that waits the given time gets through."""
    stamp = time.time() if now is None else now
    now = datetime.fromtimestamp(stamp, tz=UTC)
    windows = []
    for limit in limits:
        window = int(stamp // limit.seconds)
        ends = datetime.fromtimestamp((window + 1) * limit.seconds, tz=UTC)
        windows.append((f"{scope}:{key}:{limit.seconds}:{window}", limit, ends))
    with transaction.atomic():
        counts = dict(
            RateLimitCount.objects.filter(key__in=[name for name, _, _ in windows]).values_list(
                "key", "count"
            )
        )
        waits = [
            (ends - now).total_seconds()
            for name, limit, ends in windows
            if counts.get(name, 0) >= limit.count
        ]
        if waits:
            return int(max(waits)) + 1
        table = connection.ops.quote_name(RateLimitCount._meta.db_table)
        with connection.cursor() as cursor:
            for name, _limit, ends in windows:
                # One atomic statement: concurrent workers never lose a hit (SQLite and PostgreSQL).
                cursor.execute(
                    f"INSERT INTO {table} (key, count, expires_at) VALUES (%s, 1, %s) "  # noqa: S608 (our table name)
                    f"ON CONFLICT (key) DO UPDATE SET count = {table}.count + 1",
                    [name, ends],
                )
        # Forget the windows that have ended (an indexed range; posts are few, reads many).
        RateLimitCount.objects.filter(expires_at__lt=now - timedelta(minutes=1)).delete()
    return 0
