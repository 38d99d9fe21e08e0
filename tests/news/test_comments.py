"""Posting a comment on the article page (issue 4): the form, the answers to a good and a
bad post, the moderation policy, closing, replies, the remembered name and bad input."""

import datetime
import re
import time
from http import HTTPStatus
from urllib.parse import urlsplit

import pytest
from django.core import signing
from django.test import Client
from django.urls import resolve
from django.utils import timezone

from news.comment_views import COMMENTER_COOKIE, COMMENTER_SALT
from news.forms import read_rendered_at, rendered_at_token
from news.models import Article, Comment

from .comment_helpers import comment_data, field_errors, signed_render_time
from .factories import ArticleFactory, CommentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def article():
    return ArticleFactory(title="Kerr wins in Budapest", slug="kerr-wins")


@pytest.fixture
def url(article):
    return article.get_absolute_url()


def post(client, url, **fields):
    """Post a valid comment (``fields`` replace its values) to the article page at ``url``."""
    slug = resolve(urlsplit(url).path).kwargs["slug"]
    article = Article.objects.filter(slug=slug).first() or Article(pk=0)  # 0: no such article
    return client.post(url, comment_data(article, **fields))


def messages_on(client, url):
    """The status messages shown on the next page view."""
    html = client.get(url).content.decode()
    return re.findall(r'<p class="messages__item[^"]*">(.*?)</p>', html)


# ---------- The form ----------


def test_article_page_has_the_comment_form_with_csrf_and_links(client, url):
    html = client.get(url).content.decode()

    form = html[html.index('<form class="comment-form__form"') :]
    form = form[: form.index("</form>")]
    assert 'method="post"' in form
    assert f'action="{url}#comment-errors"' in form
    assert 'name="csrfmiddlewaretoken"' in form
    for name in ("name", "body", "email", "parent", "website", "rendered_at"):
        assert f'name="{name}"' in form
    assert '<label for="comment-name">Name</label>' in form
    assert '<label for="comment-body">Comment</label>' in form
    assert 'href="/house-rules/"' in form and 'href="/privacy/"' in form
    assert html.count("<h1") == 1


def test_form_render_time_is_signed_with_the_article(client, url, article):
    html = client.get(url).content.decode()
    token = re.search(r'name="rendered_at" value="([^"]+)"', html).group(1)
    article_pk, at = read_rendered_at(token)
    assert article_pk == str(article.pk)
    assert abs(time.time() - at) < 60


# ---------- A good post ----------


def test_valid_comment_redirects_303_to_its_anchor_with_the_published_message(client, url, article):
    response = post(client, url, name="Ana", body="Kerr timed it perfectly.")

    comment = Comment.objects.get()
    assert response.status_code == HTTPStatus.SEE_OTHER
    assert response["Location"] == f"{url}#comment-{comment.pk}"
    assert comment.status == Comment.Status.APPROVED
    assert (comment.article, comment.name, comment.body, comment.parent) == (
        article,
        "Ana",
        "Kerr timed it perfectly.",
        None,
    )
    assert len(comment.ip_hash) == 64  # a hash, not the address
    page = client.get(url).content.decode()
    assert "Your comment is published" in page
    assert f'id="comment-{comment.pk}"' in page
    assert "Kerr timed it perfectly." in page
    assert '<h2 class="section-heading" id="comments">1 comment</h2>' in page


def test_pre_moderation_holds_every_comment_with_the_moderation_message(client, url, settings):
    settings.COMMENTS_MODERATION = "pre"

    response = post(client, url, body="Waiting for a moderator.")

    assert response.status_code == HTTPStatus.SEE_OTHER
    assert response["Location"] == f"{url}#comments"
    assert Comment.objects.get().status == Comment.Status.PENDING
    page = client.get(url).content.decode()
    assert "Your comment is awaiting moderation" in page
    assert "Waiting for a moderator." not in page


