"""The page cache (core.cache, README "Performance"): every edit, and time itself, shows on
the next request; a change invalidates only what showed it; junk URLs are never stored;
nothing of one visitor is ever served to another; pages answer conditional GETs."""

import datetime
import re
from http import HTTPStatus

import pytest
from django.contrib.auth.models import Group, User
from django.core import signing
from django.core.cache import cache
from django.db import connection
from django.db.models import Q
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from athletics.models import Record
from athletics.services import record_create
from core import cache as page_cache
from news.comment_views import COMMENTER_COOKIE, COMMENTER_SALT, MODERATION_MESSAGE, PUBLISHED_MESSAGE
from news.models import Article, ArticleRedirect, Comment
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
PER_VISITOR = re.compile(rb'name="(?:csrfmiddlewaretoken|rendered_at|form_token)" value="[^"]*"')


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


def queries(client, url, **headers):
    """The response to a GET of ``url`` and the number of queries it ran."""
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, **headers)
    return response, len(captured)


def entries():
    """How many pages are kept: in this process, and in the shared cache (Redis) if any."""
    shared = page_cache._shared()
    return len(page_cache.local.entries), len(shared.keys("*")) if shared is not None else 0


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


def test_a_write_bumps_its_scopes_in_its_own_transaction():
    section = SectionFactory()
    before = page_cache.generations(["news", "athletics"])
    ArticleFactory(section=section)
    after = page_cache.generations(["news", "athletics"])
    assert after["news"] != before["news"]
    assert after["athletics"] == before["athletics"] and after["all"] == before["all"]


def test_bump_all_changes_the_generation_every_page_key_holds():
    before = page_cache.generations([])
    page_cache.bump_all()
    assert page_cache.generations([])["all"] != before["all"]


def test_a_plain_view_is_identical_on_a_hit_and_a_miss(client, story):
    """The views carry no caching code: a hit serves the very bytes the miss rendered."""
    first = client.get("/news/")
    with_hit = client.get("/news/")
    assert first.content == with_hit.content and first["ETag"] == with_hit["ETag"]
    assert not hasattr(with_hit, "context") or with_hit.context is None  # the view did not run


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
    scopes = ["news", "athletics", f"comments:{story.slug}", f"comments:{other.slug}"]
    before = page_cache.generations(scopes)

    response = client.post(
        story.get_absolute_url(), comment_data(story, name="Ana", body="Faster than ever.")
    )
    assert response.status_code == HTTPStatus.SEE_OTHER

    after = page_cache.generations(scopes)
    assert {scope for scope in scopes if before[scope] != after[scope]} == {f"comments:{story.slug}"}
    page = html(client, story.get_absolute_url())
    assert "Faster than ever." in page
    assert "2 comments" in page


def test_a_comment_held_for_moderation_invalidates_nothing_until_approved(client, story, settings):
    settings.COMMENTS_MODERATION = "pre"
    html(client, story.get_absolute_url())
    before = page_cache.generations([f"comments:{story.slug}"])
    client.post(story.get_absolute_url(), comment_data(story, body="Please approve me."))
    assert page_cache.generations([f"comments:{story.slug}"]) == before
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
    # The comment form, each report and recommend form and "Report an error" carry the
    # visitor's token, no one else's.
    assert len(CSRF_INPUT.findall(page_two)) == 4
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

    fan.post(story.get_absolute_url(), comment_data(story, name="Ana", body="Great."))
    assert PUBLISHED_MESSAGE in html(fan, story.get_absolute_url())
    reader = html(Client(), story.get_absolute_url())
    assert PUBLISHED_MESSAGE not in reader
    assert MODERATION_MESSAGE not in reader


def test_a_message_is_shown_on_a_cached_public_page(client, story):
    html(client, "/news/")  # cached for everyone
    client.post(story.get_absolute_url(), comment_data(story, body="Great."))
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


def test_a_render_that_used_the_csrf_token_outside_a_hole_is_not_stored(rf):
    from django.middleware.csrf import get_token
    from django.template import engines

    template = engines["django"].from_string(
        '<link rel="canonical" href="https://podium.example/probe/">{{ csrf_token }}'
    )

    @page_cache.cache_page("news")
    def view(request):
        get_token(request)  # as {% csrf_token %} does, outside a {% visitor %} hole
        return HttpResponse(template.render({}, request))

    from django.http import HttpResponse

    view(rf.get("/probe/"))
    assert entries()[0] == 0


