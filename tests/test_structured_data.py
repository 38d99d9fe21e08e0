"""Structured data and link previews (issue 13, item 6): the JSON-LD parsed out of real
pages, og:image and twitter:card on every page, and the Atom links in every head."""

import datetime
import json
from html.parser import HTMLParser
from http import HTTPStatus

import pytest
from django.contrib.staticfiles import finders
from PIL import Image

from core.site_image import ALT, HEIGHT, WIDTH
from tests.athletics.factories import (
    AthleteFactory,
    CompetitionEditionFactory,
    CompetitionFactory,
    CountryFactory,
    DisciplineFactory,
    RecordFactory,
    ResultFactory,
)
from tests.news.factories import ArticleFactory, AuthorFactory, SectionFactory, TagFactory

pytestmark = pytest.mark.django_db

SITE_URL = "https://podium.example"


class _Head(HTMLParser):
    """The page's <meta>, <link> and JSON-LD <script> elements, as a browser reads them."""

    def __init__(self):
        super().__init__()
        self.meta, self.links, self.json_ld, self._script = [], [], [], None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "meta":
            self.meta.append(attrs)
        elif tag == "link":
            self.links.append(attrs)
        elif tag == "script":
            self._script = [] if attrs.get("type") == "application/ld+json" else None

    def handle_data(self, data):
        if self._script is not None:
            self._script.append(data)

    def handle_endtag(self, tag):
        if tag == "script" and self._script is not None:
            self.json_ld.append(json.loads("".join(self._script)))  # must be valid JSON
            self._script = None


def head(response):
    assert response.status_code == HTTPStatus.OK, response
    parser = _Head()
    parser.feed(response.content.decode())
    return parser


def of_type(response, schema_type):
    """The page's one JSON-LD object of ``schema_type``."""
    (found,) = [data for data in head(response).json_ld if data["@type"] == schema_type]
    assert found["@context"] == "https://schema.org"
    return found


def meta_content(page, key, name):
    values = [meta["content"] for meta in page.meta if meta.get(key) == name]
    assert len(values) == 1, (name, values)
    return values[0]


def crumbs(breadcrumbs):
    items = breadcrumbs["itemListElement"]
    assert [item["position"] for item in items] == list(range(1, len(items) + 1))
    assert all(item["@type"] == "ListItem" for item in items)
    return [(item["name"], item["item"]) for item in items]


@pytest.fixture
def paris():
    """Paris 2024 with its 1500 m final (dated) and 5000 m (undated), as in the facts."""
    usa, gbr = (
        CountryFactory(code="USA", name="United States"),
        CountryFactory(code="GBR", name="Great Britain"),
    )
    nor = CountryFactory(code="NOR", name="Norway")
    edition = CompetitionEditionFactory(
        competition=CompetitionFactory(name="Olympic Games", slug="olympic-games", level=1),
        name="Paris 2024", city="Paris", year=2024, slug="olympic-games-paris-2024",
        start_date=datetime.date(2024, 8, 1), end_date=datetime.date(2024, 8, 11),
        country=CountryFactory(code="FRA", name="France"),
    )  # fmt: skip
    m1500 = DisciplineFactory(name="1500 m", slug="1500-m", sort_order=1500)
    m5000 = DisciplineFactory(name="5000 m", slug="5000-m", sort_order=5000)
    hocker = AthleteFactory(name="Cole Hocker", slug="cole-hocker", country=usa)
    kerr = AthleteFactory(name="Josh Kerr", slug="josh-kerr", country=gbr)
    nuguse = AthleteFactory(name="Yared Nuguse", slug="yared-nuguse", country=usa)
    jakob = AthleteFactory(name="Jakob Ingebrigtsen", slug="jakob-ingebrigtsen", country=nor)
    final_day = datetime.date(2024, 8, 6)
    for position, athlete in enumerate([hocker, kerr, nuguse, jakob], start=1):
        ResultFactory(edition=edition, discipline=m1500, athlete=athlete, position=position, date=final_day)
    ResultFactory(edition=edition, discipline=m5000, athlete=jakob, position=1, date=None)
    return edition


# ---------------------------------------------------------------- SportsEvent


