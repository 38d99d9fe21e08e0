"""Who is asking: the one place that decides a request's client address, and the hashed
form of it that Podium stores (never the address itself)."""

import hashlib
import hmac
import ipaddress

from django.conf import settings

UNSPECIFIED_ADDRESS = "0.0.0.0"  # noqa: S104 - a value, not a bind address


def _is_ip(value):
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


def client_address(request):
    """The client's IP address: ``REMOTE_ADDR``, or, only when ``TRUSTED_PROXY_HEADER`` is
    set, that header. For ``X-Forwarded-For`` the right-most entry is used: the one our own
    proxy appended (entries to its left are whatever the client claimed)."""
    header = settings.TRUSTED_PROXY_HEADER
    if header:
        meta_key = "HTTP_" + header.upper().replace("-", "_")
        value = request.META.get(meta_key, "")
        entries = [entry.strip() for entry in value.split(",") if entry.strip()]
        if entries and _is_ip(entries[-1]):
            return entries[-1]
    remote = request.META.get("REMOTE_ADDR", "")
    # Always an IP address (the lock-out table stores it in an IP column); a request
    # without one (a test client, a broken proxy) shares the "unspecified" address.
    return remote if _is_ip(remote) else UNSPECIFIED_ADDRESS


def client_hash(request):
    """A keyed hash of the client address: stable enough for rate limits, duplicate checks
    and one report per client, useless to anyone without the SECRET_KEY."""
    digest = hmac.new(settings.SECRET_KEY.encode(), client_address(request).encode(), hashlib.sha256)
    return digest.hexdigest()
