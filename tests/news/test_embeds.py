"""Results in stories (issue 13, item 1; README, "Results in stories"): shortcodes in an
article's Markdown show live tables and cards from the results database, checked in the
admin, sanitised around, bounded in queries and renewed with every correction."""

import datetime
import re
from http import HTTPStatus

import pytest
from django.contrib.auth.models import Group, User
from django.test import Client

from athletics.models import Athlete, Record, Result
from news import embeds
from news.models import Article
from tests.athletics.factories import (
    AthleteFactory,
    CompetitionEditionFactory,
    CompetitionFactory,
    CountryFactory,
    DisciplineFactory,
    RecordFactory,
    ResultFactory,
)
from tests.budgets import ARTICLE_NO_COMMENTS_COLD, EMBEDS_COLD, WARM, cold_then_warm

from .factories import ARTICLE_INLINES, ArticleFactory, AuthorFactory, SectionFactory

pytestmark = pytest.mark.django_db


def text_of(html):
    """Text as a wide screen shows it (no phone labels), whitespace collapsed."""
    html = re.sub(r'<span class="stack-hint">[^<]*</span>', "", html)
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def section_of(page, kind):
    """The HTML of the first embed of ``kind`` on ``page``."""
    match = re.search(rf'<section class="embed embed--{kind}[^"]*".*?</section>', page, re.S)
    assert match, f"no {kind} embed"
    return match.group(0)


@pytest.fixture
def paris():
    """The Paris 2024 1500 m final (as in the facts file), two earlier races, a record."""
    usa, gbr, nor = (
        CountryFactory(code=c, name=n)
        for c, n in [("USA", "United States"), ("GBR", "Great Britain & N.I."), ("NOR", "Norway")]
    )
    olympics = CompetitionFactory(name="Olympic Games", slug="olympic-games", level=1)
    worlds = CompetitionFactory(name="World Championships", slug="world-championships", level=2)
    edition = CompetitionEditionFactory(
        competition=olympics, year=2024, city="Paris", name="Paris 2024", slug="olympic-games-paris-2024"
    )
    budapest = CompetitionEditionFactory(
        competition=worlds,
        year=2023,
        city="Budapest",
        name="Budapest 2023",
        slug="world-championships-budapest-2023",
    )
    m1500 = DisciplineFactory(name="1500 m", slug="1500-m")
    hocker = AthleteFactory(name="Cole Hocker", slug="cole-hocker", country=usa)
    kerr = AthleteFactory(name="Josh Kerr", slug="josh-kerr", country=gbr)
    jakob = AthleteFactory(name="Jakob Ingebrigtsen", slug="jakob-ingebrigtsen", country=nor)
    final = {"edition": edition, "discipline": m1500, "date": datetime.date(2024, 8, 6)}
    ResultFactory(athlete=kerr, position=2, mark=20779, national_record=True, **final)
    ResultFactory(athlete=hocker, position=1, mark=20765, championship_record=True, **final)
    ResultFactory(athlete=jakob, position=4, mark=20824, **final)
    ResultFactory(athlete=kerr, edition=budapest, discipline=m1500, position=1, mark=20938)
    ResultFactory(athlete=jakob, edition=budapest, discipline=m1500, position=2, mark=20965)
    two_miles = DisciplineFactory(name="Two miles", slug="two-miles")
    record = RecordFactory(discipline=two_miles, athlete=kerr, mark=48067, venue="Millrose Games, New York")
    return {
        "edition": edition,
        "kerr": kerr,
        "jakob": jakob,
        "hocker": hocker,
        "record": record,
        "m1500": m1500,
    }


def story(body, **kwargs):
    return ArticleFactory(body=body, **kwargs)


ALL_EMBEDS = (
    "Intro paragraph.\n\n"
    "[[results olympic-games-paris-2024 1500-m]]\n\n"
    "[[h2h josh-kerr jakob-ingebrigtsen]]\n"
    "[[athlete josh-kerr]]\n\n"
    "[[record {record}]]\n\n"
    "Last paragraph."
)


# ---------------------------------------------------------------- saved as markers


def test_a_shortcode_on_its_own_line_is_stored_as_a_marker_and_anything_else_stays_text():
    body = (
        "See [[athlete josh-kerr]] inline.\n\n"
        "[[athlete josh-kerr]]\n\n"
        "```\n[[athlete in-code]]\n```\n\n"
        "    [[athlete indented-code]]\n\n"
        "[[record not-a-number]]"
    )
    html = embeds.body_html(body)
    assert embeds.embeds_in(html) == [("athlete", ("josh-kerr",))]
    assert "See [[athlete josh-kerr]] inline." in html
    assert "[[athlete in-code]]" in html and "[[athlete indented-code]]" in html
    assert "[[record not-a-number]]" in html  # not well formed: left as the editor wrote it


