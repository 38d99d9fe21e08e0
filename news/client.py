"""Who is asking: the one place that decides a request's client address, and the hashed
form of it that Podium stores (never the address itself).

An address is parsed, never compared as text: ``::1`` can be written a dozen ways, and
each spelling must not count as a new client. IPv6 clients are counted by their /64
network, the block one household or device is given and can rotate through at will."""

import hashlib
import hmac
import ipaddress
import re

from django.conf import settings

UNSPECIFIED_ADDRESS = "0.0.0.0"  # noqa: S104 - a value, not a bind address
IPV6_CLIENT_PREFIX = 64
# Longer than any spelling of an address with a port: not worth parsing.
_MAX_LENGTH = 100
# What proxies write besides a bare address: "[2001:db8::1]", "[2001:db8::1]:443", "192.0.2.1:443".
_BRACKETED = re.compile(r"\[([^\]]+)\](?::\d{1,5})?")
_IPV4_WITH_PORT = re.compile(r"([0-9.]+):\d{1,5}")


def parse_address(value):
    """``value`` as one normalised ``ipaddress`` address, or None when it is not one.

    Every spelling ``ipaddress`` reads is the same address (``0:0::1``, ``0000::0001``,
    upper case); a proxy's ``[v6]``, ``[v6]:port`` and ``v4:port`` forms are read too. An
    IPv6 zone id (``fe80::1%eth0``) is dropped: it names an interface on our side, not
    another client. An IPv4-mapped IPv6 address (``::ffff:192.0.2.1``, what a dual-stack
    socket reports for an IPv4 client) is that IPv4 address. Anything else is refused:
    IPv4 with leading zeros (``127.000.0.1``: octal to some parsers), text, empty."""
    text = str(value).strip()
    if not text or len(text) > _MAX_LENGTH:
        return None
    if match := _BRACKETED.fullmatch(text):
        text = match[1]
    elif match := _IPV4_WITH_PORT.fullmatch(text):
        text = match[1]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if address.version == 6:
        if address.ipv4_mapped is not None:
            return address.ipv4_mapped
        if address.scope_id is not None:
            return ipaddress.IPv6Address(int(address))
    return address


def _client_ip(request):
    header = settings.TRUSTED_PROXY_HEADER
    if header:
        meta_key = "HTTP_" + header.upper().replace("-", "_")
        value = request.META.get(meta_key, "")
        entries = [entry.strip() for entry in str(value).split(",") if entry.strip()]
        address = parse_address(entries[-1]) if entries else None
        if address is not None:
            return address
    # Always an IP address (the lock-out table stores it in an IP column); a request
    # without one (a test client, a broken proxy) shares the "unspecified" address.
    return parse_address(request.META.get("REMOTE_ADDR", "")) or ipaddress.IPv4Address(UNSPECIFIED_ADDRESS)


def client_address(request):
    """The client's IP address, normalised (``parse_address``): ``REMOTE_ADDR``, or, only
    when ``TRUSTED_PROXY_HEADER`` is set, that header. For ``X-Forwarded-For`` the right-most
    entry is used: the one our own proxy appended (entries to its left are whatever the
    client claimed)."""
    return str(_client_ip(request))


def client_key(request):
    """The address that stands for the client wherever clients are counted (rate limits,
    one report per client, repeat checks, the admin's login lock-out): an IPv4 address
    itself, an IPv6 address's /64 network as its first address (``2001:db8:1:2::``).
    Always an IP address, so the lock-out's IP column takes it."""
    address = _client_ip(request)
    if address.version == 6:
        network = ipaddress.IPv6Network((address, IPV6_CLIENT_PREFIX), strict=False)
        return str(network.network_address)
    return str(address)


def client_hash(request):
    """A keyed hash of the client (``client_key``): stable enough for rate limits,
    duplicate checks and one report per client, useless to anyone without the SECRET_KEY.
    (An IPv4 client's hash is what it was before IPv6 clients were keyed by /64.)"""
    digest = hmac.new(settings.SECRET_KEY.encode(), client_key(request).encode(), hashlib.sha256)
    return digest.hexdigest()
