import datetime
import xml.etree.ElementTree as ET  # parses only our own responses
from http import HTTPStatus
from unittest import mock

import pytest
from django.db import OperationalError
from django.utils import timezone

from news.models import Article

from .factories import ArticleFactory, AuthorFactory, SectionFactory, TagFactory

pytestmark = pytest.mark.django_db

SITE_URL = "https://podium.example"
ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


@pytest.fixture
def articles():
    author = AuthorFactory(name="Ada Writer", slug="ada-writer")
    published = ArticleFactory(
        title="Kerr wins", slug="kerr-wins", standfirst="Gold in Budapest.", authors=[author],
        tags=[TagFactory(name="Rivalry", slug="rivalry")],
        published_at=timezone.now() - datetime.timedelta(days=1),
    )  # fmt: skip
    road = ArticleFactory(
        title="Road story", slug="road-story", section=SectionFactory(name="Road", slug="road")
    )
    ArticleFactory(title="Draft story", slug="draft-story", status=Article.Status.DRAFT)
    ArticleFactory(
        title="Scheduled story",
        slug="scheduled-story",
        published_at=timezone.now() + datetime.timedelta(days=1),
    )
    return published, road


# A request for another host must not leak into any URL (the test client's host is "testserver").
HOST = {"HTTP_HOST": "evil.example"}


def test_rss_feed_lists_published_articles_with_site_url_links(client, settings, articles):
    settings.ALLOWED_HOSTS = ["evil.example", "testserver"]
    response = client.get("/feeds/latest/", **HOST)

    assert response.status_code == HTTPStatus.OK
    assert response["Content-Type"].startswith("application/rss+xml")
    body = response.content.decode()
    assert "evil.example" not in body
    assert "Draft story" not in body
    assert "Scheduled story" not in body
    channel = ET.fromstring(response.content).find("channel")  # noqa: S314 (our own feed)
    assert channel.findtext("link") == f"{SITE_URL}/news/"
    assert channel.find(f"{ATOM}link").get("href") == f"{SITE_URL}/feeds/latest/"
    items = {item.findtext("title"): item for item in channel.findall("item")}
    assert set(items) == {"Kerr wins", "Road story"}
    kerr = items["Kerr wins"]
    assert kerr.findtext("link") == f"{SITE_URL}/news/kerr-wins/"
    assert kerr.findtext("description") == "Gold in Budapest."
    assert kerr.findtext("pubDate")
    assert "Ada Writer" in kerr.findtext("{http://purl.org/dc/elements/1.1/}creator")
    assert {c.text for c in kerr.findall("category")} == {"Athletics", "Rivalry"}


def test_atom_feed_has_absolute_links_published_and_updated(client, settings, articles):
    settings.ALLOWED_HOSTS = ["evil.example", "testserver"]
    response = client.get("/feeds/latest/atom/", **HOST)

    assert response.status_code == HTTPStatus.OK
    assert "evil.example" not in response.content.decode()
    feed = ET.fromstring(response.content)  # noqa: S314 (our own feed)
    assert feed.find(f"{ATOM}link[@rel='self']").get("href") == f"{SITE_URL}/feeds/latest/atom/"
    entries = {e.findtext(f"{ATOM}title"): e for e in feed.findall(f"{ATOM}entry")}
    kerr = entries["Kerr wins"]
    assert kerr.find(f"{ATOM}link").get("href") == f"{SITE_URL}/news/kerr-wins/"
    assert kerr.findtext(f"{ATOM}published")
    assert kerr.findtext(f"{ATOM}updated")
    assert kerr.findtext(f"{ATOM}author/{ATOM}name") == "Ada Writer"
    assert kerr.findtext(f"{ATOM}summary") == "Gold in Budapest."


@pytest.mark.parametrize("suffix", ["", "atom/"])
def test_section_feeds_list_only_the_section(client, articles, suffix):
    response = client.get(f"/feeds/section/road/{suffix}")

    assert response.status_code == HTTPStatus.OK
    body = response.content.decode()
    assert "Road story" in body
    assert "Kerr wins" not in body
    assert f"{SITE_URL}/news/road-story/" in body
    assert f"{SITE_URL}/feeds/section/road/{suffix}" in body


@pytest.mark.parametrize("suffix", ["", "atom/"])
def test_unknown_section_feed_is_404(client, suffix):
    assert client.get(f"/feeds/section/nope/{suffix}").status_code == HTTPStatus.NOT_FOUND


def test_feed_queries_do_not_grow_with_articles(client, django_assert_num_queries):
    from tests.budgets import cold_then_warm

    for _ in range(25):
        ArticleFactory(tags=[TagFactory()])

    # Cold: articles, authors, tags, next scheduled publication; warm (cached feed): none.
    cold_then_warm(client, django_assert_num_queries, "/feeds/latest/", cold=4)


