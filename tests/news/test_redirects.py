"""A published article's slug never changes silently: its old URL answers a permanent
redirect to the new one, and a slug taken by another article wins over an old URL."""

import datetime
import re
from http import HTTPStatus

import pytest
from django.contrib.auth.models import Group, User
from django.test import Client
from django.utils import timezone

from news.models import Article, ArticleRedirect, Comment, CommentReport
from news.services import article_save

from .comment_helpers import comment_data
from .factories import ARTICLE_INLINES, ArticleFactory, AuthorFactory, CommentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor_client():
    client = Client()
    user = User.objects.create_user("ed", password="x-correct-horse-9", is_staff=True)
    user.groups.add(Group.objects.get(name="Editors"))
    client.force_login(user)
    return client


def rename(article, slug):
    article.slug = slug
    return article_save(article=article)


def change_form_data(article, **overrides):
    """What the admin's change form posts for ``article``, with ``overrides``."""
    published_at = timezone.localtime(article.published_at) if article.published_at else None
    data = {
        "title": article.title,
        "slug": article.slug,
        "standfirst": article.standfirst,
        "body": article.body,
        "section": article.section_id,
        "authors": [author.pk for author in article.authors.all()],
        "status": article.status,
        "published_at_0": f"{published_at:%Y-%m-%d}" if published_at else "",
        "published_at_1": f"{published_at:%H:%M:%S}" if published_at else "",
        "comments_open": "on",
        **ARTICLE_INLINES,
    }
    data.update(overrides)
    return data


# ---------- The service ----------


def test_renaming_a_published_article_keeps_the_old_url_as_a_permanent_redirect(client):
    article = ArticleFactory(slug="kerr-wins-in-budapest")
    redirect = rename(article, "kerr-world-champion-budapest")

    assert redirect.old_slug == "kerr-wins-in-budapest" and redirect.article == article
    response = client.get("/news/kerr-wins-in-budapest/")
    assert response.status_code == HTTPStatus.MOVED_PERMANENTLY
    assert response.headers["Location"] == "/news/kerr-world-champion-budapest/"
    assert client.get("/news/kerr-world-champion-budapest/").status_code == HTTPStatus.OK


def test_redirect_keeps_the_query_string(client):
    article = ArticleFactory(slug="old-name")
    rename(article, "new-name")
    response = client.get("/news/old-name/", {"utm_source": "feed"})
    assert response.headers["Location"] == "/news/new-name/?utm_source=feed"


def test_saving_without_a_slug_change_writes_no_redirect():
    article = ArticleFactory(slug="steady")
    article.title = "A better headline"
    assert article_save(article=article) is None
    assert not ArticleRedirect.objects.exists()


@pytest.mark.parametrize(
    "kwargs",
    [
        {"status": Article.Status.DRAFT, "published_at": None},
        {"published_at": timezone.now() + datetime.timedelta(days=1)},
    ],
    ids=["draft", "scheduled"],
)
def test_renaming_an_article_readers_never_saw_writes_no_redirect(client, kwargs):
    article = ArticleFactory(slug="working-title", **kwargs)
    assert rename(article, "final-title") is None
    assert not ArticleRedirect.objects.exists()
    assert client.get("/news/working-title/").status_code == HTTPStatus.NOT_FOUND


def test_every_old_slug_of_a_renamed_twice_article_redirects_straight_to_the_current_url(client):
    article = ArticleFactory(slug="first")
    rename(article, "second")
    rename(article, "third")
    for old in ("first", "second"):
        response = client.get(f"/news/{old}/")
        assert response.status_code == HTTPStatus.MOVED_PERMANENTLY
        assert response.headers["Location"] == "/news/third/"


def test_renaming_back_to_an_old_slug_removes_that_redirect(client):
    article = ArticleFactory(slug="original")
    rename(article, "detour")
    rename(article, "original")
    assert list(ArticleRedirect.objects.values_list("old_slug", flat=True)) == ["detour"]
    assert client.get("/news/original/").status_code == HTTPStatus.OK
    assert client.get("/news/detour/").headers["Location"] == "/news/original/"


def test_a_new_article_claiming_an_old_slug_wins(client):
    renamed = ArticleFactory(slug="shared-slug", title="The renamed story")
    rename(renamed, "renamed-story")

    newcomer = ArticleFactory.build(slug="shared-slug", title="The newcomer", section=renamed.section)
    article_save(article=newcomer)

    assert not ArticleRedirect.objects.filter(old_slug="shared-slug").exists()
    response = client.get("/news/shared-slug/")
    assert response.status_code == HTTPStatus.OK
    assert response.context["article"] == newcomer


def test_article_wins_even_over_a_stale_redirect_with_its_slug(client):
    # A redirect written outside article_save (by hand, a restore...) never hides an article.
    target, other = ArticleFactory(slug="target"), ArticleFactory(slug="live-slug")
    ArticleRedirect.objects.create(old_slug="live-slug", article=target)
    response = client.get("/news/live-slug/")
    assert response.status_code == HTTPStatus.OK
    assert response.context["article"] == other