def test_markdown_cannot_forge_an_embed_or_its_markup():
    body = (
        "<!--embed:record:1-->\n\n"
        '<section class="embed embed--record"><h2 onclick="x()">Fake record</h2></section>\n\n'
        "<p>podiumembed0000000000000000n0</p>\n\n<script>alert(1)</script>"
    )
    html = embeds.body_html(body)
    assert embeds.embeds_in(html) == []
    assert "<!--" not in html and "<section" not in html and "class=" not in html
    assert "onclick" not in html and "<script" not in html


def test_a_stored_marker_renders_our_template_and_the_rest_stays_sanitised(client, paris):
    article = story("**Bold** <script>alert(1)</script>\n\n[[athlete josh-kerr]]")
    page = client.get(article.get_absolute_url()).content.decode()
    assert "<strong>Bold</strong>" in page and "alert(1)</script>" not in page
    assert 'class="embed embed--athlete"' in page


# ---------------------------------------------------------------- each embed


def test_results_embed_is_the_finals_table_in_place_order(client, paris):
    page = client.get(story(ALL_EMBEDS.format(record=paris["record"].pk)).get_absolute_url()).content.decode()
    table = section_of(page, "results")
    assert '<h2 class="embed__title" id="embed-1-title">Olympic Games Paris 2024: 1500 m final</h2>' in table
    assert "<caption" in table and "6 August 2024" in table
    assert [h.strip() for h in re.findall(r'<th scope="col"[^>]*>([^<]+)</th>', table)] == [
        "Place", "Athlete", "Country", "Mark", "Records",
    ]  # fmt: skip
    rows = [text_of(row) for row in re.findall(r"<tr>(.*?)</tr>", table, re.S)[1:]]
    assert rows == [
        "1 Cole Hocker USA 3:27.65 CR",
        "2 Josh Kerr GBR 3:27.79 NR",
        "4 Jakob Ingebrigtsen NOR 3:28.24",
    ]
    assert '<abbr class="record-flag" title="Championship record">CR</abbr>' in table
    assert '<abbr class="flag" title="United States">USA</abbr>' in table
    assert (
        'href="/athletes/cole-hocker/"' in table and 'href="/competitions/olympic-games-paris-2024/"' in table
    )


def test_results_embed_of_a_final_not_yet_on_record_says_so(client, paris):
    CompetitionEditionFactory(
        slug="olympic-games-la-2028", name="Los Angeles 2028", year=2028, city="Los Angeles"
    )
    page = client.get(story("[[results olympic-games-la-2028 1500-m]]").get_absolute_url()).content.decode()
    embed = section_of(page, "results")
    assert "Los Angeles 2028: 1500 m final" in embed and "No results of this final on record" in embed


def test_h2h_embed_gives_the_score_and_the_races(client, paris):
    page = client.get(story(ALL_EMBEDS.format(record=paris["record"].pk)).get_absolute_url()).content.decode()
    embed = section_of(page, "h2h")
    assert "Josh Kerr v Jakob Ingebrigtsen</h2>" in embed
    score = text_of(re.search(r'<p class="embed__score">.*?</p>', embed, re.S).group(0))
    assert score == "Josh Kerr 2 – 0 Jakob Ingebrigtsen"
    rows = [text_of(row) for row in re.findall(r"<tr>(.*?)</tr>", embed, re.S)[1:]]
    assert rows == [
        "Olympic Games Paris 2024 1500 m final 2nd 3:27.79 4th 3:28.24 Josh Kerr",
        "World Championships Budapest 2023 1500 m final 1st 3:29.38 2nd 3:29.65 Josh Kerr",
    ]
    assert 'href="/athletes/josh-kerr/vs/jakob-ingebrigtsen/"' in embed


def test_athlete_embed_is_a_card_with_medals(client, paris):
    page = client.get(story(ALL_EMBEDS.format(record=paris["record"].pk)).get_absolute_url()).content.decode()
    embed = section_of(page, "athlete")
    assert '<a href="/athletes/josh-kerr/">Josh Kerr</a></h2>' in embed
    assert "1 gold" in embed and "1 silver" in embed and "bronze" not in embed
    rows = [text_of(row) for row in re.findall(r"<tr>(.*?)</tr>", embed, re.S)[1:]]
    assert rows == [
        "Silver Olympic Games Paris 2024 1500 m 3:27.79",
        "Gold World Championships Budapest 2023 1500 m 3:29.38",
    ]