def test_auto_moderation_is_the_default(client, url, settings):
    assert settings.COMMENTS_MODERATION == "auto"
    post(client, url)
    assert Comment.objects.get().status == Comment.Status.APPROVED


def test_email_is_stored_but_never_shown_on_the_page_or_in_feeds(client, url):
    post(client, url, email="ana.private@example.com", body="Shown, unlike my email.")

    assert Comment.objects.get().email == "ana.private@example.com"
    for page in (url, "/feeds/latest/", "/feeds/latest/atom/", "/news/", "/"):
        html = client.get(page).content.decode()
        assert "ana.private@example.com" not in html, page
        assert "ana.private" not in html, page


# ---------- Limits: 400, errors next to the fields, text kept ----------


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("name", "", "Please give a name (up to 80 characters)."),
        ("name", "   \t ", "Please give a name (up to 80 characters)."),
        ("name", "N" * 81, "Please shorten your name to 80 characters (it has 81)."),
        ("body", "", "Please write a comment (up to 3,000 characters)."),
        ("body", "  \n\r\n  ", "Please write a comment (up to 3,000 characters)."),
        ("body", "b" * 3001, "Please shorten your comment to 3,000 characters (it has 3001)."),
        ("email", "not-an-email", "Enter a valid email address."),
    ],
)
def test_each_limit_answers_400_with_the_error_next_to_its_field_and_the_text_kept(
    client, url, field, value, message
):
    data = {"name": "Kept Name", "body": "Kept body text.", "email": "kept@example.com", field: value}

    response = post(client, url, **data)

    assert response.status_code == HTTPStatus.BAD_REQUEST
    html = response.content.decode()
    assert field_errors(html, field) == [message]
    assert f'aria-describedby="comment-{field}-errors' in html
    assert 'aria-invalid="true"' in html
    assert "Your comment is not posted yet." in html
    for kept_field, kept in data.items():
        if kept_field != field and kept:
            assert kept in html
    if field == "body" and value.strip():
        assert value in html  # even the over-long text is kept, all of it
    assert not Comment.objects.exists()


@pytest.mark.parametrize(("name", "body"), [("N", "b"), ("N" * 80, "b" * 3000)])
def test_limits_are_inclusive(client, url, name, body):
    assert post(client, url, name=name, body=body).status_code == HTTPStatus.SEE_OTHER
    assert Comment.objects.get().body == body


def test_name_and_body_are_stripped_and_the_name_kept_on_one_line(client, url):
    post(client, url, name="  Ana \n Lopez ", body="\n  Line one\nLine two  \n")
    comment = Comment.objects.get()
    assert (comment.name, comment.body) == ("Ana Lopez", "Line one\nLine two")


def test_textarea_has_no_maxlength_so_a_long_paste_is_never_cut_silently(client, url):
    html = client.get(url).content.decode()
    textarea = re.search(r"<textarea[^>]*>", html).group()
    assert "maxlength" not in textarea


# ---------- Spam: stored as spam, answered like moderation ----------


def test_filled_honeypot_is_stored_as_spam_and_told_awaiting_moderation(client, url):
    response = post(client, url, website="https://cheap.example", body="Buy now")

    assert response.status_code == HTTPStatus.SEE_OTHER
    assert response["Location"] == f"{url}#comments"
    assert Comment.objects.get().status == Comment.Status.SPAM
    page = client.get(url).content.decode()
    assert "Your comment is awaiting moderation" in page
    assert "Buy now" not in page


def test_form_sent_faster_than_two_seconds_is_stored_as_spam(client, url, article):
    response = post(client, url, rendered_at=signed_render_time(article, seconds_ago=0), body="Too quick")

    assert response["Location"] == f"{url}#comments"
    assert Comment.objects.get().status == Comment.Status.SPAM
    assert "Too quick" not in client.get(url).content.decode()


def test_form_sent_after_the_minimum_time_is_published(client, url, article, settings):
    settings.COMMENTS_MIN_SECONDS = 2
    post(client, url, rendered_at=signed_render_time(article, seconds_ago=3))
    assert Comment.objects.get().status == Comment.Status.APPROVED