def test_redirect_to_an_unpublished_article_is_404_for_readers_and_temporary_for_editors(
    client, editor_client
):
    article = ArticleFactory(slug="was-public")
    rename(article, "now-public")
    Article.objects.filter(pk=article.pk).update(status=Article.Status.DRAFT)

    assert client.get("/news/was-public/").status_code == HTTPStatus.NOT_FOUND
    response = editor_client.get("/news/was-public/")
    assert response.status_code == HTTPStatus.FOUND
    assert response.headers["Location"] == "/news/now-public/"
    assert "no-store" in response.headers["Cache-Control"]


def test_deleting_the_article_deletes_its_redirects(client):
    article = ArticleFactory(slug="gone-soon")
    rename(article, "gone")
    article.delete()
    assert not ArticleRedirect.objects.exists()
    assert client.get("/news/gone-soon/").status_code == HTTPStatus.NOT_FOUND


def test_unknown_slug_is_still_404(client, django_assert_max_num_queries):
    # The article, the old URLs, the navigation of the 404 page; and the page cache's
    # generations, and its look for the article's age moment (none: nothing is written).
    with django_assert_max_num_queries(5):
        assert client.get("/news/never-existed/").status_code == HTTPStatus.NOT_FOUND


# ---------- Posts under an old slug ----------


def test_a_comment_posted_to_the_old_url_is_published_on_the_renamed_article_with_its_text(client):
    article = ArticleFactory(slug="kerr-wins")
    rename(article, "kerr-world-champion")

    response = client.post(
        "/news/kerr-wins/",
        comment_data(article, name="Ana", body="Typed while the editor renamed it"),
        follow=True,
    )

    assert response.redirect_chain[0] == ("/news/kerr-world-champion/", HTTPStatus.PERMANENT_REDIRECT)
    comment = Comment.objects.get()
    assert (comment.article, comment.name, comment.body) == (
        article,
        "Ana",
        "Typed while the editor renamed it",
    )
    assert response.status_code == HTTPStatus.OK
    assert response.request["PATH_INFO"] == "/news/kerr-world-champion/"
    assert "Typed while the editor renamed it" in response.text


def test_the_308_keeps_the_query_and_a_rejected_post_keeps_the_text_at_the_new_url(client):
    article = ArticleFactory(slug="old-name")
    rename(article, "new-name")

    response = client.post("/news/old-name/?comments=2", comment_data(article, body=""))
    assert response.status_code == HTTPStatus.PERMANENT_REDIRECT
    assert response["Location"] == "/news/new-name/?comments=2"

    response = client.post("/news/old-name/", comment_data(article, name="Kept Name", body=""), follow=True)
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert 'value="Kept Name"' in response.text
    assert 'action="/news/new-name/#comment-errors"' in response.text
    assert not Comment.objects.exists()


def test_the_page_s_csrf_token_is_good_after_the_redirect():
    """The fan loaded the page before the rename: its token is sent again, still valid."""
    fan = Client(enforce_csrf_checks=True)
    article = ArticleFactory(slug="before-rename")
    page = fan.get("/news/before-rename/").text
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    rename(article, "after-rename")

    response = fan.post(
        "/news/before-rename/",
        comment_data(article, body="Still here", csrfmiddlewaretoken=token),
        follow=True,
    )

    assert response.status_code == HTTPStatus.OK
    assert Comment.objects.get().body == "Still here"


def test_a_report_posted_to_the_old_url_is_stored_for_the_renamed_article(client):
    article = ArticleFactory(slug="report-old")
    comment = CommentFactory(article=article)
    rename(article, "report-new")

    response = client.post(f"/news/report-old/comments/{comment.pk}/report/", {"reason": "abuse"})
    assert response.status_code == HTTPStatus.PERMANENT_REDIRECT
    assert response["Location"] == f"/news/report-new/comments/{comment.pk}/report/"

    response = client.post(
        f"/news/report-old/comments/{comment.pk}/report/", {"reason": "abuse"}, follow=True
    )
    assert response.status_code == HTTPStatus.OK
    report = CommentReport.objects.get()
    assert (report.comment, report.reason) == (comment, "abuse")
    assert "Thank you: a moderator will look at this comment." in response.text


def test_posts_to_an_unknown_slug_or_an_article_readers_cannot_see_are_still_404(client, editor_client):
    hidden = ArticleFactory(slug="was-seen")
    comment = CommentFactory(article=hidden)
    rename(hidden, "now-hidden")
    Article.objects.filter(pk=hidden.pk).update(status=Article.Status.DRAFT)

    for who in (client, editor_client):  # a preview is not a place to comment, nor to report
        for slug in ("never-existed", "was-seen"):
            assert who.post(f"/news/{slug}/", comment_data(hidden)).status_code == HTTPStatus.NOT_FOUND
            report = who.post(f"/news/{slug}/comments/{comment.pk}/report/", {"reason": "spam"})
            assert report.status_code == HTTPStatus.NOT_FOUND
    assert not Comment.objects.exclude(pk=comment.pk).exists()
    assert not CommentReport.objects.exists()


