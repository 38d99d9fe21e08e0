"""Draft preview and scheduling: users with news.change_article see drafts and scheduled
articles at their public URL with a banner, never cached; everyone else gets 404."""

import datetime
from http import HTTPStatus

import pytest
from django.contrib.auth.models import Group, Permission, User
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from news.models import Article
from tests.athletics.factories import (
    AthleteFactory,
    CompetitionEditionFactory,
    DisciplineFactory,
    ResultFactory,
)

from .factories import ARTICLE_INLINES, ArticleFactory
from .test_queries import ARTICLE_BUDGET, _article_with_comments

pytestmark = pytest.mark.django_db

DRAFT_BANNER = "Draft — not public"
SCHEDULED_BANNER = "Scheduled for"


def in_hours(hours):
    return timezone.now() + datetime.timedelta(hours=hours)


def login(client, username, *, group=None, **extra):
    user = User.objects.create_user(username, password="x-correct-horse-9", **extra)
    if group:
        user.groups.add(Group.objects.get(name=group))
    client.force_login(user)
    return user


@pytest.fixture
def editor_client(client):
    login(client, "ed", group="Editors", is_staff=True)
    return client


def assert_never_cached(response):
    cache_control = response.headers.get("Cache-Control", "")
    for directive in ("no-cache", "no-store", "must-revalidate", "private", "max-age=0"):
        assert directive in cache_control, cache_control
    assert "Expires" in response.headers


UNPUBLISHED = {
    "draft": {"status": Article.Status.DRAFT, "published_at": None},
    "draft-with-past-time": {"status": Article.Status.DRAFT, "published_at": in_hours(-3)},
    "scheduled": {"status": Article.Status.PUBLISHED, "published_at": in_hours(48)},
}


# ---------- Who may preview ----------


@pytest.mark.parametrize("kind", UNPUBLISHED)
def test_anonymous_reader_gets_404_for_unpublished_article(client, kind):
    article = ArticleFactory(**UNPUBLISHED[kind])
    response = client.get(article.get_absolute_url())
    assert response.status_code == HTTPStatus.NOT_FOUND
    assert DRAFT_BANNER not in response.text


@pytest.mark.parametrize("kind", UNPUBLISHED)
def test_staff_without_change_article_permission_gets_404(client, kind):
    login(client, "desk", is_staff=True)
    article = ArticleFactory(**UNPUBLISHED[kind])
    assert client.get(article.get_absolute_url()).status_code == HTTPStatus.NOT_FOUND


@pytest.mark.parametrize("kind", UNPUBLISHED)
def test_moderator_who_only_views_articles_gets_404(client, kind):
    login(client, "mo", group="Moderators", is_staff=True)
    article = ArticleFactory(**UNPUBLISHED[kind])
    assert client.get(article.get_absolute_url()).status_code == HTTPStatus.NOT_FOUND


def test_inactive_user_with_the_permission_gets_404(client):
    user = login(client, "gone", group="Editors", is_staff=True)
    article = ArticleFactory(status=Article.Status.DRAFT)
    User.objects.filter(pk=user.pk).update(is_active=False)
    assert client.get(article.get_absolute_url()).status_code == HTTPStatus.NOT_FOUND


def test_the_model_permission_alone_grants_preview(client):
    user = login(client, "writer")
    user.user_permissions.add(
        Permission.objects.get(
            content_type=ContentType.objects.get_for_model(Article), codename="change_article"
        )
    )
    article = ArticleFactory(status=Article.Status.DRAFT)
    response = client.get(article.get_absolute_url())
    assert response.status_code == HTTPStatus.OK
    assert DRAFT_BANNER in response.text


# ---------- What a preview looks like ----------


@pytest.mark.parametrize("kind", ["draft", "draft-with-past-time"])
def test_editor_sees_draft_with_banner_and_never_cache_headers(editor_client, kind):
    article = ArticleFactory(title="Kerr signs for the indoor season", **UNPUBLISHED[kind])
    response = editor_client.get(article.get_absolute_url())

    assert response.status_code == HTTPStatus.OK
    html = response.text
    assert f'<p class="banner banner--preview">{DRAFT_BANNER}' in html
    assert SCHEDULED_BANNER not in html
    assert "Kerr signs for the indoor season" in html
    assert f'href="/admin/news/article/{article.pk}/change/"' in html
    assert '<meta name="robots" content="noindex, nofollow">' in html
    assert_never_cached(response)


@pytest.mark.parametrize("kind", ["draft", "scheduled"])
def test_editor_previews_the_results_embeds_as_readers_will_see_them(editor_client, kind):
    final = {"edition": CompetitionEditionFactory(slug="paris-2024"), "discipline": DisciplineFactory()}
    ResultFactory(athlete=AthleteFactory(name="Cole Hocker"), position=1, mark=20765, **final)
    article = ArticleFactory(body="Before.\n\n[[results paris-2024 1500-m]]\n\nAfter.", **UNPUBLISHED[kind])

    html = editor_client.get(article.get_absolute_url()).text

    assert 'class="embed embed--results"' in html and "Cole Hocker" in html and "3:27.65" in html
    assert "<!--embed" not in html and "[[" not in html


def test_editor_sees_scheduled_article_with_its_time(editor_client, settings):
    settings.TIME_ZONE = "UTC"
    due = timezone.now().replace(microsecond=0) + datetime.timedelta(days=2)
    article = ArticleFactory(published_at=due)
    response = editor_client.get(article.get_absolute_url())

    assert response.status_code == HTTPStatus.OK
    html = response.text
    expected = f"{due.day} {due:%B %Y, %H:%M} UTC"
    assert f'{SCHEDULED_BANNER} <time datetime="{due.isoformat()}">{expected}</time>' in html
    assert DRAFT_BANNER not in html
    assert_never_cached(response)


