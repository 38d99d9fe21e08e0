import datetime
import json
import re
from http import HTTPStatus

import pytest
from django.urls import reverse
from django.utils import timezone

from news.models import Article, Comment
from tests.athletics.factories import AthleteFactory, CompetitionEditionFactory, CountryFactory, ResultFactory

from .factories import ArticleFactory, AuthorFactory, CommentFactory, SectionFactory, TagFactory

pytestmark = pytest.mark.django_db

SITE_URL = "https://podium.example"


def hours_ago(hours):
    return timezone.now() - datetime.timedelta(hours=hours)


def json_ld(response):
    """The JSON-LD objects of a page."""
    html = response.content.decode()
    blocks = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    return [json.loads(block) for block in blocks]


def meta(response, attribute, name):
    html = response.content.decode()
    match = re.search(rf'<meta {attribute}="{re.escape(name)}" content="([^"]*)"', html)
    return match.group(1) if match else None


def canonical(response):
    match = re.search(r'<link rel="canonical" href="([^"]*)"', response.content.decode())
    return match.group(1) if match else None


# ---------- Home ----------


def test_home_works_with_an_empty_database(client):
    response = client.get("/")

    assert response.status_code == HTTPStatus.OK
    assert "No stories published yet" in response.content.decode()


def test_home_leads_with_the_newest_featured_article(client):
    featured = ArticleFactory(
        title="Featured story", is_featured=True, published_at=hours_ago(5), with_hero=True
    )
    ArticleFactory(title="Newer story", published_at=hours_ago(1))
    ArticleFactory(
        title="Scheduled featured", is_featured=True, published_at=timezone.now() + datetime.timedelta(days=1)
    )
    ArticleFactory(title="Draft featured", is_featured=True, status=Article.Status.DRAFT)

    response = client.get("/")

    assert response.status_code == HTTPStatus.OK
    assert response.context["lead"] == featured
    assert [a.title for a in response.context["latest"]] == ["Newer story"]
    html = response.content.decode()
    assert "Scheduled featured" not in html
    assert "Draft featured" not in html
    assert html.count("<h1") == 1
    assert meta(response, "property", "og:image") == f"{SITE_URL}{featured.hero_image.url}"


def test_home_leads_with_the_newest_article_when_none_is_featured(client):
    ArticleFactory(title="Older", published_at=hours_ago(5))
    newest = ArticleFactory(title="Newest", published_at=hours_ago(1))

    response = client.get("/")

    assert response.context["lead"] == newest
    assert [a.title for a in response.context["latest"]] == ["Older"]


def test_home_shows_featured_athletes_with_medals_and_latest_medallists(client):
    kerr = AthleteFactory(name="Josh Kerr", slug="josh-kerr", is_featured=True)
    ResultFactory(athlete=kerr, position=1)
    ResultFactory(athlete=kerr, position=3)
    AthleteFactory(name="Not Featured", slug="not-featured")

    response = client.get("/")

    html = response.content.decode()
    assert 'href="/athletes/josh-kerr/"' in html
    assert "1 gold" in html
    assert "1 bronze" in html
    assert "Not Featured" not in html
    assert [r.athlete for r in response.context["latest_medallists"]] == [kerr, kerr]


def test_home_has_seo_tags(client):
    response = client.get("/")

    assert canonical(response) == f"{SITE_URL}/"
    assert meta(response, "property", "og:url") == f"{SITE_URL}/"
    assert meta(response, "name", "description")
    assert json_ld(response)[0]["@type"] == "WebSite"


# ---------- Lists ----------


def test_article_list_is_newest_first_and_paginated_by_12(client):
    for n in range(14):
        ArticleFactory(title=f"Story {n:02}", published_at=hours_ago(100 - n))
    ArticleFactory(title="A draft", status=Article.Status.DRAFT)
    ArticleFactory(title="Scheduled", published_at=timezone.now() + datetime.timedelta(hours=1))

    first = client.get("/news/")
    second = client.get("/news/?page=2")

    assert first.status_code == second.status_code == HTTPStatus.OK
    assert [a.title for a in first.context["articles"]] == [f"Story {n:02}" for n in range(13, 1, -1)]
    assert [a.title for a in second.context["articles"]] == ["Story 01", "Story 00"]
    assert "A draft" not in first.content.decode() + second.content.decode()
    assert "Scheduled" not in first.content.decode() + second.content.decode()
    assert 'rel="next" href="?page=2"' in first.content.decode()
    assert canonical(second) == f"{SITE_URL}/news/?page=2"


