"""Editing and deleting one's own comment, for a while (issue 12, item 1; README,
"Comments"): the browser that posted a comment holds a signed capability for
COMMENTS_EDIT_MINUTES; everyone else, and everyone after the window, gets 403 with the
text kept. Edits are moderated like new comments, marked "edited" and keep their earlier
text for moderators; a deleted comment with replies leaves a placeholder."""

import datetime
import io
import os
import re
import subprocess
import sys
from http import HTTPStatus
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.contrib.auth.models import Group, User
from django.core import signing
from django.core.cache import cache
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from core import cache as page_cache
from news.comment_edits import (
    DELETED_MESSAGE,
    EDIT_COOKIE,
    EDIT_HELD_MESSAGE,
    EDIT_SALT,
    UNCHANGED_MESSAGE,
    UPDATED_MESSAGE,
    CommentEditForm,
)
from news.models import Comment, CommentRevision
from news.text import BODY_INVISIBLE
from tests.budgets import ARTICLE_COLD, cold_then_warm

from .comment_helpers import comment_data
from .factories import ArticleFactory, CommentFactory
from .test_queries import _article_with_comments

pytestmark = pytest.mark.django_db

PER_VISITOR = re.compile(rb'name="(?:csrfmiddlewaretoken|rendered_at|form_token)" value="[^"]*"')
REMOVED_TEXT = "Comment removed by its author"
FAN = "Zebedee Quill"


@pytest.fixture
def article():
    return ArticleFactory(title="Kerr wins in Budapest", slug="kerr-wins")


@pytest.fixture
def clock(monkeypatch):
    """``clock.move(minutes)`` moves django.utils.timezone.now (what the window is read by)."""
    real_now = timezone.now

    class Clock:
        offset = datetime.timedelta()

        def move(self, minutes):
            self.offset += datetime.timedelta(minutes=minutes)

    moved = Clock()
    monkeypatch.setattr(timezone, "now", lambda: real_now() + moved.offset)
    return moved


def post_own(client, article, body="Kerr timed it perfectly.", name=FAN, **fields):
    """Post a comment from ``client``'s browser (which then holds its capability)."""
    response = client.post(article.get_absolute_url(), comment_data(article, name=name, body=body, **fields))
    assert response.status_code == HTTPStatus.SEE_OTHER
    return Comment.objects.filter(article=article).latest("pk")


def edit_url(comment):
    return f"/news/{comment.article.slug}/comments/{comment.pk}/edit/"


def delete_url(comment):
    return f"/news/{comment.article.slug}/comments/{comment.pk}/delete/"


def capability(*comments, posted=None):
    """A correctly signed cookie value naming ``comments`` (as the site would set it)."""
    return signing.dumps(
        {"c": {str(c.pk): int((posted or c.created_at).timestamp()) for c in comments}}, salt=EDIT_SALT
    )


def page(client, article, query=""):
    response = client.get(article.get_absolute_url() + query)
    assert response.status_code == HTTPStatus.OK
    return response.content.decode()


def shown_messages(html):
    return re.findall(r'<p class="messages__item[^"]*">(.*?)</p>', html)


def kept_text(html):
    match = re.search(r'<textarea id="kept-body"[^>]*>(.*?)</textarea>', html, re.S)
    return match.group(1).strip() if match else None


def moderator_client():
    user = User.objects.create_user("mo", password="x-correct-horse-9", is_staff=True)
    user.groups.add(Group.objects.get(name="Moderators"))
    client = Client()
    client.force_login(user)
    return client


# ---------- The setting ----------


def test_the_edit_window_comes_from_the_environment_and_refuses_a_negative_number():
    code = "import config.settings as s; print(s.COMMENTS_EDIT_MINUTES)"
    env = {"PATH": os.environ["PATH"], "ENV_FILE": os.devnull, "DEBUG": "true"}

    def minutes(**extra):
        root = Path(__file__).resolve().parents[2]
        return subprocess.run(  # noqa: S603 - this interpreter, fixed code
            [sys.executable, "-c", code],
            cwd=root,
            env={**env, **extra},
            capture_output=True,
            text=True,
            timeout=60,
        )

    assert minutes().stdout.strip() == "10"
    assert minutes(COMMENTS_EDIT_MINUTES="0").stdout.strip() == "0"
    assert minutes(COMMENTS_EDIT_MINUTES="25").stdout.strip() == "25"
    refused = minutes(COMMENTS_EDIT_MINUTES="-1")
    assert refused.returncode != 0
    assert "COMMENTS_EDIT_MINUTES must be a whole number of minutes, 0 (off) or more." in refused.stderr