@pytest.mark.parametrize(
    "rendered_at",
    ["", "12345", "1700000000:forged:signature", rendered_at_token(1) + "x"],
    ids=["missing", "unsigned", "forged", "tampered"],
)
def test_missing_or_tampered_timestamp_answers_400_with_a_fresh_form_and_the_text_kept(
    client, url, rendered_at
):
    response = post(client, url, rendered_at=rendered_at, body="Please keep me.")

    assert response.status_code == HTTPStatus.BAD_REQUEST
    html = response.content.decode()
    assert "This form had expired or was changed on its way to us." in html
    assert "Please keep me." in html
    fresh = re.search(r'name="rendered_at" value="([^"]*)"', html).group(1)
    assert fresh and fresh != rendered_at
    assert not Comment.objects.exists()


def test_missing_timestamp_field_is_400_too(client, url, article):
    data = comment_data(article)
    del data["rendered_at"]
    assert client.post(url, data).status_code == HTTPStatus.BAD_REQUEST


def page_token(client, url):
    """The ``rendered_at`` token of the comment form on the page at ``url``, as served."""
    html = client.get(url).content.decode()
    return re.search(r'name="rendered_at" value="([^"]+)"', html).group(1)


def test_a_token_rendered_for_another_article_is_refused_with_a_fresh_form_and_the_text_kept(
    client, url, article
):
    other = ArticleFactory(title="Another race", slug="another-race")
    # The replay of the issue: a token collected 21 minutes ago on one article, sent to another.
    token = signed_render_time(other, seconds_ago=21 * 60)

    response = post(client, url, rendered_at=token, body="Please keep me.")

    assert response.status_code == HTTPStatus.BAD_REQUEST
    html = response.content.decode()
    assert "This form was made for another article. Please send your comment again from this one." in html
    assert "Please keep me.</textarea>" in html
    fresh = re.search(r'name="rendered_at" value="([^"]*)"', html).group(1)
    assert read_rendered_at(fresh)[0] == str(article.pk)
    assert not Comment.objects.exists()
    # The token still works where it was rendered (it is only tied to its article).
    assert post(client, other.get_absolute_url(), rendered_at=token).status_code == HTTPStatus.SEE_OTHER


def test_the_token_served_on_one_article_page_is_refused_on_another(client, url):
    other = ArticleFactory(title="Another race", slug="another-race")
    token = page_token(client, other.get_absolute_url())
    with freeze_forms_clock(time.time() + 60):
        response = post(client, url, rendered_at=token)
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert not Comment.objects.exists()


def freeze_forms_clock(now):
    """The comment form's clock (``news.forms.time``) stopped at ``now``."""
    from unittest import mock

    return mock.patch("news.forms.time.time", return_value=now)


def test_a_token_older_than_the_max_age_is_refused_with_the_text_kept(client, url, settings):
    settings.COMMENTS_FORM_MAX_AGE_HOURS = 24
    token = page_token(client, url)
    rendered = read_rendered_at(token)[1]

    with freeze_forms_clock(rendered + 24 * 60 * 60 + 1):
        response = post(client, url, rendered_at=token, body="Written over a day ago.")

    assert response.status_code == HTTPStatus.BAD_REQUEST
    html = response.content.decode()
    assert "This form was open for more than 24 hours. Please send your comment again." in html
    assert "Written over a day ago.</textarea>" in html
    assert re.search(r'name="rendered_at" value="([^"]*)"', html).group(1) != token
    assert not Comment.objects.exists()


def test_a_token_just_within_the_max_age_publishes(client, url, settings):
    settings.COMMENTS_FORM_MAX_AGE_HOURS = 24
    token = page_token(client, url)
    with freeze_forms_clock(read_rendered_at(token)[1] + 24 * 60 * 60 - 1):
        response = post(client, url, rendered_at=token)
    assert response.status_code == HTTPStatus.SEE_OTHER
    assert Comment.objects.get().status == Comment.Status.APPROVED


