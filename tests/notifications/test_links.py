"""The links in fans' emails: ``/notifications/confirm/<token>/`` and
``/notifications/unsubscribe/<token>/``. Signed per purpose, the confirmation for 48
hours; a GET never confirms nor unsubscribes (mail scanners fetch links); the unsubscribe
POST needs no CSRF token (RFC 8058 one-click); bad tokens get a clear 400, never a 500;
the pages are never cached."""

import base64
import time
from http import HTTPStatus

import pytest
from django.core import signing
from django.test import Client

from notifications import services, tokens
from notifications.models import Subscriber, Subscription
from tests.news.factories import CommentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def subscriber():
    thread = CommentFactory(email="ana@example.com")
    services.subscription_request(email="ana@example.com", thread=thread)
    return Subscriber.objects.get()


def confirm_url(token):
    return f"/notifications/confirm/{token}/"


def unsubscribe_url(token):
    return f"/notifications/unsubscribe/{token}/"


def test_confirm_page_get_shows_a_button_and_confirms_nothing(client, subscriber):
    url = confirm_url(tokens.confirm_token(subscriber))
    for method in (client.get, client.head):
        response = method(url)
        assert response.status_code == HTTPStatus.OK
    assert b'<button class="button" type="submit">Confirm</button>' in client.get(url).content
    subscriber.refresh_from_db()
    assert subscriber.confirmed_at is None
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]


def test_confirm_post_needs_the_pages_csrf_token(subscriber):
    browser = Client(enforce_csrf_checks=True)
    url = confirm_url(tokens.confirm_token(subscriber))
    assert browser.post(url).status_code == HTTPStatus.FORBIDDEN
    page = browser.get(url)
    response = browser.post(url, {"csrfmiddlewaretoken": page.context["csrf_token"]})
    assert response.status_code == HTTPStatus.SEE_OTHER
    assert response["Location"] == url
    subscriber.refresh_from_db()
    assert subscriber.is_confirmed


def test_a_confirmation_link_works_for_48_hours_and_then_says_it_expired(client, subscriber, monkeypatch):
    now = time.time()
    monkeypatch.setattr(signing.time, "time", lambda: now - 47 * 3600)
    fresh_enough = tokens.confirm_token(subscriber)
    monkeypatch.setattr(signing.time, "time", lambda: now - 49 * 3600)
    expired = tokens.confirm_token(subscriber)
    monkeypatch.undo()

    response = client.post(confirm_url(expired))
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "This confirmation link has expired: links work for 48 hours." in response.content.decode()
    subscriber.refresh_from_db()
    assert subscriber.confirmed_at is None
    assert client.post(confirm_url(fresh_enough)).status_code == HTTPStatus.SEE_OTHER
    subscriber.refresh_from_db()
    assert subscriber.is_confirmed


@pytest.mark.parametrize(
    "mangle",
    [
        lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"),  # the signature changed
        lambda t: t[: len(t) // 2],  # cut short
        lambda t: "not-a-token",
        lambda t: "%00",
        lambda t: "x" * 3000,
        lambda t: signing.dumps({"s": 1, "e": "x"}, salt="another.salt"),
        lambda t: signing.dumps("just a string", salt=tokens.CONFIRM_SALT),  # ours, not a notification token
    ],
)
def test_forged_or_mangled_tokens_get_a_clear_400_and_change_nothing(client, subscriber, mangle):
    for url in (
        confirm_url(mangle(tokens.confirm_token(subscriber))),
        unsubscribe_url(mangle(tokens.unsubscribe_token(subscriber))),
    ):
        for method in (client.get, client.post):
            response = method(url)
            assert response.status_code == HTTPStatus.BAD_REQUEST, url
            assert "This link is not one of ours, or it was cut short." in response.content.decode()
    subscriber.refresh_from_db()
    assert subscriber.confirmed_at is None


def test_a_token_only_works_for_its_own_purpose(client, subscriber):
    assert (
        client.post(unsubscribe_url(tokens.confirm_token(subscriber))).status_code == HTTPStatus.BAD_REQUEST
    )
    assert (
        client.post(confirm_url(tokens.unsubscribe_token(subscriber))).status_code == HTTPStatus.BAD_REQUEST
    )
    assert Subscriber.objects.filter(pk=subscriber.pk, confirmed_at__isnull=True).exists()


def test_a_token_of_an_address_no_longer_stored_says_so(client, subscriber):
    token = tokens.confirm_token(subscriber)
    subscriber.delete()
    response = client.get(confirm_url(token))
    assert response.status_code == HTTPStatus.NOT_FOUND
    assert "We no longer have this address" in response.content.decode()


def test_a_row_reused_by_another_address_does_not_match_an_old_token(client, subscriber):
    token = tokens.unsubscribe_token(subscriber)
    Subscriber.objects.filter(pk=subscriber.pk).update(email="someone.else@example.com")
    client.post(unsubscribe_url(token))
    assert Subscriber.objects.filter(pk=subscriber.pk).exists()


def test_tokens_do_not_carry_the_address(subscriber):
    for token in (tokens.confirm_token(subscriber), tokens.unsubscribe_token(subscriber)):
        payload = token.split(":")[0]
        decoded = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
        assert b"ana" not in decoded and "ana" not in token


def test_unsubscribe_get_shows_a_button_and_unsubscribes_nothing(client, subscriber):
    url = unsubscribe_url(tokens.unsubscribe_token(subscriber))
    response = client.get(url)
    assert response.status_code == HTTPStatus.OK
    assert b'<button class="button" type="submit">Unsubscribe</button>' in response.content
    assert "no-store" in response["Cache-Control"]
    assert Subscriber.objects.filter(pk=subscriber.pk).exists()


def test_one_click_unsubscribe_needs_no_csrf_token_and_forgets_the_address(subscriber):
    mail_client = Client(enforce_csrf_checks=True)
    url = unsubscribe_url(tokens.unsubscribe_token(subscriber))
    response = mail_client.post(url, {"List-Unsubscribe": "One-Click"})
    assert response.status_code == HTTPStatus.OK
    assert "You are unsubscribed" in response.content.decode()
    assert not Subscriber.objects.exists()
    assert not Subscription.objects.exists()
    # The link keeps working: a second click (or the mail client's retry) is answered the same.
    assert mail_client.post(url).status_code == HTTPStatus.OK
    assert "You are unsubscribed" in mail_client.get(url).content.decode()


def test_unsubscribing_keeps_other_apps_mail_to_the_address(subscriber):
    other = services.outbox_enqueue(
        to=subscriber.email, subject="Your report", body="Thanks.", kind="correction"
    )
    services.subscriber_unsubscribe(subscriber=subscriber)
    assert type(other).objects.filter(pk=other.pk).exists()
    assert not type(other).objects.filter(kind="confirm").exists()
