"""Reply emails (issue 12, item 4), end to end through the comment form, the outbox and
``send_notifications`` with Django's locmem mail backend (``mailoutbox``): double opt-in,
who is told about which reply, at most once an hour, one-click unsubscribe, and the
outbox written in the reply's own transaction."""

import datetime
import re
from http import HTTPStatus
from unittest import mock

import pytest
from django.urls import reverse
from django.utils import timezone

from news import services as news_services
from news.models import Comment
from notifications import services
from notifications.models import OutboxMessage, Subscriber, Subscription
from tests.news.comment_helpers import field_errors
from tests.news.factories import ArticleFactory, CommentFactory

from .helpers import link, post_comment, send_notifications

pytestmark = pytest.mark.django_db

ANA = "ana@example.com"


@pytest.fixture
def article():
    return ArticleFactory(title="Kerr wins in Budapest", slug="kerr-wins")


@pytest.fixture
def thread(article):
    """Ana's comment, Ana following its replies at a confirmed address, no mail waiting."""
    comment = CommentFactory(article=article, name="Ana", email=ANA)
    services.subscription_request(email=ANA, thread=comment)
    services.subscriber_confirm(subscriber=Subscriber.objects.get(email=ANA))
    OutboxMessage.objects.all().delete()
    return comment


def reply_to(client, thread, **fields):
    fields.setdefault("name", "Ben")
    return post_comment(client, thread.article, parent=str(thread.pk), **fields)


def mails_to(mailoutbox, address):
    return [m for m in mailoutbox if m.to == [address]]


