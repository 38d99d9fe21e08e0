"""Comments under load: the rate limit (counted in the database), the one client address,
pagination that keeps anchors working, and query counts that do not grow."""

import datetime
import re
from http import HTTPStatus
from types import SimpleNamespace

import pytest
from django.core.cache import cache
from django.test import Client, RequestFactory
from django.utils import timezone

from core.models import RateLimitCount
from news.client import client_address, client_hash
from news.models import Comment
from tests.athletics.factories import AthleteFactory, CompetitionEditionFactory, ResultFactory
from tests.budgets import ARTICLE_COLD

from .comment_helpers import comment_data
from .factories import ArticleFactory, CommentFactory, TagFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def article():
    return ArticleFactory()


@pytest.fixture
def url(article):
    return article.get_absolute_url()


# ---------- Rate limit ----------

# One second into an hour (and so into a minute): fixed windows never roll over mid-test.
WINDOW_START = 1_800_000_000 // 3600 * 3600 + 1


@pytest.fixture(autouse=True)
def _rate_clock(monkeypatch):
    """The rate limiter's clock stands still (the counts still live in the real cache)."""
    monkeypatch.setattr("core.ratelimit.time", SimpleNamespace(time=lambda: WINDOW_START))


def test_past_the_rate_limit_the_page_answers_429_with_retry_after_and_the_text_kept(
    client, url, article, settings
):
    settings.COMMENTS_RATE = "2/m,20/h"
    for n in range(2):
        assert (
            client.post(url, comment_data(article, body=f"Comment {n}")).status_code == HTTPStatus.SEE_OTHER
        )

    response = client.post(url, comment_data(article, name="Ana Kept", body="The third one, kept"))

    assert response.status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert response["Retry-After"] == "60"
    html = response.content.decode()
    assert "Too many comments — try again in 60 seconds." in html
    assert "The third one, kept" in html and 'value="Ana Kept"' in html
    assert html.count("<h1") == 1 and 'id="comments"' in html  # the article, re-rendered
    assert Comment.objects.count() == 2


def test_the_hourly_limit_applies_too(client, url, article, settings):
    settings.COMMENTS_RATE = "10/m,3/h"
    statuses = [client.post(url, comment_data(article, body=f"Comment {n}")).status_code for n in range(4)]
    assert statuses == [HTTPStatus.SEE_OTHER] * 3 + [HTTPStatus.TOO_MANY_REQUESTS]
    assert client.post(url, comment_data(article)).headers["Retry-After"] == "3600"


def test_the_rate_limit_counts_live_in_the_database_whatever_the_cache(
    client, url, article, settings, monkeypatch
):
    settings.COMMENTS_RATE = "1/m"
    assert client.post(url, comment_data(article, body="one")).status_code == HTTPStatus.SEE_OTHER
    cache.clear()  # the cache holds no count: a flushed cache (or Redis) lets nobody in
    assert client.post(url, comment_data(article, body="two")).status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert list(RateLimitCount.objects.values_list("count", flat=True)) == [1]  # the minute's window

    monkeypatch.setattr("core.ratelimit.time", SimpleNamespace(time=lambda: WINDOW_START + 60))

    assert client.post(url, comment_data(article, body="three")).status_code == HTTPStatus.SEE_OTHER


def test_the_rate_limit_is_per_client(url, article, settings):
    settings.COMMENTS_RATE = "1/m"
    first, second = Client(REMOTE_ADDR="198.51.100.1"), Client(REMOTE_ADDR="198.51.100.2")
    assert first.post(url, comment_data(article, body="a")).status_code == HTTPStatus.SEE_OTHER
    assert second.post(url, comment_data(article, body="b")).status_code == HTTPStatus.SEE_OTHER
    assert first.post(url, comment_data(article, body="c")).status_code == HTTPStatus.TOO_MANY_REQUESTS


def test_a_rejected_form_does_not_use_up_the_limit(client, url, article, settings):
    settings.COMMENTS_RATE = "1/m"
    for _ in range(3):
        assert client.post(url, comment_data(article, body="")).status_code == HTTPStatus.BAD_REQUEST
    assert client.post(url, comment_data(article)).status_code == HTTPStatus.SEE_OTHER


def test_behind_a_trusted_proxy_clients_are_told_apart_by_the_forwarded_address(url, article, settings):
    settings.COMMENTS_RATE = "1/m"
    settings.TRUSTED_PROXY_HEADER = "X-Forwarded-For"
    proxy = "10.0.0.1"

    def fan(address):
        return Client(REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR=address)

    assert fan("203.0.113.1").post(url, comment_data(article, body="a")).status_code == HTTPStatus.SEE_OTHER
    assert fan("203.0.113.2").post(url, comment_data(article, body="b")).status_code == HTTPStatus.SEE_OTHER
    # Spoofing a left-hand entry does not make a new client: our proxy appended the real one.
    spoofed = fan("1.2.3.4, 203.0.113.1")
    assert spoofed.post(url, comment_data(article, body="c")).status_code == HTTPStatus.TOO_MANY_REQUESTS