def test_edition_is_a_sports_event_with_dates_host_country_medallists_and_sub_events(client, paris):
    event = of_type(client.get("/competitions/olympic-games-paris-2024/"), "SportsEvent")

    url = f"{SITE_URL}/competitions/olympic-games-paris-2024/"
    assert event["name"] == "Olympic Games Paris 2024"
    assert event["url"] == url
    assert (event["startDate"], event["endDate"]) == ("2024-08-01", "2024-08-11")
    assert event["location"]["@type"] == "Place"
    assert event["location"]["name"] == "Paris"
    address = event["location"]["address"]
    assert address["@type"] == "PostalAddress"
    assert address["addressLocality"] == "Paris"
    assert address["addressCountry"] == {"@type": "Country", "name": "France", "identifier": "FRA"}
    # The medallists of every discipline, once each; fourth place is not a medallist.
    assert [(c["@type"], c["name"], c["url"]) for c in event["competitor"]] == [
        ("Person", "Cole Hocker", f"{SITE_URL}/athletes/cole-hocker/"),
        ("Person", "Josh Kerr", f"{SITE_URL}/athletes/josh-kerr/"),
        ("Person", "Yared Nuguse", f"{SITE_URL}/athletes/yared-nuguse/"),
        ("Person", "Jakob Ingebrigtsen", f"{SITE_URL}/athletes/jakob-ingebrigtsen/"),
    ]
    assert event["competitor"][1]["nationality"] == {"@type": "Country", "name": "Great Britain"}
    m1500, m5000 = event["subEvent"]
    assert m1500["@type"] == m5000["@type"] == "SportsEvent"
    assert m1500["name"] == "Olympic Games Paris 2024 — 1500 m"
    assert m1500["url"] == f"{url}#event-1500-m"
    assert m1500["startDate"] == "2024-08-06"  # the final's day, on record
    assert "startDate" not in m5000  # not on record: never guessed
    assert m1500["location"] == event["location"]
    assert [c["name"] for c in m1500["competitor"]] == ["Cole Hocker", "Josh Kerr", "Yared Nuguse"]
    assert [c["name"] for c in m5000["competitor"]] == ["Jakob Ingebrigtsen"]


def test_an_edition_without_facts_on_record_claims_none(client):
    CompetitionEditionFactory(slug="bare-champs-2030", city="Nowhere", country=None)

    event = of_type(client.get("/competitions/bare-champs-2030/"), "SportsEvent")

    assert "startDate" not in event and "endDate" not in event
    assert "addressCountry" not in event["location"]["address"]
    assert "competitor" not in event and "subEvent" not in event


def test_edition_json_ld_survives_a_name_that_closes_the_script(client):
    CompetitionEditionFactory(slug="evil-2030", name="</script><script>alert(1)</script>", city="X")

    response = client.get("/competitions/evil-2030/")

    assert "<script>alert(1)" not in response.content.decode()
    assert of_type(response, "SportsEvent")["name"].endswith("</script><script>alert(1)</script>")


def test_a_changed_edition_changes_its_cached_page_on_the_next_request(client, paris):
    url = "/competitions/olympic-games-paris-2024/"
    assert of_type(client.get(url), "SportsEvent")["endDate"] == "2024-08-11"

    paris.end_date = datetime.date(2024, 8, 10)
    paris.country = CountryFactory(code="ESP", name="Spain")
    paris.save()

    event = of_type(client.get(url), "SportsEvent")
    assert event["endDate"] == "2024-08-10"
    assert event["location"]["address"]["addressCountry"]["identifier"] == "ESP"


def test_a_new_medallist_shows_as_a_competitor_on_the_next_request(client, paris):
    url = "/competitions/olympic-games-paris-2024/"
    assert len(of_type(client.get(url), "SportsEvent")["competitor"]) == 4

    ResultFactory(
        edition=paris, discipline=DisciplineFactory(name="800 m", slug="800-m", sort_order=800), position=1,
        athlete=AthleteFactory(name="New Champion", slug="new-champion"),
    )  # fmt: skip

    event = of_type(client.get(url), "SportsEvent")
    assert "New Champion" in [c["name"] for c in event["competitor"]]
    assert len(event["subEvent"]) == 3


@pytest.mark.parametrize("disciplines", [2, 12])
def test_edition_queries_stay_bounded_as_disciplines_grow(client, django_assert_max_num_queries, disciplines):
    edition = CompetitionEditionFactory(slug="big-2030", country=CountryFactory(code="HOS"))
    for n in range(disciplines):
        discipline = DisciplineFactory(name=f"Event {n}", slug=f"event-{n}")
        for position in (1, 2, 3, 4):
            ResultFactory(edition=edition, discipline=discipline, position=position)
    with django_assert_max_num_queries(5):
        event = of_type(client.get("/competitions/big-2030/"), "SportsEvent")
    assert len(event["subEvent"]) == disciplines
    assert len(event["competitor"]) == 3 * disciplines


# ---------------------------------------------------------------- bylines


