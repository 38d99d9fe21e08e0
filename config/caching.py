"""Podium's caching (README, "Performance"): generation counters, page bundles of
fragments and data, whole-response caching for feeds and sitemaps, and HTTP cache headers.

Generations
    Every cached thing is keyed by the *generation* of the content it was built from: one
    counter per scope — ``news`` (articles, sections, tags, authors), ``athletics``
    (athletes, results, records, championships), ``comments:<article id>`` — plus ``all``,
    which every key includes. ``bump(scope)`` is called wherever that content changes
    (``config.invalidation``: model signals, the admin's bulk actions, ``record_create``,
    the data loaders), so the next request computes a new key and never reads the old
    entry, which simply expires. Nothing is ever deleted by pattern.

    A bump writes a fresh random value (concurrent bumps cannot collapse into one), at
    once and again when the surrounding transaction commits: a request that read the new
    counter before the commit may have cached the old rows under it.

    The counters live in the default cache when it is shared between processes (Redis in
    production). A local-memory cache is one per gunicorn worker, so there they live in a
    small memory-mapped file that every worker on the machine shares: an edit made
    through one worker is seen by all of them on their next request.

Page bundles (``Page``)
    One cache entry per page and generation holding rendered HTML fragments (the
    ``{% fragment %}`` tag in ``news/templatetags/fragments.py``) and computed values
    (``Page.value``). Fragments are rendered from the page's own context, never from the
    request's: they cannot contain a CSRF token, a message, a session or a name from a
    cookie. Per-request parts inside a fragment (a report form's CSRF token) are
    ``{% live %}`` holes filled on every response.

What is never cached: a staff preview, a re-rendered form, anything for a POST, and a
whole response for a request that carries a session or messages (see ``may_personalise``).
"""

import fcntl
import hashlib
import mmap
import os
import secrets
import struct
import tempfile
import threading
import time
from collections import OrderedDict

from django.conf import settings
from django.core.cache import cache, caches
from django.core.cache.backends.locmem import LocMemCache
from django.db import transaction
from django.utils import timezone
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.functional import SimpleLazyObject, empty

ALL = "all"
NEWS = "news"
ATHLETICS = "athletics"

# Fragments expire after 15 minutes even when nothing changes (rebuilt on demand): this
# bounds what a bump lost to a Redis outage can leave stale, and the memory of old keys.
PAGE_TIMEOUT = 15 * 60
# Comment lists show relative times ("5 minutes ago"): rebuilt at least once a minute.
COMMENTS_TIMEOUT = 60
# Cache-Control max-age for public pages read anonymously (a CDN or proxy may keep them).
PUBLIC_MAX_AGE = 60


def comments(article_id):
    """The scope of one article's comments."""
    return f"comments:{article_id}"


class Lazy(SimpleLazyObject):
    """A value computed on first use, so that what a cached fragment needs is never
    computed on a hit. Templates call it (it is callable) and so work on the value
    itself, not through the proxy; Python code may use it as the value."""

    def __call__(self):
        if self._wrapped is empty:
            self._setup()
        return self._wrapped

    @property
    def is_evaluated(self):
        return self._wrapped is not empty


def lazy(compute):
    """``compute()``, on first use (see ``Lazy``)."""
    return Lazy(compute)


def _digest(*parts):
    return hashlib.blake2b(repr(parts).encode(), digest_size=10).hexdigest()


# ---------------------------------------------------------------- generation counters


class CacheCounters:
    """Counters in the default cache (shared by every process when it is Redis)."""

    def read(self, scopes):
        keys = {f"gen:{scope}": scope for scope in scopes}
        found = cache.get_many(list(keys))
        values = {}
        for key, scope in keys.items():
            value = found.get(key)
            if value is None:
                # Missing (new, or evicted): start anywhere new. add() keeps a concurrent first.
                value = secrets.randbits(62)
                if not cache.add(key, value, timeout=None):
                    value = cache.get(key, value)
            values[scope] = value
        return values

    def bump(self, scopes):
        cache.set_many({f"gen:{scope}": secrets.randbits(62) for scope in scopes}, timeout=None)


