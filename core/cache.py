"""Podium's page cache (README, "Performance"): whole responses, kept per URL, never stale.

Views are plain Django. ``@cache_page(NEWS, "comments:{slug}")`` opts a view in, naming the
scopes it shows; a GET is answered from ``page:<release>:<url>:<generations>``, or rendered
by the view and maybe stored: a hit and a miss serve the same bytes.

Generations are ``core.Generation`` rows of random values, replaced in the transaction of
every write to their scope (apps declare which in ``AppConfig.page_cache()``), and by time:
a scope's next moment of change (a scheduled article) is kept on its row, and the first
request after it bumps the row. A scope of one object each ("story-age:{slug}": when an
article's "more than N years old" changes) gets its row, with its moment, on its first
request. ``bump_all()`` (loaders, restore, migrate) renews "all",
which every key holds, as it holds the release (RELEASE, else a hash of code and templates).

Only a 200 whose URL is its own canonical URL is stored (``<link rel="canonical">``; for
feeds and sitemaps, an empty query or a declared page number), so junk query strings are
served, never stored. Entries live in a per-process LRU bounded in bytes and, with a shared
CACHE_URL (Redis), there too. Per-visitor parts (CSRF token, form time, remembered name,
messages) are ``{% visitor %}`` holes filled on every response by ``VisitorMiddleware`` (a
hole may carry one argument of word characters: ``<!--visitor:name:42-->`` calls the
app's ``name(request, "42")``); a
render that used the CSRF token, messages or the CSP nonce outside a hole is not stored, nor
a private response, and a session cookie (an editor: previews) bypasses the cache. The ETag
hashes the stored body (with holes, the visitor's cookies too).
"""

import functools
import hashlib
import html
import re
import secrets
import threading
from collections import OrderedDict
from datetime import UTC
from pathlib import Path
from urllib.parse import parse_qsl, urlencode

from django.apps import apps
from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.locmem import LocMemCache
from django.core.signals import setting_changed
from django.db import DatabaseError, connection, transaction
from django.db.models.signals import m2m_changed, post_delete, post_migrate, post_save
from django.http import HttpResponse
from django.utils import timezone
from django.utils.cache import get_conditional_response
from django.utils.encoding import escape_uri_path

from . import metrics

ALL, NEWS, ATHLETICS = "all", "news", "athletics"
TRACKING = re.compile(r"utm_[a-z]+|fbclid|gclid|dclid|msclkid|mc_cid|mc_eid")
CANONICAL = re.compile(rb'<link rel="canonical" href="([^"]*)"')
HOLE = re.compile(rb"<!--visitor:([a-z_]+(?::[\w-]+)?)-->")
KEPT_HEADERS = ("Content-Type", "Content-Language", "Last-Modified", "X-Robots-Tag")
# Settings that change what pages render: part of the release.
RELEASE_SETTINGS = ("SITE_URL", "SITE_NAME", "TIME_ZONE", "LANGUAGE_CODE", "STATIC_URL", "MEDIA_URL")
RELEASE_SETTINGS += ("COMMENTS_CLOSE_AFTER_DAYS", "COMMENTS_PER_PAGE", "ADMIN_URL", "STORY_AGE_WARNING_DAYS")

_invalidates = {}  # model -> scopes, or a function (instance, created) -> scopes
_changes_at = {}  # scope -> function () -> the next moment its content changes by itself, or None
# Scopes of one object each ("story-age:{slug}" declared: prefix "story-age") -> function
# (the object's key) -> its next moment of change, or None.
_changes_at_each = {}
_holes = {}  # name -> function (request[, argument]) -> HTML
_hole_cookies = {}  # name -> the cookie without which the hole is empty (not asked)


def _digest(*parts):
    return hashlib.blake2b(repr(parts).encode(), digest_size=12).hexdigest()


