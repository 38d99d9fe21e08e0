"""Results in stories in a real browser (issue 13, items 1 and 2): the demo's Paris 2024
report with each embed, and Farah's report with "Since this story", at 375 and 1280 px,
without sideways scrolling of the page and without serious accessibility violations."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.core.management import call_command

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PARIS = "/news/hocker-wins-olympic-1500-m-kerr-silver-in-british-record/"
FARAH = "/news/farah-sets-two-mile-world-indoor-best-in-birmingham/"


@pytest.fixture
def demo(live_server):
    call_command("load_demo", verbosity=0)
    return live_server.url


@pytest.fixture(params=[375, 1280], ids=["phone", "desktop"])
def screen(request, browser):
    context = browser.new_context(
        viewport={"width": request.param, "height": 900}, is_mobile=request.param < 400
    )
    page = context.new_page()
    yield page
    context.close()


def test_an_article_shows_each_embed_and_fits_the_screen(screen, demo):
    assert screen.goto(demo + PARIS).status == 200
    body = screen.locator(".article__body")

    results = body.get_by_role("region", name="Olympic Games Paris 2024: 1500 m final")
    table = results.get_by_role("table", name="1500 m final, 6 August 2024")
    assert table.is_visible()
    first = table.get_by_role("row").nth(1).inner_text()
    assert "Cole Hocker" in first and "3:27.65" in first and "CR" in first and "USA" in first

    h2h = body.get_by_role("region", name="Josh Kerr v Jakob Ingebrigtsen")
    assert "2 – 1" in " ".join(h2h.locator(".embed__score").inner_text().split())
    assert h2h.get_by_role("table", name="Races both ran, newest first").is_visible()

    card = body.locator(".embed--athlete")
    assert card.get_by_role("heading", name="Josh Kerr").is_visible()
    assert card.get_by_role("table", name="Championship medals on record").is_visible()

    record = body.get_by_role("region", name="1500 m Olympic Games record")
    assert "3:27.65" in record.inner_text() and "Standing since 2024" in record.inner_text()

    overflow = screen.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"the page is {overflow}px wider than the screen"
    # Each table stays inside its embed (scrolling in its own container if ever wider).
    escaping = screen.evaluate(
        """[...document.querySelectorAll('.embed')].filter(e =>
            e.getBoundingClientRect().right > document.documentElement.clientWidth).length"""
    )
    assert escaping == 0


def test_since_this_story_leads_to_the_new_record_holder(screen, demo):
    screen.goto(demo + FARAH)
    notice = screen.locator(".since-story")
    assert (
        "Two miles world indoor best (Mo Farah, 8:03.40) was broken by Josh Kerr, 8:00.67"
        in notice.inner_text()
    )
    assert "This article is more than" in screen.locator(".story-age").inner_text()
    notice.get_by_role("link", name="Josh Kerr").click()
    assert screen.locator("h1").inner_text() == "Josh Kerr"


@pytest.mark.parametrize("path", [PARIS, FARAH])
def test_articles_with_embeds_have_no_serious_accessibility_violations(page, demo, path):
    page.goto(demo + path)
    results = Axe().run(page)
    serious = [v for v in results.response["violations"] if v["impact"] in {"serious", "critical"}]
    assert not serious, "\n".join(
        f"{v['id']}: {v['help']} ({len(v['nodes'])}x, e.g. {v['nodes'][0]['html'][:120]})" for v in serious
    )


def test_embeds_print_whole(page, demo):
    page.goto(demo + PARIS)
    page.emulate_media(media="print")
    assert page.evaluate("getComputedStyle(document.querySelector('.embed')).breakInside") == "avoid"
    assert page.evaluate("getComputedStyle(document.querySelector('.embed__scroll')).overflowX") == "visible"