class SharedFileCounters:
    """Counters in a memory-mapped file shared by the processes of one machine, for a
    cache that is local to each process. A scope hashes to one of SLOTS 8-byte slots (two
    scopes sharing a slot only invalidate each other more often). A new file starts with
    random values, and a file replaced under a running process is noticed (by its inode).
    The file is per project directory and database (``CACHE_GENERATIONS_FILE`` to choose)."""

    SLOTS = 16384
    SIZE = SLOTS * 8
    EPOCH_KEY = "gen-epoch"
    # Slots of their own for the site-wide scopes: an article's comments never share one.
    FIXED = {ALL: 0, NEWS: 1, ATHLETICS: 2}

    def __init__(self, path):
        self.path = str(path)
        self._map = None
        self._inode = None
        self._lock = threading.Lock()

    def _mapping(self):
        try:
            inode = os.stat(self.path).st_ino
        except FileNotFoundError:
            inode = None
        if self._map is None or inode != self._inode:
            with self._lock:
                self._open()
        return self._map

    def _open(self):
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            try:
                if os.fstat(fd).st_size < self.SIZE:
                    os.pwrite(fd, os.urandom(self.SIZE), 0)
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)
            self._map = mmap.mmap(fd, self.SIZE)
            self._inode = os.fstat(fd).st_ino
        finally:
            os.close(fd)  # the mapping keeps the file open

    def _offset(self, scope):
        if scope in self.FIXED:
            return self.FIXED[scope] * 8
        digest = hashlib.blake2b(scope.encode(), digest_size=8).digest()
        return (len(self.FIXED) + int.from_bytes(digest, "little") % (self.SLOTS - len(self.FIXED))) * 8

    def read(self, scopes):
        mapping = self._mapping()
        # Mixed with an epoch kept in the (local) cache itself: a cleared cache starts new
        # generations, so nothing remembered in the process outlives it.
        epoch = cache.get(self.EPOCH_KEY)
        if epoch is None:
            cache.add(self.EPOCH_KEY, secrets.randbits(63), timeout=None)
            epoch = cache.get(self.EPOCH_KEY, 0)
        return {scope: struct.unpack_from("<Q", mapping, self._offset(scope))[0] ^ epoch for scope in scopes}

    def bump(self, scopes):
        mapping = self._mapping()
        for scope in scopes:
            struct.pack_into("<Q", mapping, self._offset(scope), secrets.randbits(63))


_counters = None


def counters():
    """The counter store for the configured default cache (chosen once per process)."""
    global _counters
    if _counters is None:
        if isinstance(caches["default"], LocMemCache):
            name = _digest(str(settings.BASE_DIR), str(settings.DATABASES["default"].get("NAME")))
            path = getattr(settings, "CACHE_GENERATIONS_FILE", None) or os.path.join(
                tempfile.gettempdir(), f"podium-generations-{name}.bin"
            )
            _counters = SharedFileCounters(path)
        else:
            _counters = CacheCounters()
    return _counters


def reset_counters():
    """Forget the chosen counter store (tests that switch the cache backend)."""
    global _counters
    _counters = None


def generations(*scopes, request=None):
    """``{scope: generation}`` for ``scopes`` and ``all``; memoised on ``request``, so a
    page reads each counter once (one round trip to Redis for those not read yet). A view
    that knows which scopes its later parts need reads them all at once up front."""
    wanted = (ALL, *scopes)
    if request is None:
        return counters().read(wanted)
    memo = getattr(request, "_podium_generations", None)
    if memo is None:
        memo = request._podium_generations = {}
    missing = [scope for scope in wanted if scope not in memo]
    if missing:
        memo.update(counters().read(missing))
    return {scope: memo[scope] for scope in wanted}


class _CommitBump:
    """The after-commit bump of one transaction: every scope bumped in it, once."""

    def __init__(self):
        self.scopes = set()

    def __call__(self):
        counters().bump(self.scopes)


def bump(*scopes):
    """Invalidate everything cached from ``scopes``: now, and once more after the
    current transaction commits (if there is one)."""
    scopes = tuple(dict.fromkeys(scopes))
    if not scopes:
        return
    counters().bump(scopes)
    connection = transaction.get_connection()
    if connection.in_atomic_block:
        for _sids, callback, _robust in connection.run_on_commit:
            if isinstance(callback, _CommitBump):
                callback.scopes.update(scopes)
                return
        pending = _CommitBump()
        pending.scopes.update(scopes)
        transaction.on_commit(pending, robust=True)