@functools.cache
def release():
    """The RELEASE setting, else a hash of the project's code, templates, static manifest
    and rendering settings."""
    if getattr(settings, "RELEASE", ""):
        return settings.RELEASE
    base = Path(settings.BASE_DIR)
    roots = [Path(app.path) for app in apps.get_app_configs() if Path(app.path).parent == base]
    roots += [base / "config", *map(Path, settings.TEMPLATES[0]["DIRS"])]
    files = sorted(
        {f for root in roots for f in root.rglob("*") if f.suffix in {".py", ".html", ".xml", ".txt"}}
    )
    files.append(Path(settings.STATIC_ROOT) / "staticfiles.json")
    digest = hashlib.blake2b(repr([getattr(settings, name) for name in RELEASE_SETTINGS]).encode())
    for path in files:
        digest.update(path.read_bytes() if path.is_file() else b"-")
    return digest.hexdigest()[:16]


# ---------------------------------------------------------------- generations


def _timed(scope):
    """The function returning ``scope``'s next moment of change, or None if it has none."""
    if scope in _changes_at:
        return _changes_at[scope]
    prefix, _, key = scope.partition(":")
    each = _changes_at_each.get(prefix)
    return functools.partial(each, key) if each is not None and key else None


def bump(*scopes, moments=None):
    """Give ``scopes`` new generations (and their next moment of change, unless given in
    ``moments``), in the current transaction: every page showing them is built anew on its
    next request."""
    from .models import Generation

    moments = moments or {}
    moment = {s: moments[s] if s in moments else _timed(s)() for s in set(scopes) if _timed(s) is not None}
    rows = [
        Generation(scope=s, value=secrets.randbits(62), changes_at=moment.get(s)) for s in sorted(set(scopes))
    ]
    fields = {"update_conflicts": True, "unique_fields": ["scope"], "update_fields": ["value", "changes_at"]}
    Generation.objects.bulk_create(rows, **fields)


def bump_all():
    """Start every cached page afresh (after writes that send no signals: loaders, restore).
    The scopes of one object each are dropped: each starts again, with its moment computed
    anew, on its next request (``generations``)."""
    from .models import Generation

    bump(ALL, *_changes_at)
    for prefix in _changes_at_each:
        Generation.objects.filter(scope__startswith=f"{prefix}:").delete()


def changed(model, objects):
    """Bump what ``objects`` of ``model``, changed by ``QuerySet.update()`` (which sends no
    signal), were shown in."""
    spec = _invalidates.get(model, ())
    bump(*(scope for obj in objects for scope in (spec(obj, False) if callable(spec) else spec)))


def generations(scopes):
    """``{scope: generation}`` of ``scopes`` and "all", in one query; a scope whose moment
    of change has passed is bumped first (time changes content too)."""
    from .models import Generation

    wanted = (ALL, *scopes)
    # Raw SQL: this runs on every cached request, and the ORM would double its cost.
    table = connection.ops.quote_name(Generation._meta.db_table)
    with connection.cursor() as cursor:
        marks = ", ".join(["%s"] * len(wanted))
        cursor.execute(f"SELECT scope, value, changes_at FROM {table} WHERE scope IN ({marks})", wanted)  # noqa: S608
        rows = cursor.fetchall()
    now = timezone.now()
    # SQLite hands back naive UTC datetimes, PostgreSQL aware ones.
    found = {scope: value for scope, value, at in rows if at is None or at.replace(tzinfo=UTC) > now}
    expired = [scope for scope, _value, _at in rows if scope not in found]
    # A scope of one object (an article's age) follows time from the first request that
    # needs it, if it has a moment to wait for (none: an unknown slug writes nothing).
    present = {scope for scope, _value, _at in rows}
    unseen = {}
    for scope in wanted:
        if scope not in present and scope.partition(":")[0] in _changes_at_each:
            moment = _timed(scope)()
            if moment is not None:
                unseen[scope] = moment
    if expired or unseen:
        with transaction.atomic():
            bump(*expired, *unseen, moments=unseen)
        found = dict(Generation.objects.filter(scope__in=wanted).values_list("scope", "value"))
    return {scope: found.get(scope, 0) for scope in wanted}


def _on_write(sender, instance=None, created=False, action="post_", **kwargs):
    if action.startswith("post_"):  # m2m_changed: once the change is made
        spec = _invalidates[sender]
        bump(*(spec(instance, created) if callable(spec) else spec))


