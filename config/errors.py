"""The pages for when Podium's own side fails: the 500 and the 503 "try again" page.

Both templates are self-contained (their CSS inline, under the response's CSP nonce) and
are rendered without the request context: no context processor, no session, no database
query, since any of those may be what failed. Nothing about the error reaches the page;
the traceback goes to the log (with the request id).
"""

import logging
import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.template import loader
from django.utils.cache import add_never_cache_headers

logger = logging.getLogger("podium.errors")

# What a database that is down, restarting, unreachable or locked raises through Django.
DATABASE_UNAVAILABLE = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 30

# The POSTed fields kept in the 503 page's form, by URL name, so a fan's comment survives a
# database restart (the contract's comment form: PRODUCT.md). Never a password.
KEEP_ON_RETRY = {
    "news:article": ("name", "email", "body", "parent", "rendered_at"),
}
KEPT_FIELD_MAX_CHARS = 10_000


def csp_nonce(request):
    """This response's CSP nonce, or "" where there is none (no CSP middleware ran)."""
    try:
        return str(request.csp_nonce)
    except Exception:  # noqa: BLE001 - no nonce is a page without styles, never an error
        return ""


def kept_post(request):
    """``{"action": path, "fields": {...}, "csrf_token": ...}`` for a failed POST whose
    fields the 503 page should offer to send again, else None."""
    if request.method != "POST":
        return None
    match = getattr(request, "resolver_match", None)
    names = KEEP_ON_RETRY.get(getattr(match, "view_name", None) or "")
    if not names:
        return None
    try:
        fields = {name: request.POST.get(name, "")[:KEPT_FIELD_MAX_CHARS] for name in names}
        token = get_token(request)
    except Exception:  # noqa: BLE001 - an unreadable body: the plain 503 page
        return None
    return {"action": request.path, "fields": fields, "csrf_token": token}


def unavailable_response(request):
    """The branded 503 page, with ``Retry-After`` and never cached."""
    context = {"nonce": csp_nonce(request), "retry_after": RETRY_AFTER_SECONDS, "kept": kept_post(request)}
    response = HttpResponse(loader.get_template("503.html").render(context), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    add_never_cache_headers(response)
    return response


def database_unavailable(request, exception):
    """A view failed because the database did not answer: log it (with the traceback) and
    answer the 503."""
    logger.error(
        "database unavailable: %s %s",
        request.method,
        request.path[:500],
        exc_info=exception,
        extra={"error": type(exception).__name__},
    )
    return unavailable_response(request)


def server_error(request):
    """handler500: the branded 500, or the 503 when the uncaught error is the database
    being unavailable outside a view (e.g. while saving the session). Django has logged
    the error with its traceback already."""
    if isinstance(sys.exc_info()[1], DATABASE_UNAVAILABLE):
        return unavailable_response(request)
    return HttpResponse(loader.get_template("500.html").render({"nonce": csp_nonce(request)}), status=500)