def bump_all():
    """Invalidate every cached page (after bulk loads that skip model signals)."""
    bump(ALL)


# ---------------------------------------------------------------- scheduled content

# scope -> callable returning the next time (an aware datetime) at which content of the
# scope changes by itself (a scheduled article going public), or None.
_EXPIRY = {}


def changes_at(scope, when):
    """Register ``when()``: cached content of ``scope`` expires at the time it returns."""
    _EXPIRY[scope] = when


def _expiry(scopes, request):
    """The earliest time at which content of ``scopes`` changes by itself, as a timestamp
    (None: not before the next bump). Kept in the cache per generation, so the query
    behind it runs once per change of content, not once per page."""
    gens = generations(*scopes, request=request)
    times = []
    for scope in scopes:
        if scope not in _EXPIRY:
            continue
        key = f"expiry:{scope}:{gens[scope]}"
        stored = cache.get(key)
        if stored is None:
            moment = _EXPIRY[scope]()
            stored = moment.timestamp() if moment is not None else 0
            # Kept until it passes; then the following scheduled time is looked up.
            timeout = None if not stored else max(1, int(stored - _now()) + 1)
            cache.set(key, stored, timeout)
        if stored:
            times.append(stored)
    return min(times) if times else None


def _now():
    return timezone.now().timestamp()


# ---------------------------------------------------------------- page bundles


class Recent:
    """The ``size`` entries this process used last, each with its own timeout (seconds;
    None: kept until pushed out). Thread-safe, for gthread workers.

    ``RECENT`` keeps page bundles in front of the shared cache: a bundle's key carries its
    generations, so a kept copy is never stale, and a hit costs neither a round trip to
    Redis nor unpickling."""

    def __init__(self, size):
        self.size = size
        self.items = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key):
        with self.lock:
            entry = self.items.get(key)
            if entry is None:
                return None
            data, expires = entry
            if expires is not None and time.monotonic() >= expires:
                del self.items[key]
                return None
            self.items.move_to_end(key)
            return data

    def set(self, key, data, timeout):
        with self.lock:
            self.items[key] = (data, None if timeout is None else time.monotonic() + timeout)
            self.items.move_to_end(key)
            while len(self.items) > self.size:
                self.items.popitem(last=False)

    def clear(self):
        with self.lock:
            self.items.clear()


RECENT = Recent(128)


class Page:
    """The cached fragments and values of one page: one cache entry, keyed by ``name``,
    ``parts`` (what else the page depends on: slug, page number…) and the generations of
    ``scopes``. ``context`` is what its fragments are rendered from (lazy values, so that
    a hit computes nothing). Disabled (``enabled=False``), it computes and renders
    everything and stores nothing: the same page, uncached."""

    def __init__(self, name, *parts, scopes, request=None, context=None, timeout=PAGE_TIMEOUT, enabled=True):
        self.name = name
        self.scopes = tuple(scopes)
        self.request = request
        self.context = dict(context or {})
        self.timeout = timeout
        self.enabled = enabled
        self.dirty = False
        self.data = {}
        self._shared = False  # self.data is a kept bundle other requests read too
        self.key = None
        if enabled:
            gens = generations(*self.scopes, request=request)
            self.key = f"page:{name}:{_digest(parts)}:{_digest(sorted(gens.items()))}"
            data = RECENT.get(self.key)
            if data is None:
                data = cache.get(self.key)
                if data is not None:
                    RECENT.set(self.key, data, self.timeout)
            if data is not None and not self._expired(data):
                self.data = data
                self._shared = True

    @staticmethod
    def _expired(data):
        until = data.get("until")
        return until is not None and _now() >= until

    @property
    def hit(self):
        """Whether this page's entry was found in the cache."""
        return bool(self.data)

    def value(self, name, compute):
        """The cached value ``name``, computed (and kept) on a miss."""
        return self._get("values", name, compute)

    def fragment(self, name, render):
        """``(html, live names)`` of fragment ``name``; ``render()`` makes them on a miss."""
        return self._get("fragments", name, render)

    def _get(self, kind, name, make):
        found = self.data.get(kind, {})
        if name in found:
            return found[name]
        made = make()
        if self._shared:  # a bundle other requests read: add to a copy of it
            self.data = {key: dict(v) if isinstance(v, dict) else v for key, v in self.data.items()}
            self._shared = False
        self.data.setdefault(kind, {})[name] = made
        self.dirty = True
        return made

    def save(self):
        if not (self.enabled and self.dirty):
            return
        self.data["until"] = _expiry(self.scopes, self.request)
        timeout = self.timeout
        if self.data["until"] is not None:
            timeout = max(1, min(timeout, int(self.data["until"] - _now()) + 1))
        cache.set(self.key, self.data, timeout)
        RECENT.set(self.key, self.data, timeout)
        self.dirty = False

    def etag(self, *extra):
        """A strong ETag for what this page renders from (None when disabled)."""
        if not self.enabled:
            return None
        return f'"{_digest(self.key, *extra)}"'

    def attach(self, response):
        """Store the bundle once ``response`` is rendered; returns ``response``."""
        if getattr(response, "is_rendered", True) is False:
            response.add_post_render_callback(lambda _response: self.save())
        else:
            self.save()
        return response


