"""The Content-Security-Policy in a real browser: the admin keeps working under it (login,
the article form's slug prepopulation and autocomplete widgets, the date pickers), and
the public pages, JSON-LD included, cause no violation."""

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.core.management import call_command

from tests.news.factories import TagFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "x-correct-horse-9-staple"

# Recorded before any page script runs: every CSP violation and every console error.
WATCH_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(`${event.violatedDirective} blocked ${event.blockedURI || "inline"} ` +
    `(${event.sourceFile || ""}:${event.lineNumber || ""}) ${event.sample || ""}`);
});
"""


@pytest.fixture
def watched(page):
    """The page, with every CSP violation and console error collected (in popups too:
    the watcher is installed on the whole browser context)."""
    console = []
    page.context.on("console", lambda msg: console.append(msg.text) if msg.type == "error" else None)
    page.context.add_init_script(WATCH_VIOLATIONS)
    page.console_errors = console
    return page


def problems(page):
    """CSP violations seen by the page and console errors mentioning the policy."""
    violations = page.evaluate("window.__cspViolations || []")
    policy_errors = [text for text in page.console_errors if "Content Security Policy" in text]
    return violations + policy_errors


def test_admin_login_article_form_prepopulates_slug_and_autocompletes_under_the_csp(watched, live_server):
    User.objects.create_superuser("desk", "desk@podium.example", PASSWORD)
    TagFactory(name="World Championships", slug="world-championships")
    page = watched
    admin = f"{live_server.url}/{settings.ADMIN_URL}"

    page.goto(admin)
    page.fill("#id_username", "desk")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(admin)
    assert "Site administration" in page.content() or "Desk" in page.content()

    response = page.goto(f"{admin}news/article/add/")
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp

    # Prepopulated fields (admin/js/prepopulate.js) fill the slug from the title.
    page.fill("#id_title", "Kerr wins the world title in Budapest")
    page.locator("#id_title").blur()
    assert page.input_value("#id_slug") == "kerr-wins-the-world-title-in-budapest"

    # Autocomplete (Select2, admin/js/autocomplete.js) opens, searches and offers the tag.
    page.locator("#id_tags").locator("xpath=following-sibling::span[1]").click()
    page.keyboard.type("World")
    option = page.locator(".select2-results__option", has_text="World Championships")
    option.wait_for()
    option.click()
    assert page.locator("#id_tags option:checked").inner_text() == "World Championships"

    # The date and time shortcuts (admin/js/calendar.js, DateTimeShortcuts.js) work.
    page.locator("#id_published_at_0").locator("xpath=following-sibling::span//a", has_text="Today").click()
    assert page.input_value("#id_published_at_0")

    assert problems(page) == []


def test_admin_add_another_popup_works_under_the_csp_and_opener_policy(watched, live_server):
    """The "+" beside a foreign key opens a popup (window.open) whose saved object is sent
    back to the form (admin/js/popup_response.js): Cross-Origin-Opener-Policy same-origin
    keeps that working, and nothing violates the CSP on either page."""
    User.objects.create_superuser("desk", "desk@podium.example", PASSWORD)
    page = watched
    admin = f"{live_server.url}/{settings.ADMIN_URL}"
    page.goto(f"{admin}login/?next=/{settings.ADMIN_URL}news/article/add/")
    page.fill("#id_username", "desk")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(f"{admin}news/article/add/")

    with page.expect_popup() as popup_info:
        page.click("#add_id_section")
    popup = popup_info.value
    popup.wait_for_load_state()
    popup.fill("#id_name", "Road Running")
    popup.locator("#id_name").blur()
    assert popup.input_value("#id_slug") == "road-running"
    popup_violations = popup.evaluate("window.__cspViolations || []")
    popup.click("input[name=_save]")
    popup.wait_for_event("close")

    assert page.locator("#id_section option:checked").inner_text() == "Road Running"
    assert popup_violations == []
    assert problems(page) == []


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/news/josh-kerr-world-champion-plan-for-paris/",
        "/athletes/josh-kerr/",
        "/competitions/world-championships-budapest-2023/",
        "/search/?q=kerr",
        "/no/such/page/",
    ],
)
def test_public_pages_and_their_json_ld_cause_no_csp_violation(watched, live_server, path):
    call_command("load_demo", verbosity=0)
    response = watched.goto(live_server.url + path)
    assert "content-security-policy" in response.headers
    # The JSON-LD blocks are data (type="application/ld+json"), never run: no violation.
    watched.wait_for_load_state("load")
    assert problems(watched) == []


def test_the_watcher_does_see_a_violation(watched, live_server):
    """The canary: an inline script added to a page is blocked and reported, so the
    empty lists above mean "no violation", not "not listening"."""
    watched.goto(live_server.url + "/privacy/")
    watched.evaluate(
        "() => { const s = document.createElement('script'); s.textContent = 'window.ran = 1';"
        " document.body.appendChild(s); }"
    )
    watched.wait_for_timeout(200)
    assert watched.evaluate("window.ran") is None
    assert any("script-src" in problem for problem in problems(watched))
