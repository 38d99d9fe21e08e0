"""A fan comments on the Kerr story in a real browser, without any JavaScript of ours:
posts, lands on the comment with the success message, replies to it; an empty form
shows the errors with the typed name kept. On a phone and on a desktop, with no serious
accessibility violations."""

import re

import pytest
from axe_playwright_python.sync_playwright import Axe

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

KERR = "/news/josh-kerr-world-champion-plan-for-paris/"
# The form refuses posts sent sooner than this after the page was rendered (a bot's
# speed); a person types for longer, and so does this test.
HUMAN_PAUSE_MS = 2200


def serious_violations(page):
    results = Axe().run(page)
    return [
        f"{v['id']}: {v['help']} (e.g. {v['nodes'][0]['html'][:120]})"
        for v in results.response["violations"]
        if v["impact"] in {"serious", "critical"}
    ]


def test_fan_posts_a_comment_and_replies_to_it(any_page, demo):
    page = any_page
    page.goto(demo + KERR)
    assert page.get_by_role("heading", name="Add a comment").is_visible()

    page.get_by_label("Name", exact=True).fill("Morgan from Glasgow")
    page.get_by_label("Comment", exact=True).fill("That kick at 200 m to go!\nStill can't believe it.")
    page.wait_for_timeout(HUMAN_PAUSE_MS)
    page.get_by_role("button", name="Post comment").click()

    page.wait_for_url(re.compile(r"#comment-\d+$"))
    assert page.get_by_text("Your comment is published").is_visible()
    comment_id = page.url.rsplit("#", 1)[1]
    comment = page.locator(f"#{comment_id}")
    assert "Morgan from Glasgow" in comment.inner_text()
    assert (
        "That kick at 200 m to go!\nStill can't believe it." in comment.locator(".comment__body").inner_text()
    )
    assert page.get_by_role("heading", name="1 comment").is_visible()

    comment.get_by_role("link", name="Reply to Morgan from Glasgow").click()
    assert page.get_by_text("Replying to Morgan from Glasgow").is_visible()
    # The name is remembered from the first comment.
    assert page.get_by_label("Name", exact=True).input_value() == "Morgan from Glasgow"
    page.get_by_label("Comment", exact=True).fill("Replying to myself: and then Paris.")
    page.wait_for_timeout(HUMAN_PAUSE_MS)
    page.get_by_role("button", name="Post reply").click()

    page.wait_for_url(re.compile(r"#comment-\d+$"))
    assert page.get_by_text("Your comment is published").is_visible()
    replies = page.locator(".comment-list--replies")
    assert "Replying to myself: and then Paris." in replies.inner_text()
    assert page.get_by_role("heading", name="2 comments").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth") <= 0
    assert not serious_violations(page)


def test_after_a_failed_post_by_keyboard_focus_is_on_the_error_summary(page, demo):
    """Keyboard and screen-reader users land on what went wrong, not at the top of the page:
    the form posts to ``#comment-errors``, the summary's id, and a focusable fragment target
    is focused by the browser itself (no script)."""
    page.goto(demo + KERR)
    page.get_by_label("Name", exact=True).fill("Sam")
    page.get_by_label("Comment", exact=True).focus()
    page.keyboard.press("Tab")  # on to the email field, then send the form with Enter
    with page.expect_navigation():
        page.keyboard.press("Enter")

    focused = page.evaluate("document.activeElement.className")
    assert focused == "form-errors"
    assert "Your comment is not posted yet." in page.evaluate("document.activeElement.innerText")
    # Its ring shows (keyboard use), dark on the light page.
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline == "solid"


def test_an_empty_comment_shows_the_errors_and_keeps_the_name(any_page, demo):
    page = any_page
    page.goto(demo + KERR)
    page.get_by_label("Name", exact=True).fill("Sam")
    page.get_by_role("button", name="Post comment").click()

    alert = page.get_by_role("alert")
    assert "Your comment is not posted yet." in alert.inner_text()
    assert page.get_by_text("Please write a comment (up to 3,000 characters).").is_visible()
    assert page.get_by_label("Name", exact=True).input_value() == "Sam"
    assert page.get_by_label("Comment", exact=True).get_attribute("aria-invalid") == "true"
    assert page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth") <= 0
    assert not serious_violations(page)


def test_a_reader_reports_a_comment_without_javascript(page, demo):
    page.goto(demo + KERR)
    page.get_by_label("Name", exact=True).fill("Alex")
    page.get_by_label("Comment", exact=True).fill("Ingebrigtsen will be back.")
    page.wait_for_timeout(HUMAN_PAUSE_MS)
    page.get_by_role("button", name="Post comment").click()
    page.wait_for_url(re.compile(r"#comment-\d+$"))

    # (Not "Report an error", the article's own form above the comments.)
    page.get_by_text("Report this comment by Alex").click()
    page.get_by_label("Why should a moderator look at it?").select_option("off_topic")
    page.get_by_role("button", name="Send report").click()

    assert page.get_by_text("Thank you: a moderator will look at this comment.").is_visible()
    assert page.get_by_text("Ingebrigtsen will be back.").is_visible()  # never hidden by a report
