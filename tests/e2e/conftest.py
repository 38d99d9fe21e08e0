"""Browser tests drive Debian's Chromium (/usr/bin/chromium) through Playwright; never a
downloaded browser. Outside CI a machine without Chromium skips them; under CI=true a
missing browser is a failure."""

import os
import shutil

import pytest
from django.core.management import call_command

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
# Playwright's sync API runs an event loop in this thread; the live server and the test's
# own ORM calls are still synchronous, so Django's async-safety guard does not apply.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def browser():
    if not (os.path.exists(CHROMIUM) or shutil.which("chromium")):
        if os.environ.get("CI") == "true":
            pytest.fail(f"Chromium not found at {CHROMIUM}: CI must install Debian's chromium package.")
        pytest.skip("Debian's Chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def phone_page(browser):
    context = browser.new_context(viewport={"width": 375, "height": 800}, is_mobile=True)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture(params=["page", "phone_page"], ids=["1280px", "375px"])
def any_page(request):
    """The test once on a desktop (1280 px) and once on a phone (375 px)."""
    return request.getfixturevalue(request.param)


@pytest.fixture
def demo(live_server, settings):
    """The demo content on a live server (its URL). The demo article was published in
    February 2024: its comments are kept open, as ``make run`` keeps them."""
    settings.COMMENTS_CLOSE_AFTER_DAYS = 0
    call_command("load_demo", verbosity=0)
    return live_server.url
