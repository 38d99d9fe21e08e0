"""A fan fixes a typo in their comment, then deletes it, in a real browser without any
JavaScript of ours; after the edit window the same controls answer with a clear refusal
and the text kept. On a phone and on a desktop, with no serious accessibility violations."""

import datetime
import re

import pytest
from django.utils import timezone

from news.models import Comment

from .test_comment_journey import HUMAN_PAUSE_MS, KERR, serious_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def post_comment(page, demo, body):
    page.goto(demo + KERR)
    page.get_by_label("Name", exact=True).fill("Robin from Stirling")
    page.get_by_label("Comment", exact=True).fill(body)
    page.wait_for_timeout(HUMAN_PAUSE_MS)
    page.get_by_role("button", name="Post comment").click()
    page.wait_for_url(re.compile(r"#comment-\d+$"))
    return page.locator("#" + page.url.rsplit("#", 1)[1])


def test_a_fan_edits_a_typo_then_deletes_the_comment_within_the_window(any_page, demo):
    page = any_page
    comment = post_comment(page, demo, "Kerr's kick was unbeleivable.")

    comment.get_by_role("link", name="Edit your comment").click()
    assert page.get_by_role("heading", name="Edit your comment").is_visible()
    box = page.get_by_label("Your comment")
    assert box.input_value() == "Kerr's kick was unbeleivable."
    assert not serious_violations(page)
    box.fill("Kerr's kick was unbelievable.")
    page.get_by_role("button", name="Save changes").click()

    page.wait_for_url(re.compile(r"#comment-\d+$"))
    assert page.get_by_text("Your comment is updated.").is_visible()
    comment = page.locator("#" + page.url.rsplit("#", 1)[1])
    assert comment.locator(".comment__body").inner_text() == "Kerr's kick was unbelievable."
    assert comment.locator(".comment__edited").inner_text() == "edited"
    assert page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth") <= 0
    assert not serious_violations(page)

    comment.locator(".comment__delete summary").click()
    comment.get_by_role("button", name="Delete my comment").click()
    page.wait_for_url(re.compile(r"#comments$"))
    assert page.get_by_text("Your comment is deleted.").is_visible()
    assert page.get_by_text("Kerr's kick was unbelievable.").count() == 0


def test_after_the_window_the_edit_is_refused_with_the_text_kept(page, demo, monkeypatch):
    comment = post_comment(page, demo, "Paris will be his.")
    pk = int(comment.get_attribute("id").removeprefix("comment-"))
    comment.get_by_role("link", name="Edit your comment").click()
    page.get_by_label("Your comment").fill("Paris will be his, surely.")

    # The fan left the form open past the window (10 minutes after posting): the server's
    # clock (the live server runs in this process) moves on 11 minutes.
    real_now = timezone.now
    monkeypatch.setattr(timezone, "now", lambda: real_now() + datetime.timedelta(minutes=11))
    page.get_by_role("button", name="Save changes").click()

    assert page.get_by_role("heading", name="This comment can no longer be changed").is_visible()
    assert "that time has passed" in page.get_by_role("alert").inner_text()
    kept = page.get_by_label("What you wrote, so you can keep it")
    assert kept.input_value() == "Paris will be his, surely."
    assert Comment.objects.get(pk=pk).body == "Paris will be his."
    page.get_by_role("link", name="Back to the comments").click()
    assert page.get_by_text("Paris will be his.").is_visible()
    assert page.get_by_role("link", name="Edit your comment").count() == 0
    assert not serious_violations(page)
