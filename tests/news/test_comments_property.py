"""Property: whatever a fan types in any field, the answer is never a 500, and nothing of
it reaches the page as markup."""

import re
from http import HTTPStatus

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from news.models import Comment

from .comment_helpers import comment_data
from .factories import ArticleFactory, CommentFactory

pytestmark = pytest.mark.django_db

_NASTY = st.sampled_from(
    ["<script>alert(1)</script>", "<img src=x onerror=alert(1)>", '"><svg onload=x>', "&amp;", "&#60;",
     "https://x.example/<b>", "www.x.example\"onclick=\"x", "\x00", "\u202e", "\ufffd", "\n", "\r\n", " ",
     "javascript:alert(1)", "'", '"', "<", ">", "Nordås", "🏃", "9" * 30, "-1", "1.5"]
)  # fmt: skip
# Text a browser could send (no lone surrogates: they cannot be encoded; the form refuses
# them anyway, see test_comments.py).
_TEXT = st.lists(
    st.one_of(_NASTY, st.text(alphabet=st.characters(exclude_categories=["Cs"]), max_size=20)), max_size=8
).map("".join)
MARKER = "<i data-fan>"


@pytest.fixture
def article(settings):
    settings.COMMENTS_RATE = ""  # no limit: many examples from one client
    article = ArticleFactory()
    CommentFactory(article=article)
    return article


@hypothesis_settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(name=_TEXT, body=_TEXT, email=_TEXT, parent=_TEXT, website=st.sampled_from(["", "x"]))
def test_any_text_in_any_field_is_never_a_500_nor_markup_on_the_page(
    client, article, name, body, email, parent, website
):
    url = article.get_absolute_url()
    data = comment_data(
        article, name=MARKER + name, body=MARKER + body, email=email, parent=parent, website=website
    )

    response = client.post(url, data)

    assert response.status_code in {HTTPStatus.SEE_OTHER, HTTPStatus.BAD_REQUEST}
    page = response if response.status_code == HTTPStatus.BAD_REQUEST else client.get(url)
    html = page.content.decode()
    assert MARKER not in html
    # The only script elements the article page has are its JSON-LD (the article and its
    # breadcrumbs), none of them the fan's.
    scripts = re.findall(r"<script[^>]*>", html, re.IGNORECASE)
    assert scripts == ['<script type="application/ld+json">'] * 2
    assert not re.search(r"<(img|svg)\b", html, re.IGNORECASE)
    assert not re.search(r'href="javascript:', html, re.IGNORECASE)


def test_the_property_test_posts_reach_the_database(client, article):
    """Guard: the property above is about stored comments too, not only refused ones."""
    client.post(
        article.get_absolute_url(), comment_data(article, name=MARKER + "Ana", body=MARKER + "<b>hi</b>")
    )
    stored = Comment.objects.get(name=MARKER + "Ana")
    assert stored.status == Comment.Status.APPROVED
    assert MARKER not in client.get(article.get_absolute_url()).content.decode()
