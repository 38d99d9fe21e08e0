"""Following an athlete in a real browser (issue 13, items 4 and 5), on a phone and on a
desktop: a reader asks for email alerts from Josh Kerr's page, confirms with the button of
the link the mail brings (mails read from Django's locmem backend), gets a digest when a
result goes on record and unsubscribes in one click; and the profile's progression chart,
looked at in both colour schemes (screenshots in a temporary directory)."""

import re
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.core.management import call_command

from athletics.models import Athlete, CompetitionEdition, Discipline, Result
from notifications.models import AthleteFollow, Subscriber

from .test_comment_journey import serious_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

KERR = "/athletes/josh-kerr/"


@pytest.fixture
def demo(live_server):
    call_command("load_demo", verbosity=0)
    return live_server.url


@pytest.fixture(params=["page", "phone_page"], ids=["1280px", "375px"])
def any_page(request):
    return request.getfixturevalue(request.param)


def link_in(message, kind):
    return urlsplit(re.search(rf"https?://\S+/notifications/{kind}/\S+/", message.body).group(0)).path


def test_reader_follows_an_athlete_confirms_gets_a_digest_and_unsubscribes(any_page, demo, mailoutbox):
    page = any_page
    page.goto(demo + KERR)
    page.get_by_role("link", name="Follow Josh Kerr").click()
    assert page.get_by_role("heading", name="Follow Josh Kerr").is_visible()
    page.get_by_label("Email me about Josh Kerr").fill("sam@example.com")
    with page.expect_navigation():
        page.get_by_role("button", name="Follow by email").click()
    assert urlsplit(page.url).path == KERR
    assert page.get_by_text(
        "we are emailing sam@example.com a link to confirm following Josh Kerr"
    ).is_visible()
    assert mailoutbox == []  # never from the request

    call_command("send_notifications", verbosity=0)
    (confirmation,) = mail.outbox
    assert confirmation.subject == "Confirm: follow Josh Kerr on Podium"
    page.goto(demo + link_in(confirmation, "confirm"))
    assert page.get_by_role("heading", name="Follow Josh Kerr by email").is_visible()
    assert not serious_violations(page)
    page.get_by_role("button", name="Confirm").click()
    assert page.get_by_role("heading", name="You follow Josh Kerr").is_visible()
    assert AthleteFollow.objects.get(subscriber__email="sam@example.com").is_confirmed

    # A result goes on record: the next run sends the day's digest.
    kerr = Athlete.objects.get(slug="josh-kerr")
    edition = CompetitionEdition.objects.get(slug="olympic-games-paris-2024")
    metric = Discipline.objects.get(slug="1500-m")
    Result.objects.create(
        athlete=kerr, edition=edition, discipline=metric, round=Result.Round.SEMI, source="Browser test"
    )
    call_command("send_notifications", verbosity=0)
    digest = mail.outbox[-1]
    assert digest.subject == "New on Podium: Josh Kerr" and "1500 m semi-final" in digest.body
    page.goto(demo + link_in(digest, "unsubscribe"))
    assert page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth") <= 0
    page.get_by_role("button", name="Unsubscribe").click()
    assert page.get_by_role("heading", name="You are unsubscribed").is_visible()
    assert not Subscriber.objects.exists() and not AthleteFollow.objects.exists()


def test_a_refused_address_comes_back_with_the_error_in_focus(phone_page, demo):
    page = phone_page
    page.goto(demo + KERR)
    page.get_by_label("Email me about Josh Kerr").fill("not an address")
    page.get_by_role("button", name="Follow by email").click()
    errors = page.locator("#follow-errors")
    assert errors.is_visible() and "You are not following Josh Kerr yet." in errors.inner_text()
    assert page.get_by_text("Please give a whole email address").is_visible()
    assert page.get_by_label("Email me about Josh Kerr").input_value() == "not an address"
    assert not AthleteFollow.objects.exists()


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("width", [375, 1280])
def test_the_progression_chart_reads_at_375_and_1280_px_in_both_schemes(
    browser, demo, width, scheme, tmp_path
):
    context = browser.new_context(
        viewport={"width": width, "height": 900}, color_scheme=scheme, is_mobile=width == 375
    )
    page = context.new_page()
    problems = []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.goto(demo + KERR)
    chart = page.get_by_role("img", name="Josh Kerr: 1500 m marks on record over time")
    chart.scroll_into_view_if_needed()
    box = chart.bounding_box()
    assert box["width"] >= min(width - 40, 300) * 0.9 and box["x"] >= 0 and box["x"] + box["width"] <= width
    # Against the width asked for: a phone's innerWidth grows to fit what overflows.
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    # Drawn in the scheme's colours by the stylesheet (no style attribute: the CSP forbids them).
    line = page.locator(".chart__line").evaluate("e => getComputedStyle(e).stroke")
    label = page.locator(".chart__label").first.evaluate("e => getComputedStyle(e).fill")
    paper = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert line != label and label != paper
    assert (paper == "rgb(255, 255, 255)") == (scheme == "light")
    # The label text stays at least 9 CSS pixels high however the SVG is scaled.
    assert page.locator(".chart__label").first.bounding_box()["height"] >= 9
    assert page.get_by_role("table", name="Season's best").first.is_visible()
    assert not serious_violations(page)
    assert problems == []  # no CSP violation, no script error
    page.screenshot(path=str(tmp_path / f"athlete-{width}-{scheme}.png"), full_page=True)
    context.close()