def test_sitemap_lists_published_articles_and_sections_on_site_url(client, settings, articles):
    settings.ALLOWED_HOSTS = ["evil.example", "testserver"]
    published, road = articles

    # /sitemap.xml is the index of the sections' sitemaps; every location is on SITE_URL.
    index = client.get("/sitemap.xml", **HOST)
    assert index.status_code == HTTPStatus.OK
    assert "evil.example" not in index.content.decode()
    urls = {}
    for entry in ET.fromstring(index.content).findall(f"{SITEMAP}sitemap"):  # noqa: S314 (our own sitemap)
        location = entry.findtext(f"{SITEMAP}loc")
        assert location.startswith(f"{SITE_URL}/sitemap-")
        response = client.get(location.removeprefix(SITE_URL), **HOST)
        assert response.status_code == HTTPStatus.OK
        assert "evil.example" not in response.content.decode()
        urls |= {
            url.findtext(f"{SITEMAP}loc"): url.findtext(f"{SITEMAP}lastmod")
            for url in ET.fromstring(response.content).findall(f"{SITEMAP}url")  # noqa: S314
        }
    assert urls[f"{SITE_URL}/news/kerr-wins/"] == published.updated_at.date().isoformat()
    assert f"{SITE_URL}/news/road-story/" in urls
    assert f"{SITE_URL}/news/section/athletics/" in urls
    assert urls[f"{SITE_URL}/news/section/road/"] == road.updated_at.date().isoformat()
    assert f"{SITE_URL}/news/draft-story/" not in urls
    assert f"{SITE_URL}/news/scheduled-story/" not in urls


def test_robots_txt_points_to_the_sitemap_and_blocks_search(client, settings):
    response = client.get("/robots.txt")

    assert response.status_code == HTTPStatus.OK
    assert response["Content-Type"].startswith("text/plain")
    lines = response.content.decode().splitlines()
    assert "User-agent: *" in lines
    assert "Disallow: /search/" in lines
    assert f"Sitemap: {SITE_URL}/sitemap.xml" in lines
    assert "admin" not in response.content.decode().lower()


def test_healthz_is_ok_after_a_database_query(client, django_assert_num_queries):
    with django_assert_num_queries(1):
        response = client.get("/healthz")

    assert response.status_code == HTTPStatus.OK
    assert response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"]


def test_healthz_is_503_when_the_database_fails(client):
    with mock.patch("news.views.connection.cursor", side_effect=OperationalError("server closed")):
        response = client.get("/healthz")

    assert response.status_code == HTTPStatus.SERVICE_UNAVAILABLE
    assert response.json() == {"status": "unavailable"}
    assert "no-cache" in response["Cache-Control"]
    assert "server closed" not in response.content.decode()


# ---------- Full content and images (issue 13, item 6) ----------

BODY = (
    "Kerr **won** in [Budapest](/competitions/world-championships-budapest-2023/).\n\n"
    "<script>alert(1)</script>\n\n"
    "A second paragraph, with a [link out](https://example.org/report)."
)


@pytest.fixture
def full_story():
    return ArticleFactory(
        title="Kerr </script> & the title", slug="kerr-full", standfirst="Short standfirst.", body=BODY,
        with_hero=True, hero_alt="A track at dusk", hero_credit="Illustration: Podium",
    )  # fmt: skip


FEEDS = [
    "/feeds/latest/",
    "/feeds/latest/atom/",
    "/feeds/section/athletics/",
    "/feeds/section/athletics/atom/",
]


@pytest.mark.parametrize("url", FEEDS)
def test_feeds_parse_cleanly_with_the_full_sanitised_body_and_the_hero(client, full_story, url):
    import feedparser

    raw = client.get(url).content
    parsed = feedparser.parse(raw)

    assert parsed.bozo == 0, parsed.get("bozo_exception")
    # Sanitised at save (feedparser would strip a script itself: look at what we send).
    assert b"alert(1)" not in raw
    (entry,) = parsed.entries
    assert entry.title == "Kerr </script> & the title"
    assert entry.summary == "Short standfirst."
    (content,) = entry.content
    assert content.type == "text/html"
    body = content.value
    assert "<strong>won</strong>" in body
    assert "A second paragraph" in body  # the whole body, not a summary
    # Root-relative links are made absolute on SITE_URL; others are left as they are.
    assert f'href="{SITE_URL}/competitions/world-championships-budapest-2023/"' in body
    assert 'href="https://example.org/report"' in body
    (media,) = entry.media_content
    assert media["url"] == f"{SITE_URL}{full_story.hero_image.url}"
    assert media["medium"] == "image"
    assert media["type"] == "image/jpeg"
    assert (media["width"], media["height"]) == (str(full_story.hero_width), str(full_story.hero_height))
    assert entry.media_credit[0]["content"] == "Illustration: Podium"


def test_the_body_in_the_feed_is_what_the_article_page_shows(client, full_story):
    import feedparser

    entry = feedparser.parse(client.get("/feeds/latest/").content).entries[0]

    page = client.get(full_story.get_absolute_url()).content.decode()
    assert "<p>A second paragraph, with a" in page
    assert entry.content[0].value.replace(SITE_URL, "") == full_story.body_html


def test_an_article_without_a_hero_has_no_media_and_still_parses(client):
    import feedparser

    ArticleFactory(slug="no-hero", body="Just words.")

    parsed = feedparser.parse(client.get("/feeds/latest/atom/").content)

    assert parsed.bozo == 0
    (entry,) = parsed.entries
    assert "media_content" not in entry
    assert entry.content[0].value == "<p>Just words.</p>"


def test_an_edited_body_shows_in_the_cached_feed_on_the_next_request(client, full_story):
    import feedparser

    assert (
        "A second paragraph"
        in feedparser.parse(client.get("/feeds/latest/").content).entries[0].content[0].value
    )
    full_story.body = "Rewritten entirely."
    full_story.save()

    entry = feedparser.parse(client.get("/feeds/latest/").content).entries[0]
    assert entry.content[0].value == "<p>Rewritten entirely.</p>"