def test_empty_article_list_is_a_page_not_an_error(client):
    response = client.get("/news/")

    assert response.status_code == HTTPStatus.OK
    assert "No articles here yet" in response.content.decode()


@pytest.mark.parametrize(
    "page", ["abc", "0", "-1", "99999", "1.5", "1e3", "9" * 30, "9" * 5000, "", " ", "%00", "last'--"]
)
def test_bad_page_numbers_are_404_never_500(client, page):
    ArticleFactory()

    response = client.get("/news/", {"page": page})

    assert response.status_code in {HTTPStatus.OK, HTTPStatus.NOT_FOUND}
    if page.strip() not in {"", "1"}:
        assert response.status_code == HTTPStatus.NOT_FOUND


def test_last_page_keyword_shows_the_last_page(client):
    for _ in range(13):
        ArticleFactory()

    response = client.get("/news/?page=last")

    assert response.status_code == HTTPStatus.OK
    assert response.context["page_obj"].number == 2


def test_section_page_lists_only_its_articles(client):
    athletics = SectionFactory()
    other = SectionFactory(name="Road running", slug="road-running")
    ArticleFactory(title="On the track", section=athletics)
    ArticleFactory(title="On the road", section=other)
    ArticleFactory(title="Track draft", section=athletics, status=Article.Status.DRAFT)

    response = client.get("/news/section/athletics/")

    assert response.status_code == HTTPStatus.OK
    assert [a.title for a in response.context["articles"]] == ["On the track"]
    assert "<h1>Athletics</h1>" in response.content.decode()
    assert 'href="/feeds/section/athletics/"' in response.content.decode()


def test_tag_page_lists_only_tagged_articles(client):
    rivalry = TagFactory(name="Rivalry", slug="rivalry")
    ArticleFactory(title="Tagged", tags=[rivalry])
    ArticleFactory(title="Untagged")
    ArticleFactory(
        title="Tagged but scheduled", tags=[rivalry], published_at=timezone.now() + datetime.timedelta(days=2)
    )

    response = client.get("/news/tag/rivalry/")

    assert response.status_code == HTTPStatus.OK
    assert [a.title for a in response.context["articles"]] == ["Tagged"]


def test_author_page_lists_only_their_articles(client):
    writer = AuthorFactory(name="Ada Writer", slug="ada-writer", bio="Covers middle distance.")
    ArticleFactory(title="By Ada", authors=[writer])
    ArticleFactory(title="By staff")

    response = client.get("/news/author/ada-writer/")

    assert response.status_code == HTTPStatus.OK
    assert [a.title for a in response.context["articles"]] == ["By Ada"]
    assert "Covers middle distance." in response.content.decode()


@pytest.mark.parametrize("prefix", ["section", "tag", "author"])
def test_unknown_list_slug_is_404(client, prefix):
    assert client.get(f"/news/{prefix}/no-such-thing/").status_code == HTTPStatus.NOT_FOUND


# ---------- Article page ----------


@pytest.fixture
def kerr_story():
    author = AuthorFactory()
    kerr = AthleteFactory(
        name="Josh Kerr", slug="josh-kerr", country=CountryFactory(code="GBR", name="Great Britain & N.I.")
    )
    ingebrigtsen = AthleteFactory(name="Jakob Ingebrigtsen", slug="jakob-ingebrigtsen")
    budapest = CompetitionEditionFactory(city="Budapest", year=2023, slug="world-championships-budapest-2023")
    ResultFactory(athlete=kerr, edition=budapest, position=1)
    tag = TagFactory(name="Rivalry", slug="rivalry")
    article = ArticleFactory(
        title="Kerr: the glasses go on, it's game time",
        slug="josh-kerr-game-time",
        standfirst="Six months after Budapest, Kerr has a plan for Paris.",
        body="Kerr claimed the World Championship gold.\n\nHe will race over 3,000m in Glasgow.",
        authors=[author],
        tags=[tag],
        athletes=[kerr, ingebrigtsen],
        editions=[budapest],
        with_hero=True,
    )
    return article


