"""Podium's own middleware: a log line and a request id for every request, the security
and cache headers Django does not send itself, and a branded 503 when the database does
not answer."""

import logging
import re
import time
import uuid

from django.conf import settings
from django.utils.cache import patch_cache_control

from . import errors
from .logging import request_id_var

logger = logging.getLogger("podium.request")

# An incoming X-Request-ID (from the proxy or load balancer) is kept when it looks like an
# id; anything else (too long, spaces, quotes, control characters) is replaced by our own.
_SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,127}")
MAX_LOGGED_PATH = 500


class RequestLogMiddleware:
    """Gives each request an id (``request.id``, the ``X-Request-ID`` response header, and
    every log record made while handling it) and logs one line when it is answered:
    ``method``, ``path``, ``status`` and ``duration_ms``."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.META.get("HTTP_X_REQUEST_ID", "")
        request_id = incoming if _SANE_REQUEST_ID.fullmatch(incoming) else uuid.uuid4().hex
        request.id = request_id
        request_id_var.set(request_id)
        started = time.monotonic()
        try:
            response = self.get_response(request)
        except BaseException:
            request_id_var.set("-")
            raise
        response["X-Request-ID"] = request_id
        duration_ms = round((time.monotonic() - started) * 1000, 1)
        logger.log(
            logging.WARNING if response.status_code >= 500 else logging.INFO,
            "%s %s %s",
            request.method,
            request.path[:MAX_LOGGED_PATH],
            response.status_code,
            extra={
                "method": request.method,
                "path": request.path[:MAX_LOGGED_PATH],
                "status": response.status_code,
                "duration_ms": duration_ms,
            },
        )
        # The id stays set until the response is closed: Django logs "Not Found: ..." and
        # the like after the middleware has returned, and those records are the request's too.
        response._resource_closers.append(_forget_request_id)
        return response


def _forget_request_id():
    request_id_var.set("-")


class SecurityHeadersMiddleware:
    """Headers for every response Django makes: ``Permissions-Policy`` and
    ``X-Frame-Options``. Django's SecurityMiddleware adds nosniff, Referrer-Policy and
    Cross-Origin-Opener-Policy; django-csp the Content-Security-Policy. Static files, which
    WhiteNoise answers before any of these run, get theirs from config.static_headers."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        if not getattr(response, "xframe_options_exempt", False):
            response.setdefault("X-Frame-Options", settings.X_FRAME_OPTIONS)
        return response


class DatabaseUnavailableMiddleware:
    """A view (or its template) that fails because the database is down, restarting or
    locked answers the branded 503 "try again" page (``config.errors``) instead of a 500.
    The connection is not kept: Django closes a connection that raised at the end of the
    request, so the next request reconnects and the site recovers without a restart."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, errors.DATABASE_UNAVAILABLE):
            return errors.database_unavailable(request, exception)
        return None


class CacheControlMiddleware:
    """``Cache-Control`` for pages a view did not decide on: ``public, no-cache`` (a proxy may
    keep it and revalidate with the ETag of the page cache, core/cache.py), or ``private,
    no-cache`` for a visitor's own page (a cookie set, the CSRF token used, a session or
    messages). Outside the session, CSRF and messages middleware, so it sees what they do."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.method not in ("GET", "HEAD") or response.has_header("Cache-Control"):
            return response
        if response.status_code not in (200, 304) or response.streaming:
            return response
        cookies = request.COOKIES
        personal = settings.SESSION_COOKIE_NAME in cookies or "messages" in cookies
        if response.cookies or personal or request.META.get("CSRF_COOKIE_NEEDS_UPDATE") is not None:
            patch_cache_control(response, private=True, no_cache=True)
        else:
            patch_cache_control(response, public=True, no_cache=True)
        return response