def connect():
    """Take each app's ``page_cache()`` declarations (what its writes change, when its
    content changes by itself, the holes it fills) and follow its models' writes."""
    for config in apps.get_app_configs():
        declared = config.page_cache() if hasattr(config, "page_cache") else {}
        for scopes, models in declared.get("invalidates", []):
            for model in models:
                _invalidates[model] = scopes
                for signal in (post_save, post_delete, m2m_changed):
                    signal.connect(_on_write, sender=model, dispatch_uid=f"page-cache-{model._meta.label}")
        for scope, function in declared.get("changes_at", {}).items():
            if "{" in scope:  # "story-age:{slug}": one scope per object
                _changes_at_each[scope.partition(":")[0]] = function
            else:
                _changes_at[scope] = function
        for name, hole in declared.get("holes", {}).items():
            _holes[name], _hole_cookies[name] = hole if isinstance(hole, tuple) else (hole, None)
    post_migrate.connect(
        _after_migrate, sender=apps.get_app_config("core"), dispatch_uid="page-cache-migrate"
    )


def _after_migrate(**kwargs):
    try:  # a deploy: every page afresh, the moments of change computed with its settings
        with transaction.atomic():
            bump_all()
    except DatabaseError:  # a partial migration (to zero, or back): nothing to show yet
        pass


def _release_changed(setting, **kwargs):
    if setting in ("RELEASE", "STATIC_ROOT", *RELEASE_SETTINGS):
        release.cache_clear()


setting_changed.connect(_release_changed)


# ---------------------------------------------------------------- the page store


class BytesLRU:
    """The entries this process used last, up to ``max_bytes`` of bodies. Hand-written:
    Django's LocMemCache bounds entries by count, not size, and unpickles on every get."""

    def __init__(self, max_bytes):
        self.max_bytes, self.size = max_bytes, 0
        self.entries = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key):
        with self.lock:
            entry = self.entries.get(key)
            if entry is not None:
                self.entries.move_to_end(key)
            return entry

    def set(self, key, entry):
        size = _size(key, entry)
        if size > self.max_bytes // 8:  # one page never crowds out the rest
            return
        with self.lock:
            if key in self.entries:
                return
            self.entries[key], self.size = entry, self.size + size
            while self.size > self.max_bytes:
                self.size -= _size(*self.entries.popitem(last=False))

    def clear(self):
        with self.lock:
            self.entries.clear()
            self.size = 0


def _size(key, entry):
    return len(key) + sum(map(len, entry[0]))


local = BytesLRU(settings.PAGE_CACHE_BYTES)


def _shared():
    """The shared cache (Redis), or None when the default cache is this process's own."""
    return None if isinstance(caches["default"], LocMemCache) else caches["default"]


# ---------------------------------------------------------------- the decorator


def cache_page(*scopes, query=()):
    """Cache a view's GET and HEAD responses whole. ``scopes`` name what they show
    ("{slug}" filled from the URL's arguments); ``query`` names the page-number parameters
    of a view that is not HTML (``p`` of a sitemap), the only query it is stored with."""

    def decorator(view):
        @functools.wraps(view)
        def wrapped(request, *args, **kwargs):
            if request.method not in ("GET", "HEAD") or settings.SESSION_COOKIE_NAME in request.COOKIES:
                return view(request, *args, **kwargs)
            url, shared = _url(request), _shared()
            gens = generations([scope.format(**kwargs) for scope in scopes])
            key = f"page:{release()}:{_digest(url, sorted(gens.items()))}"
            entry, result = local.get(key), "hit_local"
            if entry is None and shared is not None:
                entry, result = shared.get(key), "hit_shared"
                if entry is not None:
                    local.set(key, entry)
            if entry is None:
                metrics.page_cache_requests.labels("miss").inc()
                response = view(request, *args, **kwargs)
                entry = _entry(request, response, url, query)
                if entry is None:
                    return response
                local.set(key, entry)
                if shared is not None:
                    shared.set(key, entry, timeout=settings.PAGE_CACHE_TIMEOUT)
            else:
                metrics.page_cache_requests.labels(result).inc()
            return _respond(request, entry)

        return wrapped

    return decorator


