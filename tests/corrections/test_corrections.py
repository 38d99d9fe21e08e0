"""Corrections: at the article's foot, in its JSON-LD (schema.org ``correction``) and its
dateModified (page, sitemap, feeds), on /corrections/ and in its RSS and Atom feeds (which
parse with feedparser), each change on the next request through the page cache."""

import datetime
import json
import re
from http import HTTPStatus

import feedparser
import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from core import cache as page_cache
from corrections.models import Correction
from news.models import Article
from tests.budgets import cold_then_warm
from tests.news.factories import ArticleFactory

from .factories import CorrectionFactory

pytestmark = pytest.mark.django_db

SITE = "https://podium.example"
FEEDS = ("/feeds/corrections/", "/feeds/corrections/atom/")


def json_ld(html):
    """The page's NewsArticle JSON-LD (its other block is the BreadcrumbList), in a list."""
    blocks = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    return [data for data in map(json.loads, blocks) if data.get("@type") == "NewsArticle"]


def days_ago(days):
    return timezone.now() - datetime.timedelta(days=days)


@pytest.fixture
def article():
    """A story published and last saved ten days ago."""
    story = ArticleFactory(title="Kerr wins in Budapest", slug="kerr-wins", published_at=days_ago(10))
    Article.objects.filter(pk=story.pk).update(updated_at=days_ago(10))
    story.refresh_from_db()
    return story


# ---------------------------------------------------------------- on the article


def test_a_correction_shows_at_the_articles_foot_with_its_date(client, article):
    correction = CorrectionFactory(
        article=article, date=datetime.date(2024, 3, 3), text="Kerr's time was 3:29.38 <b>not</b> 3:29.83."
    )
    html = client.get(article.get_absolute_url()).content.decode()

    foot = html.split('class="article__footer"')[1].split('id="comments"')[0]
    assert f'id="correction-{correction.pk}"' in foot
    assert '<strong>Correction, <time datetime="2024-03-03">3 March 2024</time>:</strong>' in foot
    assert "Kerr&#x27;s time was 3:29.38 &lt;b&gt;not&lt;/b&gt; 3:29.83." in foot  # plain text, escaped
    assert html.index("article__body") < html.index("Correction, <time")


def test_an_article_without_corrections_shows_none(client, article):
    html = client.get(article.get_absolute_url()).content.decode()
    assert 'id="corrections"' not in html
    assert "correction" not in json_ld(html)[0]


def test_corrections_are_in_the_json_ld_as_correction_comments(client, article):
    first = CorrectionFactory(article=article, date=datetime.date(2024, 3, 3), text="First fix.")
    second = CorrectionFactory(article=article, date=datetime.date(2024, 3, 5), text="Second fix.")

    (data,) = json_ld(client.get(article.get_absolute_url()).content.decode())

    assert data["correction"] == [
        {
            "@type": "CorrectionComment",
            "text": "First fix.",
            "datePublished": "2024-03-03",
            "url": f"{SITE}/news/kerr-wins/#correction-{first.pk}",
        },
        {
            "@type": "CorrectionComment",
            "text": "Second fix.",
            "datePublished": "2024-03-05",
            "url": f"{SITE}/news/kerr-wins/#correction-{second.pk}",
        },
    ]


def test_a_correction_moves_the_articles_date_modified_everywhere(client, article):
    (before,) = json_ld(client.get(article.get_absolute_url()).content.decode())
    assert before["dateModified"] == article.updated_at.isoformat()

    correction = CorrectionFactory(article=article)
    html = client.get(article.get_absolute_url()).content.decode()

    (after,) = json_ld(html)
    assert after["dateModified"] == correction.updated_at.isoformat() != before["dateModified"]
    stamp = timezone.localtime(correction.updated_at).replace(microsecond=0).isoformat()
    assert f'<meta property="article:modified_time" content="{stamp}">' in html
    assert f'Updated <time datetime="{stamp}">' in html
    sitemap = client.get("/sitemap-articles.xml").content.decode()
    assert f"<lastmod>{correction.updated_at.date().isoformat()}</lastmod>" in sitemap
    for url in ("/feeds/latest/atom/", "/feeds/section/athletics/atom/"):
        entry = feedparser.parse(client.get(url).content).entries[0]
        assert entry.updated_parsed[:6] == correction.updated_at.utctimetuple()[:6], url


