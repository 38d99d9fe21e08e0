"""The reader's pages show the right data for the demo content (load_demo)."""

from http import HTTPStatus

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db

SITE_URL = "https://podium.example"
KERR_ARTICLE = "/news/josh-kerr-world-champion-plan-for-paris/"


@pytest.fixture
def demo():
    call_command("load_demo", verbosity=0)


def test_home_leads_with_the_kerr_story(client, demo):
    html = client.get("/").content.decode()

    assert f'href="{KERR_ARTICLE}"' in html
    assert "Josh Kerr: the world champion with a plan for Paris" in html
    assert 'href="/athletes/josh-kerr/"' in html


def test_kerr_article_page(client, demo):
    response = client.get(KERR_ARTICLE)

    assert response.status_code == HTTPStatus.OK
    html = response.content.decode()
    body = html[html.index('class="prose article__body"') : html.index('class="article__footer"')]
    assert "Josh Kerr, the 26-year-old Scottish middle-distance runner" in body
    assert "another gold medal." in body
    # The text's last line marks the comment form: it is the comments section, not body text.
    assert "ADD A COMMENT" not in html
    assert html.index("another gold medal.") < html.index('id="comments"') < html.index("comment-form")
    assert '<time datetime="2024-02-20T09:00:00+00:00">20 February 2024, 09:00 UTC</time>' in html
    assert "Illustration: Podium" in html
    assert 'href="/news/author/podium-staff/" rel="author">Podium staff</a>' in html
    for athlete in ("josh-kerr", "jakob-ingebrigtsen", "mo-farah"):
        assert f'href="/athletes/{athlete}/"' in html
    for edition in (
        "world-championships-budapest-2023",
        "world-indoor-championships-glasgow-2024",
        "olympic-games-paris-2024",
    ):
        assert f'href="/competitions/{edition}/"' in html


@pytest.mark.parametrize(
    "url", ["/news/", "/news/section/athletics/", "/news/tag/1500-m/", "/news/author/podium-staff/"]
)
def test_lists_show_the_kerr_story(client, demo, url):
    response = client.get(url)

    assert response.status_code == HTTPStatus.OK
    assert f'href="{KERR_ARTICLE}"' in response.content.decode()


@pytest.mark.parametrize(
    ("q", "athlete"),
    [("nordas", "narve-gilje-nordas"), ("KERR", "josh-kerr"), ("ingebrigtsen", "jakob-ingebrigtsen")],
)
def test_search_finds_demo_athletes(client, demo, q, athlete):
    html = client.get("/search/", {"q": q}).content.decode()

    assert f'href="/athletes/{athlete}/"' in html


def test_search_finds_the_kerr_story_by_a_body_word(client, demo):
    html = client.get("/search/", {"q": "sunglasses"}).content.decode()

    assert f'href="{KERR_ARTICLE}"' in html
    assert "<mark>sunglasses</mark>" in html


@pytest.mark.parametrize(
    "url", ["/feeds/latest/", "/feeds/latest/atom/", "/feeds/section/athletics/", "/sitemap-articles.xml"]
)
def test_feeds_and_sitemap_link_the_kerr_story_on_site_url(client, demo, url):
    response = client.get(url)

    assert response.status_code == HTTPStatus.OK
    assert f"{SITE_URL}{KERR_ARTICLE}" in response.content.decode()
