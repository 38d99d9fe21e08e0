"""The moderators' digest (``COMMENTS_MODERATORS_EMAIL``, sent by ``send_notifications``)
and forgetting reply-email data (``purge_comment_data``)."""

import datetime
from unittest import mock

import pytest
from django.core.management import call_command
from django.utils import timezone

from news.models import Comment, CommentReport
from notifications import services
from notifications.models import OutboxMessage, Subscriber, Subscription
from tests.news.factories import CommentFactory

from .helpers import send_notifications

pytestmark = pytest.mark.django_db

MODS = ["mods@podium.example", "editor@podium.example"]


def later(**delta):
    return mock.patch("django.utils.timezone.now", return_value=timezone.now() + datetime.timedelta(**delta))


def test_no_digest_without_moderators_addresses(mailoutbox):
    CommentFactory(status=Comment.Status.PENDING)
    send_notifications()
    assert mailoutbox == []


def test_moderators_get_a_digest_of_pending_and_reported_comments_at_most_hourly(settings, mailoutbox):
    settings.COMMENTS_MODERATORS_EMAIL = MODS
    held = CommentFactory(status=Comment.Status.PENDING, name="Held Harry", body="Buy cheap spikes now")
    reported = CommentFactory(name="Rude Rita")
    CommentReport.objects.create(comment=reported, reason="abuse", client_hash="a" * 64)
    CommentFactory(name="Fine Fred")

    send_notifications()
    assert sorted(m.to[0] for m in mailoutbox) == sorted(MODS)
    digest = mailoutbox[0]
    assert digest.subject == "Podium comments: 1 pending, 1 reported"
    assert "Held Harry" in digest.body and "Buy cheap spikes now" in digest.body
    assert "Rude Rita" in digest.body and "Fine Fred" not in digest.body
    assert f"https://podium.example/admin/news/comment/{held.pk}/change/" in digest.body

    send_notifications()  # nothing new, and within the hour
    CommentFactory(status=Comment.Status.PENDING)
    send_notifications()  # something new, but within the hour
    assert len(mailoutbox) == 2
    with later(minutes=61):
        send_notifications()
    assert len(mailoutbox) == 4
    with later(minutes=200):
        send_notifications()  # nothing new since the last digest
    assert len(mailoutbox) == 4


def test_purge_forgets_what_reply_emails_no_longer_need(mailoutbox):
    now = timezone.now()
    old_thread = CommentFactory(email="old@example.com")
    recent_thread = CommentFactory(email="recent@example.com")
    with later(days=-91):
        services.subscription_request(email="old@example.com", thread=old_thread)
    services.subscriber_confirm(subscriber=Subscriber.objects.get(email="old@example.com"))
    services.subscription_request(email="recent@example.com", thread=recent_thread)
    services.subscriber_confirm(subscriber=Subscriber.objects.get(email="recent@example.com"))
    with later(hours=-49):
        services.subscription_request(email="never.confirmed@example.com", thread=recent_thread)
    services.subscription_request(email="just.asked@example.com", thread=recent_thread)
    Subscription.objects.filter(subscriber__email="old@example.com").update(
        created_at=now - datetime.timedelta(days=91)
    )
    OutboxMessage.objects.all().delete()
    sent_long_ago, sent_yesterday, waiting, given_up = (
        services.outbox_enqueue(to=f"{name}@example.com", subject=name, body=".", kind="test")
        for name in ("sent-long-ago", "sent-yesterday", "waiting", "given-up")
    )
    OutboxMessage.objects.filter(pk=sent_long_ago.pk).update(sent_at=now - datetime.timedelta(days=8))
    OutboxMessage.objects.filter(pk=sent_yesterday.pk).update(sent_at=now - datetime.timedelta(days=1))
    OutboxMessage.objects.filter(pk=given_up.pk).update(
        next_attempt_at=None, created_at=now - datetime.timedelta(days=91)
    )

    call_command("purge_comment_data", verbosity=0)

    assert sorted(Subscriber.objects.values_list("email", flat=True)) == [
        "just.asked@example.com",
        "recent@example.com",
    ]
    assert Subscription.objects.count() == 2
    assert sorted(OutboxMessage.objects.values_list("subject", flat=True)) == ["sent-yesterday", "waiting"]
    # Twice changes nothing.
    call_command("purge_comment_data", verbosity=0)
    assert Subscriber.objects.count() == 2 and OutboxMessage.objects.count() == 2


def test_privacy_and_house_rules_say_what_reply_emails_keep_and_for_how_long(client):
    privacy = client.get("/privacy/").content.decode()
    assert "Email me when someone replies" in privacy
    assert (
        "48 hours" in privacy and "90 days after you asked" in privacy and "7 days after sending" in privacy
    )
    assert "Unsubscribing deletes your address" in privacy
    rules = client.get("/house-rules/").content.decode()
    assert "at most once an hour" in rules and "One click" in rules