def test_an_article_saved_after_its_correction_keeps_its_own_date(client, article):
    CorrectionFactory(article=article)
    article.title = "Kerr wins in Budapest, again"
    article.save()
    (data,) = json_ld(client.get(article.get_absolute_url()).content.decode())
    assert data["dateModified"] == article.updated_at.isoformat()


def test_a_correction_dated_in_the_future_is_refused(article):
    with pytest.raises(ValidationError, match="cannot be in the future"):
        Correction(
            article=article, text="x", date=timezone.localdate() + datetime.timedelta(days=1)
        ).full_clean()
    Correction(article=article, text="x", date=timezone.localdate()).full_clean()


# ---------------------------------------------------------------- /corrections/


def test_the_corrections_page_lists_every_published_correction_newest_first(client, article):
    older = CorrectionFactory(article=article, date=datetime.date(2024, 3, 3), text="The older fix.")
    newer = CorrectionFactory(date=datetime.date(2024, 6, 1), text="The newer fix.")
    CorrectionFactory(
        article=ArticleFactory(status=Article.Status.DRAFT, published_at=None), text="Draft fix."
    )
    CorrectionFactory(
        article=ArticleFactory(published_at=timezone.now() + datetime.timedelta(days=1)), text="Soon."
    )

    response = client.get("/corrections/")

    assert response.status_code == HTTPStatus.OK
    html = response.content.decode()
    assert html.index("The newer fix.") < html.index("The older fix.")
    assert "Draft fix." not in html and "Soon." not in html
    assert f'href="/news/kerr-wins/#correction-{older.pk}">Kerr wins in Budapest</a>' in html
    assert f'href="{newer.get_absolute_url()}"' in html
    assert '<time datetime="2024-03-03">3 March 2024</time>' in html
    assert f'<link rel="canonical" href="{SITE}/corrections/">' in html
    assert (
        '<link rel="alternate" type="application/rss+xml" title="Podium: corrections" '
        'href="/feeds/corrections/">' in html
    )
    assert (
        '<link rel="alternate" type="application/atom+xml" title="Podium: corrections (Atom)" '
        'href="/feeds/corrections/atom/">' in html
    )


def test_the_corrections_page_is_paginated_and_a_bad_page_is_404(client, article):
    for day in range(1, 23):
        CorrectionFactory(article=article, date=datetime.date(2024, 1, day), text=f"Fix of day {day}.")

    first = client.get("/corrections/").content.decode()
    second = client.get("/corrections/?page=2").content.decode()

    assert "Fix of day 22." in first and "Fix of day 3." in first and "Fix of day 2." not in first
    assert "Fix of day 2." in second and "Fix of day 1." in second and "Fix of day 3." not in second
    assert 'rel="next" href="?page=2"' in first
    assert f'<link rel="canonical" href="{SITE}/corrections/?page=2">' in second
    for page in ("3", "0", "abc", "-1", "9" * 50):
        assert client.get(f"/corrections/?page={page}").status_code == HTTPStatus.NOT_FOUND, page


def test_the_corrections_page_without_corrections_says_so(client):
    assert "No corrections yet." in client.get("/corrections/").content.decode()


def test_every_page_links_to_corrections_in_its_footer(client, article):
    for url in ("/", "/news/", article.get_absolute_url(), "/corrections/", "/privacy/"):
        footer = client.get(url).content.decode().split('<footer class="site-footer">')[1]
        assert '<a href="/corrections/">Corrections</a>' in footer, url


@pytest.mark.parametrize("count", [3, 30])
def test_the_corrections_page_costs_the_same_queries_whatever_the_number(
    client, django_assert_num_queries, count
):
    for n in range(count):
        CorrectionFactory(text=f"Fix {n}.")
    # Generations, count, the page's corrections with their articles, the header's sections.
    cold_then_warm(client, django_assert_num_queries, "/corrections/", 4)


