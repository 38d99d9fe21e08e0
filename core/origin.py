"""Whether a POST came from one of this site's own pages, by the headers browsers set on
every form submission (OWASP's "verifying origin with standard headers"): for forms on
pages the page cache shares with everyone, which carry no per-visitor CSRF token.

``Sec-Fetch-Site`` (every current browser) must say ``same-origin``; without it, ``Origin``
must be this site (the request's own scheme and host, or one of ``CSRF_TRUSTED_ORIGINS``).
A POST with neither proves nothing and is refused: browsers that send neither are a decade
old, and a script can always send the right headers, as it can always fetch a token first:
what this stops, like a CSRF token, is another site making a visitor's browser post."""

from django.conf import settings


def same_origin(request):
    fetch_site = request.META.get("HTTP_SEC_FETCH_SITE")
    if fetch_site is not None:
        return fetch_site == "same-origin"
    origin = request.META.get("HTTP_ORIGIN")
    if not origin or origin == "null":
        return False
    own = f"{request.scheme}://{request.get_host()}"
    return origin == own or origin in settings.CSRF_TRUSTED_ORIGINS
