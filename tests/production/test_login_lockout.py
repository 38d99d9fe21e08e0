"""The admin against password guessing (django-axes): 5 failed logins lock that
(username, client address) pair for 15 minutes, and only that pair, with a clear page;
the client address is news.client.client_key, the comment rate limit's. The admin
URL is configurable and robots.txt never names it."""

import datetime
import importlib
from http import HTTPStatus

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import Client
from django.urls import clear_url_caches

pytestmark = pytest.mark.django_db

PASSWORD = "x-correct-horse-9"
LOGIN = "/admin/login/?next=/admin/"


@pytest.fixture
def editors():
    User.objects.create_user("desk", password=PASSWORD, is_staff=True)
    User.objects.create_user("sub", password=PASSWORD, is_staff=True)


def login(username, password, address="203.0.113.7", **headers):
    return Client(REMOTE_ADDR=address, **headers).post(LOGIN, {"username": username, "password": password})


def logged_in(response):
    return response.status_code == HTTPStatus.FOUND and response["Location"] == "/admin/"


def guess(username, times, address="203.0.113.7", **headers):
    return [login(username, f"wrong-{i}", address, **headers) for i in range(times)]


def test_four_failures_do_not_lock(editors):
    responses = guess("desk", 4)
    assert all(r.status_code == HTTPStatus.OK for r in responses)  # the login form with an error
    assert logged_in(login("desk", PASSWORD))


def test_five_failures_lock_that_username_from_that_address_only(editors):
    *_, fifth = guess("desk", 5)
    assert fifth.status_code == HTTPStatus.TOO_MANY_REQUESTS

    locked = login("desk", PASSWORD)  # even the right password
    assert locked.status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert "sessionid" not in locked.cookies
    # The same editor from another address, and another editor from this address, get in:
    # a guesser cannot lock the newsroom out.
    assert logged_in(login("desk", PASSWORD, address="198.51.100.20"))
    assert logged_in(login("sub", PASSWORD))


def test_the_lockout_page_is_branded_clear_and_says_nothing_about_the_account(editors):
    guess("desk", 5)
    page = login("desk", PASSWORD)
    nobody = (guess("nobody-here", 5))[-1]

    assert page.status_code == nobody.status_code == HTTPStatus.TOO_MANY_REQUESTS
    html = page.text
    assert "Sign-in paused" in html and "15 minutes" in html
    assert 'class="site-header"' in html and html.count("<h1") == 1
    assert '<meta name="robots" content="noindex">' in html
    # The page is the same whether the username exists or not.
    assert nobody.text.split("<main", 1)[1] == html.split("<main", 1)[1]


def test_the_lock_lasts_15_minutes(editors):
    guess("desk", 5)
    AccessAttempt.objects.update(
        attempt_time=datetime.datetime.now(datetime.UTC) - datetime.timedelta(minutes=14)
    )
    assert login("desk", PASSWORD).status_code == HTTPStatus.TOO_MANY_REQUESTS
    AccessAttempt.objects.update(
        attempt_time=datetime.datetime.now(datetime.UTC) - datetime.timedelta(minutes=16)
    )
    assert logged_in(login("desk", PASSWORD))


def test_axes_reset_username_unlocks(editors):
    guess("desk", 5)
    assert login("desk", PASSWORD).status_code == HTTPStatus.TOO_MANY_REQUESTS
    call_command("axes_reset_username", "desk", verbosity=0)
    assert logged_in(login("desk", PASSWORD))


def test_the_address_is_the_one_client_address_uses_behind_a_trusted_proxy(editors, settings):
    """Behind the proxy every request comes from its address; with TRUSTED_PROXY_HEADER
    set, axes (like the comment rate limit) locks the forwarded client, not the proxy."""
    settings.TRUSTED_PROXY_HEADER = "X-Forwarded-For"
    proxy = "10.0.0.2"
    guess("desk", 5, address=proxy, HTTP_X_FORWARDED_FOR="spoofed, 203.0.113.7")
    assert (
        login("desk", PASSWORD, address=proxy, HTTP_X_FORWARDED_FOR="203.0.113.7").status_code
        == HTTPStatus.TOO_MANY_REQUESTS
    )
    assert logged_in(login("desk", PASSWORD, address=proxy, HTTP_X_FORWARDED_FOR="198.51.100.20"))
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"203.0.113.7"}


def test_an_ipv6_guesser_cannot_rotate_through_its_slash_64(editors):
    """Each guess from a new address of one /64 (or a new spelling of one address) is the
    same client: five lock it, and the lock-out stores the network's first address."""
    addresses = [
        "2001:db8:7:1::1",
        "2001:db8:7:1::2",
        "2001:0DB8:0007:0001::3",
        "2001:db8:7:1:ab::4",
        "[2001:db8:7:1::5]",
    ]
    for i, address in enumerate(addresses):
        login("desk", f"wrong-{i}", address)
    assert login("desk", PASSWORD, "2001:db8:7:1:ffff::9").status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert logged_in(login("desk", PASSWORD, "2001:db8:7:2::1"))  # the next /64 is someone else
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"2001:db8:7:1::"}


def test_client_login_in_tests_and_scripts_still_works(editors):
    """A login without a request (Client.login, scripts) has no address to lock: it is
    checked by the password alone instead of failing."""
    assert Client().login(username="desk", password=PASSWORD)


@pytest.fixture
def moved_admin(settings):
    import config.urls

    settings.ADMIN_URL = "desk-7k2/"
    importlib.reload(config.urls)
    clear_url_caches()
    yield
    settings.ADMIN_URL = "admin/"
    importlib.reload(config.urls)
    clear_url_caches()


def test_admin_url_is_configurable(moved_admin, client):
    assert client.get("/admin/").status_code == HTTPStatus.NOT_FOUND
    response = client.get("/desk-7k2/")
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"].startswith("/desk-7k2/login/")


def test_robots_txt_never_names_the_admin(moved_admin, client):
    text = client.get("/robots.txt").text.lower()
    assert "desk-7k2" not in text and "admin" not in text