def test_the_max_age_is_a_setting(client, url, article, settings):
    settings.COMMENTS_FORM_MAX_AGE_HOURS = 1
    response = post(client, url, rendered_at=signed_render_time(article, seconds_ago=61 * 60))
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "This form was open for more than 1 hour. Please send" in response.content.decode()
    assert post(client, url, rendered_at=signed_render_time(article, seconds_ago=59 * 60)).status_code == (
        HTTPStatus.SEE_OTHER
    )


def test_the_page_token_of_the_same_article_publishes_once_the_minimum_time_has_passed(client, url):
    token = page_token(client, url)
    with freeze_forms_clock(read_rendered_at(token)[1] + 3):
        response = post(client, url, rendered_at=token)
    assert response.status_code == HTTPStatus.SEE_OTHER
    assert Comment.objects.get().status == Comment.Status.APPROVED


# ---------- Held for moderation ----------


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ("See https://a.example and www.b.example", Comment.Status.APPROVED),
        ("https://a.example https://b.example http://c.example", Comment.Status.PENDING),
        ("www.a.example www.b.example www.c.example www.d.example", Comment.Status.PENDING),
    ],
)
def test_more_than_two_links_are_held(client, url, body, status):
    response = post(client, url, body=body)
    assert Comment.objects.get().status == status
    if status == Comment.Status.PENDING:
        assert response["Location"] == f"{url}#comments"


@pytest.mark.parametrize(
    ("name", "body", "held"),
    [
        ("Ana", "This is a SCAMWORD offer", True),
        ("Ana", "scamword.", True),
        ("Ana", "scamwords and notscamword are other words", False),
        ("Scamword Sales", "Nice race", True),
        ("Ana", "a Bad Phrase here", True),
        ("Ana", "a bad phrasebook", False),
    ],
)
def test_blocklisted_words_are_held_case_insensitive_whole_words(client, url, settings, name, body, held):
    settings.COMMENTS_BLOCKLIST = ["scamword", "bad phrase"]

    post(client, url, name=name, body=body)

    expected = Comment.Status.PENDING if held else Comment.Status.APPROVED
    assert Comment.objects.get().status == expected


def test_same_body_from_the_same_client_within_ten_minutes_is_held(client, url, article):
    other = ArticleFactory()
    post(client, url, body="Same words again")
    post(client, other.get_absolute_url(), body="Same words again")  # any article
    post(client, url, body="Different words")

    statuses = list(Comment.objects.order_by("pk").values_list("status", flat=True))
    assert statuses == [Comment.Status.APPROVED, Comment.Status.PENDING, Comment.Status.APPROVED]


def test_same_body_from_another_client_or_after_ten_minutes_is_published(client, url, article):
    post(client, url, body="Same words again")
    Client(REMOTE_ADDR="203.0.113.9").post(url, comment_data(article, body="Same words again"))
    Comment.objects.update(created_at=timezone.now() - datetime.timedelta(minutes=11))
    post(client, url, body="Same words again")

    assert set(Comment.objects.values_list("status", flat=True)) == {Comment.Status.APPROVED}


# ---------- Closing ----------


def test_editor_closed_comments_show_closed_and_refuse_posts_with_403(client):
    article = ArticleFactory(comments_open=False)
    url = article.get_absolute_url()

    html = client.get(url).content.decode()
    assert "Comments are closed" in html
    assert 'name="body"' not in html

    response = post(client, url, body="Let me in")
    assert response.status_code == HTTPStatus.FORBIDDEN
    page = response.content.decode()
    assert "<h1>Comments are closed</h1>" in page
    assert "the editors closed them" in page
    assert "Let me in" in page  # shown back, not lost
    assert 'href="/news/' in page and "Back to the article" in page
    assert not Comment.objects.exists()


