"""Security headers for static files.

WhiteNoise answers ``/static/`` first, before any other middleware (config.settings), so a
hashed file costs no request id, log line or per-response header work: a page view brings
several static requests, and behind a CDN or nginx those are logged there. The headers the
middleware would have added are set here instead, once per file when WhiteNoise starts
(``WHITENOISE_ADD_HEADERS_FUNCTION``), from the same settings.
"""

from django.conf import settings


def security_headers():
    """The headers every response carries that do not depend on the request."""
    from csp.utils import build_policy  # noqa: PLC0415 (settings must be loaded first)

    headers = {
        # No nonce: a static file is never a page with inline script or style.
        "Content-Security-Policy": build_policy(),
        "Referrer-Policy": settings.SECURE_REFERRER_POLICY,
        "Cross-Origin-Opener-Policy": settings.SECURE_CROSS_ORIGIN_OPENER_POLICY,
        "X-Frame-Options": settings.X_FRAME_OPTIONS,
        "Permissions-Policy": settings.PERMISSIONS_POLICY,
    }
    if settings.SECURE_CONTENT_TYPE_NOSNIFF:
        headers["X-Content-Type-Options"] = "nosniff"
    if settings.SECURE_HSTS_SECONDS:
        # Browsers ignore it on plain http, so it need not depend on the request's scheme.
        hsts = f"max-age={settings.SECURE_HSTS_SECONDS}"
        if settings.SECURE_HSTS_INCLUDE_SUBDOMAINS:
            hsts += "; includeSubDomains"
        if settings.SECURE_HSTS_PRELOAD:
            hsts += "; preload"
        headers["Strict-Transport-Security"] = hsts
    return headers


def add_security_headers(headers, path, url):
    """WhiteNoise's ``ADD_HEADERS_FUNCTION``: called once per file, at start-up."""
    for name, value in security_headers().items():
        headers[name] = value
