"""The page cache and the conversation's recommends, picks and orders (README, "Comments"
and "Performance"): a recommend or a pick shows on the next request and touches only its
article; each order is kept under its canonical URL and serves the same body cold and warm;
junk orders are served, never stored."""

import datetime
from http import HTTPStatus

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from core import cache as page_cache
from news.models import Comment
from tests.news.factories import ArticleFactory, CommentFactory
from tests.test_caching import _same_but_visitor, entries, html, moderator_client, queries

pytestmark = pytest.mark.django_db


@pytest.fixture
def story():
    """A published article with three comments (one with a reply) over two pages."""
    article = ArticleFactory(title="Kerr wins in Budapest", slug="kerr-wins")
    now = timezone.now()
    for i, name in enumerate(("Ana", "Ben", "Cal")):
        comment = CommentFactory(
            article=article, name=name, created_at=now - datetime.timedelta(minutes=30 - i)
        )
    CommentFactory(article=article, parent=comment, name="Dee")
    return article


def recommend(client, comment, **data):
    return client.post(f"/news/{comment.article.slug}/comments/{comment.pk}/recommend/", data)


def test_a_recommend_shows_on_the_next_request_and_touches_only_its_article(client, story):
    other = ArticleFactory()
    for url in (story.get_absolute_url(), story.get_absolute_url() + "?sort=recommended"):
        html(client, url)  # cached
    scopes = ["news", "athletics", f"comments:{story.slug}", f"comments:{other.slug}"]
    before = page_cache.generations(scopes)

    assert recommend(client, Comment.objects.get(name="Cal")).status_code == HTTPStatus.SEE_OTHER

    after = page_cache.generations(scopes)
    assert {scope for scope in scopes if before[scope] != after[scope]} == {f"comments:{story.slug}"}
    ordered = Client().get(story.get_absolute_url() + "?sort=recommended").context["comments"]
    assert [c.name for c in ordered] == ["Cal", "Ana", "Ben"]
    # Taking it back (a delete) invalidates too.
    recommend(client, Comment.objects.get(name="Cal"))
    ordered = Client().get(story.get_absolute_url() + "?sort=recommended").context["comments"]
    assert [c.name for c in ordered] == ["Ana", "Ben", "Cal"]


def test_a_pick_by_the_admin_action_shows_on_the_next_request(client, story):
    assert "Podium picks" not in html(client, story.get_absolute_url())
    picked = Comment.objects.get(name="Ben")
    response = moderator_client().post(
        "/admin/news/comment/?status__exact=all", {"action": "mark_pick", "_selected_action": [picked.pk]}
    )
    assert response.status_code == HTTPStatus.FOUND
    assert "Podium picks" in html(client, story.get_absolute_url())


def test_each_order_is_kept_under_its_canonical_url_only(client, story, settings):
    settings.COMMENTS_PER_PAGE = 2
    canonical = ["?sort=newest", "?sort=recommended", "?sort=newest&comments=2", "?comments=2"]
    for query in canonical:
        client.get(story.get_absolute_url() + query)
        assert queries(client, story.get_absolute_url() + query)[1] == 1, query  # a hit
    before = entries()
    # The default order spelled out, another spelling of a page, a junk order: served, not kept.
    for query in ("?sort=oldest", "?comments=2&sort=newest", "?sort=nope", "?sort=newest&sort=x", "?sort="):
        response, count = queries(client, story.get_absolute_url() + query)
        assert response.status_code == HTTPStatus.OK and count > 1, query
    assert entries() == before


def test_junk_orders_store_nothing(client, story):
    html(client, story.get_absolute_url())
    before = entries()
    for n in range(100):
        for pattern in ("?sort=x%d", "?sort=newest&x=%d", "?sort=recommended%d&comments=2"):
            assert client.get(story.get_absolute_url() + pattern % n).status_code == HTTPStatus.OK
    assert entries() == before


@pytest.mark.parametrize("picks", [False, True])
def test_every_order_serves_the_same_body_cold_and_warm(client, story, settings, picks):
    settings.COMMENTS_PER_PAGE = 2
    if picks:
        Comment.objects.filter(name__in=["Ben", "Dee"]).update(is_pick=True, picked_at=timezone.now())
    Comment.objects.filter(name="Cal").update(recommend_count=3)
    queries_ = ["", "?comments=2", "?sort=newest", "?sort=newest&comments=2", "?sort=recommended"]
    queries_ += ["?sort=recommended&comments=2"]
    for query in queries_:
        url = story.get_absolute_url() + query
        cache.clear()
        page_cache.local.clear()
        cold, _ = queries(client, url)
        warm, warm_queries = queries(Client(), url)  # another visitor: other CSRF token and render time
        assert cold.status_code == warm.status_code == HTTPStatus.OK, url
        assert warm_queries == 1, url  # a hit: the generations read only
        assert cold.content == warm.content or _same_but_visitor(cold, warm), url
        assert (b"Podium picks" in cold.content) == (picks and "comments=2" not in query), url
