import datetime
import re
from http import HTTPStatus

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from news import embeds
from news.models import Article
from news.selectors import START_SEL, STOP_SEL, highlight, mark_sentinels, query_terms
from tests.athletics.factories import (
    AthleteFactory,
    CompetitionEditionFactory,
    CountryFactory,
    DisciplineFactory,
)

from .factories import ArticleFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def content():
    nor = CountryFactory(code="NOR", name="Norway")
    gbr = CountryFactory(code="GBR", name="Great Britain & N.I.")
    nordas = AthleteFactory(name="Narve Gilje Nordås", slug="narve-gilje-nordas", country=nor)
    kerr = AthleteFactory(name="Josh Kerr", slug="josh-kerr", country=gbr)
    AthleteFactory(name="Mo Farah", slug="mo-farah", country=gbr)
    budapest = ArticleFactory(
        title="Bronze for Nordås in Budapest",
        slug="bronze-for-nordas",
        standfirst="A Norwegian medal behind Ingebrigtsen.",
        body="Narve Gilje Nordås ran 3:29.68 for bronze.",
    )
    game_time = ArticleFactory(
        title="Game time for Kerr",
        slug="game-time",
        standfirst="Six months after Budapest.",
        body="Josh Kerr, the 26-year-old Scottish middle-distance runner, exudes confidence.",
    )
    ArticleFactory(title="Kerr draft", slug="kerr-draft", body="Kerr", status=Article.Status.DRAFT)
    ArticleFactory(
        title="Kerr scheduled", slug="kerr-scheduled", body="Kerr",
        published_at=timezone.now() + datetime.timedelta(days=1),
    )  # fmt: skip
    return {"nordas": nordas, "kerr": kerr, "budapest": budapest, "game_time": game_time}


def search(client, q, **params):
    return client.get("/search/", {"q": q, **params})


def found_articles(response):
    page = response.context["page_obj"]
    return list(page.object_list) if page else []


def test_search_is_accent_insensitive(client, content):
    response = search(client, "nordas")

    assert response.status_code == HTTPStatus.OK
    assert response.context["athletes"] == [content["nordas"]]
    assert found_articles(response) == [content["budapest"]]
    html = response.content.decode()
    assert "<mark>Nordås</mark>" in html


def test_search_with_the_accent_finds_the_same(client, content):
    response = search(client, "NORDÅS")

    assert response.context["athletes"] == [content["nordas"]]
    assert found_articles(response) == [content["budapest"]]


def test_search_is_case_insensitive(client, content):
    response = search(client, "KERR")

    assert response.context["athletes"] == [content["kerr"]]
    assert found_articles(response) == [content["game_time"]]
    assert "<mark>Kerr</mark>" in response.content.decode()


def test_search_finds_words_of_the_standfirst_and_body(client, content):
    assert found_articles(search(client, "norwegian")) == [content["budapest"]]
    assert found_articles(search(client, "scottish")) == [content["game_time"]]


def test_search_never_shows_drafts_or_scheduled_articles(client, content):
    html = search(client, "kerr").content.decode()

    assert "Kerr draft" not in html
    assert "Kerr scheduled" not in html


def test_search_page_is_noindex(client, content):
    html = search(client, "kerr").content.decode()

    assert '<meta name="robots" content="noindex">' in html


@pytest.mark.parametrize("q", ["", "   ", "\x00"])
def test_empty_query_shows_no_results_and_no_error(client, content, q):
    response = search(client, q)

    assert response.status_code == HTTPStatus.OK
    assert response.context["page_obj"] is None
    assert response.context["athletes"] == []
    assert "Type a name or a word" in response.content.decode()


def test_search_without_q_is_fine(client):
    assert client.get("/search/").status_code == HTTPStatus.OK


@pytest.mark.parametrize("length", [500, 501, 5000])
def test_long_queries_are_truncated_to_500_characters(client, content, length):
    q = ("kerr " * length)[:length]

    response = search(client, q)

    assert response.status_code == HTTPStatus.OK
    assert len(response.context["search_query"]) <= 500
    assert found_articles(response) == [content["game_time"]]


def test_query_is_escaped_everywhere(client, content):
    q = '"><script>alert(1)</script> kerr'

    html = search(client, q).content.decode()

    assert "<script>alert(1)" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_matched_text_is_escaped_before_it_is_marked(client):
    ArticleFactory(title="Kerr <b>bold</b> & co", body="<img src=x onerror=alert(1)> Kerr wins")

    html = search(client, "kerr").content.decode()

    assert "<mark>Kerr</mark> &lt;b&gt;bold&lt;/b&gt; &amp; co" in html
    assert "onerror=alert" not in html.replace("onerror=alert(1)&gt;", "")
    assert "<b>bold</b>" not in html