# ---------- The capability ----------


def test_posting_sets_a_signed_httponly_capability_for_the_window(client, article):
    comment = post_own(client, article)
    morsel = client.cookies[EDIT_COOKIE]
    assert morsel["httponly"] and morsel["samesite"] == "Lax"
    assert morsel["path"] == "/news/" and int(morsel["max-age"]) == 10 * 60
    assert signing.loads(morsel.value, salt=EDIT_SALT) == {
        "c": {str(comment.pk): int(comment.created_at.timestamp())}
    }
    # Signed, not encrypted or guessable: the comment's id alone is not the capability.
    assert morsel.value != str(comment.pk)


def test_the_capability_names_each_comment_the_browser_posted(client, article):
    first = post_own(client, article, body="First thought.")
    second = post_own(client, article, body="Second thought.")
    named = signing.loads(client.cookies[EDIT_COOKIE].value, salt=EDIT_SALT)["c"]
    assert set(named) == {str(first.pk), str(second.pk)}


def test_a_comment_caught_as_spam_gets_no_capability(client, article):
    client.post(article.get_absolute_url(), comment_data(article, website="http://spam.example"))
    assert Comment.objects.get().status == Comment.Status.SPAM
    assert EDIT_COOKIE not in client.cookies


# ---------- Editing within the window ----------


def test_the_posting_browser_sees_edit_and_delete_and_others_do_not(client, article):
    comment = post_own(client, article)
    html = page(client, article)
    assert f'href="{edit_url(comment)}"' in html
    assert f'action="{delete_url(comment)}"' in html
    other = page(Client(), article)
    assert edit_url(comment) not in other and delete_url(comment) not in other


def test_an_edit_within_the_window_is_published_marked_edited_and_keeps_the_old_text(client, article):
    comment = post_own(client, article, body="Kerr timed it perfecty.")

    form = client.get(edit_url(comment))
    assert form.status_code == HTTPStatus.OK
    assert "Kerr timed it perfecty.</textarea>" in form.content.decode()
    assert "no-store" in form["Cache-Control"]

    response = client.post(edit_url(comment), {"body": "Kerr timed it perfectly."})
    assert response.status_code == HTTPStatus.SEE_OTHER
    assert response["Location"] == f"{article.get_absolute_url()}#comment-{comment.pk}"

    comment.refresh_from_db()
    assert comment.body == "Kerr timed it perfectly."
    assert comment.status == Comment.Status.APPROVED and comment.edited_at is not None
    assert list(comment.revisions.values_list("body", "change")) == [
        ("Kerr timed it perfecty.", CommentRevision.Change.EDITED)
    ]
    html = page(client, article)
    assert UPDATED_MESSAGE in shown_messages(html)
    assert "Kerr timed it perfectly." in html and "perfecty" not in html
    assert '<span class="comment__edited"' in html
    assert '<span class="comment__edited"' in page(Client(), article)  # every reader sees "edited"


def test_the_same_text_again_changes_nothing(client, article):
    comment = post_own(client, article)
    response = client.post(edit_url(comment), {"body": comment.body})
    assert response.status_code == HTTPStatus.SEE_OTHER
    comment.refresh_from_db()
    assert comment.edited_at is None and not comment.revisions.exists()
    assert UNCHANGED_MESSAGE in shown_messages(page(client, article))


def test_an_edit_into_a_link_laden_comment_is_held_and_hidden_with_a_message(client, article):
    comment = post_own(client, article, body="A clean comment.")
    links = "See https://a.example https://b.example https://c.example"

    response = client.post(edit_url(comment), {"body": links})

    assert response.status_code == HTTPStatus.SEE_OTHER
    assert response["Location"] == f"{article.get_absolute_url()}#comments"
    comment.refresh_from_db()
    assert comment.status == Comment.Status.PENDING and comment.body == links
    html = page(client, article)
    assert EDIT_HELD_MESSAGE in shown_messages(html)
    assert "A clean comment." not in html and "a.example" not in html
    assert '<h2 class="section-heading" id="comments">Comments</h2>' in html


