"""Query budgets: each page's query count is fixed, whatever the amount of data."""

from http import HTTPStatus

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.athletics.factories import AthleteFactory, CompetitionEditionFactory, ResultFactory

from .factories import ArticleFactory, AuthorFactory, CommentFactory, TagFactory

pytestmark = pytest.mark.django_db

# Home: lead, latest, authors, featured athletes, their medal counts, latest medallists,
# navigation sections.
HOME_BUDGET = 7
# Lists: count, page of articles, their authors, navigation (+ the section/tag/author).
LIST_BUDGET = 5
# Article: article, authors, tags, athletes, editions, medal counts, comments, replies,
# more on this story, navigation.
ARTICLE_BUDGET = 10


def count_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == HTTPStatus.OK
    return len(queries)


def make_articles(n, **kwargs):
    authors = [AuthorFactory(name=f"Writer {i}", slug=f"writer-{i}") for i in range(3)]
    return [ArticleFactory(authors=authors[: 1 + i % 3], with_hero=i % 2 == 0, **kwargs) for i in range(n)]


def make_featured_athletes(n):
    for i in range(n):
        athlete = AthleteFactory(is_featured=True)
        ResultFactory(athlete=athlete, position=1 + i % 3)


def test_home_budget_does_not_grow(client, django_assert_max_num_queries):
    make_articles(3)
    make_featured_athletes(2)
    small = count_queries(client, "/")
    make_articles(30, is_featured=True)
    make_featured_athletes(10)

    with django_assert_max_num_queries(HOME_BUDGET):
        response = client.get("/")
    assert response.status_code == HTTPStatus.OK
    assert count_queries(client, "/") == small


def test_home_budget_with_empty_database(client, django_assert_max_num_queries):
    with django_assert_max_num_queries(HOME_BUDGET):
        assert client.get("/").status_code == HTTPStatus.OK


@pytest.mark.parametrize(
    "url", ["/news/", "/news/section/athletics/", "/news/tag/rivalry/", "/news/author/writer-0/"]
)
def test_list_budget_is_the_same_for_12_and_40_articles(client, django_assert_max_num_queries, url):
    tag = TagFactory(name="Rivalry", slug="rivalry")
    make_articles(12, tags=[tag])
    twelve = count_queries(client, url)
    make_articles(28, tags=[tag])

    with django_assert_max_num_queries(LIST_BUDGET):
        response = client.get(url)
    assert response.status_code == HTTPStatus.OK
    assert len(response.context["articles"]) == 12
    assert count_queries(client, url) == twelve


def _article_with_comments(top_level, replies_each):
    athletes = [AthleteFactory() for _ in range(3)]
    for athlete in athletes:
        ResultFactory(athlete=athlete)
    tags = [TagFactory(), TagFactory()]
    article = ArticleFactory(
        athletes=athletes, tags=tags, editions=[CompetitionEditionFactory()], with_hero=True
    )
    for _ in range(4):
        ArticleFactory(athletes=athletes[:1], tags=tags[:1])
    for _ in range(top_level):
        parent = CommentFactory(article=article)
        for _ in range(replies_each):
            CommentFactory(article=article, parent=parent)
    return article


def test_article_budget_is_the_same_for_2_and_200_comments(client, django_assert_max_num_queries):
    few = _article_with_comments(top_level=1, replies_each=1)
    many = _article_with_comments(top_level=100, replies_each=1)

    with django_assert_max_num_queries(ARTICLE_BUDGET):
        response = client.get(many.get_absolute_url())
    assert response.status_code == HTTPStatus.OK
    assert response.context["comment_count"] == 200
    assert count_queries(client, few.get_absolute_url()) == count_queries(client, many.get_absolute_url())