def test_search_results_are_paginated_leniently(client):
    for n in range(23):
        ArticleFactory(title=f"Kerr story {n}", published_at=timezone.now() - datetime.timedelta(hours=n + 1))

    first = search(client, "kerr")
    third = search(client, "kerr", page="3")

    assert len(found_articles(first)) == 10
    assert len(found_articles(third)) == 3
    assert 'href="?q=kerr&amp;page=2"' in first.content.decode()
    for page in ["abc", "0", "-1", "99999", "9" * 5000]:
        response = search(client, "kerr", page=page)
        assert response.status_code == HTTPStatus.OK


def test_search_query_count_does_not_grow(client, django_assert_num_queries):
    from tests.budgets import cold_then_warm

    for n in range(30):
        ArticleFactory(title=f"Kerr {n}")
        AthleteFactory(name=f"Kerr {n}")

    # Generations, count, articles, authors, athletes, nav sections; warm: the generations.
    cold_then_warm(client, django_assert_num_queries, "/search/?q=kerr", cold=6)


# ---------- Highlighting helpers ----------


def test_query_terms_are_folded_distinct_and_bounded():
    assert query_terms("Nordås NORDAS  kerr") == ["nordas", "kerr"]
    assert len(query_terms(" ".join(f"w{n}" for n in range(100)))) == 12


def test_mark_sentinels_escapes_and_balances():
    text = f"a <b> {START_SEL}Kerr{STOP_SEL} & {START_SEL}open {STOP_SEL}{STOP_SEL}{START_SEL}"

    assert mark_sentinels(text) == "a &lt;b&gt; <mark>Kerr</mark> &amp; <mark>open </mark><mark></mark>"


def test_highlight_marks_accented_text_for_a_folded_term():
    assert highlight("Narve Gilje Nordås <3", ["nordas"]) == "Narve Gilje <mark>Nordås</mark> &lt;3"


def test_highlight_cuts_a_window_around_the_first_match():
    text = " ".join(["word"] * 200) + " Kerr " + " ".join(["word"] * 200)

    snippet = highlight(text, ["kerr"], width=100)

    assert "<mark>Kerr</mark>" in snippet
    assert snippet.startswith("… ") and snippet.endswith(" …")
    assert len(snippet) < 140


# ---------- Property: nothing from the query is ever emitted unescaped ----------

_NASTY = st.sampled_from(
    ["<script>", "<SCRIPT src=x>", "</script>", '"><script>', "<img onerror=x>", "&", "'", '"', "<", ">",
     "kerr", "Nordås", "\ue000", "\ue001", "%", "_", "\\", ":*", "!", "|", "&amp;", "\x00", " "]
)  # fmt: skip


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(q=st.lists(st.one_of(_NASTY, st.text(max_size=10)), max_size=15).map("".join))
def test_search_never_emits_an_unescaped_script_from_the_query(client, content, q):
    response = search(client, q)

    assert response.status_code == HTTPStatus.OK
    html = response.content.decode()
    # The page itself carries no <script> element: any "<script" would come from the query.
    assert re.search(r"<script", html, re.IGNORECASE) is None
    assert html.count("<mark>") == html.count("</mark>")


# ---------- PostgreSQL full-text search ----------


@pytest.fixture
def postgresql_only():
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL full-text search (CI's second run)")


def test_postgresql_ranks_title_matches_above_body_matches(client, postgresql_only):
    body_match = ArticleFactory(title="Indoor season", body="On to Glasgow.")
    title_match = ArticleFactory(
        title="Glasgow calling", body="The indoor season.",
        published_at=timezone.now() - datetime.timedelta(days=30),
    )  # fmt: skip

    assert found_articles(search(client, "glasgow")) == [title_match, body_match]


def test_postgresql_search_matches_word_forms(client, postgresql_only):
    article = ArticleFactory(title="Plain title", body="Three medals in three years.")

    assert found_articles(search(client, "medal")) == [article]


# ---------- Results in stories ----------


@pytest.mark.parametrize("newline", ["\n", "\r\n"])  # as a browser posts the admin's textarea
def test_a_snippet_shows_the_story_text_never_an_embeds_marker_or_shortcode(client, newline):
    # The embed's shortcode is on the line the search term is next to: on PostgreSQL the
    # snippet is cut from the Markdown, on SQLite from the stored HTML and its markers.
    edition = CompetitionEditionFactory(slug="olympic-games-paris-2024")
    DisciplineFactory(name="1500 m")
    article = ArticleFactory(
        title="A final to remember",
        standfirst="Three medallists under 3:28.",
        body=newline.join(
            [
                "The podium in Paris.",
                "",
                "[[results olympic-games-paris-2024 1500-m]]",
                "",
                "The podium again.",
            ]
        ),
    )
    assert embeds.embeds_in(article.body_html) == [("results", (edition.slug, "1500-m"))]

    for query in ("podium", "paris"):
        response = search(client, query)
        assert found_articles(response) == [article]
        snippet = str(found_articles(response)[0].snippet_html)
        assert "embed" not in snippet and "[[" not in snippet and "1500-m" not in snippet, snippet
        assert "podium" in snippet.lower() or "medallists" in snippet, snippet