def test_an_edit_into_a_repeat_of_the_fans_other_comment_is_held(client, article):
    post_own(client, article, body="Kerr for Paris gold.")
    comment = post_own(client, article, body="Something else entirely.")
    client.post(edit_url(comment), {"body": "Kerr for Paris gold."})
    comment.refresh_from_db()
    assert comment.status == Comment.Status.PENDING


def test_an_edit_is_held_when_every_comment_is_pre_moderated(client, article, settings):
    comment = post_own(client, article, body="Same words.")
    settings.COMMENTS_MODERATION = "pre"
    response = client.post(edit_url(comment), {"body": "Same words, better."})
    assert response["Location"] == f"{article.get_absolute_url()}#comments"
    comment.refresh_from_db()
    assert comment.status == Comment.Status.PENDING


def test_an_edit_with_a_blocklisted_word_is_held(client, article, settings):
    settings.COMMENTS_BLOCKLIST = ["cheat"]
    comment = post_own(client, article, body="Fair race.")
    client.post(edit_url(comment), {"body": "What a cheat."})
    comment.refresh_from_db()
    assert comment.status == Comment.Status.PENDING


def test_a_held_comment_edited_clean_by_its_author_is_published(client, article):
    held = "Links https://a.example https://b.example https://c.example"
    comment = post_own(client, article, body=held)
    assert comment.status == Comment.Status.PENDING
    client.post(edit_url(comment), {"body": "No links after all."})
    comment.refresh_from_db()
    assert comment.status == Comment.Status.APPROVED


def test_moderators_see_the_earlier_text_in_the_admin(client, article):
    comment = post_own(client, article, body="What I first wrote.")
    client.post(edit_url(comment), {"body": "What I meant."})

    client.post(edit_url(comment), {"body": "What I meant, <b>really</b>."})

    html = moderator_client().get(f"/admin/news/comment/{comment.pk}/change/").content.decode()
    assert "<strong>Edited</strong>" in html and "What I first wrote." in html
    assert "What I meant.</p>" in html  # each earlier text, newest first
    assert "&lt;b&gt;really&lt;/b&gt;" in html and "<b>really</b>" not in html  # escaped


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("", "Please write a comment (up to 3,000 characters)."),
        ("\u200b \u200b", BODY_INVISIBLE),
        ("b" * 3001, "Please shorten your comment to 3,000 characters (it has 3001)."),
    ],
)
def test_invalid_edits_answer_400_with_the_text_kept(client, article, body, message):
    comment = post_own(client, article, body="Unchanged.")
    response = client.post(edit_url(comment), {"body": body})
    assert response.status_code == HTTPStatus.BAD_REQUEST
    html = response.content.decode()
    assert message in html
    if body.strip():
        assert body[:50] in html
    comment.refresh_from_db()
    assert comment.body == "Unchanged." and comment.edited_at is None


def test_the_edit_form_follows_the_comment_forms_rules():
    # (A browser cannot send lone surrogates; the form refuses them all the same.)
    assert not CommentEditForm({"body": "broken \ud800 text"}).is_valid()
    form = CommentEditForm({"body": "  Ｆｕｌｌ\u200bwidth  "})
    assert form.is_valid() and form.cleaned_data["body"] == "Fullwidth"