def test_article_page_shows_the_story(client, kerr_story):
    response = client.get(kerr_story.get_absolute_url())

    assert response.status_code == HTTPStatus.OK
    html = response.content.decode()
    assert html.count("<h1") == 1
    assert "Kerr: the glasses go on, it&#x27;s game time</h1>" in html
    assert "Six months after Budapest, Kerr has a plan for Paris." in html
    assert '<a href="/news/author/podium-staff/" rel="author">Podium staff</a>' in html
    assert f'<time datetime="{kerr_story.published_at.replace(microsecond=0).isoformat()}"' in html
    assert 'width="1200" height="675"' in html
    assert 'alt="An illustrated running track"' in html
    assert "The track in Budapest." in html
    assert '<cite class="article__credit">Illustration: Podium</cite>' in html
    assert "<p>Kerr claimed the World Championship gold.</p>" in html
    assert 'href="/news/tag/rivalry/"' in html
    assert 'href="/news/section/athletics/"' in html
    # Sidebar: the athletes' cards with medal counts, and the editions.
    assert 'href="/athletes/josh-kerr/"' in html
    assert 'href="/athletes/jakob-ingebrigtsen/"' in html
    assert "1 gold" in html
    assert 'href="/competitions/world-championships-budapest-2023/"' in html


def test_article_page_seo_tags_and_json_ld(client, kerr_story):
    response = client.get(kerr_story.get_absolute_url())

    url = f"{SITE_URL}/news/josh-kerr-game-time/"
    assert canonical(response) == url
    assert meta(response, "property", "og:url") == url
    assert meta(response, "property", "og:title") == "Kerr: the glasses go on, it&#x27;s game time"
    assert meta(response, "property", "og:description") == kerr_story.standfirst
    assert meta(response, "property", "og:image") == f"{SITE_URL}{kerr_story.hero_image.url}"
    assert meta(response, "name", "description") == kerr_story.standfirst
    data, breadcrumbs = json_ld(response)
    assert data["@type"] == "NewsArticle"
    assert breadcrumbs["@type"] == "BreadcrumbList"
    assert data["headline"] == kerr_story.title
    assert data["datePublished"] == kerr_story.published_at.isoformat()
    assert data["dateModified"] == kerr_story.updated_at.isoformat()
    assert data["author"] == [  # the newsroom's byline
        {"@type": "Organization", "name": "Podium staff", "url": f"{SITE_URL}/news/author/podium-staff/"}
    ]
    assert data["image"] == [f"{SITE_URL}{kerr_story.hero_image.url}"]
    assert data["publisher"]["name"] == "Podium"


def test_json_ld_cannot_be_closed_by_a_headline(client):
    article = ArticleFactory(title="</script><script>alert(1)</script> & more")

    html = client.get(article.get_absolute_url()).content.decode()

    assert "</script><script>alert(1)" not in html
    assert "\\u003C/script\\u003E\\u003Cscript\\u003Ealert(1)" in html
    data, breadcrumbs = json_ld(client.get(article.get_absolute_url()))
    assert data["headline"] == article.title
    assert breadcrumbs["itemListElement"][-1]["name"] == article.title


@pytest.mark.parametrize(
    "kwargs",
    [
        {"status": Article.Status.DRAFT},
        {"status": Article.Status.DRAFT, "published_at": None},
        # Computed when the tests are collected: far enough ahead for a slow suite.
        {"published_at": timezone.now() + datetime.timedelta(days=30)},
    ],
    ids=["draft", "draft-without-time", "scheduled"],
)
def test_anonymous_reader_gets_404_for_draft_or_scheduled_article(client, kwargs):
    article = ArticleFactory(**kwargs)

    assert client.get(article.get_absolute_url()).status_code == HTTPStatus.NOT_FOUND


def test_staff_without_change_permission_also_gets_404_for_drafts(client, django_user_model):
    # Previews (tests/news/test_preview.py) are for users with news.change_article only.
    client.force_login(django_user_model.objects.create_user("desk", is_staff=True))
    article = ArticleFactory(status=Article.Status.DRAFT)

    assert client.get(article.get_absolute_url()).status_code == HTTPStatus.NOT_FOUND


def test_unknown_article_is_404(client):
    assert client.get("/news/no-such-story/").status_code == HTTPStatus.NOT_FOUND