# ---------------------------------------------------------------- HTTP


def may_personalise(request):
    """Whether a response to ``request`` may show something of this visitor's own: a
    session (a signed-in editor, session-stored messages) or a messages cookie."""
    cookies = request.COOKIES
    return settings.SESSION_COOKIE_NAME in cookies or "messages" in cookies


def not_modified(request, etag):
    """A 304 when the request's If-None-Match names ``etag`` (never for a visitor who may
    have a message waiting), else None."""
    if etag is None or may_personalise(request) or request.method not in ("GET", "HEAD"):
        return None
    return get_conditional_response(request, etag=etag)


def cached_response(name, *, scopes, timeout=PAGE_TIMEOUT):
    """Decorator: cache a whole response to GET and HEAD, keyed by the full path and
    query, for views whose output never depends on the visitor (feeds, sitemaps). Only
    200s without cookies are kept. Adds a generation ETag and answers If-None-Match."""

    def decorator(view):
        def wrapped(request, *args, **kwargs):
            if request.method not in ("GET", "HEAD"):
                return view(request, *args, **kwargs)
            page = Page(name, request.get_full_path(), scopes=scopes, request=request, timeout=timeout)
            etag = page.etag()
            response = not_modified(request, etag)
            if response is not None:
                return response
            stored = page.data.get("values", {}).get("response")
            if stored is not None:
                response = _restore(stored)
            else:
                response = view(request, *args, **kwargs)
                if hasattr(response, "render") and not response.is_rendered:
                    response.render()
                if response.status_code != 200 or response.cookies or response.streaming:
                    return response
                page.value("response", lambda: _snapshot(response))
                page.save()
            response["ETag"] = etag
            return response

        wrapped.__name__ = getattr(view, "__name__", name)
        wrapped.__doc__ = view.__doc__
        return wrapped

    return decorator


_KEPT_HEADERS = ("Content-Type", "Content-Language", "Last-Modified", "X-Robots-Tag")


def _snapshot(response):
    return {
        "content": response.content,
        "headers": {name: response[name] for name in _KEPT_HEADERS if response.has_header(name)},
    }


def _restore(stored):
    from django.http import HttpResponse

    response = HttpResponse(stored["content"])
    for name, value in stored["headers"].items():
        response[name] = value
    return response


class CacheHeadersMiddleware:
    """``Cache-Control`` for GETs a view did not decide on itself: ``public, max-age=60``
    when the response is the same for every anonymous reader (a CDN or proxy may keep it
    briefly), ``private, no-cache`` when it carries something of this visitor's own (it
    sets a cookie, e.g. the CSRF token of a form, or the visitor has a session or
    messages). Sits outside the session, CSRF and messages middleware, so it sees the
    cookies they set."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.method not in ("GET", "HEAD") or response.has_header("Cache-Control"):
            return response
        if response.status_code != 200 or response.streaming:
            return response
        # A page whose form carries a CSRF token is this visitor's own even when no cookie
        # is set (a returning visitor): a cache ignoring Vary: Cookie must not share it.
        if response.cookies or may_personalise(request) or request.META.get("CSRF_COOKIE_USED"):
            patch_cache_control(response, private=True, no_cache=True)
        else:
            patch_cache_control(response, public=True, max_age=PUBLIC_MAX_AGE)
        return response
