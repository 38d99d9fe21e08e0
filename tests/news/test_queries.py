"""Query budgets of the news pages: exact, cold (empty cache) and warm, at two sizes of
data each (tests/budgets.py says what each cold query is for)."""

import pytest
from django.utils import timezone

from news.models import Comment
from tests.athletics.factories import AthleteFactory, CompetitionEditionFactory, ResultFactory
from tests.budgets import (
    ARTICLE_BUDGET,  # noqa: F401 (imported from here by other tests)
    ARTICLE_COLD,
    ARTICLE_NO_COMMENTS_COLD,
    ARTICLE_WITH_PICKS_COLD,
    HOME_BUDGET,  # noqa: F401
    HOME_COLD,
    LIST_BUDGET,  # noqa: F401
    LIST_COLD,
    SUBJECT_LIST_COLD,
    WARM,
    cold_then_warm,
)

from .factories import ArticleFactory, AuthorFactory, CommentFactory, SectionFactory, TagFactory

pytestmark = pytest.mark.django_db

FEED_COLD = 4  # articles, authors, tags, next publication
SEARCH_COLD = 6  # generations, count, page, authors, athletes, sections
# A count per section with more than a fixed list, next publication, and the latest
# change of news and of athletics (the sections' lastmod).
SITEMAP_INDEX_COLD = 7
SITEMAP_COLD = 3  # a section's sitemap: its count, its page, next publication


def make_articles(n, **kwargs):
    authors = [AuthorFactory(name=f"Writer {i}", slug=f"writer-{i}") for i in range(3)]
    return [ArticleFactory(authors=authors[: 1 + i % 3], with_hero=i % 2 == 0, **kwargs) for i in range(n)]


def make_featured_athletes(n):
    for i in range(n):
        athlete = AthleteFactory(is_featured=True)
        ResultFactory(athlete=athlete, position=1 + i % 3)


@pytest.mark.parametrize("size", [3, 30])
def test_home(client, django_assert_num_queries, size):
    make_articles(size, is_featured=True)
    make_articles(size)
    make_featured_athletes(size // 3)

    cold_then_warm(client, django_assert_num_queries, "/", HOME_COLD)


def test_home_with_no_data_or_no_featured_athletes(client, django_assert_num_queries):
    # Nothing to prefetch authors for, no featured athlete to count medals for.
    cold_then_warm(client, django_assert_num_queries, "/", HOME_COLD - 2)
    make_articles(12)
    # Articles (their authors), but still no featured athlete.
    cold_then_warm(client, django_assert_num_queries, "/", HOME_COLD - 1)


@pytest.mark.parametrize("size", [10, 50])
@pytest.mark.parametrize(
    ("url", "cold"),
    [
        ("/news/", LIST_COLD),
        ("/news/section/athletics/", SUBJECT_LIST_COLD),
        ("/news/tag/rivalry/", SUBJECT_LIST_COLD),
        ("/news/author/writer-0/", SUBJECT_LIST_COLD),
    ],
)
def test_lists(client, django_assert_num_queries, url, cold, size):
    section = SectionFactory(name="Athletics", slug="athletics")
    tag = TagFactory(name="Rivalry", slug="rivalry")
    make_articles(size, tags=[tag], section=section)

    response, _ = cold_then_warm(client, django_assert_num_queries, url, cold)
    assert len(response.context["articles"]) == min(size, 12)


@pytest.mark.parametrize("page", ["2", "last"])
def test_a_deep_page_costs_what_the_first_does(client, django_assert_num_queries, page):
    make_articles(50)

    # ?page=last is not the page's canonical URL (?page=5 is): served, never stored.
    warm = LIST_COLD if page == "last" else WARM
    response, _ = cold_then_warm(client, django_assert_num_queries, f"/news/?page={page}", LIST_COLD, warm)
    assert response.context["page_obj"].number == (2 if page == "2" else 5)


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


@pytest.mark.parametrize(("top_level", "comments"), [(5, 10), (100, 200)])
def test_article_with_10_or_200_comments(client, django_assert_num_queries, top_level, comments):
    article = _article_with_comments(top_level=top_level, replies_each=1)

    response, _ = cold_then_warm(client, django_assert_num_queries, article.get_absolute_url(), ARTICLE_COLD)
    assert response.context["comment_count"] == comments


def test_article_without_comments(client, django_assert_num_queries):
    article = _article_with_comments(top_level=0, replies_each=0)

    response, _ = cold_then_warm(
        client, django_assert_num_queries, article.get_absolute_url(), ARTICLE_NO_COMMENTS_COLD
    )
    assert response.context["comment_count"] == 0


@pytest.mark.parametrize("sort", ["newest", "recommended"])
@pytest.mark.parametrize(("top_level", "picks"), [(5, 2), (100, 20)])
def test_sorted_article_with_recommends_and_picks(client, django_assert_num_queries, sort, top_level, picks):
    article = _article_with_comments(top_level=top_level, replies_each=1)
    comments = list(Comment.objects.filter(article=article).order_by("pk"))
    for i, comment in enumerate(comments):
        comment.recommend_count = i % 7
    Comment.objects.bulk_update(comments, ["recommend_count"])
    # Picks among top-level comments and replies, on every page of the conversation.
    Comment.objects.filter(pk__in=[c.pk for c in comments[::3][:picks]]).update(
        is_pick=True, picked_at=timezone.now()
    )
    url = f"{article.get_absolute_url()}?sort={sort}"

    response, _ = cold_then_warm(client, django_assert_num_queries, url, ARTICLE_WITH_PICKS_COLD)
    assert len(response.context["comment_thread"].picks) == picks
    if top_level > 50:  # its second page: no picks to show, the budget of any page
        cold_then_warm(client, django_assert_num_queries, f"{url}&comments=2", ARTICLE_COLD)


def test_second_page_of_comments(client, django_assert_num_queries):
    article = _article_with_comments(top_level=100, replies_each=1)

    cold_then_warm(
        client, django_assert_num_queries, article.get_absolute_url() + "?comments=2", ARTICLE_COLD
    )


@pytest.mark.parametrize("size", [5, 40])
def test_search(client, django_assert_num_queries, size):
    make_articles(size, title="Kerr wins again")
    AthleteFactory(name="Josh Kerr")

    response, _ = cold_then_warm(client, django_assert_num_queries, "/search/?q=kerr", SEARCH_COLD)
    assert response.context["page_obj"].paginator.count == size


@pytest.mark.parametrize("size", [5, 40])
@pytest.mark.parametrize("url", ["/feeds/latest/", "/feeds/latest/atom/"])
def test_feeds(client, django_assert_num_queries, url, size):
    make_articles(size, tags=[TagFactory()])

    cold_then_warm(client, django_assert_num_queries, url, FEED_COLD)


@pytest.mark.parametrize("size", [5, 40])
@pytest.mark.parametrize(
    ("url", "cold"),
    [
        ("/sitemap.xml", SITEMAP_INDEX_COLD),
        ("/sitemap-articles.xml", SITEMAP_COLD),
        ("/sitemap-athletes.xml", SITEMAP_COLD),
    ],
)
def test_sitemaps(client, django_assert_num_queries, url, cold, size):
    make_articles(size)
    for _ in range(size):
        ResultFactory()

    cold_then_warm(client, django_assert_num_queries, url, cold)