@pytest.mark.parametrize(
    ("days_since_publication", "close_after", "closed"),
    [(29, 30, False), (31, 30, True), (400, 0, False), (8, 7, True)],
)
def test_comments_close_automatically_after_the_configured_days(
    client, settings, days_since_publication, close_after, closed
):
    settings.COMMENTS_CLOSE_AFTER_DAYS = close_after
    article = ArticleFactory(published_at=timezone.now() - datetime.timedelta(days=days_since_publication))
    url = article.get_absolute_url()

    assert article.comments_closed is closed
    assert ("Comments are closed" in client.get(url).content.decode()) is closed
    response = post(client, url)
    assert response.status_code == (HTTPStatus.FORBIDDEN if closed else HTTPStatus.SEE_OTHER)


def test_closing_date_is_named_on_the_403_page(client, settings):
    settings.COMMENTS_CLOSE_AFTER_DAYS = 30
    published = datetime.datetime(2024, 2, 20, 9, 0, tzinfo=datetime.UTC)
    article = ArticleFactory(published_at=published)

    page = post(client, article.get_absolute_url()).content.decode()

    assert "they closed on" in page and "21 March 2024" in page


def test_closed_article_hides_reply_links(client):
    article = ArticleFactory(comments_open=False)
    CommentFactory(article=article)
    assert "reply=" not in client.get(article.get_absolute_url()).content.decode()


# ---------- Where posts are not allowed ----------


@pytest.mark.parametrize(
    "kwargs",
    [
        {"status": Article.Status.DRAFT},
        {"published_at": timezone.now() + datetime.timedelta(days=1)},
    ],
    ids=["draft", "scheduled"],
)
def test_post_to_a_draft_or_scheduled_article_is_404(client, admin_client, kwargs):
    article = ArticleFactory(**kwargs)
    assert post(client, article.get_absolute_url()).status_code == HTTPStatus.NOT_FOUND
    # Not even staff, who may preview it.
    assert post(admin_client, article.get_absolute_url()).status_code == HTTPStatus.NOT_FOUND
    assert not Comment.objects.exists()


def test_post_to_an_unknown_article_is_404(client):
    assert post(client, "/news/no-such-story/").status_code == HTTPStatus.NOT_FOUND


@pytest.mark.parametrize("method", ["put", "delete", "patch"])
def test_other_methods_are_405(client, url, method):
    assert getattr(client, method)(url).status_code == HTTPStatus.METHOD_NOT_ALLOWED


# ---------- CSRF ----------


def test_post_without_csrf_token_is_403_with_a_branded_page_and_the_text_kept(url, article):
    csrf_client = Client(enforce_csrf_checks=True)

    response = csrf_client.post(url, comment_data(article, body="Typed before the page went stale"))

    assert response.status_code == HTTPStatus.FORBIDDEN
    html = response.content.decode()
    assert "<h1>Please send that again</h1>" in html
    assert "Typed before the page went stale" in html
    assert 'class="site-header' in html  # the site's layout, not Django's bare page
    assert not Comment.objects.exists()


def test_post_with_the_csrf_token_from_the_page_is_accepted(url, article):
    csrf_client = Client(enforce_csrf_checks=True)
    html = csrf_client.get(url).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)

    response = csrf_client.post(url, comment_data(article, csrfmiddlewaretoken=token))

    assert response.status_code == HTTPStatus.SEE_OTHER
    assert Comment.objects.count() == 1


# ---------- Replies ----------


def test_each_comment_has_a_reply_link_that_prefills_the_parent(client, url, article):
    first = CommentFactory(article=article, name="Ana")

    html = client.get(url).content.decode()
    assert f'href="?reply={first.pk}#comment-form"' in html

    html = client.get(url, {"reply": first.pk}).content.decode()
    assert f'name="parent" value="{first.pk}"' in html
    assert "Replying to" in html and ">Ana</a>" in html
    assert f'href="{url}#comment-form">cancel' in html
    assert "Post reply" in html