def test_a_staff_byline_is_an_organization_and_a_writer_a_person(client):
    staff = AuthorFactory()  # "Podium staff", the newsroom's byline
    writer = AuthorFactory(name="Ada Writer", slug="ada-writer")
    article = ArticleFactory(slug="two-bylines", authors=[staff, writer])

    data = of_type(client.get(article.get_absolute_url()), "NewsArticle")

    assert data["author"] == [  # bylines by name
        {"@type": "Person", "name": "Ada Writer", "url": f"{SITE_URL}/news/author/ada-writer/"},
        {"@type": "Organization", "name": "Podium staff", "url": f"{SITE_URL}/news/author/podium-staff/"},
    ]


def test_a_byline_made_the_newsrooms_changes_the_cached_article(client):
    writer = AuthorFactory(name="Desk", slug="desk")
    article = ArticleFactory(slug="desk-story", authors=[writer])
    assert of_type(client.get(article.get_absolute_url()), "NewsArticle")["author"][0]["@type"] == "Person"

    writer.is_organization = True
    writer.save()

    assert of_type(client.get(article.get_absolute_url()), "NewsArticle")["author"][0]["@type"] == (
        "Organization"
    )


def test_the_migration_marks_the_existing_staff_byline_as_the_newsrooms():
    from importlib import import_module

    from django.apps import apps

    from news.models import Author

    migration = import_module("news.migrations.0014_author_is_organization")
    Author.objects.create(name="Podium staff", slug="podium-staff")
    Author.objects.create(name="Ada Writer", slug="ada-writer")

    migration.mark_staff_byline(apps, None)

    assert dict(Author.objects.values_list("slug", "is_organization")) == {
        "podium-staff": True,
        "ada-writer": False,
    }


# ---------------------------------------------------------------- breadcrumbs


def test_article_athlete_and_edition_pages_have_breadcrumbs(client, paris):
    article = ArticleFactory(
        slug="kerr-silver", title="Kerr takes silver", section=SectionFactory(name="Track", slug="track")
    )

    assert crumbs(of_type(client.get(article.get_absolute_url()), "BreadcrumbList")) == [
        ("Home", f"{SITE_URL}/"),
        ("Track", f"{SITE_URL}/news/section/track/"),
        ("Kerr takes silver", f"{SITE_URL}/news/kerr-silver/"),
    ]
    assert crumbs(of_type(client.get("/athletes/josh-kerr/"), "BreadcrumbList")) == [
        ("Home", f"{SITE_URL}/"),
        ("Athletes", f"{SITE_URL}/athletes/"),
        ("Josh Kerr", f"{SITE_URL}/athletes/josh-kerr/"),
    ]
    assert crumbs(of_type(client.get("/competitions/olympic-games-paris-2024/"), "BreadcrumbList")) == [
        ("Home", f"{SITE_URL}/"),
        ("Championships", f"{SITE_URL}/competitions/"),
        ("Olympic Games Paris 2024", f"{SITE_URL}/competitions/olympic-games-paris-2024/"),
    ]


def test_a_renamed_section_changes_the_articles_breadcrumbs(client):
    article = ArticleFactory(slug="crumb-story", section=SectionFactory(name="Track", slug="track"))
    assert crumbs(of_type(client.get(article.get_absolute_url()), "BreadcrumbList"))[1][0] == "Track"

    article.section.name = "Track and field"
    article.section.save()

    assert (
        crumbs(of_type(client.get(article.get_absolute_url()), "BreadcrumbList"))[1][0] == "Track and field"
    )


# ---------------------------------------------------------------- link previews and feed links


@pytest.fixture
def site(paris):
    article = ArticleFactory(
        slug="plain-story", section=SectionFactory(name="Track", slug="track"),
        tags=[TagFactory(name="Mile", slug="mile")], authors=[AuthorFactory()],
    )  # fmt: skip
    RecordFactory(athlete=paris.results.first().athlete)
    return article


PAGES = [
    "/",
    "/news/",
    "/news/plain-story/",
    "/news/section/track/",
    "/news/tag/mile/",
    "/news/author/podium-staff/",
    "/athletes/",
    "/athletes/josh-kerr/",
    "/athletes/josh-kerr/vs/jakob-ingebrigtsen/",
    "/competitions/",
    "/competitions/olympic-games-paris-2024/",
    "/medals/",
    "/search/?q=kerr",
    "/privacy/",
    "/house-rules/",
]


