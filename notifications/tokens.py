"""Signed tokens of the notification links (``django.core.signing``, one salt per purpose,
so a confirmation token never unsubscribes and the reverse). A token names an address by
its row and a short hash of the address (a row reused by another address does not match),
never by the address itself: links end up in logs and browser histories."""

import datetime
import hashlib

from django.core import signing

from .models import Subscriber

CONFIRM_SALT = "notifications.confirm"
UNSUBSCRIBE_SALT = "notifications.unsubscribe"
# How long a confirmation link works (the issue: 48 hours).
CONFIRM_MAX_AGE = datetime.timedelta(hours=48)


class UnknownSubscriber(Exception):
    """A genuine token whose address is no longer stored (unsubscribed, or purged)."""


def _address_hash(email):
    return hashlib.blake2b(email.encode(), digest_size=8).hexdigest()


def _make(subscriber, salt):
    return signing.dumps({"s": subscriber.pk, "e": _address_hash(subscriber.email)}, salt=salt)


def _read(token, salt, max_age=None):
    """The Subscriber a token names. BadSignature (SignatureExpired for an old confirmation)
    for a forged, mangled or expired token; UnknownSubscriber when its address is gone."""
    data = signing.loads(token, salt=salt, max_age=max_age)
    if not isinstance(data, dict) or not isinstance(data.get("s"), int) or not isinstance(data.get("e"), str):
        raise signing.BadSignature("malformed notification token")  # never one we signed
    subscriber = Subscriber.objects.filter(pk=data["s"]).first()
    if subscriber is None or _address_hash(subscriber.email) != data["e"]:
        raise UnknownSubscriber
    return subscriber


def confirm_token(subscriber):
    return _make(subscriber, CONFIRM_SALT)


def unsubscribe_token(subscriber):
    return _make(subscriber, UNSUBSCRIBE_SALT)


def read_confirm_token(token):
    return _read(token, CONFIRM_SALT, max_age=CONFIRM_MAX_AGE)


def read_unsubscribe_token(token):
    """Unsubscribe links never expire: they are in every email, however old."""
    return _read(token, UNSUBSCRIBE_SALT)
