"""A reader on a phone (375 px) reads a correction at the foot of the Kerr story, reports
another error, is told to shorten it (400, text kept), sends it and lands back on the story
with a thank-you; the report waits in the editors' queue. No JavaScript of ours, no
horizontal scrolling, no serious accessibility violations."""

import datetime
import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.core.management import call_command

from corrections.models import Correction, ErrorReport
from news.models import Article

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

KERR = "/news/josh-kerr-world-champion-plan-for-paris/"
HUMAN_PAUSE_MS = 2200  # the form refuses posts sent sooner (a bot's speed)


def serious_violations(page):
    results = Axe().run(page)
    return [
        f"{v['id']}: {v['help']} (e.g. {v['nodes'][0]['html'][:120]})"
        for v in results.response["violations"]
        if v["impact"] in {"serious", "critical"}
    ]


def no_horizontal_scroll(page):
    return page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth") <= 0


def test_reader_reports_an_error_on_a_phone(phone_page, live_server):
    call_command("load_demo", verbosity=0)
    article = Article.objects.get(slug=KERR.split("/")[2])
    # Demo wording only: a correction's text is the editor's, not a fact of the story.
    Correction.objects.create(
        article=article,
        date=datetime.date(2024, 3, 3),
        text="An earlier version of this article misdated a race.",
    )
    page = phone_page
    page.goto(live_server.url + KERR)

    corrections = page.locator("#corrections")
    assert "Correction, 3 March 2024: An earlier version of this article misdated a race." in (
        corrections.inner_text().replace("\n", " ")
    )
    report = page.locator("#report-error")
    report.get_by_text("Report an error").click()
    description = report.get_by_label("What is wrong?")
    assert description.is_visible()
    description.fill("x" * 2001)
    report.get_by_label("Source (optional)").fill("https://worldathletics.org/")
    report.get_by_label("Email (optional)").fill("reader@example.com")
    assert no_horizontal_scroll(page)
    assert not serious_violations(page)
    page.wait_for_timeout(HUMAN_PAUSE_MS)
    report.get_by_role("button", name="Send report").click()

    # Refused: the form again, what was typed kept, the problem said.
    assert page.get_by_role("heading", name="Report an error").is_visible()
    assert page.get_by_text("Please shorten your report to 2,000 characters (it has 2001)").is_visible()
    assert page.get_by_label("Source (optional)").input_value() == "https://worldathletics.org/"
    assert page.get_by_label("Email (optional)").input_value() == "reader@example.com"
    assert no_horizontal_scroll(page)
    assert not serious_violations(page)
    page.get_by_label("What is wrong?").fill("The date of the indoor race in the fourth paragraph is wrong.")
    page.wait_for_timeout(HUMAN_PAUSE_MS)
    page.get_by_role("button", name="Send report").click()

    page.wait_for_url(re.compile(r"#report-error$"))
    assert page.get_by_text("Thank you for your report: an editor will check it.").is_visible()
    assert no_horizontal_scroll(page)
    stored = ErrorReport.objects.get()
    assert stored.article == article and stored.status == ErrorReport.Status.OPEN
    assert stored.description == "The date of the indoor race in the fourth paragraph is wrong."
    assert stored.email == "reader@example.com"
