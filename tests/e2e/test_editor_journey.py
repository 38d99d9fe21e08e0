"""An editor's path through the newsroom in a real browser: log in at /admin/, write an
illustrated article, publish it, and find it on /news/ with a responsive hero image."""

import datetime
import importlib
import io
import mimetypes

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.auth.management import create_permissions
from django.contrib.auth.models import Group, Permission
from django.core.management import call_command
from django.utils import timezone
from PIL import Image, ImageDraw

from news.models import Article, Author, Section

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "Lane-four-and-a-kick-at-200m"  # noqa: S105 (a test-only password)
TITLE = "Kerr keeps his title in a tactical final"


def restore_groups():
    """The Editors group comes from data migrations; a transactional test before this one
    may have flushed it, so write it again from the migrations' own lists."""
    if Group.objects.filter(name="Editors").exists():
        return
    roles = importlib.import_module("news.migrations.0005_editor_and_moderator_groups")
    redirects = importlib.import_module("news.migrations.0007_editors_manage_article_redirects")
    for label in ("news", "athletics"):
        create_permissions(apps.get_app_config(label), verbosity=0)
    codenames = [*roles.GROUPS["Editors"], *(f"news.{codename}" for codename in redirects.CODENAMES)]
    editors = Group.objects.create(name="Editors")
    for dotted in codenames:
        app_label, codename = dotted.split(".")
        editors.permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))


@pytest.fixture
def newsroom(live_server, monkeypatch):
    """An editor made by create_editor, a section and an author to pick, and the live
    server's URL. Media files are answered from MEDIA_ROOT by the browser route below."""
    restore_groups()
    monkeypatch.setenv("PODIUM_E2E_EDITOR_PASSWORD", PASSWORD)
    call_command(
        "create_editor", "desk", "--password-from-env", "PODIUM_E2E_EDITOR_PASSWORD", stdout=io.StringIO()
    )
    Section.objects.create(name="Athletics", slug="athletics")
    Section.objects.create(name="Road running", slug="road-running", sort_order=1)
    Author.objects.create(name="Podium staff", slug="podium-staff")
    return live_server.url


@pytest.fixture
def hero_png(tmp_path):
    path = tmp_path / "budapest-track.png"
    image = Image.new("RGB", (1600, 900), (12, 74, 60))
    draw = ImageDraw.Draw(image)
    for lane in range(9):
        draw.line([(0, 300 + lane * 60), (1600, 240 + lane * 66)], fill=(240, 240, 240), width=6)
    image.save(path, "PNG")
    return path


def serve_media(page):
    """The live server serves static files only; the browser gets media from MEDIA_ROOT."""

    def fulfil(route):
        name = route.request.url.split("/media/", 1)[1].split("?", 1)[0]
        path = settings.MEDIA_ROOT / name
        if not path.is_file():
            route.fulfill(status=404, body="not found")
            return
        route.fulfill(path=str(path), content_type=mimetypes.guess_type(str(path))[0] or "image/webp")

    page.route("**/media/**", fulfil)


def test_editor_writes_illustrates_and_publishes_an_article(page, newsroom, hero_png):
    serve_media(page)

    # Log in.
    page.goto(newsroom + "/admin/")
    page.fill("#id_username", "desk")
    page.fill("#id_password", PASSWORD)
    with page.expect_navigation():
        page.click("input[type=submit]")
    assert page.locator("#site-name").inner_text() == "Podium newsroom"

    # Write the article.
    page.goto(newsroom + "/admin/news/article/add/")
    page.fill("#id_title", TITLE)
    page.locator("#id_title").blur()
    assert page.input_value("#id_slug") == "kerr-keeps-his-title-in-a-tactical-final"  # prepopulated
    page.fill("#id_standfirst", "Josh Kerr timed his kick to perfection.")
    page.fill("#id_body", "Kerr waited.\n\n## The last lap\n\nThen he went, and nobody could follow.")

    page.set_input_files("#id_hero_image", str(hero_png))
    page.fill("#id_hero_alt", "Floodlit running track with eight white lane lines")
    page.fill("#id_hero_credit", "Illustration: Podium")

    page.select_option("#id_section", label="Athletics")
    # Authors: Django's autocomplete (select2) asks the server as the editor types.
    page.locator(".field-authors .select2-selection").click()
    page.locator(".field-authors .select2-search__field").fill("Podium")
    page.locator(".select2-results__option", has_text="Podium staff").click()

    page.select_option("#id_status", "published")
    published_at = timezone.localtime(timezone.now() - datetime.timedelta(minutes=5))
    page.fill("#id_published_at_0", f"{published_at:%Y-%m-%d}")
    page.fill("#id_published_at_1", f"{published_at:%H:%M:%S}")

    with page.expect_navigation():
        page.click("input[name=_save]")
    assert page.url.endswith("/admin/news/article/")
    assert "was added successfully" in page.locator(".messagelist").inner_text()

    article = Article.objects.get(slug="kerr-keeps-his-title-in-a-tactical-final")
    assert article.is_published and [a.name for a in article.authors.all()] == ["Podium staff"]
    assert (article.hero_width, article.hero_height) == (1600, 900)

    # The readers' side: on /news/, then the article with its responsive hero image.
    page.goto(newsroom + "/news/")
    link = page.get_by_role("link", name=TITLE)
    assert link.count() == 1
    with page.expect_navigation():
        link.click()
    assert page.locator("h1").inner_text() == TITLE

    hero = page.locator(".article__hero img")
    assert hero.get_attribute("alt") == "Floodlit running track with eight white lane lines"
    srcset = hero.get_attribute("srcset")
    assert "-480w.webp 480w" in srcset and "-1200w.webp 1200w" in srcset
    assert (hero.get_attribute("width"), hero.get_attribute("height")) == ("1200", "675")
    assert hero.get_attribute("sizes")
    hero.scroll_into_view_if_needed()
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=hero.element_handle())
    # At 1280 px the hero's slot is 52rem (832 px): the browser takes the 960 rendition.
    assert hero.evaluate("img => img.currentSrc").endswith("-960w.webp")
    assert hero.evaluate("img => img.getBoundingClientRect().width") == 832
    assert "Illustration: Podium" in page.locator(".article__caption").inner_text()
