import datetime
import re
import xml.etree.ElementTree as ET  # parses only our own responses
from http import HTTPStatus
from unittest import mock

import pytest
from django.db import OperationalError
from django.utils import timezone

from athletics.models import Result
from news import embeds
from news.models import Article
from tests.athletics.factories import (
    AthleteFactory,
    CompetitionEditionFactory,
    DisciplineFactory,
    RecordFactory,
    ResultFactory,
)
from tests.budgets import EMBEDS_COLD, cold_then_warm

from .factories import ArticleFactory, AuthorFactory, SectionFactory, TagFactory

pytestmark = pytest.mark.django_db

SITE_URL = "https://podium.example"
ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
CONTENT = "{http://purl.org/rss/1.0/modules/content/}"
# A feed with an empty cache: articles, authors, tags, next scheduled publication; a
# section's feed reads its section too.
FEED_COLD = 4


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
    for _ in range(25):
        ArticleFactory(tags=[TagFactory()])

    # Cold: articles, authors, tags, next scheduled publication; warm (cached feed): none.
    cold_then_warm(client, django_assert_num_queries, "/feeds/latest/", cold=FEED_COLD)


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


# ---------- Results in stories in the feeds ----------


def embedding_story(n, **kwargs):
    """Article ``n`` embedding a final of its own (three finishers), a head-to-head, an
    athlete card and a record; returns it with the final's results."""
    edition = CompetitionEditionFactory(city=f"Town{n}", year=2000 + n)
    m1500 = DisciplineFactory(name="1500 m")
    runners = [AthleteFactory(name=f"Runner {n}-{p}", slug=f"runner-{n}-{p}") for p in (1, 2, 3)]
    results = [
        ResultFactory(
            athlete=athlete, edition=edition, discipline=m1500, position=p, mark=21000 + 100 * n + p
        )
        for p, athlete in enumerate(runners, start=1)
    ]
    # A discipline each: one current record per scope.
    record = RecordFactory(
        athlete=runners[0], mark=48000 + n, discipline=DisciplineFactory(name=f"{n + 2} miles")
    )
    body = (
        f"Intro {n}.\n\n[[results {edition.slug} 1500-m]]\n\n[[h2h {runners[0].slug} {runners[1].slug}]]\n\n"
        f"[[athlete {runners[2].slug}]]\n\n[[record {record.pk}]]\n\nEnd {n}."
    )
    return ArticleFactory(slug=f"story-{n}", body=body, **kwargs), results


@pytest.mark.parametrize("url", FEEDS)
def test_feeds_show_the_results_embeds_with_absolute_links_and_parse_cleanly(client, url):
    import feedparser

    article, results = embedding_story(1)

    raw = client.get(url).content
    parsed = feedparser.parse(raw)

    assert parsed.bozo == 0, parsed.get("bozo_exception")
    assert b"embed:" not in raw  # no marker left for a reader to trip on
    (entry,) = parsed.entries
    body = entry.content[0].value
    assert "Intro 1." in body and "End 1." in body
    # The final's table, row by row: each finisher and their mark, in place order.
    rows = re.findall(r"<tr>.*?</tr>", body, re.S)
    finishers = [row for row in rows if "Runner 1-" in row and "<td" in row]
    for result, row in zip(results, finishers[:3], strict=True):
        assert result.athlete.name in row and result.mark_display in row
    assert "Runner 1-1 v Runner 1-2" in body  # the head-to-head
    assert "3 miles" in body and "8:00.01" in body  # the record: 48001 hundredths
    assert f'href="{SITE_URL}/athletes/runner-1-3/"' in body  # the card, linked on SITE_URL
    assert f'href="{SITE_URL}/competitions/{results[0].edition.slug}/"' in body
    assert 'href="/' not in body


def test_a_feed_items_body_is_the_article_pages_body_with_its_embeds(client):
    article, _results = embedding_story(1)

    channel = ET.fromstring(client.get("/feeds/latest/").content).find("channel")  # noqa: S314 (our own feed)
    content = channel.find("item").findtext(f"{CONTENT}encoded")

    page_body = embeds.render_body(article, embeds.load(embeds.embeds_in(article.body_html)))
    assert content.replace(SITE_URL, "") == page_body
    assert content.count('class="embed embed--') == 4
    assert page_body in client.get(article.get_absolute_url()).content.decode()


@pytest.mark.parametrize(
    ("url", "plain_cold"), [("/feeds/latest/", FEED_COLD), ("/feeds/section/athletics/atom/", FEED_COLD + 1)]
)
@pytest.mark.parametrize("stories", [1, 10])
def test_feed_queries_do_not_grow_with_embedding_articles(
    client, django_assert_num_queries, url, plain_cold, stories
):
    for n in range(stories):
        embedding_story(n)
    ArticleFactory(body="No embed here.")

    # The plain feed's queries, then the embeds of all the items at once: finals, athletes,
    # head-to-head results, card medals, records.
    first, _ = cold_then_warm(client, django_assert_num_queries, url, cold=plain_cold + EMBEDS_COLD + 1)
    assert first.content.decode().count("embed embed--") == 4 * stories


@pytest.mark.parametrize("url", ["/feeds/latest/", "/feeds/latest/atom/", "/feeds/section/athletics/"])
def test_a_corrected_result_shows_in_the_cached_feed_on_the_next_request(client, url):
    import feedparser

    _article, results = embedding_story(1)
    old, new = results[0].mark_display, "3:30.00"
    assert old in feedparser.parse(client.get(url).content).entries[0].content[0].value
    assert client.get(url).content == client.get(url).content  # kept

    result = Result.objects.get(pk=results[0].pk)
    result.mark = 21000
    result.save()

    body = feedparser.parse(client.get(url).content).entries[0].content[0].value
    assert new in body and old not in body
