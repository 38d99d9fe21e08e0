"""A fan asks for reply emails in a real browser and follows the mails (read from Django's
locmem backend): ticks the box, confirms the address with the button, gets a
notification of a reply, and unsubscribes with the link. On a phone and on a desktop."""

import re
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.core.management import call_command

from news.models import Comment
from news.services import comment_create
from notifications.models import Subscriber

from .test_comment_journey import HUMAN_PAUSE_MS, KERR, serious_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def link_in(message, kind):
    return urlsplit(re.search(rf"https?://\S+/notifications/{kind}/\S+/", message.body).group(0)).path


def test_fan_opts_in_confirms_gets_a_reply_email_and_unsubscribes(any_page, demo, mailoutbox):
    page = any_page
    page.goto(demo + KERR)
    page.get_by_label("Name", exact=True).fill("Morgan from Glasgow")
    page.get_by_label("Comment", exact=True).fill("Tell me when someone answers this.")
    page.locator(".comment-form__form").get_by_label("Email (optional)").fill("morgan@example.com")
    page.get_by_label("Email me when someone replies").check()
    page.wait_for_timeout(HUMAN_PAUSE_MS)
    page.get_by_role("button", name="Post comment").click()
    page.wait_for_url(re.compile(r"#comment-\d+$"))
    assert page.get_by_text("We will email you when someone replies.").is_visible()
    assert mailoutbox == []  # never from the request

    call_command("send_notifications", verbosity=0)
    (confirmation,) = mail.outbox
    page.goto(demo + link_in(confirmation, "confirm"))
    assert page.get_by_role("heading", name="Confirm reply emails").is_visible()
    assert not serious_violations(page)
    page.get_by_role("button", name="Confirm").click()
    assert page.get_by_role("heading", name="Reply emails are on").is_visible()
    assert Subscriber.objects.get(email="morgan@example.com").is_confirmed

    thread = Comment.objects.get(name="Morgan from Glasgow")
    comment_create(article=thread.article, name="Jo", body="I answer.", parent=thread)
    call_command("send_notifications", verbosity=0)
    notification = mail.outbox[-1]
    assert "Jo replied" in notification.body
    page.goto(demo + link_in(notification, "unsubscribe"))
    assert page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth") <= 0
    page.get_by_role("button", name="Unsubscribe").click()
    assert page.get_by_role("heading", name="You are unsubscribed").is_visible()
    assert not Subscriber.objects.exists()
