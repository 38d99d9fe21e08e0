"""A reader's path through the demo content in a real browser: the Kerr story, his
profile and its medals, readable on a phone, with no serious accessibility violations."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.core.management import call_command

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PAGES = [
    "/",
    "/news/",
    "/news/josh-kerr-world-champion-plan-for-paris/",
    "/athletes/",
    "/athletes/josh-kerr/",
    "/athletes/josh-kerr/vs/jakob-ingebrigtsen/",
    "/competitions/",
    "/competitions/world-championships-budapest-2023/",
    "/medals/",
    "/search/?q=nordas",
]


@pytest.fixture
def demo(live_server):
    call_command("load_demo", verbosity=0)
    return live_server.url


def test_reader_follows_the_kerr_story_to_his_profile(page, demo):
    page.goto(demo + "/")
    page.get_by_role("link", name="Josh Kerr: the world champion with a plan for Paris").first.click()
    assert page.locator("h1").inner_text() == "Josh Kerr: the world champion with a plan for Paris"
    assert "stunning the reigning Olympic champion Jakob Ingebrigtsen" in page.locator("main").inner_text()

    page.locator("aside").get_by_role("link", name="Josh Kerr").first.click()
    assert page.locator("h1").inner_text() == "Josh Kerr"
    history = page.locator("main").inner_text()
    assert "Tokyo 2020" in history and "Bronze" in history and "3:29.05" in history
    assert "Budapest" in history and "Gold" in history and "3:29.38" in history
    assert "8:00.67" in history and "Mo Farah" in history


@pytest.mark.parametrize("path", PAGES)
def test_page_fits_a_phone_screen_without_sideways_scrolling(phone_page, demo, path):
    response = phone_page.goto(demo + path)
    assert response.status == 200
    overflow = phone_page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"{path} is {overflow}px wider than a 375px screen"


@pytest.mark.parametrize("path", PAGES)
def test_page_has_no_serious_accessibility_violations(page, demo, path):
    page.goto(demo + path)
    results = Axe().run(page)
    serious = [v for v in results.response["violations"] if v["impact"] in {"serious", "critical"}]
    assert not serious, "\n".join(
        f"{v['id']}: {v['help']} ({len(v['nodes'])}x, e.g. {v['nodes'][0]['html'][:120]})" for v in serious
    )