def test_superuser_previews_too(admin_client):
    article = ArticleFactory(status=Article.Status.DRAFT)
    response = admin_client.get(article.get_absolute_url())
    assert response.status_code == HTTPStatus.OK
    assert DRAFT_BANNER in response.text


def test_published_article_has_no_banner_and_is_not_marked_uncacheable(editor_client):
    article = ArticleFactory()
    for who in (editor_client, Client()):
        response = who.get(article.get_absolute_url())
        assert response.status_code == HTTPStatus.OK
        assert 'class="banner' not in response.text
        assert "noindex" not in response.text
        assert "no-store" not in response.headers.get("Cache-Control", "")


def test_draft_without_publication_time_renders_without_a_published_line(editor_client):
    article = ArticleFactory(status=Article.Status.DRAFT, published_at=None, with_hero=True)
    response = editor_client.get(article.get_absolute_url())
    assert response.status_code == HTTPStatus.OK
    assert "Published <time" not in response.text


def test_preview_does_not_widen_the_lists(editor_client):
    draft = ArticleFactory(title="Secret draft", status=Article.Status.DRAFT)
    scheduled = ArticleFactory(title="Secret schedule", published_at=in_hours(5))
    for url in ("/", "/news/", "/news/section/athletics/", "/feeds/latest/", "/search/?q=secret"):
        html = editor_client.get(url).text
        assert draft.title not in html and scheduled.title not in html, url


# ---------- View on site ----------


def test_view_on_site_from_the_admin_opens_the_draft_preview(editor_client):
    article = ArticleFactory(status=Article.Status.DRAFT, published_at=None)
    content_type = ContentType.objects.get_for_model(Article)
    view_on_site = f"/admin/r/{content_type.pk}/{article.pk}/"

    change_form = editor_client.get(f"/admin/news/article/{article.pk}/change/")
    assert f'href="{view_on_site}"' in change_form.text

    response = editor_client.get(view_on_site)
    assert response.status_code == HTTPStatus.FOUND
    assert response.headers["Location"].endswith(article.get_absolute_url())

    preview = editor_client.get(article.get_absolute_url())
    assert preview.status_code == HTTPStatus.OK
    assert DRAFT_BANNER in preview.text


# ---------- Scheduling ----------


def test_scheduled_article_is_invisible_until_due_then_public(client, monkeypatch):
    scheduled = ArticleFactory(title="Glasgow preview: Kerr eyes the double", published_at=in_hours(2))
    ArticleFactory(title="Already out")

    assert client.get(scheduled.get_absolute_url()).status_code == HTTPStatus.NOT_FOUND
    assert scheduled.title not in client.get("/news/").text
    assert scheduled.title not in client.get("/").text
    assert "Already out" in client.get("/news/").text

    # Time passes, nothing is saved: the cached pages expire at the scheduled time.
    later = in_hours(2.01)
    monkeypatch.setattr(timezone, "now", lambda: later)

    assert client.get(scheduled.get_absolute_url()).status_code == HTTPStatus.OK
    assert scheduled.title in client.get("/news/").text
    assert scheduled.title in client.get("/").text


def test_draft_with_a_past_time_stays_private(client):
    draft = ArticleFactory(title="Not yet approved", status=Article.Status.DRAFT, published_at=in_hours(-5))
    assert client.get(draft.get_absolute_url()).status_code == HTTPStatus.NOT_FOUND
    assert draft.title not in client.get("/news/").text


def test_editor_schedules_through_the_admin(editor_client):
    from .factories import AuthorFactory, SectionFactory

    due = timezone.localtime(in_hours(24))
    response = editor_client.post(
        "/admin/news/article/add/",
        {
            "title": "Kerr heads to Glasgow",
            "slug": "kerr-heads-to-glasgow",
            "standfirst": "A standfirst.",
            "body": "Body text.",
            "section": SectionFactory().pk,
            "authors": [AuthorFactory().pk],
            "status": "published",
            "published_at_0": f"{due:%Y-%m-%d}",
            "published_at_1": f"{due:%H:%M:%S}",
            "comments_open": "on",
            **ARTICLE_INLINES,
        },
    )
    assert response.status_code == HTTPStatus.FOUND
    article = Article.objects.get(slug="kerr-heads-to-glasgow")
    assert article.is_scheduled
    assert Client().get(article.get_absolute_url()).status_code == HTTPStatus.NOT_FOUND
    assert SCHEDULED_BANNER in editor_client.get(article.get_absolute_url()).text


# ---------- Queries ----------


def test_anonymous_reader_pays_no_query_for_the_preview_check(client, django_assert_max_num_queries):
    article = _article_with_comments(top_level=3, replies_each=1)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(article.get_absolute_url())
    assert response.status_code == HTTPStatus.OK
    assert len(queries) <= ARTICLE_BUDGET
    assert not [q["sql"] for q in queries if "auth_" in q["sql"] or "django_session" in q["sql"]]


def test_preview_query_count_does_not_grow_with_comments(editor_client):
    few = _article_with_comments(top_level=1, replies_each=1)
    many = _article_with_comments(top_level=40, replies_each=1)
    Article.objects.filter(pk__in=[few.pk, many.pk]).update(status=Article.Status.DRAFT)
    counts = []
    for article in (few, many):
        cache.clear()  # a preview is never cached; the site header is (README, "Performance")
        with CaptureQueriesContext(connection) as queries:
            assert editor_client.get(article.get_absolute_url()).status_code == HTTPStatus.OK
        counts.append(len(queries))
    assert counts[0] == counts[1]
    # The article page's budget plus the session, the user and their permissions.
    assert counts[1] <= ARTICLE_BUDGET + 4