def test_a_hole_with_an_argument_is_filled_for_each_request_on_a_miss_and_a_hit(rf, monkeypatch):
    from django.http import HttpResponse
    from django.template import engines

    calls = []

    def probe(request, argument):
        calls.append((request.headers["X-Visitor"], argument))
        return f"{request.headers['X-Visitor']}:{argument}"

    monkeypatch.setitem(page_cache._holes, "probe", probe)
    template = engines["django"].from_string(
        '{% load visitor %}<link rel="canonical" href="https://podium.example/probe/">'
        '{% visitor "probe" 42 %}|{% visitor "probe" 42 %}|{% visitor "probe" "five-k_2" %}'
    )
    renders = []

    @page_cache.cache_page("news")
    def view(request):
        renders.append(request)
        return HttpResponse(template.render({}, request))

    miss = view(rf.get("/probe/", HTTP_X_VISITOR="ana")).content.decode()
    hit = view(rf.get("/probe/", HTTP_X_VISITOR="bo")).content.decode()

    assert len(renders) == 1 and entries()[0] == 1  # the second answer was the stored page
    assert miss.endswith(">ana:42|ana:42|ana:five-k_2")
    assert hit.endswith(">bo:42|bo:42|bo:five-k_2")
    # Each distinct hole filled once per response, with its own argument.
    assert calls == [("ana", "42"), ("ana", "five-k_2"), ("bo", "42"), ("bo", "five-k_2")]


def test_a_hole_declared_with_a_cookie_is_empty_and_not_asked_without_it(rf, monkeypatch):
    from django.http import HttpResponse
    from django.template import engines

    calls = []

    def mine(request, argument):
        calls.append(argument)
        return f"yours:{argument}"

    monkeypatch.setitem(page_cache._holes, "mine", mine)
    monkeypatch.setitem(page_cache._hole_cookies, "mine", "podium_mine")
    template = engines["django"].from_string(
        '{% load visitor %}<link rel="canonical" href="https://podium.example/probe/">'
        '{% visitor "mine" 1 %}|{% visitor "mine" 2 %}|{% visitor "mine" 1 %}'
    )

    @page_cache.cache_page("news")
    def view(request):
        return HttpResponse(template.render({}, request))

    stranger = view(rf.get("/probe/")).content.decode()  # a miss
    again = view(rf.get("/probe/")).content.decode()  # a hit
    poster = view(rf.get("/probe/", HTTP_COOKIE="podium_mine=1")).content.decode()

    assert stranger.endswith(">||") and again.endswith(">||")
    assert poster.endswith(">yours:1|yours:2|yours:1")
    assert calls == ["1", "2"]  # asked only for the visitor with the cookie, each hole once


@pytest.mark.parametrize("argument", ["4-->x", "a b", "<b>", "42:7", ""])
def test_a_hole_argument_that_could_end_or_fake_the_marker_is_refused(argument):
    from core.templatetags.visitor import visitor

    with pytest.raises(ValueError, match="argument"):
        visitor("rendered_at", argument)


def test_holes_are_filled_for_each_request(story):
    page = html(Client(), story.get_absolute_url())
    assert "<!--visitor:" not in page
    assert len(CSRF_INPUT.findall(page)) == 4  # the comment form, report, recommend, "Report an error"


# ---------------------------------------------------------------- HTTP caching


def test_public_pages_may_be_kept_by_a_proxy_that_revalidates_but_not_per_visitor_ones(client, story):
    # The athlete's Follow form has no token (its post's origin is checked: core.origin).
    public = ("/", "/news/", "/medals/", "/search/?q=kerr", "/feeds/latest/", "/athletes/josh-kerr/feed/")
    for url in (*public, "/athletes/josh-kerr/"):
        response = client.get(url)
        assert response["Cache-Control"] == "public, no-cache", url
    # Pages with a form carry the visitor's CSRF token: the article (comments).
    for page in (story.get_absolute_url(),):
        response = client.get(page)
        assert "private" in response["Cache-Control"], page
        assert "Cookie" in response["Vary"], page
    # A returning visitor already holds the CSRF cookie: still private.
    again = client.get(story.get_absolute_url())
    assert "private" in again["Cache-Control"]


def test_a_signed_in_editor_gets_private_pages(story):
    response = editor_client().get("/")
    assert "private" in response["Cache-Control"]


@pytest.mark.parametrize("url", ["/feeds/latest/", "/feeds/latest/atom/", "/sitemap-articles.xml"])
def test_feeds_and_sitemaps_answer_conditional_gets(client, story, url):
    first = client.get(url)
    etag = first["ETag"]
    assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == HTTPStatus.NOT_MODIFIED
    ArticleFactory(title="A new story", slug="a-new-story")
    again = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == HTTPStatus.OK
    assert again["ETag"] != etag


