"""Redis as a cache that can fail without taking the site with it.

django-redis with ``IGNORE_EXCEPTIONS`` turns a Redis error into a cache miss, and 1-second
socket timeouts bound each call. But a page makes several cache calls, so a Redis that
hangs (accepts connections, never answers) would still cost a second per call, many
seconds per page. ``CircuitBreakerConnection`` adds a circuit breaker: after a failure,
every Redis call in this process fails at once, without touching the network, for
``OPEN_SECONDS``; then one call tries again. One breaker per Redis server (host, port).
The first failure is logged by django-redis (with its traceback) and the trip by
``config.redis``; the instant failures while the circuit is open are not logged again
(``SkipCircuitOpenRecords``).
"""

import logging
import threading
import time

from redis.connection import Connection
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

OPEN_SECONDS = 5.0
_FAILURES = (RedisConnectionError, RedisTimeoutError, OSError)


class CircuitOpen(RedisConnectionError):
    """Redis failed moments ago: not tried again yet."""


class _Breaker:
    def __init__(self):
        self.open_until = 0.0
        self.lock = threading.Lock()

    def check(self):
        remaining = self.open_until - time.monotonic()
        if remaining > 0:
            raise CircuitOpen(f"Redis failed moments ago; not tried for another {remaining:.1f} s")

    def trip(self, error):
        with self.lock:
            was_closed = self.open_until <= time.monotonic()
            self.open_until = time.monotonic() + OPEN_SECONDS
        if was_closed:
            logger.warning(
                "redis unavailable, cache bypassed for %.0f s: %s",
                OPEN_SECONDS,
                error.__class__.__name__,
                extra={"error": error.__class__.__name__},
            )

    def reset(self):
        with self.lock:
            self.open_until = 0.0


_breakers = {}
_breakers_lock = threading.Lock()


def breaker_for(host, port):
    """The breaker of the Redis server at ``host``:``port`` (one per process)."""
    with _breakers_lock:
        return _breakers.setdefault((host, port), _Breaker())


def reset_breakers():
    """Close every circuit (tests; or after Redis is known to be back)."""
    with _breakers_lock:
        for each in _breakers.values():
            each.reset()


class CircuitBreakerConnection(Connection):
    """A redis-py connection that fails fast while the breaker is open and opens it on
    any connection error or timeout."""

    @property
    def breaker(self):
        return breaker_for(self.host, self.port)

    def connect_check_health(self, *args, **kwargs):
        self.breaker.check()
        try:
            return super().connect_check_health(*args, **kwargs)
        except _FAILURES as error:
            self.breaker.trip(error)
            raise

    def send_packed_command(self, *args, **kwargs):
        self.breaker.check()
        try:
            return super().send_packed_command(*args, **kwargs)
        except _FAILURES as error:
            self.breaker.trip(error)
            raise

    def read_response(self, *args, **kwargs):
        try:
            return super().read_response(*args, **kwargs)
        except _FAILURES as error:
            self.breaker.trip(error)
            raise


def cache_options():
    """django-redis OPTIONS for Podium's cache (used by config/settings.py)."""
    return {
        # A Redis outage degrades to cache misses, never to errors or long waits.
        "IGNORE_EXCEPTIONS": True,
        "SOCKET_CONNECT_TIMEOUT": 1,
        "SOCKET_TIMEOUT": 1,
        "CONNECTION_POOL_KWARGS": {"connection_class": CircuitBreakerConnection},
    }


class SkipCircuitOpenRecords(logging.Filter):
    """Drops django-redis' "Exception ignored" records caused by the open circuit: the
    outage was logged when it began, once is enough."""

    def filter(self, record):
        error = record.exc_info[1] if record.exc_info else None
        while error is not None:
            if isinstance(error, CircuitOpen):
                return False
            error = error.__cause__ or error.__context__
        return True
