import datetime
from html.parser import HTMLParser

import pytest
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from news.markdown import fold, render_markdown
from news.models import Article

from .factories import ArticleFactory

pytestmark = pytest.mark.django_db

NOW = timezone.now()
PAST = NOW - datetime.timedelta(days=1)
FUTURE = NOW + datetime.timedelta(days=1)


@pytest.mark.parametrize(
    ("status", "published_at", "visible"),
    [
        (Article.Status.DRAFT, PAST, False),
        (Article.Status.DRAFT, FUTURE, False),
        (Article.Status.DRAFT, None, False),
        (Article.Status.PUBLISHED, PAST, True),
        (Article.Status.PUBLISHED, FUTURE, False),
    ],
)
def test_published_truth_table(status, published_at, visible):
    article = ArticleFactory(status=status, published_at=published_at)

    assert Article.objects.published().filter(pk=article.pk).exists() is visible
    assert article.is_published is visible
    assert Article.objects.for_listing().filter(pk=article.pk).exists() is visible


def test_publishing_without_a_time_publishes_now():
    article = ArticleFactory(status=Article.Status.PUBLISHED, published_at=None)

    assert article.published_at is not None
    assert Article.objects.published().filter(pk=article.pk).exists()


def test_scheduled_article_is_scheduled_not_published():
    article = ArticleFactory(published_at=FUTURE)

    assert article.is_scheduled
    assert not article.is_published


def test_for_listing_is_newest_first():
    old = ArticleFactory(published_at=NOW - datetime.timedelta(days=3))
    new = ArticleFactory(published_at=NOW - datetime.timedelta(hours=1))

    assert list(Article.objects.for_listing()) == [new, old]


# ---------- Markdown sanitising ----------


class _Collector(HTMLParser):
    """The tags and attributes of an HTML fragment, as a browser would parse them."""

    def __init__(self):
        super().__init__()
        self.tags = []
        self.attributes = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attributes.extend((tag, name, value or "") for name, value in attrs)

    handle_startendtag = handle_starttag


def assert_harmless(html):
    parser = _Collector()
    parser.feed(html)
    parser.close()
    assert "<script" not in html.lower()
    for tag in parser.tags:
        assert tag not in {"script", "iframe", "object", "embed", "style", "form", "svg", "math"}
    for _tag, name, value in parser.attributes:
        assert not name.lower().startswith("on"), name
        assert name.lower() not in {"style", "srcdoc", "formaction"}
        if name.lower() in {"href", "src"}:
            scheme = "".join(value.split()).lower()
            assert not scheme.startswith(("javascript:", "data:", "vbscript:")), value


@pytest.mark.parametrize(
    "source",
    [
        "<script>alert(1)</script>",
        "Before <script src='https://evil.example/x.js'></script> after",
        '<img src="x" onerror="alert(1)">',
        '<a href="javascript:alert(1)">click</a>',
        "[click](javascript:alert(1))",
        "[click](JaVaScRiPt:alert(1))",
        "[click]( javascript:alert(1) )",
        "![pic](javascript:alert(1))",
        '<a href="data:text/html,<script>alert(1)</script>">x</a>',
        '<iframe src="https://evil.example"></iframe>',
        '<p onclick="alert(1)" style="color:red">hi</p>',
        "<svg onload=alert(1)>",
        "<<script>script>alert(1)<</script>/script>",
    ],
)
def test_render_markdown_strips_scripts_handlers_and_javascript_links(source):
    assert_harmless(render_markdown(source))


def test_render_markdown_keeps_what_editors_need():
    html = render_markdown(
        "## Heading\n\n**bold** and *italic*, [a link](https://example.com).\n\n"
        "> a quote\n\n- one\n- two\n\n![alt text](https://example.com/a.jpg)"
    )

    assert "<h2>Heading</h2>" in html
    assert "<strong>bold</strong>" in html
    assert "<em>italic</em>" in html
    assert 'href="https://example.com"' in html
    assert "<blockquote>" in html
    assert "<li>one</li>" in html
    assert '<img alt="alt text" src="https://example.com/a.jpg">' in html


def test_article_body_html_is_rendered_and_sanitised_at_save():
    article = ArticleFactory(body='Hello <script>alert(1)</script><img src=x onerror="alert(1)">')

    assert article.body_html.startswith("<p>Hello")
    assert_harmless(article.body_html)


_NASTY = st.sampled_from(
    [
        "<script>",
        "</script>",
        "<img src=x onerror=alert(1)>",
        "javascript:",
        "[x](javascript:alert(1))",
        "<a href='javascript:alert(1)'>",
        "onerror=",
        '"',
        "'",
        "<",
        ">",
        "&",
        "`",
        "\n\n",
        "<svg/onload=alert(1)>",
        "<iframe>",
        "![i](",
        ")",
        "](",
        "<p ",
        "style=",
        "\x00",
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(_NASTY, st.text(max_size=12)), max_size=25).map("".join))
def test_render_markdown_never_lets_active_content_through(source):
    assert_harmless(render_markdown(source))


@pytest.mark.parametrize(
    ("text", "folded"),
    [("Nordås", "nordas"), ("KERR", "kerr"), ("Ingebrigtsen", "ingebrigtsen"), ("Søren Æsir", "soren aesir")],
)
def test_fold_ignores_case_and_accents(text, folded):
    assert fold(text) == folded