def test_record_embed_shows_the_record_and_its_standing(client, paris):
    page = client.get(story(ALL_EMBEDS.format(record=paris["record"].pk)).get_absolute_url()).content.decode()
    embed = section_of(page, "record")
    assert "Two miles world indoor best</h2>" in embed
    assert "8:00.67" in embed and "11 February 2024" in embed and "Millrose Games, New York" in embed
    assert "Standing since 2024" in embed


def test_embeds_are_in_reading_order_with_unique_headings(client, paris):
    page = client.get(story(ALL_EMBEDS.format(record=paris["record"].pk)).get_absolute_url()).content.decode()
    order = [m.group(1) for m in re.finditer(r'<section class="embed embed--([a-z0-9]+)', page)]
    assert order == ["results", "h2h", "athlete", "record"]
    ids = re.findall(r'id="(embed-\d+-[a-z]+)"', page)
    assert len(ids) == len(set(ids))
    assert page.index("Intro paragraph.") < page.index("embed--results") < page.index("Last paragraph.")


# ---------------------------------------------------------------- the admin


def editor():
    user = User.objects.create_user("ed", password="x-correct-horse-9", is_staff=True)
    user.groups.add(Group.objects.get(name="Editors"))
    client = Client()
    client.force_login(user)
    return client


def article_data(body):
    return {
        "title": "Hocker wins",
        "slug": "hocker-wins",
        "standfirst": "A standfirst.",
        "body": body,
        "section": SectionFactory().pk,
        "authors": [AuthorFactory().pk],
        "status": "published",
        "published_at_0": "2024-08-06",
        "published_at_1": "22:00:00",
        "comments_open": "on",
        **ARTICLE_INLINES,
    }


@pytest.mark.parametrize(
    ("shortcode", "message"),
    [
        (
            "[[results olympic-games-paris-2025 1500-m]]",
            "no championship edition has the slug “olympic-games-paris-2025”",
        ),
        ("[[results olympic-games-paris-2024 1501-m]]", "no discipline has the slug “1501-m”"),
        ("[[results olympic-games-paris-2024]]", "results takes edition slug and discipline slug"),
        ("[[h2h josh-kerr nobody]]", "no athlete has the slug “nobody”"),
        ("[[h2h josh-kerr josh-kerr]]", "name two different athletes"),
        ("[[athlete jo$h]]", "athlete takes athlete slug"),
        ("[[record 999999]]", "there is no record number 999999"),
        ("[[record twelve]]", "record takes record number"),
        ("[[resluts olympic-games-paris-2024 1500-m]]", "unknown shortcode “resluts”"),
    ],
)
def test_an_unknown_or_malformed_shortcode_is_a_form_error_naming_it(paris, shortcode, message):
    response = editor().post("/admin/news/article/add/", article_data(f"Intro.\n\n{shortcode}\n\nMore."))
    assert response.status_code == HTTPStatus.OK
    errors = response.context["adminform"].form.errors["body"]
    assert any(error.startswith(shortcode + ":") and message in error for error in errors), errors
    assert not Article.objects.exists()


def test_valid_shortcodes_save_and_the_help_text_documents_them(paris):
    client = editor()
    form = client.get("/admin/news/article/add/").content.decode()
    for example in (
        "[[results olympic-games-paris-2024 1500-m]]",
        "[[h2h josh-kerr jakob-ingebrigtsen]]",
        "[[athlete josh-kerr]]",
        "[[record 12]]",
    ):
        assert example in form
    body = ALL_EMBEDS.format(record=paris["record"].pk)
    response = client.post("/admin/news/article/add/", article_data(body))
    assert response.status_code == HTTPStatus.FOUND, response.context["adminform"].form.errors
    assert len(embeds.embeds_in(Article.objects.get().body_html)) == 4


def test_each_failing_shortcode_is_named_once(paris):
    errors = embeds.shortcode_errors("[[athlete nobody]]\n\n[[athlete josh-kerr]]\n\n[[record 0]]")
    assert errors == [
        "[[athlete nobody]]: no athlete has the slug “nobody”.",
        "[[record 0]]: there is no record number 0.",
    ]


# ---------------------------------------------------------------- targets deleted later


def test_an_embed_whose_target_was_deleted_leaves_the_page_whole(client, paris):
    loner = AthleteFactory(name="Loner", slug="loner")
    edition = CompetitionEditionFactory(slug="gone-2030", year=2030)
    article = story(
        f"Before.\n\n[[athlete loner]]\n\n[[record {paris['record'].pk}]]\n\n[[h2h loner josh-kerr]]\n\n"
        "[[results gone-2030 1500-m]]\n\nAfter."
    )
    loner.delete()
    paris["record"].delete()
    edition.delete()
    response = client.get(article.get_absolute_url())
    assert response.status_code == HTTPStatus.OK
    page = response.content.decode()
    assert "Before." in page and "After." in page and 'class="embed' not in page
    assert "[[" not in page


