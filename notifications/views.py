"""The links in fans' emails: ``/notifications/confirm/<token>/`` (double opt-in) and
``/notifications/unsubscribe/<token>/`` (one click, RFC 8058).

A GET only shows a page with a button: mail scanners and link previews fetch links, and a
fetch must neither confirm an address nor unsubscribe it. A POST does it. Both pages are
personal (the token is the visitor's): never cached. A forged, mangled or expired token is
a 400 page saying so, never a 500."""

from django.core import signing
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from . import services, tokens

INVALID = {
    "bad": "This link is not one of ours, or it was cut short. Please open it from the email again.",
    "expired": (
        "This confirmation link has expired: links work for 48 hours. Tick “Email me when someone "
        "replies” again with your next comment, or follow the athlete again from their page, and we "
        "will send a new one."
    ),
    "gone": (
        "We no longer have this address: it was unsubscribed, or its link expired. Tick “Email me "
        "when someone replies” again with your next comment, or follow the athlete again from their "
        "page, to start afresh."
    ),
}


def _invalid(request, reason, *, status):
    return render(request, "notifications/link_invalid.html", {"message": INVALID[reason]}, status=status)


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def confirm(request, token):
    """GET: the "Confirm" button (or "already confirmed"); POST: confirm, then 303 back to
    the page, which says so. 400 for a bad or expired token, 404 for an address gone. A
    follow's token confirms that athlete follow (and the address)."""
    try:
        subscriber, follow = tokens.read_confirmation(token)
    except signing.SignatureExpired:
        return _invalid(request, "expired", status=400)
    except signing.BadSignature:
        return _invalid(request, "bad", status=400)
    except tokens.UnknownSubscriber:
        return _invalid(request, "gone", status=404)
    if request.method == "POST":
        if follow is not None:
            services.athlete_follow_confirm(follow=follow)
        else:
            services.subscriber_confirm(subscriber=subscriber)
        return HttpResponseRedirect(request.path, status=303)
    if follow is not None:
        context = {"subscriber": subscriber, "follow": follow}
        return render(request, "notifications/confirm_follow.html", context)
    return render(request, "notifications/confirm.html", {"subscriber": subscriber})


@csrf_exempt  # RFC 8058: mail clients POST without a CSRF token; the signed token is the proof
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def unsubscribe(request, token):
    """GET: the "Unsubscribe" button; POST (the button, or a mail client's one-click
    ``List-Unsubscribe=One-Click``): forget the address, 200. An address already gone is
    unsubscribed too (200: the link keeps working). 400 for a bad token."""
    try:
        subscriber = tokens.read_unsubscribe_token(token)
    except signing.BadSignature:
        return _invalid(request, "bad", status=400)
    except tokens.UnknownSubscriber:
        subscriber = None
    if request.method == "POST":
        if subscriber is not None:
            services.subscriber_unsubscribe(subscriber=subscriber)
        return render(request, "notifications/unsubscribe.html", {"done": True})
    return render(
        request, "notifications/unsubscribe.html", {"subscriber": subscriber, "done": subscriber is None}
    )