def test_past_the_rate_limit_edits_answer_429_with_retry_after_and_the_text_kept(
    client, article, settings, monkeypatch
):
    # The rate limiter's clock stands still: fixed windows never roll over mid-test.
    monkeypatch.setattr("core.ratelimit.time", SimpleNamespace(time=lambda: 1_800_000_000 // 3600 * 3600 + 1))
    comment = post_own(client, article, body="Version 0.")
    settings.COMMENTS_RATE = "2/m"
    for n in (1, 2):
        assert client.post(edit_url(comment), {"body": f"Version {n}."}).status_code == HTTPStatus.SEE_OTHER
    response = client.post(edit_url(comment), {"body": "Version 3."})
    assert response.status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert int(response["Retry-After"]) > 0
    assert "Version 3.</textarea>" in response.content.decode()
    comment.refresh_from_db()
    assert comment.body == "Version 2."
    assert client.post(delete_url(comment)).status_code == HTTPStatus.TOO_MANY_REQUESTS
    comment.refresh_from_db()
    assert comment.status == Comment.Status.APPROVED


# ---------- Refused: after the window, from another browser, when switched off ----------


def test_after_the_window_edit_and_delete_answer_403_with_the_text_kept(client, article, clock):
    comment = post_own(client, article, body="Posted in time.")
    clock.move(minutes=10)

    assert edit_url(comment) not in page(client, article)  # the controls are gone
    response = client.post(edit_url(comment), {"body": "Too late to change."})
    assert response.status_code == HTTPStatus.FORBIDDEN
    html = response.content.decode()
    assert "A comment can be changed for 10 minutes after it is posted, and that time has passed" in html
    assert kept_text(html) == "Too late to change."
    assert client.get(edit_url(comment)).status_code == HTTPStatus.FORBIDDEN
    assert client.post(delete_url(comment)).status_code == HTTPStatus.FORBIDDEN
    comment.refresh_from_db()
    assert (comment.body, comment.status, comment.edited_at) == ("Posted in time.", "approved", None)


def test_just_inside_the_window_an_edit_is_accepted(client, article, clock):
    comment = post_own(client, article, body="Posted in time.")
    clock.move(minutes=9.9)
    assert edit_url(comment) in page(client, article)
    assert client.post(edit_url(comment), {"body": "Still in time."}).status_code == HTTPStatus.SEE_OTHER


OTHER_BROWSER = (
    "Only the browser that posted this comment can edit or delete it, for 10 minutes after posting."
)


@pytest.mark.parametrize(
    "cookie",
    [
        None,  # another browser
        "forged",
        "{c}",  # the comment's own cookie, its signature cut
        "other-salt",  # signed, but not by this feature
        "other-comment",  # a genuine capability, for another comment
        "empty",
    ],
)
def test_another_browser_gets_403_with_the_text_kept_and_nothing_changes(client, article, cookie):
    comment = post_own(client, article, body="Mine.")
    mine = client.cookies[EDIT_COOKIE].value
    other_comment = CommentFactory(article=article, body="Someone else's.")
    stranger = Client()
    values = {
        "forged": signing.dumps({"c": {str(comment.pk): 1}}, key="not-the-secret", salt=EDIT_SALT),
        "{c}": mine.rsplit(":", 1)[0] + ":AAAA",
        "other-salt": signing.dumps({"c": {str(comment.pk): 1}}, salt="news.comment.commenter"),
        "other-comment": capability(other_comment),
        "empty": "",
    }
    if cookie is not None:
        stranger.cookies[EDIT_COOKIE] = values[cookie]

    assert edit_url(comment) not in page(stranger, article)
    response = stranger.post(edit_url(comment), {"body": "Hijacked."})
    assert response.status_code == HTTPStatus.FORBIDDEN
    assert OTHER_BROWSER in response.content.decode()
    assert kept_text(response.content.decode()) == "Hijacked."
    assert stranger.get(edit_url(comment)).status_code == HTTPStatus.FORBIDDEN
    assert stranger.post(delete_url(comment)).status_code == HTTPStatus.FORBIDDEN
    comment.refresh_from_db()
    assert (comment.body, comment.status) == ("Mine.", Comment.Status.APPROVED)


def test_a_capability_for_a_comment_of_another_article_is_404_here(client, article):
    comment = post_own(client, article)
    other = ArticleFactory()
    url = f"/news/{other.slug}/comments/{comment.pk}/edit/"
    assert client.post(url, {"body": "Moved?"}).status_code == HTTPStatus.NOT_FOUND


def test_zero_minutes_switches_editing_off(client, article, settings):
    settings.COMMENTS_EDIT_MINUTES = 0
    comment = post_own(client, article)
    assert EDIT_COOKIE not in client.cookies
    client.cookies[EDIT_COOKIE] = capability(comment)  # even a genuine capability
    assert edit_url(comment) not in page(client, article)
    response = client.post(edit_url(comment), {"body": "Changed?"})
    assert response.status_code == HTTPStatus.FORBIDDEN
    assert "Comments cannot be edited or deleted on this site." in response.content.decode()
    assert client.post(delete_url(comment)).status_code == HTTPStatus.FORBIDDEN
    comment.refresh_from_db()
    assert comment.body == "Kerr timed it perfectly."


@pytest.mark.parametrize("status", [Comment.Status.REJECTED, Comment.Status.SPAM])
def test_a_comment_a_moderator_decided_on_cannot_be_changed(client, article, status):
    comment = post_own(client, article)
    Comment.objects.filter(pk=comment.pk).update(status=status)
    response = client.post(edit_url(comment), {"body": "Let me back in."})
    assert response.status_code == HTTPStatus.FORBIDDEN
    assert "A moderator has reviewed this comment" in response.content.decode()
    assert kept_text(response.content.decode()) == "Let me back in."
    assert client.post(delete_url(comment)).status_code == HTTPStatus.FORBIDDEN


@pytest.mark.parametrize("status", [Comment.Status.PENDING, Comment.Status.REJECTED, Comment.Status.SPAM])
def test_a_comment_the_public_cannot_see_is_unknown_to_other_browsers(client, article, status):
    comment = post_own(client, article)
    Comment.objects.filter(pk=comment.pk).update(status=status)
    stranger = Client()
    assert stranger.get(edit_url(comment)).status_code == HTTPStatus.NOT_FOUND
    assert stranger.post(edit_url(comment), {"body": "x"}).status_code == HTTPStatus.NOT_FOUND
    assert stranger.post(delete_url(comment)).status_code == HTTPStatus.NOT_FOUND


def test_comments_closed_by_the_editors_cannot_be_changed(client, article):
    comment = post_own(client, article)
    article.comments_open = False
    article.save()
    assert edit_url(comment) not in page(client, article)
    response = client.post(edit_url(comment), {"body": "Changed?"})
    assert response.status_code == HTTPStatus.FORBIDDEN
    assert "Comments are closed on this article" in response.content.decode()


# ---------- Deleting ----------


def test_a_deleted_comment_without_replies_disappears_and_the_count_follows(client, article):
    CommentFactory(article=article, body="Someone else's comment.")
    comment = post_own(client, article, body="Regret this one.")
    assert "2 comments" in page(Client(), article)

    response = client.post(delete_url(comment))

    assert response.status_code == HTTPStatus.SEE_OTHER
    assert response["Location"] == f"{article.get_absolute_url()}#comments"
    comment.refresh_from_db()
    assert (comment.status, comment.body) == (Comment.Status.REMOVED, "")
    assert list(comment.revisions.values_list("body", "change")) == [
        ("Regret this one.", CommentRevision.Change.DELETED)
    ]
    html = page(client, article)
    assert DELETED_MESSAGE in shown_messages(html)
    assert "Regret this one." not in html and REMOVED_TEXT not in html
    assert f'id="comment-{comment.pk}"' not in html
    assert '<h2 class="section-heading" id="comments">1 comment</h2>' in html
    # Gone for good: no second delete, no edit.
    assert client.post(delete_url(comment)).status_code == HTTPStatus.NOT_FOUND
    assert client.get(edit_url(comment)).status_code == HTTPStatus.NOT_FOUND


def test_a_deleted_comment_with_replies_leaves_a_placeholder_and_the_replies(client, article):
    comment = post_own(client, article, body="Controversial take.")
    reply = CommentFactory(article=article, parent=comment, body="I disagree.")
    CommentFactory(article=article, parent=comment, body="Waiting reply.", status=Comment.Status.PENDING)

    client.post(delete_url(comment))

    html = page(Client(), article)
    assert REMOVED_TEXT in html and f'id="comment-{comment.pk}"' in html
    assert "Controversial take." not in html and comment.name not in html
    assert f'id="comment-{reply.pk}"' in html and "I disagree." in html
    assert "Waiting reply." not in html
    assert '<h2 class="section-heading" id="comments">1 comment</h2>' in html  # the reply alone
    # No reply, report or edit controls on the placeholder.
    assert f"reply={comment.pk}" not in html
    assert f"/comments/{comment.pk}/report/" not in html
    # The reply's permalink still lands on it.
    reply.refresh_from_db()
    assert reply.get_absolute_url() == f"{article.get_absolute_url()}#comment-{reply.pk}"


def test_a_placeholder_shows_only_while_it_has_approved_replies(client, article):
    comment = post_own(client, article, body="Controversial take.")
    reply = CommentFactory(article=article, parent=comment, body="Later approved.", status="pending")
    client.post(delete_url(comment))
    assert REMOVED_TEXT not in page(Client(), article)

    Comment.objects.filter(pk=reply.pk).update(status=Comment.Status.APPROVED)
    page_cache.changed(Comment, [reply])  # as the admin's approve action does
    html = page(Client(), article)
    assert REMOVED_TEXT in html and "Later approved." in html
    assert "1 comment<" in html


def test_placeholders_keep_their_place_in_the_pages_of_comments(client, article, settings):
    settings.COMMENTS_PER_PAGE = 1
    first = post_own(client, article, body="First, then deleted.")
    reply = CommentFactory(article=article, parent=first, body="Reply to the first.")
    second = CommentFactory(article=article, body="Second top-level.")
    client.post(delete_url(first))

    html = page(Client(), article)
    assert REMOVED_TEXT in html and "Reply to the first." in html and "Page 1 of 2" in html
    assert "Second top-level." in page(Client(), article, "?comments=2")
    second.refresh_from_db()
    assert second.get_absolute_url().endswith(f"?comments=2#comment-{second.pk}")
    reply.refresh_from_db()
    assert reply.get_absolute_url().endswith(f"/#comment-{reply.pk}")


def test_the_admin_cannot_approve_a_removed_comment_back_into_an_empty_one(client, article):
    comment = post_own(client, article)
    client.post(delete_url(comment))
    moderator_client().post("/admin/news/comment/", {"action": "approve", "_selected_action": [comment.pk]})
    comment.refresh_from_db()
    assert comment.status == Comment.Status.REMOVED


# ---------- The page cache, query counts ----------


def _without_tokens(content):
    return PER_VISITOR.sub(b"", content)


@pytest.mark.parametrize("state", ["published", "edited", "removed with a reply"])
def test_the_article_page_is_the_same_cold_and_warm_with_and_without_the_capability(client, article, state):
    comment = post_own(client, article, body="Original.")
    if state == "edited":
        client.post(edit_url(comment), {"body": "Edited."})
    elif state == "removed with a reply":
        CommentFactory(article=article, parent=comment, body="A reply.")
        client.post(delete_url(comment))
    client.get(article.get_absolute_url())  # the message shown, once

    for visitor, sees_controls in ((client, state != "removed with a reply"), (Client(), False)):
        cache.clear()
        page_cache.local.clear()
        cold = visitor.get(article.get_absolute_url())
        warm = visitor.get(article.get_absolute_url())
        assert cold.status_code == warm.status_code == HTTPStatus.OK
        assert _without_tokens(cold.content) == _without_tokens(warm.content)
        assert b"<!--visitor:" not in warm.content
        assert (edit_url(comment).encode() in warm.content) is sees_controls
    # Owner and stranger share one stored page: it differs only in the controls.
    owner, stranger = client.get(article.get_absolute_url()), Client().get(article.get_absolute_url())
    controls = re.compile(rb'<div class="comment__own">.*?</div>', re.S)
    owner_page = controls.sub(b"", owner.content).replace(f'value="{FAN}"'.encode(), b'value=""')
    assert _without_tokens(owner_page) == _without_tokens(stranger.content)


def test_edits_and_deletes_show_on_the_next_request_of_a_cached_page(client, article):
    comment = post_own(client, article, body="Before.")
    reader = Client()
    assert "Before." in page(reader, article)
    client.post(edit_url(comment), {"body": "After."})
    assert "After." in page(reader, article) and "Before." not in page(reader, article)
    client.post(delete_url(comment))
    assert "After." not in page(reader, article)


@pytest.mark.parametrize("top_level", [3, 30])
def test_the_owners_article_page_costs_the_same_queries_whatever_the_number_of_comments(
    client, django_assert_num_queries, top_level
):
    article = _article_with_comments(top_level=top_level, replies_each=1)
    comments = list(Comment.objects.filter(article=article).order_by("pk"))
    tops = [comment for comment in comments if comment.parent_id is None]
    Comment.objects.filter(pk=tops[0].pk).update(edited_at=timezone.now())
    Comment.objects.filter(pk=tops[1].pk).update(status=Comment.Status.REMOVED, body="")  # with a reply
    client.cookies[EDIT_COOKIE] = capability(*comments)  # the owner of every comment

    response, _ = cold_then_warm(client, django_assert_num_queries, article.get_absolute_url(), ARTICLE_COLD)
    html = response.content.decode()
    assert html.count('class="comment__own"') == len(comments) - 1  # not on the placeholder
    assert REMOVED_TEXT in html and response.context["comment_count"] == len(comments) - 1


# ---------- Hostile input ----------


def test_hostile_requests_never_500(client, article):
    comment = post_own(client, article)
    base = f"/news/{article.slug}/comments"
    for url in (
        f"{base}/{10**30}/edit/",
        f"{base}/99999999/edit/",
        f"{base}/{10**30}/delete/",
        f"/news/no-such-article/comments/{comment.pk}/edit/",
    ):
        assert client.post(url, {"body": "x"}).status_code == HTTPStatus.NOT_FOUND, url
        get = HTTPStatus.METHOD_NOT_ALLOWED if url.endswith("/delete/") else HTTPStatus.NOT_FOUND
        assert client.get(url).status_code == get, url
    for url in (f"{base}/0/edit/", f"{base}/-1/edit/", f"{base}/abc/edit/", f"{base}/1.5/delete/"):
        assert client.get(url).status_code == HTTPStatus.NOT_FOUND, url
    assert client.get(delete_url(comment)).status_code == HTTPStatus.METHOD_NOT_ALLOWED
    for method in ("put", "patch", "delete"):
        for url in (edit_url(comment), delete_url(comment)):
            assert getattr(client, method)(url).status_code == HTTPStatus.METHOD_NOT_ALLOWED, (method, url)
    # Repeated and junk parameters: the last body counts, like any form.
    response = client.post(
        edit_url(comment) + "?body=query",
        "body=one&body=two&x=%00",
        content_type=("application/x-www-form-urlencoded"),
    )
    assert response.status_code == HTTPStatus.SEE_OTHER
    comment.refresh_from_db()
    assert comment.body == "two"
    response = client.post(
        edit_url(comment), b"\xff\xfe%ZZ=%00", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert client.post(edit_url(comment), {"body": "\x00" * 10}).status_code == HTTPStatus.BAD_REQUEST
    # A junk cookie is no capability, and breaks nothing.
    junk = Client()
    junk.cookies[EDIT_COOKIE] = "%00%ZZ" + "z" * 4000
    assert junk.get(article.get_absolute_url()).status_code == HTTPStatus.OK
    assert junk.post(edit_url(comment), {"body": "x"}).status_code == HTTPStatus.FORBIDDEN
    for value in ({"c": []}, {"c": {"abc": 1, "1": "x", "²": 5}}, [1, 2], "text"):
        junk.cookies[EDIT_COOKIE] = signing.dumps(value, salt=EDIT_SALT)
        assert junk.get(article.get_absolute_url()).status_code == HTTPStatus.OK
        assert junk.post(delete_url(comment)).status_code == HTTPStatus.FORBIDDEN


def test_a_draft_articles_comment_is_404(client):
    draft = ArticleFactory(status="draft", published_at=None)
    comment = CommentFactory(article=draft)
    client.cookies[EDIT_COOKIE] = capability(comment)
    assert client.get(edit_url(comment)).status_code == HTTPStatus.NOT_FOUND
    assert client.post(delete_url(comment)).status_code == HTTPStatus.NOT_FOUND


# ---------- Privacy ----------


def test_purge_deletes_earlier_texts_older_than_90_days(client, article):
    comment = post_own(client, article, body="First words.")
    client.post(edit_url(comment), {"body": "Second words."})
    old = CommentRevision.objects.create(
        comment=comment,
        body="Ancient words.",
        change=CommentRevision.Change.EDITED,
        replaced_at=timezone.now() - datetime.timedelta(days=91),
    )

    out = io.StringIO()
    call_command("purge_comment_data", stdout=out)

    assert not CommentRevision.objects.filter(pk=old.pk).exists()
    assert list(CommentRevision.objects.values_list("body", flat=True)) == ["First words."]
    assert "1 earlier text(s) of edited or deleted comments" in out.getvalue()