def test_article_shows_approved_comments_with_replies_escaped(client, kerr_story):
    first = CommentFactory(
        article=kerr_story, name="Ana", body="<script>alert(1)</script>\nSecond line", created_at=hours_ago(3)
    )
    reply = CommentFactory(
        article=kerr_story, parent=first, name="Ben", body="Agreed", created_at=hours_ago(2)
    )
    CommentFactory(article=kerr_story, name="Pending Pete", status=Comment.Status.PENDING)
    CommentFactory(article=kerr_story, name="Spammy Sam", status=Comment.Status.SPAM)
    CommentFactory(article=kerr_story, parent=first, name="Rejected Rita", status=Comment.Status.REJECTED)
    second = CommentFactory(article=kerr_story, name="Cleo", body="Game time!", created_at=hours_ago(1))

    response = client.get(kerr_story.get_absolute_url())

    html = response.content.decode()
    assert response.context["comment_count"] == 3
    assert '<h2 class="section-heading" id="comments">3 comments</h2>' in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;<br>Second line" in html
    assert "<script>alert(1)" not in html
    assert f'id="comment-{first.pk}"' in html
    assert f'id="comment-{reply.pk}"' in html
    assert f'href="#comment-{second.pk}"' in html
    assert (
        html.index(f'id="comment-{first.pk}"')
        < html.index(f'id="comment-{reply.pk}"')
        < html.index(f'id="comment-{second.pk}"')
    )
    assert 'class="comment-list comment-list--replies"' in html
    stamp = timezone.localtime(first.created_at).replace(microsecond=0).isoformat()
    assert f'<time class="comment__time" datetime="{stamp}"' in html
    assert f">{timezone.localtime(first.created_at):%-d %b %Y, %H:%M}</time>" in html
    for hidden in ("Pending Pete", "Spammy Sam", "Rejected Rita"):
        assert hidden not in html


def test_comments_section_comes_after_the_body_with_the_form_placeholder(client):
    article = ArticleFactory(body="Last paragraph of the story.")

    html = client.get(article.get_absolute_url()).content.decode()

    assert "No comments yet." in html
    assert 'class="comment-form' in html
    assert (
        html.index("Last paragraph of the story.") < html.index('id="comments"') < html.index("comment-form")
    )


def test_closed_comments_say_so(client):
    article = ArticleFactory(comments_open=False)

    assert "Comments are closed" in client.get(article.get_absolute_url()).content.decode()


def test_more_on_this_story_links_published_articles_sharing_athletes_or_tags(client):
    kerr = AthleteFactory()
    tag = TagFactory()
    article = ArticleFactory(athletes=[kerr])
    article.tags.add(tag)
    by_athlete = ArticleFactory(title="Shares the athlete", athletes=[kerr])
    by_tag = ArticleFactory(title="Shares the tag", tags=[tag])
    both = ArticleFactory(title="Shares both", athletes=[kerr], tags=[tag])
    ArticleFactory(title="Unrelated")
    ArticleFactory(title="Related draft", athletes=[kerr], status=Article.Status.DRAFT)

    response = client.get(article.get_absolute_url())

    assert set(response.context["more_on_this_story"]) == {by_athlete, by_tag, both}
    assert "Related draft" not in response.content.decode()


# ---------- Static pages and errors ----------


@pytest.mark.parametrize(
    ("url", "text"),
    [
        ("/privacy/", "90 days"),
        ("/privacy/", "never shown"),
        ("/privacy/", "hash of your network address"),
        ("/house-rules/", "Be civil"),
        ("/house-rules/", "No spam, no links"),
        ("/house-rules/", "Moderators may"),
    ],
)
def test_static_pages(client, url, text):
    response = client.get(url)

    assert response.status_code == HTTPStatus.OK
    html = response.content.decode()
    assert text in html
    assert html.count("<h1") == 1
    assert canonical(response) == f"{SITE_URL}{url}"


def test_unknown_url_gets_the_branded_404(client):
    response = client.get("/no/such/page/")

    assert response.status_code == HTTPStatus.NOT_FOUND
    html = response.content.decode()
    assert "Page not found" in html
    assert 'class="site-header"' in html


def test_500_page_renders_without_context_or_database(rf, django_assert_num_queries):
    from news.views import server_error

    with django_assert_num_queries(0):
        response = server_error(rf.get("/"))

    assert response.status_code == HTTPStatus.INTERNAL_SERVER_ERROR
    assert "Something went wrong" in response.content.decode()
    assert "Podium" in response.content.decode()


def test_an_exception_answers_with_the_branded_500(client, monkeypatch):
    def explode(**kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr("news.selectors.home_articles", explode)
    client.raise_request_exception = False

    response = client.get("/")

    assert response.status_code == HTTPStatus.INTERNAL_SERVER_ERROR
    assert "Something went wrong" in response.content.decode()
    assert "boom" not in response.content.decode()
    assert "Traceback" not in response.content.decode()


def test_every_news_url_resolves_by_name():
    assert reverse("news:home") == "/"
    assert reverse("news:article_list") == "/news/"
    assert reverse("news:search") == "/search/"
