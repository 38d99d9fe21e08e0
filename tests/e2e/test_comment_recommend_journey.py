"""A reader on the Kerr story, in a real browser and without any JavaScript of ours: sees
the moderators' pick first, recommends a comment (the count goes up, the message says so),
sorts by most recommended and by newest, and takes the recommend back with a second press,
staying in the order being read. On a phone and on a desktop, with no serious
accessibility violations."""

import datetime
import re

import pytest
from django.core.management import call_command
from django.utils import timezone

from news.models import Article, Comment

from .test_comment_journey import KERR, serious_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def conversation(live_server, settings):
    """The demo content (its article's comments kept open) and three comments on the Kerr
    story, the middle one a moderator's pick."""
    settings.COMMENTS_CLOSE_AFTER_DAYS = 0
    call_command("load_demo", verbosity=0)
    article = Article.objects.get(slug=KERR.strip("/").rsplit("/", 1)[1])
    now = timezone.now()
    for minutes, name, body in (
        (30, "Early Bird", "First to say it: what a run."),
        (20, "Sharp Eye", "His last 200 m was 25.8: that is the race."),
        (10, "Late Night", "Still watching the replay."),
    ):
        comment = Comment(article=article, name=name, body=body, status=Comment.Status.APPROVED)
        comment.created_at = now - datetime.timedelta(minutes=minutes)
        comment.save()
    pick = Comment.objects.get(name="Sharp Eye")
    pick.is_pick = True
    pick.save()  # as the admin's toggle does: picked_at set, the page invalidated
    return live_server.url


def thread_names(page):
    """The names of the conversation's comments, in the order shown (not the picks above)."""
    return page.locator("article.comment .comment__name").all_inner_texts()


def recommend_button(page, name):
    return page.get_by_role("button", name=re.compile(rf"^Recommend the comment by {name} "))


def shown_count(page, name):
    """What the Recommend button of ``name``'s comment shows sighted readers: "(N)"."""
    return recommend_button(page, name).locator('[aria-hidden="true"]').inner_text()


def test_a_reader_sees_the_pick_recommends_sorts_and_takes_it_back(any_page, conversation):
    page = any_page
    page.goto(conversation + KERR)

    picks = page.get_by_role("region", name="Podium picks")
    assert picks.is_visible()
    assert "His last 200 m was 25.8" in picks.inner_text()
    assert picks.bounding_box()["y"] < page.locator("article.comment").first.bounding_box()["y"]
    assert thread_names(page) == ["Early Bird", "Sharp Eye", "Late Night"]
    badge = page.locator("article.comment .badge--pick")
    assert badge.count() == 1 and badge.inner_text() == "Podium pick"

    recommend_button(page, "Late Night").click()
    page.wait_for_url(re.compile(r"#comment-\d+$"))
    assert page.get_by_text("You recommended the comment by Late Night.").is_visible()
    assert shown_count(page, "Late Night") == "(1)"

    page.get_by_role("link", name="Most recommended").click()
    page.wait_for_url(re.compile(r"\?sort=recommended#comments$"))
    assert thread_names(page) == ["Late Night", "Early Bird", "Sharp Eye"]
    assert page.get_by_role("link", name="Most recommended").get_attribute("aria-current") == "true"

    recommend_button(page, "Late Night").click()  # a second press takes it back
    page.wait_for_url(re.compile(r"\?sort=recommended#comment-\d+$"))
    assert page.get_by_text("Your recommendation of the comment by Late Night is taken back.").is_visible()
    assert shown_count(page, "Late Night") == "(0)"
    assert thread_names(page) == ["Early Bird", "Sharp Eye", "Late Night"]

    page.get_by_role("link", name="Newest first").click()
    page.wait_for_url(re.compile(r"\?sort=newest#comments$"))
    assert thread_names(page) == ["Late Night", "Sharp Eye", "Early Bird"]
    assert page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth") <= 0
    assert not serious_violations(page)