@pytest.mark.parametrize("url", PAGES)
def test_every_page_has_an_og_image_a_twitter_card_and_its_atom_feed_linked(client, site, url):
    page = head(client.get(url))

    assert meta_content(page, "name", "twitter:card") == "summary_large_image"
    image = meta_content(page, "property", "og:image")
    assert image.startswith(f"{SITE_URL}/")
    atom = [link["href"] for link in page.links if link.get("type") == "application/atom+xml"]
    assert "/feeds/latest/atom/" in atom
    feeds = ("application/atom+xml", "application/rss+xml")
    assert all(link.get("rel") == "alternate" for link in page.links if link.get("type") in feeds)


def test_the_404_page_has_the_default_image_too(client):
    response = client.get("/no-such-page/")

    assert response.status_code == HTTPStatus.NOT_FOUND
    page = _Head()
    page.feed(response.content.decode())
    assert meta_content(page, "property", "og:image").endswith("/img/og-default.png")


def test_a_page_without_a_picture_gets_the_site_image_with_its_size_and_alt(client, site):
    page = head(client.get("/news/plain-story/"))  # no hero image

    assert meta_content(page, "property", "og:image") == f"{SITE_URL}/static/img/og-default.png"
    assert meta_content(page, "property", "og:image:width") == str(WIDTH)
    assert meta_content(page, "property", "og:image:height") == str(HEIGHT)
    assert meta_content(page, "property", "og:image:alt") == ALT


def test_an_article_with_a_hero_shows_it_and_not_the_default(client):
    article = ArticleFactory(slug="hero-story", with_hero=True, hero_alt="A track at dusk")

    page = head(client.get(article.get_absolute_url()))

    assert meta_content(page, "property", "og:image") == f"{SITE_URL}{article.hero_image.url}"
    assert meta_content(page, "property", "og:image:alt") == "A track at dusk"
    assert meta_content(page, "property", "og:image:width") == str(article.hero_width)
    assert meta_content(page, "name", "twitter:card") == "summary_large_image"


def test_a_section_page_links_its_own_atom_feed(client, site):
    page = head(client.get("/news/section/track/"))

    feeds = {(link["type"], link["href"]) for link in page.links if link.get("rel") == "alternate"}
    assert ("application/atom+xml", "/feeds/section/track/atom/") in feeds
    assert ("application/rss+xml", "/feeds/section/track/") in feeds


def test_the_default_site_image_is_a_committed_1200_by_630_png():
    path = finders.find("img/og-default.png")

    assert path is not None
    with Image.open(path) as image:
        assert (image.format, image.size) == ("PNG", (WIDTH, HEIGHT))
        # Drawn in the site's colours: the navy ground fills the corners.
        assert image.convert("RGB").getpixel((5, 5)) == (11, 31, 58)


def test_every_json_ld_block_on_the_pages_is_valid_and_typed(client, site):
    seen = set()
    for url in PAGES:
        for data in head(client.get(url)).json_ld:
            assert data["@context"] == "https://schema.org"
            seen.add(data["@type"])
    assert {"WebSite", "NewsArticle", "Person", "SportsEvent", "BreadcrumbList"} <= seen


def test_article_page_queries_stay_bounded_with_bylines_and_breadcrumbs(
    client, django_assert_max_num_queries
):
    from tests.budgets import ARTICLE_NO_COMMENTS_COLD

    authors = [AuthorFactory(name=f"Writer {n}", slug=f"writer-{n}") for n in range(6)]
    article = ArticleFactory(slug="many-bylines", authors=[AuthorFactory(), *authors])
    with django_assert_max_num_queries(ARTICLE_NO_COMMENTS_COLD):
        data = of_type(client.get(article.get_absolute_url()), "NewsArticle")
    assert len(data["author"]) == 7


def test_athlete_page_queries_stay_bounded(client, paris, django_assert_max_num_queries):
    from tests.athletics.test_query_budgets import ATHLETE_COLD

    with django_assert_max_num_queries(ATHLETE_COLD):
        page = head(client.get("/athletes/josh-kerr/"))
    assert {data["@type"] for data in page.json_ld} == {"Person", "BreadcrumbList"}


def test_the_demo_editions_sports_event_has_the_verified_facts(client):
    from django.core.management import call_command

    call_command("load_demo", verbosity=0)

    event = of_type(client.get("/competitions/world-championships-budapest-2023/"), "SportsEvent")

    assert (event["startDate"], event["endDate"]) == ("2023-08-19", "2023-08-27")
    assert event["location"]["address"]["addressCountry"]["identifier"] == "HUN"
    assert [c["name"] for c in event["competitor"]] == [
        "Josh Kerr",
        "Jakob Ingebrigtsen",
        "Narve Gilje Nordås",
    ]
    m1500, m5000 = event["subEvent"]
    assert m1500["startDate"] == "2023-08-23"  # the facts date the 1500 m final
    assert "startDate" not in m5000  # and not the 5000 m