# ---------------------------------------------------------------- live data, cached pages


def test_correcting_a_result_in_the_admin_changes_every_article_embedding_it(client, paris):
    first = story("[[results olympic-games-paris-2024 1500-m]]", slug="paris-final")
    second = story("[[athlete josh-kerr]]\n\n[[h2h josh-kerr jakob-ingebrigtsen]]", slug="kerr-card")
    for article in (first, second):
        assert "3:27.79" in client.get(article.get_absolute_url()).content.decode()
        assert "3:27.79" in client.get(article.get_absolute_url()).content.decode()  # cached
    result = Result.objects.get(athlete=paris["kerr"], edition=paris["edition"])
    data = {
        "athlete": result.athlete_id, "edition": result.edition_id, "discipline": result.discipline_id,
        "round": "final", "position": 2, "mark": "3:27.78", "date": "2024-08-06", "medal": "silver",
        "source": "Corrected wire", "national_record": "on",
    }  # fmt: skip
    response = editor().post(f"/admin/athletics/result/{result.pk}/change/", data)
    assert response.status_code == HTTPStatus.FOUND
    for article in (first, second):
        page = client.get(article.get_absolute_url()).content.decode()
        assert "3:27.78" in page and "3:27.79" not in page, article.slug


@pytest.mark.parametrize("extra_results", [0, 40])
def test_an_article_with_every_embed_costs_a_fixed_number_of_queries(
    client, django_assert_num_queries, paris, extra_results
):
    # Finals, athletes, head-to-head results, card medals (tests/budgets.py), whatever the
    # number of results.
    for n in range(extra_results):
        edition = CompetitionEditionFactory(year=1990 + n % 30)
        for athlete in (paris["kerr"], paris["jakob"]):
            ResultFactory(athlete=athlete, edition=edition, discipline=paris["m1500"], position=1 + n % 8)
        ResultFactory(edition=paris["edition"], discipline=paris["m1500"], position=5 + n, mark=21000 + n)
    article = story(ALL_EMBEDS.format(record=paris["record"].pk), athletes=[paris["kerr"]])
    cold_then_warm(
        client,
        django_assert_num_queries,
        article.get_absolute_url(),
        ARTICLE_NO_COMMENTS_COLD + EMBEDS_COLD,
        WARM,
    )


def test_an_article_without_embeds_reads_only_its_linked_records(client, django_assert_num_queries):
    article = story("Plain text.", athletes=[AthleteFactory()])
    cold_then_warm(client, django_assert_num_queries, article.get_absolute_url(), ARTICLE_NO_COMMENTS_COLD)


def test_many_embeds_cost_no_more_than_one_of_each(client, django_assert_max_num_queries, paris):
    athletes = [AthleteFactory(slug=f"runner-{n}") for n in range(12)]
    body = "\n\n".join(
        [f"[[athlete {a.slug}]]" for a in athletes]
        + [f"[[h2h {a.slug} josh-kerr]]" for a in athletes]
        + ["[[results olympic-games-paris-2024 1500-m]]"] * 3
    )
    article = story(body)
    with django_assert_max_num_queries(ARTICLE_NO_COMMENTS_COLD + EMBEDS_COLD):
        response = client.get(article.get_absolute_url())
    assert response.content.decode().count('class="embed embed--') == 27
    assert isinstance(Athlete.objects.first(), Athlete) and Record.objects.exists()


# ---------------------------------------------------------------- everywhere else the story shows


def test_no_page_or_feed_shows_a_marker_or_a_shortcode(client, paris):
    """The body's markers are filled on the article page and in the feeds; the lists, the
    home page, search, the sitemaps and the athlete's feeds show no body at all, or its
    text without them (README, "Results in stories")."""
    article = story(
        "Paris words.\n\n" + ALL_EMBEDS.format(record=paris["record"].pk),
        is_featured=True,
        athletes=[paris["kerr"]],
    )
    urls = [
        "/", "/news/", f"/news/section/{article.section.slug}/", article.get_absolute_url(),
        "/search/?q=paris", "/feeds/latest/", "/feeds/latest/atom/",
        f"/feeds/section/{article.section.slug}/", "/sitemap.xml", "/sitemap-articles.xml",
        "/athletes/josh-kerr/", "/athletes/josh-kerr/feed/", "/athletes/josh-kerr/feed/atom/",
    ]  # fmt: skip
    for url in urls:
        response = client.get(url)
        assert response.status_code == HTTPStatus.OK, url
        content = response.content.decode()
        assert article.title in content or "sitemap" in url, url
        assert "embed:" not in content and "[[" not in content, url
