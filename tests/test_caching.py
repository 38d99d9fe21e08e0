"""Caching (config.caching, README "Performance"): every edit is visible on the next
request, a change invalidates only what showed it, nothing of one visitor is ever served
to another, and pages answer conditional GETs."""

import re
from http import HTTPStatus

import pytest
from django.contrib.auth.models import Group, User
from django.core import signing
from django.core.cache import cache
from django.db import connection
from django.db.models import Q
from django.template import Context, Template
from django.test import Client, RequestFactory

from athletics.models import Record
from athletics.services import record_create
from config import caching
from news.comment_views import COMMENTER_COOKIE, COMMENTER_SALT, MODERATION_MESSAGE, PUBLISHED_MESSAGE
from news.models import Article, Comment
from news.selectors import KeysFirstPaginator
from tests.athletics.factories import (
    AthleteFactory,
    CompetitionEditionFactory,
    CountryFactory,
    DisciplineFactory,
    RecordFactory,
    ResultFactory,
)
from tests.news.comment_helpers import comment_data
from tests.news.factories import ArticleFactory, AuthorFactory, CommentFactory, SectionFactory, TagFactory

pytestmark = pytest.mark.django_db

CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def html(client, url):
    response = client.get(url)
    assert response.status_code == HTTPStatus.OK, url
    return response.content.decode()


def editor_client():
    user = User.objects.create_user("ed", password="x-correct-horse-9", is_staff=True)
    user.groups.add(Group.objects.get(name="Editors"))
    client = Client()
    client.force_login(user)
    return client


def moderator_client():
    user = User.objects.create_user("mo", password="x-correct-horse-9", is_staff=True)
    user.groups.add(Group.objects.get(name="Moderators"))
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def story():
    """A published article about an athlete with a medal, with one approved comment."""
    kerr = AthleteFactory(name="Josh Kerr", slug="josh-kerr", country=CountryFactory(code="GBR"))
    ResultFactory(athlete=kerr, position=1)
    article = ArticleFactory(
        title="Kerr wins in Budapest", slug="kerr-wins", athletes=[kerr], tags=[TagFactory(name="Rivalry")]
    )
    CommentFactory(article=article, name="First fan", body="Brilliant run.")
    return article


# ---------------------------------------------------------------- generations


def test_a_bump_changes_the_generation_of_its_scope_only():
    before = caching.generations(caching.NEWS, caching.ATHLETICS, caching.comments(1), caching.comments(2))
    caching.bump(caching.comments(1))
    after = caching.generations(caching.NEWS, caching.ATHLETICS, caching.comments(1), caching.comments(2))
    changed = {scope for scope in before if before[scope] != after[scope]}
    assert changed == {caching.comments(1)}


def test_bump_all_changes_every_generation():
    before = caching.generations(caching.NEWS, caching.ATHLETICS)
    caching.bump_all()
    after = caching.generations(caching.NEWS, caching.ATHLETICS)
    assert after[caching.ALL] != before[caching.ALL]