# ---------------------------------------------------------------- feeds


@pytest.mark.parametrize("url", FEEDS)
def test_the_corrections_feeds_parse_and_list_corrections_newest_first(client, article, url):
    older = CorrectionFactory(article=article, date=datetime.date(2024, 3, 3), text="The older fix.")
    newer = CorrectionFactory(article=article, date=datetime.date(2024, 6, 1), text="The newer <fix> & more.")
    CorrectionFactory(
        article=ArticleFactory(status=Article.Status.DRAFT, published_at=None), text="Draft fix."
    )

    response = client.get(url)

    assert response.status_code == HTTPStatus.OK
    feed = feedparser.parse(response.content)
    assert feed.bozo == 0, feed.get("bozo_exception")
    assert feed.feed.title == "Podium: corrections"
    assert feed.feed.link == f"{SITE}/corrections/"
    assert [entry.title for entry in feed.entries] == ["Correction: Kerr wins in Budapest"] * 2
    assert [entry.link for entry in feed.entries] == [
        f"{SITE}/news/kerr-wins/#correction-{newer.pk}",
        f"{SITE}/news/kerr-wins/#correction-{older.pk}",
    ]
    assert [entry.id for entry in feed.entries] == [
        f"{SITE}/corrections/#correction-{newer.pk}",
        f"{SITE}/corrections/#correction-{older.pk}",
    ]
    # Plain text, escaped as HTML: a reader shows "<fix>", never runs it as markup.
    assert feed.entries[0].summary == "The newer &lt;fix&gt; &amp; more."
    assert feed.entries[1].published_parsed[:3] == (2024, 3, 3)


def test_a_feed_entry_keeps_its_id_when_the_article_is_renamed(client, article):
    correction = CorrectionFactory(article=article)
    before = feedparser.parse(client.get("/feeds/corrections/").content).entries[0].id
    article.slug = "kerr-wins-in-budapest"
    article.save()
    after = feedparser.parse(client.get("/feeds/corrections/").content).entries[0]
    assert after.id == before and after.link.endswith(
        f"/news/kerr-wins-in-budapest/#correction-{correction.pk}"
    )


@pytest.mark.parametrize("url", FEEDS)
def test_the_corrections_feeds_answer_get_and_head_only(client, url):
    assert client.head(url).status_code == HTTPStatus.OK
    for method in ("post", "put", "patch", "delete"):
        assert getattr(client, method)(url).status_code == HTTPStatus.METHOD_NOT_ALLOWED


# ---------------------------------------------------------------- the page cache


def warm(client, *urls):
    for url in urls:
        assert client.get(url).status_code == HTTPStatus.OK
        assert client.get(url).status_code == HTTPStatus.OK


def test_adding_editing_and_deleting_a_correction_shows_on_the_next_request(client, article):
    urls = (article.get_absolute_url(), "/corrections/", *FEEDS)
    warm(client, *urls)
    stored = len(page_cache.local.entries)
    assert stored == len(urls)  # all four are cached pages

    correction = CorrectionFactory(article=article, text="First wording of the fix.")
    for url in urls:
        assert "First wording of the fix." in client.get(url).content.decode(), url

    correction.text = "Second wording of the fix."
    correction.save()
    for url in urls:
        body = client.get(url).content.decode()
        assert "Second wording of the fix." in body and "First wording" not in body, url

    correction.delete()
    for url in urls:
        assert "Second wording of the fix." not in client.get(url).content.decode(), url


def test_the_corrections_app_declares_its_writes_to_the_page_cache():
    before = page_cache.generations(["news"])
    CorrectionFactory()
    assert page_cache.generations(["news"])["news"] != before["news"]


def test_a_readers_report_invalidates_no_page(client, article):
    from .factories import ErrorReportFactory

    before = page_cache.generations(["news", "athletics"])
    ErrorReportFactory(article=article)
    assert page_cache.generations(["news", "athletics"]) == before