def test_a_report_of_another_article_s_comment_under_an_old_slug_is_404_after_the_redirect(client):
    article = ArticleFactory(slug="first-slug")
    rename(article, "second-slug")
    elsewhere = CommentFactory()
    response = client.post(
        f"/news/first-slug/comments/{elsewhere.pk}/report/", {"reason": "spam"}, follow=True
    )
    assert response.status_code == HTTPStatus.NOT_FOUND
    assert not CommentReport.objects.exists()


# ---------- Through the admin ----------


def test_editor_changes_a_published_slug_in_the_admin_and_the_old_url_redirects(editor_client, client):
    article = ArticleFactory(slug="kerr-beats-ingebrigtsen", authors=[AuthorFactory()])
    response = editor_client.post(
        f"/admin/news/article/{article.pk}/change/",
        change_form_data(article, slug="kerr-beats-ingebrigtsen-in-budapest"),
        follow=True,
    )
    assert response.status_code == HTTPStatus.OK
    assert "now redirects to" in response.text
    assert "/news/kerr-beats-ingebrigtsen/" in response.text

    old = client.get("/news/kerr-beats-ingebrigtsen/")
    assert old.status_code == HTTPStatus.MOVED_PERMANENTLY
    assert old.headers["Location"] == "/news/kerr-beats-ingebrigtsen-in-budapest/"


def test_new_article_in_the_admin_takes_over_an_old_slug(editor_client, client):
    renamed = ArticleFactory(slug="race-report", authors=[AuthorFactory()])
    rename(renamed, "race-report-1500m")
    data = change_form_data(renamed, title="A different race report", slug="race-report")
    response = editor_client.post("/admin/news/article/add/", data)
    assert response.status_code == HTTPStatus.FOUND
    assert client.get("/news/race-report/").context["article"].title == "A different race report"
    assert not ArticleRedirect.objects.filter(old_slug="race-report").exists()


def test_article_change_form_lists_its_old_urls(editor_client):
    article = ArticleFactory(slug="before")
    redirect = rename(article, "after")
    response = editor_client.get(f"/admin/news/article/{article.pk}/change/")
    assert f'href="/admin/news/articleredirect/{redirect.pk}/change/">/news/before/</a>' in response.text


@pytest.mark.parametrize("who", ["editor_client", "admin_client"])
def test_old_urls_are_listed_read_only_and_editors_may_delete_them(request, who, client):
    admin = request.getfixturevalue(who)
    article = ArticleFactory(slug="a-slug")
    redirect = rename(article, "b-slug")

    changelist = admin.get("/admin/news/articleredirect/")
    assert changelist.status_code == HTTPStatus.OK
    assert "/news/a-slug/" in changelist.text
    assert admin.get("/admin/news/articleredirect/", {"q": "a-slug"}).status_code == HTTPStatus.OK
    assert admin.get("/admin/news/articleredirect/add/").status_code == HTTPStatus.FORBIDDEN
    view = admin.get(f"/admin/news/articleredirect/{redirect.pk}/change/")
    assert view.status_code == HTTPStatus.OK
    assert 'name="old_slug"' not in view.text  # read-only

    response = admin.post(f"/admin/news/articleredirect/{redirect.pk}/delete/", {"post": "yes"})
    assert response.status_code == HTTPStatus.FOUND
    assert not ArticleRedirect.objects.exists()
    assert client.get("/news/a-slug/").status_code == HTTPStatus.NOT_FOUND


def test_moderators_cannot_see_old_urls():
    client = Client()
    user = User.objects.create_user("mo", is_staff=True)
    user.groups.add(Group.objects.get(name="Moderators"))
    client.force_login(user)
    assert client.get("/admin/news/articleredirect/").status_code == HTTPStatus.FORBIDDEN


def test_admin_old_url_pages_stay_within_a_fixed_budget(admin_client, django_assert_max_num_queries):
    for i in range(3):
        rename(ArticleFactory(slug=f"few-{i}"), f"few-{i}-renamed")
    with django_assert_max_num_queries(12) as few:
        assert admin_client.get("/admin/news/articleredirect/").status_code == HTTPStatus.OK
    for i in range(30):
        rename(ArticleFactory(slug=f"many-{i}"), f"many-{i}-renamed")
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert admin_client.get("/admin/news/articleredirect/").status_code == HTTPStatus.OK


def test_model_str_and_ordering():
    article = ArticleFactory(title="Kerr", slug="one")
    rename(article, "two")
    rename(article, "three")
    assert str(ArticleRedirect.objects.get(old_slug="one")) == "/news/one/ → Kerr"
    assert list(ArticleRedirect.objects.values_list("old_slug", flat=True)) == ["two", "one"]
