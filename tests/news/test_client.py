"""The client address, parsed rather than compared as text: every spelling of an address is
one client, an IPv4 client seen through IPv6 is the IPv4 client, and an IPv6 client is
its /64 network."""

import ipaddress

import pytest
from django.test import RequestFactory, override_settings
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from news.client import client_address, client_hash, client_key, parse_address

# The eleven spellings of the loopback address, counted as eleven clients.
LOOPBACK_SPELLINGS = [
    "::1",
    "0:0:0:0:0:0:0:1",
    "0000:0000:0000:0000:0000:0000:0000:0001",
    "0000::1",
    "::0:1",
    "::0001",
    "0::1",
    "0:0:0::1",
    "::0:0:0:0:0:1",
    "[::1]",
    "::1%lo",
]


def request_from(remote="192.0.2.1", **meta):
    return RequestFactory().get("/", REMOTE_ADDR=remote, **meta)


def test_every_spelling_of_the_loopback_address_is_one_client(settings):
    settings.TRUSTED_PROXY_HEADER = ""
    assert len(set(LOOPBACK_SPELLINGS)) == 11
    assert {client_address(request_from(spelling)) for spelling in LOOPBACK_SPELLINGS} == {"::1"}
    assert len({client_hash(request_from(spelling)) for spelling in LOOPBACK_SPELLINGS}) == 1


def test_every_spelling_is_one_client_behind_a_trusted_proxy(settings):
    settings.TRUSTED_PROXY_HEADER = "X-Forwarded-For"
    hashes = {
        client_hash(request_from("10.0.0.1", HTTP_X_FORWARDED_FOR=f"6.6.6.6, {spelling}"))
        for spelling in [*LOOPBACK_SPELLINGS, "[::1]:443", "0:0:0:0:0:0:0:1 "]
    }
    assert hashes == {client_hash(request_from("::1"))}


@pytest.mark.parametrize("header", ["", "X-Forwarded-For"])
def test_an_ipv4_mapped_address_is_the_ipv4_client(settings, header):
    settings.TRUSTED_PROXY_HEADER = header

    def from_address(address):
        return request_from("10.0.0.1", HTTP_X_FORWARDED_FOR=address) if header else request_from(address)

    plain = from_address("127.0.0.1")
    for spelling in ("::ffff:127.0.0.1", "::FFFF:7F00:1", "0:0:0:0:0:ffff:127.0.0.1", "[::ffff:7f00:1]:80"):
        mapped = from_address(spelling)
        assert client_address(mapped) == "127.0.0.1"
        assert client_hash(mapped) == client_hash(plain)


def test_an_ipv4_client_keeps_its_hash_and_its_address():
    """Hashes stored before addresses were normalised stay valid for IPv4 clients."""
    request = request_from("192.0.2.10")
    assert client_address(request) == client_key(request) == "192.0.2.10"
    assert client_hash(request_from("192.0.2.10:51000")) == client_hash(request)


def test_ipv6_clients_in_one_slash_64_are_one_client(settings):
    settings.TRUSTED_PROXY_HEADER = ""
    one = request_from("2001:db8:1:2::1")
    same_network = request_from("2001:0DB8:0001:0002:ffff:ffff:ffff:fffe")
    next_network = request_from("2001:db8:1:3::1")
    assert client_hash(one) == client_hash(same_network)
    assert client_hash(one) != client_hash(next_network)
    assert client_key(one) == client_key(same_network) == "2001:db8:1:2::"
    # The address itself is kept whole; only the count is by network.
    assert client_address(same_network) == "2001:db8:1:2:ffff:ffff:ffff:fffe"


def test_ipv6_networks_are_told_apart_through_the_trusted_proxy_header(settings):
    settings.TRUSTED_PROXY_HEADER = "X-Forwarded-For"

    def via_proxy(address):
        return client_hash(request_from("10.0.0.1", HTTP_X_FORWARDED_FOR=address))

    assert via_proxy("2001:db8:aa:1::7") == via_proxy("[2001:db8:aa:1:1234::9]:8443")
    assert via_proxy("2001:db8:aa:1::7") != via_proxy("2001:db8:aa:2::7")
    assert via_proxy("2001:db8:aa:1::7") != via_proxy("10.0.0.1")


@pytest.mark.parametrize(
    "value",
    ["", "   ", "localhost", "127.000.0.1", "1.2.3", "::1%", "[::1", "::1]", "1.2.3.4%eth0", "١.2.3.4",
     "1.2.3.4:99999999", "::1:80:80:80:80:80:80:80:80", "[1.2.3.4]x", "1" * 500, "\x00::1"],
)  # fmt: skip
def test_what_is_not_one_address_is_refused(value):
    assert parse_address(value) is None


def test_a_refused_forwarded_address_falls_back_to_remote_addr(settings):
    settings.TRUSTED_PROXY_HEADER = "X-Forwarded-For"
    request = request_from("2001:db8::5", HTTP_X_FORWARDED_FOR="1.2.3.4, 127.000.0.1")
    assert client_address(request) == "2001:db8::5"
    assert client_address(request_from("not an address")) == "0.0.0.0"  # noqa: S104


_HEADER_TEXT = st.one_of(
    st.text(max_size=60),
    st.text(alphabet="0123456789abcdefABCDEF:.%[], ", max_size=60),
    st.ip_addresses().map(str),
    st.ip_addresses(v=6).map(lambda address: f"[{address}]:{len(str(address))}"),
)


@hypothesis_settings(max_examples=300, deadline=None)
@given(
    forwarded=_HEADER_TEXT, remote=_HEADER_TEXT, header=st.sampled_from(["", "X-Forwarded-For", "X-Real-IP"])
)
def test_client_hash_never_raises_and_the_key_is_always_an_address(forwarded, remote, header):
    request = request_from(remote, HTTP_X_FORWARDED_FOR=forwarded, HTTP_X_REAL_IP=forwarded)
    with override_settings(TRUSTED_PROXY_HEADER=header):
        digest, key, address = client_hash(request), client_key(request), client_address(request)
    assert len(digest) == 64 and int(digest, 16) >= 0
    # Addresses the lock-out's IP column and every comparison take as they are.
    assert str(ipaddress.ip_address(key)) == key
    assert str(ipaddress.ip_address(address)) == address
    # No zone id, and an IPv4 client is never keyed as its IPv4-mapped IPv6 form ("::ffff:0"
    # itself, 0:0:0:0:0:0:ffff:0, is a plain IPv6 address, not a mapped one).
    assert "%" not in address
    assert getattr(ipaddress.ip_address(address), "ipv4_mapped", None) is None