def test_a_reply_is_stored_under_its_parent_and_shown_indented(client, url, article):
    first = CommentFactory(article=article, name="Ana", body="Top comment")

    response = post(client, url, name="Ben", body="My reply", parent=first.pk)

    reply = Comment.objects.get(name="Ben")
    assert reply.parent == first
    assert response["Location"] == f"{url}#comment-{reply.pk}"
    html = client.get(url).content.decode()
    replies = html[html.index('class="comment-list comment-list--replies"') :]
    assert f'id="comment-{reply.pk}"' in replies
    assert html.index(f'id="comment-{first.pk}"') < html.index(f'id="comment-{reply.pk}"')


def test_a_reply_to_a_reply_attaches_to_the_top_level_comment(client, url, article):
    first = CommentFactory(article=article, name="Ana")
    reply = CommentFactory(article=article, parent=first, name="Ben")

    html = client.get(url, {"reply": reply.pk}).content.decode()
    assert "Replying to" in html and ">Ben</a>" in html

    post(client, url, name="Cleo", parent=reply.pk)
    assert Comment.objects.get(name="Cleo").parent == first


@pytest.mark.parametrize("parent", ["abc", "1.5", "-3", "0", "99999999999999999999999"])
def test_a_parent_that_is_not_a_comment_id_is_400(client, url, parent):
    response = post(client, url, parent=parent, body="Kept reply text")
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "Kept reply text" in response.content.decode()
    assert not Comment.objects.exists()


@pytest.mark.parametrize("status", [Comment.Status.PENDING, Comment.Status.SPAM, Comment.Status.REJECTED])
def test_a_parent_that_is_not_shown_is_400_with_a_message(client, url, article, status):
    hidden = CommentFactory(article=article, status=status)

    response = post(client, url, parent=hidden.pk, body="Kept reply text")

    assert response.status_code == HTTPStatus.BAD_REQUEST
    html = response.content.decode()
    assert "The comment you are replying to is not available." in html
    assert 'name="parent" value=""' in html  # sending again posts it as a comment
    assert "Kept reply text" in html


def test_a_parent_from_another_article_is_400(client, url):
    elsewhere = CommentFactory()
    response = post(client, url, parent=elsewhere.pk)
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "The comment you are replying to is not available." in response.content.decode()
    assert Comment.objects.count() == 1


@pytest.mark.parametrize("reply", ["abc", "", "-1", "999999", "9" * 5000])
def test_a_bad_reply_parameter_is_ignored(client, url, reply):
    response = client.get(url, {"reply": reply})
    assert response.status_code == HTTPStatus.OK
    assert 'name="parent" value=""' in response.content.decode()


def test_a_rejected_reply_keeps_replying_to_its_parent(client, url, article):
    first = CommentFactory(article=article, name="Ana")
    html = post(client, url, parent=first.pk, body="").content.decode()
    assert f'name="parent" value="{first.pk}"' in html
    assert "Replying to" in html


# ---------- The remembered name ----------


def test_name_is_remembered_in_a_signed_httponly_cookie_for_any_article(client, url):
    post(client, url, name="Ana Regular")

    cookie = client.cookies[COMMENTER_COOKIE]
    assert cookie["httponly"]
    assert cookie["samesite"] == "Lax"
    assert not cookie["secure"]  # the tests speak plain HTTP
    assert signing.loads(cookie.value, salt=COMMENTER_SALT) == {"name": "Ana Regular"}

    other = ArticleFactory()
    html = client.get(other.get_absolute_url()).content.decode()
    assert 'value="Ana Regular"' in html


def test_remembered_name_cookie_is_secure_over_https(client, url, article, settings):
    settings.SECURE_SSL_REDIRECT = False
    response = client.post(url, comment_data(article), secure=True)
    assert response.cookies[COMMENTER_COOKIE]["secure"]