def _url(request):
    """The request's path and query, without tracking parameters."""
    params = [
        (k, v) for k, v in parse_qsl(request.META.get("QUERY_STRING", ""), True) if not TRACKING.fullmatch(k)
    ]
    return escape_uri_path(request.path) + (f"?{urlencode(params)}" if params else "")


def _entry(request, response, url, query):
    """``(body, digest, headers)`` to store for ``response``, or None if it may not be."""
    if hasattr(response, "render") and not response.is_rendered:
        response.render()
    control, messages = response.get("Cache-Control", ""), getattr(request, "_messages", None)
    personal = (  # the render read something of this visitor's outside a hole
        request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
        or (messages is not None and messages.used)
        or getattr(request, "_csp_nonce", None)  # django-csp keeps a nonce once it is used
    )
    if response.status_code != 200 or response.streaming or response.cookies or personal:
        return None
    if "private" in control or "no-store" in control:
        return None
    body = response.content
    if response.get("Content-Type", "").startswith("text/html"):
        canonical = CANONICAL.search(body)
        if canonical is None or html.unescape(canonical[1].decode()) != settings.SITE_URL + url:
            return None
    elif any(
        name not in query or not re.fullmatch(r"[1-9][0-9]{0,8}", value)
        for name, value in parse_qsl(url.partition("?")[2])
    ):
        return None
    headers = {name: response[name] for name in KEPT_HEADERS if response.has_header(name)}
    # Kept split at its holes (text, hole, text…), the holes read once: a hit only fills and joins.
    parts = tuple(HOLE.split(body))
    return parts, _holes_of(parts), hashlib.blake2b(body, digest_size=12).hexdigest(), headers


def _respond(request, entry):
    parts, holes, digest, headers = entry
    response = HttpResponse(_fill(parts, holes, request), headers=headers)
    response.visitor_filled = True
    # The holes are filled from the visitor's cookies: their copy is theirs alone.
    visitor = _digest(request.META.get("HTTP_COOKIE", "")) if len(parts) > 1 else ""
    response["ETag"] = f'"{digest}{visitor}"'
    if "messages" in request.COOKIES:  # a message waits: it must be shown, not a 304
        return response
    return get_conditional_response(request, etag=response["ETag"], response=response)


# ---------------------------------------------------------------- middleware


class VisitorMiddleware:
    """Fills the ``{% visitor %}`` holes of every HTML response the page cache did not fill
    already. Sits inside the CSRF and messages middleware, which the holes use."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if getattr(response, "visitor_filled", False) or response.streaming:
            return response
        if response.get("Content-Type", "").startswith("text/html"):
            parts = HOLE.split(response.content)
            if len(parts) > 1:
                response.content = _fill(parts, _holes_of(parts), request)
        return response


def _holes_of(parts):
    """The distinct holes of ``parts`` (text, hole, text…) by name: ``((name, ((hole,
    argument or ""), …)), …)``."""
    by_name = {}
    for hole in dict.fromkeys(parts[1::2]):
        name, _, argument = hole.decode().partition(":")
        by_name.setdefault(name, []).append((hole, argument))
    return tuple((name, tuple(holes)) for name, holes in by_name.items())


def _fill(parts, holes, request):
    """``parts`` joined, each distinct hole filled for this visitor once. A hole declared
    with a cookie (``"name": (function, cookie)``) is empty for a visitor without that cookie,
    and its function not called: the article page has an "own comment" hole per comment,
    for the few who posted one."""
    if not holes:
        return parts[0]
    filled, cookies = {}, request.COOKIES
    for name, instances in holes:
        function, cookie = _holes[name], _hole_cookies.get(name)
        if cookie is not None and cookie not in cookies:
            filled.update(dict.fromkeys((hole for hole, _argument in instances), b""))
            continue
        for hole, argument in instances:
            filled[hole] = str(function(request, argument) if argument else function(request)).encode()
    joined = list(parts)
    joined[1::2] = map(filled.__getitem__, parts[1::2])
    return b"".join(joined)