def test_double_opt_in_flow_end_to_end(client, article, mailoutbox):
    # Ana comments, asks for reply emails: only a confirmation is queued, and nothing is
    # sent from the request itself.
    response = post_comment(client, article, name="Ana", email="Ana@Example.com", notify="on")
    assert response.status_code == HTTPStatus.SEE_OTHER
    assert mailoutbox == []
    thread = Comment.objects.get(name="Ana")
    assert list(OutboxMessage.objects.values_list("kind", "to")) == [("confirm", ANA)]
    send_notifications()
    assert len(mailoutbox) == 1
    confirmation = mailoutbox[0]
    assert confirmation.to == [ANA]
    assert "Confirm" in confirmation.subject
    assert confirmation.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

    # Unconfirmed: a reply sends Ana nothing more.
    assert reply_to(client, thread).status_code == HTTPStatus.SEE_OTHER
    send_notifications()
    assert len(mailoutbox) == 1

    # The link shows a button (a GET confirms nothing), the button confirms.
    confirm_path = link(confirmation, "confirm")
    page = client.get(confirm_path)
    assert page.status_code == HTTPStatus.OK
    assert b">Confirm</button>" in page.content
    assert Subscriber.objects.get(email=ANA).confirmed_at is None
    response = client.post(confirm_path)
    assert response.status_code == HTTPStatus.SEE_OTHER
    assert Subscriber.objects.get(email=ANA).confirmed_at is not None
    assert b"Reply emails are on" in client.get(confirm_path).content

    # Ben's public reply: one notification, with the one-click unsubscribe headers.
    reply_to(client, thread, name="Ben", email="ben@example.com")
    send_notifications()
    notification = mails_to(mailoutbox, ANA)[-1]
    assert len(mails_to(mailoutbox, ANA)) == 2
    assert "Ben replied" in notification.body
    ben = Comment.objects.get(name="Ben", email="ben@example.com")
    assert f"https://podium.example/news/kerr-wins/#comment-{ben.pk}" in notification.body
    unsubscribe_path = link(notification, "unsubscribe")
    assert notification.extra_headers["List-Unsubscribe"] == f"<https://podium.example{unsubscribe_path}>"
    assert notification.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

    # Cleo replies within the hour: nothing now (it joins a mail due an hour after Ben's).
    reply_to(client, thread, name="Cleo")
    reply_to(client, thread, name="Dan")
    send_notifications()
    assert len(mails_to(mailoutbox, ANA)) == 2
    assert OutboxMessage.objects.filter(to=ANA, sent_at__isnull=True).count() == 1

    # One click from the mail client: no more mail, the waiting one included.
    response = client.post(
        unsubscribe_path, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == HTTPStatus.OK
    assert not Subscriber.objects.filter(email=ANA).exists()
    reply_to(client, thread, name="Eve")
    send_notifications()
    assert len(mails_to(mailoutbox, ANA)) == 2
    assert not OutboxMessage.objects.filter(to=ANA, sent_at__isnull=True).exists()


def test_a_reply_within_the_hour_is_sent_an_hour_after_the_last_not_lost(client, thread, mailoutbox):
    reply_to(client, thread, name="Ben")
    send_notifications()
    first = OutboxMessage.objects.get(to=ANA, sent_at__isnull=False)
    reply_to(client, thread, name="Cleo")
    reply_to(client, thread, name="Dan")
    waiting = OutboxMessage.objects.get(to=ANA, sent_at__isnull=True)
    subscription = Subscription.objects.get(subscriber__email=ANA)
    assert waiting.next_attempt_at == subscription.last_notified_at
    due = first.created_at + datetime.timedelta(hours=1)
    assert abs(waiting.next_attempt_at - due) < datetime.timedelta(seconds=5)
    assert "Cleo replied" in waiting.body
    send_notifications()
    assert len(mails_to(mailoutbox, ANA)) == 1

    later = timezone.now() + datetime.timedelta(hours=1, minutes=1)
    with mock.patch("django.utils.timezone.now", return_value=later):
        send_notifications()
    sent = mails_to(mailoutbox, ANA)
    assert len(sent) == 2
    assert "Ben replied" in sent[0].body and "Cleo replied" in sent[1].body


def test_pending_and_spam_replies_notify_no_one(client, thread, settings, mailoutbox):
    settings.COMMENTS_MODERATION = "pre"
    reply_to(client, thread, name="Held")
    settings.COMMENTS_MODERATION = "auto"
    reply_to(client, thread, name="Bot", website="http://spam.example")  # the honeypot
    assert set(Comment.objects.filter(parent=thread).values_list("status", flat=True)) == {"pending", "spam"}
    send_notifications()
    assert mailoutbox == []
    assert not OutboxMessage.objects.exists()
    # The same fan's public reply is notified: the thread was followed all along.
    reply_to(client, thread, name="Ben")
    send_notifications()
    assert len(mails_to(mailoutbox, ANA)) == 1


def test_no_mail_to_the_replier_themself_whatever_the_case_of_the_address(client, thread, mailoutbox):
    reply_to(client, thread, name="Ana", email="ANA@example.COM", notify="on")
    send_notifications()
    assert mailoutbox == []
    reply_to(client, thread, name="Ben", email="ben@example.com")
    send_notifications()
    assert len(mails_to(mailoutbox, ANA)) == 1


def test_a_held_reply_notifies_when_a_moderator_approves_it(admin_client, thread, settings, mailoutbox):
    settings.COMMENTS_MODERATION = "pre"
    held = news_services.comment_create(article=thread.article, name="Ben", body="Held.", parent=thread)
    rejected = news_services.comment_create(article=thread.article, name="Cleo", body="No.", parent=thread)
    assert not OutboxMessage.objects.exists()
    changelist = reverse("admin:news_comment_changelist")
    admin_client.post(changelist, {"action": "reject", "_selected_action": [rejected.pk]})
    assert not OutboxMessage.objects.exists()

    admin_client.post(changelist, {"action": "approve", "_selected_action": [held.pk]})
    send_notifications()
    assert len(mails_to(mailoutbox, ANA)) == 1
    assert "Ben replied" in mailoutbox[0].body
    # Approving it again (already public) queues nothing.
    admin_client.post(changelist, {"action": "approve", "_selected_action": [held.pk]})
    assert OutboxMessage.objects.count() == 1


def test_a_reply_approved_in_its_change_form_notifies(admin_client, thread, settings, mailoutbox):
    settings.COMMENTS_MODERATION = "pre"
    held = news_services.comment_create(article=thread.article, name="Ben", body="Held.", parent=thread)
    url = reverse("admin:news_comment_change", args=[held.pk])
    response = admin_client.post(url, {"name": "Ben", "email": "", "body": "Held.", "status": "approved"})
    assert response.status_code == HTTPStatus.FOUND, response.content.decode()[:2000]
    send_notifications()
    assert len(mails_to(mailoutbox, ANA)) == 1


def test_the_outbox_row_is_written_in_the_replys_transaction(thread):
    """A failure after the notification was queued (here: following the thread) undoes the
    reply and its outbox row together."""
    with mock.patch.object(services, "subscription_request", side_effect=RuntimeError("disk full")):
        with pytest.raises(RuntimeError):
            news_services.comment_create(
                article=thread.article,
                name="Ben",
                body="Hi.",
                email="ben@example.com",
                parent=thread,
                notify=True,
            )
    assert not Comment.objects.filter(name="Ben").exists()
    assert not OutboxMessage.objects.exists()
    # Without the failure both are stored.
    news_services.comment_create(
        article=thread.article, name="Ben", body="Hi.", email="ben@example.com", parent=thread, notify=True
    )
    assert Comment.objects.filter(name="Ben").exists()
    assert OutboxMessage.objects.filter(to=ANA, kind="reply").exists()


def test_ticking_the_box_without_an_email_is_refused_with_the_text_kept(client, article):
    response = post_comment(client, article, body="Kerr timed it perfectly.", notify="on")
    assert response.status_code == HTTPStatus.BAD_REQUEST
    html = response.content.decode()
    assert field_errors(html, "notify") == [
        "To be emailed about replies, give your email address (or untick this box)."
    ]
    assert "Kerr timed it perfectly." in html
    assert not Comment.objects.exists()
    assert not OutboxMessage.objects.exists()


def test_the_form_offers_the_box_and_says_what_happens(client, article):
    html = client.get(article.get_absolute_url()).content.decode()
    assert re.search(r'<input type="checkbox" name="notify" [^>]*id="comment-notify">', html)
    assert '<label for="comment-notify">Email me when someone replies</label>' in html


def test_a_confirmation_is_sent_once_per_48_hours_however_often_an_address_is_given(client, article):
    for _ in range(3):
        post_comment(client, article, email=ANA, notify="on")
    assert OutboxMessage.objects.filter(kind="confirm").count() == 1
    assert Subscription.objects.count() == 3
    later = timezone.now() + datetime.timedelta(hours=49)
    with mock.patch("django.utils.timezone.now", return_value=later):
        post_comment(client, article, email=ANA, notify="on")
    assert OutboxMessage.objects.filter(kind="confirm").count() == 2


def test_a_confirmed_address_following_a_new_thread_gets_no_new_confirmation(client, thread):
    post_comment(client, thread.article, name="Ana", email=ANA, notify="on")
    assert not OutboxMessage.objects.exists()
    assert Subscription.objects.filter(subscriber__email=ANA).count() == 2


def test_a_bots_comment_follows_nothing_and_sends_no_confirmation(client, article):
    post_comment(client, article, email="victim@example.com", notify="on", website="http://spam.example")
    assert Comment.objects.get().status == Comment.Status.SPAM
    assert not Subscriber.objects.exists()
    assert not OutboxMessage.objects.exists()


def test_mails_are_plain_text_names_and_titles_unescaped(client, article, mailoutbox):
    article.title = "Kerr & Ingebrigtsen: “the duel”"
    article.save()
    thread = CommentFactory(article=article, email=ANA)
    services.subscription_request(email=ANA, thread=thread)
    services.subscriber_confirm(subscriber=Subscriber.objects.get(email=ANA))
    reply_to(client, thread, name="Seán O'Brien")
    send_notifications()
    notification = mails_to(mailoutbox, ANA)[-1]
    assert "Seán O'Brien replied" in notification.body
    assert "Kerr & Ingebrigtsen: “the duel”" in notification.body
    assert "&amp;" not in notification.body and "&#x27;" not in notification.body
