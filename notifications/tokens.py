"""Signed tokens of the notification links (``django.core.signing``, one salt per purpose,
so a confirmation token never unsubscribes and the reverse). A token names an address by
its row and a short hash of the address (a row reused by another address does not match),
never by the address itself: links end up in logs and browser histories. A follow's
confirmation token also names the follow (``f``): it confirms that follow, and the address."""

import datetime
import hashlib

from django.core import signing

from .models import AthleteFollow, Subscriber

CONFIRM_SALT = "notifications.confirm"
UNSUBSCRIBE_SALT = "notifications.unsubscribe"
# How long a confirmation link works (the issue: 48 hours).
CONFIRM_MAX_AGE = datetime.timedelta(hours=48)


class UnknownSubscriber(Exception):
    """A genuine token whose address is no longer stored (unsubscribed, or purged)."""


def _address_hash(email):
    return hashlib.blake2b(email.encode(), digest_size=8).hexdigest()


def _make(subscriber, salt, follow=None):
    data = {"s": subscriber.pk, "e": _address_hash(subscriber.email)}
    if follow is not None:
        data["f"] = follow.pk
    return signing.dumps(data, salt=salt)


def _load(token, salt, max_age=None):
    data = signing.loads(token, salt=salt, max_age=max_age)
    if not isinstance(data, dict) or not isinstance(data.get("s"), int) or not isinstance(data.get("e"), str):
        raise signing.BadSignature("malformed notification token")  # never one we signed
    if "f" in data and not isinstance(data["f"], int):
        raise signing.BadSignature("malformed notification token")
    return data


def _subscriber(data):
    subscriber = Subscriber.objects.filter(pk=data["s"]).first()
    if subscriber is None or _address_hash(subscriber.email) != data["e"]:
        raise UnknownSubscriber
    return subscriber


def _read(token, salt, max_age=None):
    """The Subscriber a token names. BadSignature (SignatureExpired for an old confirmation)
    for a forged, mangled or expired token; UnknownSubscriber when its address is gone."""
    return _subscriber(_load(token, salt, max_age))


def confirm_token(subscriber, follow=None):
    """The confirmation link's token: of the address, or of one of its athlete follows."""
    return _make(subscriber, CONFIRM_SALT, follow)


def read_confirmation(token):
    """``(subscriber, follow or None)`` a confirmation token names; the errors of ``_read``,
    and UnknownSubscriber when the follow it names is gone too (unsubscribed, or purged)."""
    data = _load(token, CONFIRM_SALT, max_age=CONFIRM_MAX_AGE)
    subscriber = _subscriber(data)
    if "f" not in data:
        return subscriber, None
    follows = AthleteFollow.objects.select_related("athlete")
    follow = follows.filter(pk=data["f"], subscriber=subscriber).first()
    if follow is None:
        raise UnknownSubscriber
    return subscriber, follow


def unsubscribe_token(subscriber):
    return _make(subscriber, UNSUBSCRIBE_SALT)


def read_confirm_token(token):
    return _read(token, CONFIRM_SALT, max_age=CONFIRM_MAX_AGE)


def read_unsubscribe_token(token):
    """Unsubscribe links never expire: they are in every email, however old."""
    return _read(token, UNSUBSCRIBE_SALT)
