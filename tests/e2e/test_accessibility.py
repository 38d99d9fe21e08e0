"""No axe violation of any impact (issue 13, "Must show") on the article with all four
embeds, a correction and comments (a reply, a Podium pick, an edited comment) and on Josh
Kerr's profile with its progression charts, at 375 and 1280 px, in light and dark. Full-page
screenshots go to a temporary directory (or SCREENSHOT_DIR, to look at them)."""

import os
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.furnished import PROFILE, REPORT, furnished_report

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def furnished(live_server, settings):
    settings.COMMENTS_CLOSE_AFTER_DAYS = 0
    article = furnished_report()
    return live_server.url, article.comments.filter(parent=None).earliest("pk").pk


def violations(page):
    """Every axe violation, whatever its impact, one line each with the first offending node."""
    results = Axe().run(page)
    assert results.response["passes"], "axe checked nothing"
    return [
        f"{v['impact']} {v['id']}: {v['help']} ({len(v['nodes'])}×, e.g. {v['nodes'][0]['target']} "
        f"{v['nodes'][0]['html'][:160]} — {v['nodes'][0].get('failureSummary', '')[:200]})"
        for v in results.response["violations"]
    ]


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("width", [375, 1280])
def test_article_with_embeds_and_profile_with_charts_have_no_axe_violations(
    browser, furnished, width, scheme, tmp_path
):
    context = browser.new_context(
        viewport={"width": width, "height": 900}, color_scheme=scheme, is_mobile=width == 375
    )
    page = context.new_page()
    shots = Path(os.environ.get("SCREENSHOT_DIR") or tmp_path)
    url, first_comment = furnished
    found = {}
    pages = (("article", REPORT), ("reply-form", f"{REPORT}?reply={first_comment}"), ("profile", PROFILE))
    for name, path in pages:
        page.goto(url + path)
        # What is checked is there: the embeds, the correction, the thread; the charts.
        if name != "profile":
            assert page.locator(".embed").count() == 4
            assert page.get_by_text("Correction,").first.is_visible()
            assert page.locator(".comment-list--replies").count() == 1
        else:
            assert page.locator("svg.chart").count() >= 1
        # Against the width asked for: a phone widens its layout viewport (innerWidth) to fit
        # whatever overflows, so innerWidth alone would hide the overflow it is meant to find.
        assert page.evaluate("document.documentElement.scrollWidth") <= width, name
        page.screenshot(path=str(shots / f"{name}-{width}-{scheme}.png"), full_page=True)
        # The folded forms (report an error, report a comment, follow) are checked open too.
        page.evaluate("document.querySelectorAll('details').forEach(d => { d.open = true })")
        found[name] = violations(page)
    context.close()
    assert found == {"article": [], "reply-form": [], "profile": []}