# ---------- The client address ----------


@pytest.fixture
def rf_request():
    def make(**meta):
        return RequestFactory().get("/", **meta)

    return make


def test_client_address_is_remote_addr_without_a_trusted_proxy(rf_request, settings):
    settings.TRUSTED_PROXY_HEADER = ""
    request = rf_request(REMOTE_ADDR="192.0.2.10", HTTP_X_FORWARDED_FOR="6.6.6.6")
    assert client_address(request) == "192.0.2.10"  # a client's own header is not believed


def test_client_address_is_the_right_most_forwarded_entry_with_a_trusted_proxy(rf_request, settings):
    settings.TRUSTED_PROXY_HEADER = "X-Forwarded-For"
    request = rf_request(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 7.7.7.7,  192.0.2.10 ")
    assert client_address(request) == "192.0.2.10"


def test_client_address_falls_back_to_remote_addr_when_the_header_is_missing(rf_request, settings):
    settings.TRUSTED_PROXY_HEADER = "X-Forwarded-For"
    assert client_address(rf_request(REMOTE_ADDR="10.0.0.1")) == "10.0.0.1"
    assert client_address(rf_request(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=" , ")) == "10.0.0.1"


def test_client_address_is_always_an_ip_address(rf_request, settings):
    settings.TRUSTED_PROXY_HEADER = "X-Forwarded-For"
    assert (
        client_address(rf_request(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="1.2.3.4, <script>"))
        == "10.0.0.1"
    )
    assert client_address(rf_request(REMOTE_ADDR="")) == "0.0.0.0"  # noqa: S104
    assert client_address(rf_request(REMOTE_ADDR="2001:db8::1")) == "2001:db8::1"


def test_client_address_reads_any_named_header(rf_request, settings):
    settings.TRUSTED_PROXY_HEADER = "X-Real-IP"
    assert client_address(rf_request(REMOTE_ADDR="10.0.0.1", HTTP_X_REAL_IP="192.0.2.77")) == "192.0.2.77"


def test_client_hash_is_keyed_and_never_the_address(rf_request, settings):
    request = rf_request(REMOTE_ADDR="192.0.2.10")
    digest = client_hash(request)
    assert "192.0.2.10" not in digest and len(digest) == 64
    assert client_hash(rf_request(REMOTE_ADDR="192.0.2.10")) == digest
    settings.SECRET_KEY = "another-key"
    assert client_hash(request) != digest


def test_the_stored_hash_comes_from_the_trusted_address(url, article, settings):
    settings.TRUSTED_PROXY_HEADER = "X-Forwarded-For"
    Client(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 192.0.2.10").post(
        url, comment_data(article)
    )
    expected = client_hash(RequestFactory().get("/", REMOTE_ADDR="192.0.2.10"))
    assert Comment.objects.get().ip_hash == expected


# ---------- Pagination keeps anchors working ----------


def comments_over(article, n, start=None):
    start = start or timezone.now() - datetime.timedelta(days=1)
    return [
        CommentFactory(article=article, name=f"Fan {i}", created_at=start + datetime.timedelta(minutes=i))
        for i in range(n)
    ]


def shown_ids(response):
    return [
        int(pk)
        for pk in re.findall(r'<article class="comment" id="comment-(\d+)"', response.content.decode())
    ]


def test_more_than_a_page_of_comments_is_paginated_oldest_first(client, url, article, settings):
    settings.COMMENTS_PER_PAGE = 3
    comments = comments_over(article, 7)
    reply = CommentFactory(article=article, parent=comments[4], created_at=timezone.now())

    first = client.get(url)
    assert shown_ids(first) == [c.pk for c in comments[:3]]
    assert '<h2 class="section-heading" id="comments">8 comments</h2>' in first.content.decode()
    assert 'href="?comments=2#comments"' in first.content.decode()

    second = client.get(url, {"comments": 2})
    assert shown_ids(second) == [comments[3].pk, comments[4].pk, reply.pk, comments[5].pk]
    html = second.content.decode()
    assert "Page 2 of 3" in html
    assert f'href="?comments=2#comment-{comments[4].pk}"' in html  # permalink names its page
    assert f'href="?comments=2&amp;reply={comments[4].pk}#comment-form"' in html
    assert f'action="{url}?comments=2#comment-errors"' in html
    assert f'href="{url}#comments"' in html  # back to page 1: the article's own URL

    assert shown_ids(client.get(url, {"comments": 3})) == [comments[6].pk]
    assert shown_ids(client.get(url, {"comments": 99})) == [comments[6].pk]  # past the end: last page
    assert shown_ids(client.get(url, {"comments": "x"})) == shown_ids(first)


def test_a_comment_permalink_includes_its_page(article, settings):
    settings.COMMENTS_PER_PAGE = 3
    comments = comments_over(article, 7)
    reply = CommentFactory(article=article, parent=comments[4])
    base = article.get_absolute_url()

    assert comments[0].get_absolute_url() == f"{base}#comment-{comments[0].pk}"
    assert comments[3].get_absolute_url() == f"{base}?comments=2#comment-{comments[3].pk}"
    assert reply.get_absolute_url() == f"{base}?comments=2#comment-{reply.pk}"
    assert comments[6].get_absolute_url() == f"{base}?comments=3#comment-{comments[6].pk}"


def test_the_redirect_after_posting_lands_on_the_right_page(client, url, article, settings):
    settings.COMMENTS_PER_PAGE = 3
    comments = comments_over(article, 6)

    response = client.post(url, comment_data(article, body="Newest"))
    newest = Comment.objects.get(body="Newest")
    assert response["Location"] == f"{url}?comments=3#comment-{newest.pk}"
    assert newest.pk in shown_ids(client.get(response["Location"].split("#")[0]))

    response = client.post(url, comment_data(article, body="A reply on page 2", parent=comments[3].pk))
    reply = Comment.objects.get(body="A reply on page 2")
    assert response["Location"] == f"{url}?comments=2#comment-{reply.pk}"


def test_a_rejected_post_re_renders_the_page_it_came_from(client, url, article, settings):
    settings.COMMENTS_PER_PAGE = 3
    comments = comments_over(article, 5)
    response = client.post(f"{url}?comments=2", comment_data(article, body=""))
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert shown_ids(response) == [c.pk for c in comments[3:]]


# ---------- Query counts ----------


def article_with_comments(top_level, replies_each=1):
    athletes = [AthleteFactory() for _ in range(2)]
    for athlete in athletes:
        ResultFactory(athlete=athlete)
    article = ArticleFactory(athletes=athletes, tags=[TagFactory()], editions=[CompetitionEditionFactory()])
    ArticleFactory(athletes=athletes[:1])
    for parent in comments_over(article, top_level):
        for _ in range(replies_each):
            CommentFactory(article=article, parent=parent)
    return article


def count_queries(django_assert_max_num_queries, client, method, path, data=None):
    cache.clear()  # the uncached page: every cached fragment is built (README, "Performance")
    with django_assert_max_num_queries(100) as captured:
        response = getattr(client, method)(path, data) if data else getattr(client, method)(path)
    return response, len(captured)


# The article page's comment part: the page of top-level comments (with both totals
# annotated) and its replies. Paginated or not, the page costs the same.
def test_article_page_with_200_comments_costs_the_same_as_with_2(client, django_assert_max_num_queries):
    few = article_with_comments(top_level=1)
    many = article_with_comments(top_level=100)

    small_response, small = count_queries(
        django_assert_max_num_queries, client, "get", few.get_absolute_url()
    )
    response, large = count_queries(django_assert_max_num_queries, client, "get", many.get_absolute_url())
    _, page_two = count_queries(
        django_assert_max_num_queries, client, "get", many.get_absolute_url() + "?comments=2"
    )

    assert response.context["comment_count"] == 200
    assert len(response.context["comments"]) == 50
    assert small_response.context["comment_count"] == 2
    assert small == large == page_two <= ARTICLE_COLD


def test_a_post_costs_the_same_on_a_busy_article(django_assert_max_num_queries):
    quiet = article_with_comments(top_level=0)
    busy = article_with_comments(top_level=120)
    parent = Comment.objects.filter(article=busy, parent__isnull=True).first()
    quiet_parent = CommentFactory(article=quiet)

    _, quiet_cost = count_queries(
        django_assert_max_num_queries, Client(), "post", quiet.get_absolute_url(),
        comment_data(quiet, parent=quiet_parent.pk, body="On the quiet one"),
    )  # fmt: skip
    response, busy_cost = count_queries(
        django_assert_max_num_queries, Client(), "post", busy.get_absolute_url(),
        comment_data(busy, parent=parent.pk, body="On the busy one"),
    )  # fmt: skip

    assert response.status_code == HTTPStatus.SEE_OTHER
    assert Comment.objects.filter(status=Comment.Status.APPROVED, body__startswith="On the").count() == 2
    # Article, parent, the staff's bylines (reserved names); the rate limit (its counts, one
    # upsert per window, ended windows deleted, in a savepoint); the client's history (trust),
    # repeat check, insert and the article's comment generation (in a savepoint); who follows
    # the thread (reply emails); the new comment's page.
    assert busy_cost == quiet_cost <= 17


def test_a_rejected_post_costs_the_same_as_the_page(client, django_assert_max_num_queries):
    busy = article_with_comments(top_level=120)
    url = busy.get_absolute_url()
    _, page = count_queries(django_assert_max_num_queries, client, "get", url)
    response, rejected = count_queries(
        django_assert_max_num_queries, client, "post", url, comment_data(busy, body="")
    )
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert rejected <= page + 1