def test_a_bump_inside_a_transaction_is_repeated_once_after_the_commit(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        caching.bump(caching.NEWS)
        caching.bump(caching.NEWS, caching.comments(7))
    assert len(callbacks) == 1
    assert callbacks[0].scopes == {caching.NEWS, caching.comments(7)}
    before = caching.generations(caching.NEWS)[caching.NEWS]
    callbacks[0]()
    assert caching.generations(caching.NEWS)[caching.NEWS] != before


@pytest.mark.parametrize("store", ["file", "cache"])
def test_both_counter_stores_start_somewhere_random_and_change_on_every_bump(tmp_path, store):
    counters = (
        caching.SharedFileCounters(tmp_path / "gens.bin") if store == "file" else caching.CacheCounters()
    )
    first = counters.read(["news", "athletics"])
    assert first == counters.read(["news", "athletics"])
    counters.bump(["news"])
    second = counters.read(["news", "athletics"])
    assert second["news"] != first["news"]
    assert second["athletics"] == first["athletics"]


def test_a_replaced_counter_file_is_noticed(tmp_path):
    path = tmp_path / "gens.bin"
    counters = caching.SharedFileCounters(path)
    before = counters.read(["news"])
    path.unlink()
    assert counters.read(["news"]) != before  # a new file starts with new random values


def test_a_cleared_cache_starts_new_generations_with_a_local_cache():
    if not isinstance(caching.counters(), caching.SharedFileCounters):
        pytest.skip("Shared cache (Redis): clearing it drops the counters themselves.")
    before = caching.generations(caching.NEWS)
    cache.clear()
    assert caching.generations(caching.NEWS) != before


class CounterSpy:
    """The configured counter store, recording the scopes of every read."""

    def __init__(self, inner):
        self.inner = inner
        self.reads = []

    def read(self, scopes):
        self.reads.append(sorted(scopes))
        return self.inner.read(scopes)

    def bump(self, scopes):
        self.inner.bump(scopes)


@pytest.fixture
def counter_reads(monkeypatch):
    spy = CounterSpy(caching.counters())
    monkeypatch.setattr(caching, "_counters", spy)
    return spy.reads


def test_a_request_reads_each_counter_once(rf, counter_reads):
    request = rf.get("/")
    first = caching.generations(caching.NEWS, request=request)
    both = caching.generations(caching.NEWS, caching.ATHLETICS, request=request)
    again = caching.generations(caching.ATHLETICS, request=request)

    assert counter_reads == [[caching.ALL, caching.NEWS], [caching.ATHLETICS]]
    assert both == {**first, caching.ATHLETICS: again[caching.ATHLETICS]}


def test_a_warm_article_page_reads_its_counters_and_its_comments_in_one_go(client, story, counter_reads):
    """One round trip to Redis for the whole page: the comment list's counter is read with
    the article's, from the id this process saw for the slug last time."""
    from news.views import ARTICLE_IDS  # noqa: PLC0415

    ARTICLE_IDS.clear()
    html(client, story.get_absolute_url())  # cold: learns the slug's id
    counter_reads.clear()

    assert "Brilliant run." in html(client, story.get_absolute_url())
    everything = sorted([caching.ALL, caching.NEWS, caching.ATHLETICS, caching.comments(story.pk)])
    assert counter_reads == [everything]


def test_a_slug_that_names_another_article_now_shows_that_articles_comments(client, story, counter_reads):
    from news.views import ARTICLE_IDS  # noqa: PLC0415

    ARTICLE_IDS.set(story.slug, story.pk + 1000, 60)  # as if another article had this slug before
    page = html(client, story.get_absolute_url())

    assert "Brilliant run." in page
    assert [caching.comments(story.pk)] in counter_reads  # read after all, for the right article


# ---------------------------------------------------------------- edits show on the next request


def test_an_edited_article_shows_everywhere_on_the_next_request(client, story):
    # (Search results mark the word searched: "<mark>Kerr</mark> wins…".)
    urls = (
        "/",
        "/news/",
        story.get_absolute_url(),
        "/feeds/latest/",
        "/search/?q=kerr",
        "/sitemap-articles.xml",
    )
    for url in urls[:-1]:
        assert "wins in Budapest" in html(client, url)
    html(client, "/sitemap-articles.xml")
    story.title = "Kerr wins the world title"
    story.slug = "kerr-world-title"
    story.save()
    for url in (*urls[:2], story.get_absolute_url(), *urls[3:]):
        page = html(client, url)
        assert "wins in Budapest" not in page, url
        assert ("kerr-world-title" if "sitemap" in url else "wins the world title") in page, url


def test_tags_and_authors_added_to_an_article_show(client, story):
    html(client, story.get_absolute_url())
    story.tags.add(TagFactory(name="Budapest 2023"))
    story.authors.add(AuthorFactory(name="Ada Writer", slug="ada-writer"))
    page = html(client, story.get_absolute_url())
    assert "Budapest 2023" in page
    assert "Ada Writer" in page


def test_a_renamed_section_shows_in_every_page_header(client, story):
    assert story.section.name in html(client, "/medals/")
    section = story.section
    section.name = "Track and field"
    section.save()
    assert "Track and field" in html(client, "/medals/")
    assert "Track and field" in html(client, "/athletes/josh-kerr/")


def test_an_edited_athlete_shows_on_the_profile_and_the_article_sidebar(client, story):
    html(client, "/athletes/josh-kerr/")
    html(client, story.get_absolute_url())
    kerr = story.athletes.get()
    kerr.name = "Joshua Kerr"
    kerr.save()
    assert "Joshua Kerr" in html(client, "/athletes/josh-kerr/")
    assert "Joshua Kerr" in html(client, story.get_absolute_url())


def test_a_new_result_shows_in_the_profile_and_the_medal_table(client, story):
    kerr = story.athletes.get()
    assert "1 gold" in html(client, "/athletes/josh-kerr/")
    html(client, "/medals/")
    ResultFactory(athlete=kerr, position=1, edition=CompetitionEditionFactory())
    assert "2 gold" in html(client, "/athletes/josh-kerr/")
    response = client.get("/medals/")
    assert [(row.code, row.gold) for row in response.context["rows"]] == [("GBR", 2)]
    assert '<td class="num">2</td>' in response.content.decode()


def test_a_record_set_through_record_create_shows_on_the_profile(client, story):
    kerr = story.athletes.get()
    mile = DisciplineFactory(name="Mile", slug="mile")
    old = RecordFactory(
        athlete=AthleteFactory(name="Old Holder"), discipline=mile, kind=Record.Kind.WORLD_BEST
    )
    assert "Mile world best" not in html(client, "/athletes/josh-kerr/")
    html(client, "/athletes/" + old.athlete.slug + "/")
    record_create(
        record=Record(
            kind=Record.Kind.WORLD_BEST, discipline=mile, sex="M", athlete=kerr, mark=30000, year=2025
        ),
        supersedes=old,
    )
    assert "Mile world best" in html(client, "/athletes/josh-kerr/")
    assert "superseded by" in html(client, "/athletes/" + old.athlete.slug + "/")


def test_a_posted_comment_shows_on_the_next_request_and_touches_nothing_else(client, story):
    other = ArticleFactory(title="Another story")
    html(client, story.get_absolute_url())
    html(client, other.get_absolute_url())
    scopes = (caching.NEWS, caching.ATHLETICS, caching.comments(story.pk), caching.comments(other.pk))
    before = caching.generations(*scopes)

    response = client.post(story.get_absolute_url(), comment_data(name="Ana", body="Faster than ever."))
    assert response.status_code == HTTPStatus.SEE_OTHER

    after = caching.generations(*scopes)
    assert {scope for scope in scopes if before[scope] != after[scope]} == {caching.comments(story.pk)}
    page = html(client, story.get_absolute_url())
    assert "Faster than ever." in page
    assert "2 comments" in page


def test_a_comment_held_for_moderation_invalidates_nothing_until_approved(client, story, settings):
    settings.COMMENTS_MODERATION = "pre"
    html(client, story.get_absolute_url())
    before = caching.generations(caching.comments(story.pk))
    client.post(story.get_absolute_url(), comment_data(body="Please approve me."))
    assert caching.generations(caching.comments(story.pk)) == before
    assert "Please approve me." not in html(client, story.get_absolute_url())

    # The moderators' bulk action (a QuerySet.update(), no signals) invalidates the thread.
    pending = Comment.objects.get(body="Please approve me.")
    response = moderator_client().post(
        "/admin/news/comment/", {"action": "approve", "_selected_action": [pending.pk]}
    )
    assert response.status_code == HTTPStatus.FOUND
    assert "Please approve me." in html(client, story.get_absolute_url())


def test_the_admin_unpublish_action_removes_the_article_at_once(client, story):
    assert "Kerr wins in Budapest" in html(client, "/news/")
    response = editor_client().post(
        "/admin/news/article/", {"action": "unpublish", "_selected_action": [story.pk]}
    )
    assert response.status_code == HTTPStatus.FOUND
    assert "Kerr wins in Budapest" not in html(client, "/news/")
    assert client.get(story.get_absolute_url()).status_code == HTTPStatus.NOT_FOUND


def test_a_deleted_comment_disappears(client, story):
    assert "Brilliant run." in html(client, story.get_absolute_url())
    Comment.objects.filter(article=story).delete()
    assert "Brilliant run." not in html(client, story.get_absolute_url())


# ---------------------------------------------------------------- nothing personal is cached


def test_the_cached_article_page_carries_each_visitors_own_csrf_token(story):
    first, second = Client(), Client()
    page_one = html(first, story.get_absolute_url())
    page_two = html(second, story.get_absolute_url())
    tokens_one, tokens_two = set(CSRF_INPUT.findall(page_one)), set(CSRF_INPUT.findall(page_two))
    # The comment form and each report form carry the visitor's token, no one else's.
    assert len(CSRF_INPUT.findall(page_two)) == 2
    assert tokens_one.isdisjoint(tokens_two)
    for client, tokens in ((first, tokens_one), (second, tokens_two)):
        secret = client.cookies["csrftoken"].value
        assert all(_unmask(token) == secret for token in tokens)


def _unmask(token):
    from django.middleware.csrf import _unmask_cipher_token

    return _unmask_cipher_token(token)


def test_a_remembered_name_and_a_message_stay_with_their_visitor(story):
    fan = Client()
    fan.cookies[COMMENTER_COOKIE] = signing.dumps({"name": "Zebedee Quill"}, salt=COMMENTER_SALT)
    assert 'value="Zebedee Quill"' in html(fan, story.get_absolute_url())
    assert "Zebedee Quill" not in html(Client(), story.get_absolute_url())

    fan.post(story.get_absolute_url(), comment_data(name="Ana", body="Great."))
    assert PUBLISHED_MESSAGE in html(fan, story.get_absolute_url())
    reader = html(Client(), story.get_absolute_url())
    assert PUBLISHED_MESSAGE not in reader
    assert MODERATION_MESSAGE not in reader


def test_a_message_is_shown_on_a_cached_public_page(client, story):
    html(client, "/news/")  # cached for everyone
    client.post(story.get_absolute_url(), comment_data(body="Great."))
    response = client.get("/news/")
    assert PUBLISHED_MESSAGE in response.content.decode()
    assert "private" in response["Cache-Control"]
    assert PUBLISHED_MESSAGE not in html(Client(), "/news/")


def test_a_staff_preview_of_a_draft_is_never_cached_for_readers(client, story):
    draft = ArticleFactory(title="Secret draft", slug="secret", status=Article.Status.DRAFT)
    editor = editor_client()
    preview = editor.get(draft.get_absolute_url())
    assert "Secret draft" in preview.content.decode()
    assert "no-store" in preview["Cache-Control"]
    assert client.get(draft.get_absolute_url()).status_code == HTTPStatus.NOT_FOUND
    draft.status = Article.Status.PUBLISHED
    draft.save()
    assert "Draft — not public" not in html(client, draft.get_absolute_url())


def test_fragments_are_rendered_without_the_request():
    page = caching.Page("probe", scopes=(), context={"title": "Cached"})
    template = Template(
        "{% load fragments %}{% fragment page 'x' %}{{ title }}[{% csrf_token %}]"
        "[{{ request.path }}][{{ user }}]{% endfragment %}"
    )
    request = RequestFactory().get("/secret-path/")
    request.META["CSRF_COOKIE"] = "x" * 32
    rendered = template.render(
        Context({"page": page, "request": request, "csrf_token": "TOKEN", "user": "ada"})
    )
    assert rendered == "Cached[][][]"


def test_live_holes_are_filled_for_each_request(story):
    # The report forms live in the cached comment list; their token is a hole.
    page = html(Client(), story.get_absolute_url())
    assert "<!--live:" not in page


# ---------------------------------------------------------------- HTTP caching


def test_public_pages_may_be_kept_briefly_by_a_proxy_but_not_per_visitor_ones(client, story):
    for url in ("/", "/news/", "/athletes/josh-kerr/", "/medals/", "/search/?q=kerr", "/feeds/latest/"):
        response = client.get(url)
        assert response["Cache-Control"] == f"public, max-age={caching.PUBLIC_MAX_AGE}", url
    article = client.get(story.get_absolute_url())
    assert "private" in article["Cache-Control"]
    assert "Cookie" in article["Vary"]
    # A returning visitor already holds the CSRF cookie: still private.
    again = client.get(story.get_absolute_url())
    assert "private" in again["Cache-Control"]


def test_a_signed_in_editor_gets_private_pages(story):
    response = editor_client().get("/")
    assert "private" in response["Cache-Control"]


@pytest.mark.parametrize(
    "url", ["/feeds/latest/", "/feeds/latest/atom/", "/sitemap.xml", "/sitemap-articles.xml"]
)
def test_feeds_and_sitemaps_answer_conditional_gets(client, story, url):
    first = client.get(url)
    etag = first["ETag"]
    assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == HTTPStatus.NOT_MODIFIED
    story.title = "Kerr wins the world title"
    story.save()
    again = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == HTTPStatus.OK
    assert again["ETag"] != etag


def test_the_article_answers_conditional_gets_until_a_comment_arrives(client, story):
    client.get(story.get_absolute_url())  # the first visit sets the CSRF cookie the page is made for
    etag = client.get(story.get_absolute_url())["ETag"]
    assert (
        client.get(story.get_absolute_url(), HTTP_IF_NONE_MATCH=etag).status_code == HTTPStatus.NOT_MODIFIED
    )
    CommentFactory(article=story, body="A new one.")
    again = client.get(story.get_absolute_url(), HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == HTTPStatus.OK
    assert "A new one." in again.content.decode()


def test_no_304_for_a_visitor_with_a_message_waiting(client, story):
    client.get(story.get_absolute_url())
    etag = client.get(story.get_absolute_url())["ETag"]
    client.post(story.get_absolute_url(), comment_data(body="Great."))
    response = client.get(story.get_absolute_url(), HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == HTTPStatus.OK
    assert PUBLISHED_MESSAGE in response.content.decode()


# ---------------------------------------------------------------- the archive's pages


def test_keys_first_pages_are_the_pages_of_the_list():
    section = SectionFactory()
    for _ in range(30):
        ArticleFactory(section=section)
    listing = Article.objects.for_listing()
    paginator = KeysFirstPaginator(listing, 12)
    pages = [list(paginator.page(n).object_list) for n in paginator.page_range]
    assert [len(page) for page in pages] == [12, 12, 6]
    assert [article for page in pages for article in page] == list(listing)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's full-text search indexes")
def test_search_conditions_read_their_indexes_on_postgresql():
    from django.contrib.postgres.search import SearchQuery

    from news import selectors

    for n in range(5):
        ArticleFactory(title=f"Kerr {n}")
    # The search's own condition, as news.selectors.search_articles writes it.
    document = selectors.search_articles("kerr").query.annotations["document"]
    matching = Article.objects.annotate(document=document)
    query = SearchQuery("kerr", search_type="websearch", config=selectors.SEARCH_CONFIG)
    condition = Q(document=query) | selectors._contains_all("search_document", ["kerr"])
    sql, params = matching.filter(condition).values("pk").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # the test table is tiny
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "article_search_vector_idx" in plan
    assert "article_search_trgm_idx" in plan


def test_a_page_using_the_csrf_token_is_private_even_without_setting_a_cookie(rf):
    from django.http import HttpResponse

    request = rf.get("/news/x/")
    request.META["CSRF_COOKIE_USED"] = True
    response = caching.CacheHeadersMiddleware(lambda r: HttpResponse("form"))(request)
    assert "private" in response["Cache-Control"] and "public" not in response["Cache-Control"]
    plain = caching.CacheHeadersMiddleware(lambda r: HttpResponse("page"))(rf.get("/news/"))
    assert "public" in plain["Cache-Control"]


def test_a_bundle_kept_in_the_process_is_shared_read_only():
    first = caching.Page("probe", "x", scopes=(caching.NEWS,))
    first.value("a", lambda: 1)
    first.save()
    kept = caching.RECENT.get(first.key)

    second = caching.Page("probe", "x", scopes=(caching.NEWS,))
    assert second.value("a", lambda: 2) == 1  # from the kept bundle: no compute
    second.value("b", lambda: 3)  # added to a copy, not to what other requests read
    assert "b" not in kept["values"]
    second.save()
    assert caching.RECENT.get(first.key)["values"] == {"a": 1, "b": 3}
    caching.bump(caching.NEWS)
    assert caching.Page("probe", "x", scopes=(caching.NEWS,)).value("a", lambda: 4) == 4


def test_recent_keeps_the_last_used_entries_until_their_timeout(monkeypatch):
    now = [100.0]
    monkeypatch.setattr(caching.time, "monotonic", lambda: now[0])
    recent = caching.Recent(2)
    recent.set("a", 1, None)  # kept until pushed out
    recent.set("b", 2, 5)
    assert recent.get("a") == 1  # "a" is now the most recently used
    recent.set("c", 3, 5)
    assert recent.get("b") is None  # the least recently used went
    now[0] += 6
    assert recent.get("c") is None  # expired
    assert recent.get("a") == 1
    recent.clear()
    assert recent.get("a") is None