def test_a_non_ascii_name_survives_the_cookie(client, url):
    post(client, url, name="Łukasz 山田 Jürgen")
    html = client.get(ArticleFactory().get_absolute_url()).content.decode()
    assert 'value="Łukasz 山田 Jürgen"' in html


@pytest.mark.parametrize("value", ["forged", signing.dumps({"name": "Eve"}, salt="other-salt"), ""])
def test_a_forged_name_cookie_is_ignored(client, url, value):
    client.cookies[COMMENTER_COOKIE] = value
    response = client.get(url)
    assert response.status_code == HTTPStatus.OK
    assert re.search(r'<input type="text" name="name"[^>]*>', response.content.decode())
    assert "Eve" not in response.content.decode()


# ---------- Hostile input: never a 500 ----------


def test_markup_in_a_comment_is_escaped(client, url):
    post(client, url, name="<b>Bold</b>", body='<script>alert("x")</script>\n<img src=x onerror=alert(1)>')

    html = client.get(url).content.decode()
    assert "<script>alert" not in html
    assert "<img src=x" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;<br>&lt;img src=x onerror=alert(1)&gt;" in html
    assert "&lt;b&gt;Bold&lt;/b&gt;" in html


def test_a_huge_body_is_400_with_the_text_kept(client, url):
    body = "x" * 100_000
    response = post(client, url, body=body)
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "it has 100000" in response.content.decode()
    assert body in response.content.decode()


@pytest.mark.parametrize("field", ["name", "body"])
def test_nul_bytes_are_400(client, url, field):
    response = post(client, url, **{field: "bad\x00byte"})
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert field_errors(response.content.decode(), field) == ["Null characters are not allowed."]


def test_lone_surrogates_are_refused_by_the_form(article):
    from news.forms import CommentForm

    form = CommentForm(comment_data(article, body="broken \ud800 text"), article=article)
    assert not form.is_valid()
    assert form.errors["body"] == ["This text contains characters we cannot store."]


def test_invalid_utf8_in_the_request_body_is_never_a_500(client, url, article):
    raw = "&".join(
        [
            "name=Ana%FF%FE",
            "body=caf%C3%A9%ED%A0%80%C0%AF",
            "rendered_at=" + signed_render_time(article).replace(":", "%3A"),
        ]
    )
    response = client.generic("POST", url, raw.encode(), content_type="application/x-www-form-urlencoded")

    assert response.status_code == HTTPStatus.SEE_OTHER
    comment = Comment.objects.get()
    assert comment.body.startswith("café")
    assert "\ufffd" in comment.body


@pytest.mark.parametrize(
    ("name", "body"),
    [
        ("Zoë 🏃‍♂️", "Allez 🇬🇧 — 3:29.38!"),
        ("يوسف", "سباق رائع"),
        ("山田太郎", "素晴らしいレース"),
        ("Ольга Петрова", "Какой финиш!"),  # Cyrillic on its own is no impersonation
    ],
)
def test_unicode_names_and_bodies_are_published_intact(client, url, name, body):
    assert post(client, url, name=name, body=body).status_code == HTTPStatus.SEE_OTHER
    html = client.get(url).content.decode()
    assert name in html and body in html


@pytest.mark.parametrize("comments", ["abc", "-1", "0", "1.5", "9" * 5000, "99999999999"])
def test_bad_comment_page_numbers_never_500(client, url, article, comments):
    CommentFactory(article=article)
    assert client.get(url, {"comments": comments}).status_code == HTTPStatus.OK
    assert post(client, f"{url}?comments={comments}").status_code == HTTPStatus.SEE_OTHER


def test_unexpected_fields_are_ignored(client, url):
    response = post(client, url, status="approved", ip_hash="x", article="999", created_at="1999-01-01")
    assert response.status_code == HTTPStatus.SEE_OTHER
    comment = Comment.objects.get()
    assert comment.created_at > timezone.now() - datetime.timedelta(minutes=1)
    assert comment.ip_hash != "x"