def test_the_etag_follows_the_content_not_the_generation(client, story):
    etag = client.get("/sitemap.xml")["ETag"]  # the index: one entry per section, with its lastmod
    TagFactory()  # a new generation of news; no article changed, so the index reads the same
    assert client.get("/sitemap.xml", HTTP_IF_NONE_MATCH=etag).status_code == HTTPStatus.NOT_MODIFIED


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
    client.post(story.get_absolute_url(), comment_data(story, body="Great."))
    response = client.get(story.get_absolute_url(), HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == HTTPStatus.OK
    assert PUBLISHED_MESSAGE in response.content.decode()


# ---------------------------------------------------------------- time changes pages too


@pytest.fixture
def clock(monkeypatch):
    """``clock.move(seconds)`` moves django.utils.timezone.now, which every page reads."""
    real_now = timezone.now

    class Clock:
        offset = datetime.timedelta()

        def move(self, seconds):
            self.offset += datetime.timedelta(seconds=seconds)

    moved = Clock()
    monkeypatch.setattr(timezone, "now", lambda: real_now() + moved.offset)
    return moved


def test_a_scheduled_article_goes_public_at_its_time_with_no_other_write(client, story, clock):
    scheduled = ArticleFactory(
        title="Kerr targets the mile record",
        slug="mile-record",
        published_at=timezone.now() + datetime.timedelta(hours=1),
    )
    urls = ["/", "/news/", f"/news/section/{scheduled.section.slug}/", "/feeds/latest/", "/search/?q=mile"]
    urls += ["/sitemap-articles.xml"]
    etags = {}
    for url in urls:
        response = client.get(url)
        assert "mile-record" not in response.content.decode(), url
        assert "Kerr targets the mile record" not in response.content.decode(), url
        etags[url] = response.get("ETag")
    assert client.get(scheduled.get_absolute_url()).status_code == HTTPStatus.NOT_FOUND
    for url in urls[:-2]:  # cached: a conditional GET is answered 304 before the time
        if etags[url]:
            assert client.get(url, HTTP_IF_NONE_MATCH=etags[url]).status_code == HTTPStatus.NOT_MODIFIED

    clock.move(3601)  # nothing is written: only time passes

    for url in urls:
        response = client.get(url, HTTP_IF_NONE_MATCH=etags[url] or '"none"')
        assert response.status_code == HTTPStatus.OK, url
        assert "mile-record" in response.content.decode(), url
        assert etags[url] is None or response["ETag"] != etags[url], url  # a new ETag, not a 304
    assert "Kerr targets the mile record" in html(client, scheduled.get_absolute_url())


def test_comments_close_at_their_time_on_the_cached_article(client, story, clock, settings):
    settings.COMMENTS_CLOSE_AFTER_DAYS = 30
    story.published_at = timezone.now() - datetime.timedelta(days=29)
    story.save()
    assert 'name="body"' in html(client, story.get_absolute_url())
    assert 'name="body"' in html(client, story.get_absolute_url())  # from the cache

    clock.move(24 * 3600 + 1)

    page = html(client, story.get_absolute_url())
    assert "Comments are closed" in page and 'name="body"' not in page


# ---------------------------------------------------------------- bounded: only canonical URLs are kept


JUNK = [
    "/?utm=%d",
    "/news/?page=000%d",
    "/news/?page=1&page=%d",
    "/news/kerr-wins/?comments=%d",
    "/news/kerr-wins/?x=%d",
    "/feeds/latest/?utm=%d",
    "/medals/?competition=nope%d",
    "/sitemap.xml?p=%d",
    "/sitemap-articles.xml?p=0%d",
    "/athletes/josh-kerr/?ref=%d",
    "/news/?page=%d",
    "/search/?q=zzjunk%d",  # finds nothing: never kept
    "/search/?q=kerr&page=%d",  # past the end: the last page, kept under its own URL only
]


def test_a_thousand_junk_query_strings_store_nothing(client, story):
    for pattern in JUNK:  # the canonical pages, cached once
        html(client, pattern.split("?")[0])
    before = entries()
    statuses = set()
    for n in range(1000):
        statuses.add(client.get(JUNK[n % len(JUNK)] % (n + 2)).status_code)
    assert entries() == before
    assert statuses <= {HTTPStatus.OK, HTTPStatus.NOT_FOUND}


def test_tracking_parameters_share_the_pages_entry(client, story):
    plain = client.get("/news/")
    tagged = client.get("/news/?utm_source=newsletter&utm_medium=email&fbclid=abc")
    assert tagged.content == plain.content and tagged["ETag"] == plain["ETag"]
    assert entries()[0] == 1


def test_pages_of_a_list_and_of_comments_are_kept_under_their_canonical_urls(client, story, settings):
    settings.COMMENTS_PER_PAGE = 1
    CommentFactory(article=story, body="Second page.")
    for _ in range(13):
        ArticleFactory(section=story.section)
    for url in ("/news/?page=2", story.get_absolute_url() + "?comments=2", "/medals/?competition=" + "x"):
        client.get(url)
    assert queries(client, "/news/?page=2")[1] == 1  # served from the cache
    assert queries(client, story.get_absolute_url() + "?comments=2")[1] == 1


def test_a_new_release_misses_every_old_entry(client, story, settings, django_assert_num_queries):
    urls = ["/", "/news/", story.get_absolute_url(), "/athletes/josh-kerr/", "/feeds/latest/", "/sitemap.xml"]
    for url in urls:
        client.get(url)
    with django_assert_num_queries(len(urls)):  # every page a hit: one generations read each
        for url in urls:
            client.get(url)
    settings.RELEASE = "next-release"
    for url in urls:
        assert queries(client, url)[1] > 1, url  # rendered anew
    old_release = settings.RELEASE
    settings.RELEASE = ""
    assert page_cache.release() != old_release


def test_memory_kept_in_a_process_is_bounded_in_bytes():
    kept = page_cache.BytesLRU(max_bytes=10_000)
    for n in range(100):
        kept.set(f"k{n}", ((b"x" * 1000,), "d", {}))
    assert kept.size <= 10_000 and len(kept.entries) < 10
    assert kept.get("k99") is not None and kept.get("k0") is None
    kept.set("huge", ((b"x" * 5000,), "d", {}))  # more than an eighth: never kept
    assert kept.get("huge") is None


# ---------------------------------------------------------------- cold equals warm, in every state


def _same_but_visitor(first, second):
    return PER_VISITOR.sub(b"", first.content) == PER_VISITOR.sub(b"", second.content)


def test_every_public_page_serves_the_same_body_cold_and_warm(client, story, settings):
    settings.COMMENTS_PER_PAGE = 1
    CommentFactory(article=story, body="On page two.")
    closed = ArticleFactory(title="Closed story", comments_open=False)
    rival = AthleteFactory(name="Jakob Ingebrigtsen", slug="jakob-ingebrigtsen")
    urls = [
        "/", "/news/", f"/news/section/{story.section.slug}/", f"/news/tag/{story.tags.get().slug}/",
        story.get_absolute_url(), story.get_absolute_url() + "?comments=2", closed.get_absolute_url(),
        "/athletes/josh-kerr/", f"/athletes/josh-kerr/vs/{rival.slug}/", "/medals/", "/feeds/latest/",
        "/feeds/latest/atom/", "/sitemap.xml", "/sitemap-articles.xml",
    ]  # fmt: skip
    for url in urls:
        cache.clear()
        page_cache.local.clear()
        cold, _ = queries(client, url)
        warm, warm_queries = queries(Client(), url)  # another visitor: other CSRF token and render time
        assert cold.status_code == warm.status_code == HTTPStatus.OK, url
        assert warm_queries == 1, url  # a hit: the generations read only
        assert cold.content == warm.content or _same_but_visitor(cold, warm), url
        assert b"<!--visitor:" not in warm.content, url


def test_redirects_404s_and_previews_are_never_stored(client, story, settings):
    ArticleRedirect.objects.create(old_slug="old-kerr", article=story)
    scheduled = ArticleFactory(slug="later", published_at=timezone.now() + datetime.timedelta(days=1))
    before = entries()
    assert client.get("/news/old-kerr/").status_code == HTTPStatus.MOVED_PERMANENTLY
    assert client.get("/news/later/").status_code == HTTPStatus.NOT_FOUND
    assert client.get("/news/nowhere/").status_code == HTTPStatus.NOT_FOUND
    editor = editor_client()
    assert "not public until then" in editor.get(scheduled.get_absolute_url()).content.decode()
    assert entries() == before
    assert client.get("/news/later/").status_code == HTTPStatus.NOT_FOUND


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

    from config.middleware import CacheControlMiddleware

    request = rf.get("/news/x/")
    request.META["CSRF_COOKIE_NEEDS_UPDATE"] = False  # used, and the cookie already current
    response = CacheControlMiddleware(lambda r: HttpResponse("form"))(request)
    assert "private" in response["Cache-Control"] and "public" not in response["Cache-Control"]
    plain = CacheControlMiddleware(lambda r: HttpResponse("page"))(rf.get("/news/"))
    assert plain["Cache-Control"] == "public, no-cache"


def test_a_bulk_change_of_comments_bumps_each_article_once_in_two_queries(story, django_assert_num_queries):
    other = ArticleFactory()
    for article in (story, other, story, other):
        CommentFactory(article=article)
    before = page_cache.generations([f"comments:{story.slug}", f"comments:{other.slug}", "news"])
    with django_assert_num_queries(2):  # the comments with their articles; one upsert
        page_cache.changed(Comment, Comment.objects.select_related())
    after = page_cache.generations([f"comments:{story.slug}", f"comments:{other.slug}", "news"])
    assert {scope for scope in before if before[scope] != after[scope]} == {
        f"comments:{story.slug}",
        f"comments:{other.slug}",
    }
