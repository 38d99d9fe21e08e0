"""Recommends (one per client per comment, a second press takes it back), the moderators'
Podium picks, and ``?sort=`` (README, "Comments")."""

import datetime
import io
import re
from http import HTTPStatus
from types import SimpleNamespace

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth.models import Group, User
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from news.comment_views import RECOMMENDED_MESSAGE, TAKEN_BACK_MESSAGE
from news.models import ArticleRedirect, Comment, CommentRecommendation, CommentSort
from news.services import comment_recommend

from .factories import ArticleFactory, CommentFactory

pytestmark = pytest.mark.django_db

# One second into an hour: the rate limiter's fixed windows never roll over mid-test.
WINDOW_START = 1_800_000_000 // 3600 * 3600 + 1


@pytest.fixture
def rate_clock(monkeypatch):
    monkeypatch.setattr("core.ratelimit.time", SimpleNamespace(time=lambda: WINDOW_START))


@pytest.fixture
def comment():
    return CommentFactory(name="Ana", body="A fair point")


def recommend_url(comment):
    return f"{comment.article.get_absolute_url()}comments/{comment.pk}/recommend/"


def fan(n):
    return Client(REMOTE_ADDR=f"192.0.2.{n}")


def count_of(comment):
    return Comment.objects.get(pk=comment.pk).recommend_count


def button_text(html, comment):
    """The visible text of ``comment``'s Recommend button (its count in brackets)."""
    form = re.search(rf'action="{recommend_url(comment)}">(.*?)</form>', html, re.S)
    assert form, "recommend form missing"
    return re.sub(r'<span class="visually-hidden">.*?</span>|<[^>]+>', "", form.group(1)).strip()


def moderator():
    user = User.objects.create_user("mo", password="x-correct-horse-9", is_staff=True)
    user.groups.add(Group.objects.get(name="Moderators"))
    client = Client()
    client.force_login(user)
    return client


def minutes_ago(n):
    return timezone.now() - datetime.timedelta(minutes=n)


# ---------- Recommend ----------


def test_each_comment_has_a_recommend_form_with_csrf_and_its_count(client, comment):
    comment.recommend_count = 12
    comment.save()
    html = client.get(comment.article.get_absolute_url()).text

    form = re.search(
        rf'<form class="comment__recommend" method="post" action="{recommend_url(comment)}">(.*?)</form>',
        html,
        re.S,
    )
    assert form, "recommend form missing"
    assert 'name="csrfmiddlewaretoken"' in form.group(1)
    assert button_text(html, comment) == "Recommend (12)"
    # Its accessible name says whose comment and how many, in words.
    assert '<span class="visually-hidden">the comment by Ana (12 recommendations)</span>' in form.group(1)


def test_a_recommend_counts_once_per_client_and_a_second_press_takes_it_back(client, comment):
    response = client.post(recommend_url(comment))

    assert response.status_code == HTTPStatus.SEE_OTHER
    assert response["Location"] == f"{comment.article.get_absolute_url()}#comment-{comment.pk}"
    assert count_of(comment) == 1
    assert CommentRecommendation.objects.get().comment == comment
    html = client.get(comment.article.get_absolute_url()).text
    assert RECOMMENDED_MESSAGE.format(name="Ana") in html
    assert button_text(html, comment) == "Recommend (1)"

    response = client.post(recommend_url(comment))

    assert response.status_code == HTTPStatus.SEE_OTHER
    assert count_of(comment) == 0
    assert not CommentRecommendation.objects.exists()
    html = client.get(comment.article.get_absolute_url()).text
    assert TAKEN_BACK_MESSAGE.format(name="Ana") in html
    assert button_text(html, comment) == "Recommend (0)"


def test_recommends_of_different_clients_add_up_and_one_ipv6_network_is_one_client(comment, settings):
    for n in (1, 2, 3):
        assert fan(n).post(recommend_url(comment)).status_code == HTTPStatus.SEE_OTHER
    assert count_of(comment) == 3
    # Two addresses of one /64 network are one client: the second press takes it back.
    Client(REMOTE_ADDR="2001:db8:1:2::1").post(recommend_url(comment))
    assert count_of(comment) == 4
    Client(REMOTE_ADDR="2001:db8:1:2:ffff::9").post(recommend_url(comment))
    assert count_of(comment) == 3
    assert CommentRecommendation.objects.count() == 3


def test_the_service_says_whether_the_client_now_recommends_and_keeps_the_count_exact(comment):
    assert comment_recommend(comment=comment, client_hash="a" * 64) is True
    assert comment_recommend(comment=comment, client_hash="b" * 64) is True
    assert comment_recommend(comment=comment, client_hash="a" * 64) is False
    assert comment_recommend(comment=comment, client_hash="a" * 64) is True
    assert count_of(comment) == 2 == CommentRecommendation.objects.filter(comment=comment).count()


def test_a_press_racing_another_of_the_same_client_stores_one_recommend(comment, monkeypatch):
    """Two presses of one client at once both find no recommendation; the unique constraint
    refuses the second insert, which is then the same recommend, not an error or a double."""
    CommentRecommendation.objects.create(comment=comment, client_hash="a" * 64)  # the other press's row
    Comment.objects.filter(pk=comment.pk).update(recommend_count=1)
    monkeypatch.setattr("django.db.models.QuerySet.first", lambda self: None)

    assert comment_recommend(comment=comment, client_hash="a" * 64) is True

    assert count_of(comment) == 1 == CommentRecommendation.objects.count()


@pytest.mark.parametrize("method", ["get", "put", "delete", "patch"])
def test_the_recommend_url_allows_only_post(client, comment, method):
    assert getattr(client, method)(recommend_url(comment)).status_code == HTTPStatus.METHOD_NOT_ALLOWED
    assert count_of(comment) == 0


def test_recommending_an_unknown_hidden_or_misplaced_comment_is_404(client, comment):
    other_article = ArticleFactory()
    pending = CommentFactory(article=comment.article, status=Comment.Status.PENDING)
    draft = ArticleFactory(status="draft", published_at=None)
    on_draft = CommentFactory(article=draft)
    slug = comment.article.slug
    for url in (
        f"/news/{slug}/comments/999999/recommend/",
        f"/news/{slug}/comments/{pending.pk}/recommend/",
        f"/news/{other_article.slug}/comments/{comment.pk}/recommend/",
        f"/news/no-such-story/comments/{comment.pk}/recommend/",
        f"/news/{draft.slug}/comments/{on_draft.pk}/recommend/",
        f"/news/{slug}/comments/99999999999999999999999/recommend/",
        f"/news/{slug}/comments/-1/recommend/",
        f"/news/{slug}/comments/abc/recommend/",
    ):
        assert client.post(url).status_code == HTTPStatus.NOT_FOUND, url
    assert not CommentRecommendation.objects.exists()


def test_a_recommend_needs_the_csrf_token(comment):
    csrf_client = Client(enforce_csrf_checks=True)
    assert csrf_client.post(recommend_url(comment)).status_code == HTTPStatus.FORBIDDEN
    assert count_of(comment) == 0

    html = csrf_client.get(comment.article.get_absolute_url()).text
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
    response = csrf_client.post(recommend_url(comment), {"csrfmiddlewaretoken": token})
    assert response.status_code == HTTPStatus.SEE_OTHER
    assert count_of(comment) == 1


def test_past_the_recommend_rate_a_client_gets_429_with_retry_after_and_nothing_counted(
    client, settings, rate_clock
):
    settings.COMMENTS_RECOMMEND_RATE = "3/m,50/h"
    article = ArticleFactory()
    comments = [CommentFactory(article=article, name=f"Fan {i}") for i in range(4)]
    for one in comments[:3]:
        assert client.post(recommend_url(one)).status_code == HTTPStatus.SEE_OTHER

    response = client.post(recommend_url(comments[3]), {"sort": "newest"})

    assert response.status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert response["Retry-After"] == "60"
    assert "Too many recommendations — try again in 60 seconds." in response.text
    assert 'class="site-header"' in response.text  # the site's own page
    assert '<input type="hidden" name="sort" value="newest">' in response.text  # the order is kept
    assert count_of(comments[3]) == 0
    # Taking one back is a press too.
    assert client.post(recommend_url(comments[0])).status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert count_of(comments[0]) == 1
    # Another client is not held back.
    assert fan(9).post(recommend_url(comments[3])).status_code == HTTPStatus.SEE_OTHER


def test_a_closed_article_shows_counts_and_takes_no_recommends(client, comment):
    comment.recommend_count = 2
    comment.save()
    comment.article.comments_open = False
    comment.article.save()

    html = client.get(comment.article.get_absolute_url()).text
    assert recommend_url(comment) not in html
    assert "2 recommendations" in html

    response = client.post(recommend_url(comment))
    assert response.status_code == HTTPStatus.FORBIDDEN
    assert "Comments on this article are closed" in response.text
    assert count_of(comment) == 2


def test_a_recommend_lands_on_the_page_of_the_order_being_read(client, settings):
    settings.COMMENTS_PER_PAGE = 2
    article = ArticleFactory()
    oldest, middle, newest = (
        CommentFactory(article=article, created_at=minutes_ago(m)) for m in (30, 20, 10)
    )
    url = article.get_absolute_url()

    # Newest first, the oldest comment is on page 2.
    response = client.post(recommend_url(oldest), {"sort": "newest"})
    assert response["Location"] == f"{url}?sort=newest&comments=2#comment-{oldest.pk}"
    # Most recommended first, it has just moved to page 1 (the count is read after the press)…
    response = fan(7).post(recommend_url(newest), {"sort": "recommended"})
    assert response["Location"] == f"{url}?sort=recommended#comment-{newest.pk}"
    # …and taken back, to page 2 (a tie is oldest first).
    response = fan(7).post(recommend_url(newest), {"sort": "recommended"})
    assert response["Location"] == f"{url}?sort=recommended&comments=2#comment-{newest.pk}"
    # A junk order is the default one.
    response = fan(9).post(recommend_url(middle), {"sort": "<script>"})
    assert response["Location"] == f"{url}#comment-{middle.pk}"


def test_a_recommend_sent_to_a_renamed_article_follows_it_with_a_308(client, comment):
    ArticleRedirect.objects.create(old_slug="old-name", article=comment.article)
    response = client.post(f"/news/old-name/comments/{comment.pk}/recommend/")
    assert response.status_code == HTTPStatus.PERMANENT_REDIRECT
    assert response["Location"] == recommend_url(comment)


def test_purge_forgets_who_recommended_after_90_days_and_keeps_the_count(comment):
    old = CommentRecommendation.objects.create(
        comment=comment, client_hash="c" * 64, created_at=minutes_ago(91 * 24 * 60)
    )
    recent = CommentRecommendation.objects.create(comment=comment, client_hash="d" * 64)
    out = io.StringIO()

    call_command("purge_comment_data", stdout=out)

    assert CommentRecommendation.objects.get(pk=old.pk).client_hash == f"purged:{old.pk}"
    assert CommentRecommendation.objects.get(pk=recent.pk).client_hash == "d" * 64
    assert "1 recommendation(s)" in out.getvalue()


# ---------- Podium picks ----------


def test_a_moderator_picks_with_the_admin_action_logged_and_the_page_shows_it_first(client):
    article = ArticleFactory()
    first = CommentFactory(article=article, name="Early bird", body="First!", created_at=minutes_ago(30))
    picked = CommentFactory(article=article, name="Sharp eye", body="The split at 800 m tells it all.")
    mod = moderator()

    response = mod.post(
        "/admin/news/comment/?status__exact=all",
        {"action": "mark_pick", "_selected_action": [picked.pk]},
        follow=True,
    )

    assert "1 comment picked." in response.text
    picked.refresh_from_db()
    assert picked.is_pick and picked.picked_at is not None
    entry = LogEntry.objects.get(object_id=str(picked.pk))
    assert (entry.action_flag, entry.change_message) == (CHANGE, "Picked (admin action).")
    html = client.get(article.get_absolute_url()).text
    picks = html.index('id="comment-picks"')
    assert picks < html.index(f'id="comment-{first.pk}"')  # first: above the conversation
    block = html[picks : html.index("</section>", picks)]
    assert "Sharp eye" in block and "Podium pick" in block and "Early bird" not in block
    assert f'href="{article.get_absolute_url()}#comment-{picked.pk}"' in block
    thread_copy = html[html.index(f'id="comment-{picked.pk}"') :]
    assert (
        '<span class="badge badge--pick">Podium pick</span>' in thread_copy[: thread_copy.index("</header>")]
    )

    response = mod.post(
        "/admin/news/comment/?status__exact=all",
        {"action": "remove_pick", "_selected_action": [picked.pk]},
        follow=True,
    )

    assert "1 comment unpicked." in response.text
    assert LogEntry.objects.filter(object_id=str(picked.pk)).count() == 2
    html = client.get(article.get_absolute_url()).text
    assert 'id="comment-picks"' not in html and "badge--pick" not in html


def test_a_moderator_picks_with_the_per_comment_toggle_logged(client):
    picked = CommentFactory(name="Sharp eye")
    mod = moderator()
    changelist = "/admin/news/comment/?status__exact=all"
    form = {"form-TOTAL_FORMS": "1", "form-INITIAL_FORMS": "1", "form-0-id": str(picked.pk), "_save": "Save"}

    response = mod.post(changelist, {**form, "form-0-is_pick": "on"})

    assert response.status_code == HTTPStatus.FOUND
    picked.refresh_from_db()
    assert picked.is_pick and picked.picked_at is not None
    entry = LogEntry.objects.get(object_id=str(picked.pk))
    assert entry.action_flag == CHANGE and "Podium pick" in entry.get_change_message()
    assert "Podium picks" in client.get(picked.article.get_absolute_url()).text

    mod.post(changelist, form)  # the box unticked
    picked.refresh_from_db()
    assert (picked.is_pick, picked.picked_at) == (False, None)
    assert LogEntry.objects.filter(object_id=str(picked.pk)).count() == 2
    assert "Podium picks" not in client.get(picked.article.get_absolute_url()).text


def test_picks_are_listed_first_picked_first_and_only_public_ones(client, settings):
    settings.COMMENTS_PER_PAGE = 2
    article = ArticleFactory()
    tops = [
        CommentFactory(article=article, name=f"Top {i}", created_at=minutes_ago(50 - i)) for i in range(3)
    ]
    reply = CommentFactory(article=article, parent=tops[2], name="Replier", created_at=minutes_ago(5))
    held = CommentFactory(article=article, name="Held", status=Comment.Status.PENDING)
    Comment.objects.filter(pk=reply.pk).update(is_pick=True, picked_at=minutes_ago(3))
    Comment.objects.filter(pk=tops[0].pk).update(is_pick=True, picked_at=minutes_ago(2))
    Comment.objects.filter(pk=held.pk).update(is_pick=True, picked_at=minutes_ago(4))
    url = article.get_absolute_url()

    response = client.get(url)
    assert [pick.name for pick in response.context["comment_thread"].picks] == ["Replier", "Top 0"]
    block = response.text[response.text.index('id="comment-picks"') :].split("</section>")[0]
    assert "Held" not in block
    # Each links to where it sits: a reply on its top-level comment's page, in the order read.
    assert f'href="{url}?comments=2#comment-{reply.pk}"' in block
    assert f'href="{url}#comment-{tops[0].pk}"' in block
    newest = client.get(url + "?sort=newest").text
    assert f'href="{url}?sort=newest#comment-{reply.pk}"' in newest
    assert f'href="{url}?sort=newest&amp;comments=2#comment-{tops[0].pk}"' in newest
    # Only above the first page of the conversation.
    assert 'id="comment-picks"' not in client.get(url + "?comments=2").text


# ---------- Sorting ----------


@pytest.fixture
def sorted_thread():
    """Three top-level comments (B has the most recommendations, then C) and a reply to A."""
    article = ArticleFactory()
    a = CommentFactory(article=article, name="A", created_at=minutes_ago(30))
    b = CommentFactory(article=article, name="B", created_at=minutes_ago(20), recommend_count=5)
    c = CommentFactory(article=article, name="C", created_at=minutes_ago(10), recommend_count=2)
    reply = CommentFactory(article=article, parent=a, name="A's reply", created_at=minutes_ago(5))
    return SimpleNamespace(article=article, a=a, b=b, c=c, reply=reply)


@pytest.mark.parametrize(
    ("sort", "order"),
    [("", "ABC"), ("oldest", "ABC"), ("newest", "CBA"), ("recommended", "BCA")],
)
def test_each_sort_orders_the_top_level_comments_and_keeps_replies_under_theirs(
    client, sorted_thread, sort, order
):
    response = client.get(f"{sorted_thread.article.get_absolute_url()}?sort={sort}")

    assert response.status_code == HTTPStatus.OK
    comments = response.context["comments"]
    assert "".join(c.name for c in comments) == order
    assert [r.name for c in comments for r in c.approved_replies] == ["A's reply"]
    names = re.findall(r'<span class="comment__name">([^<]+)</span>', response.text)
    assert [n for n in names if n != "A&#x27;s reply"] == list(order)
    assert re.search(rf'aria-current="true">{CommentSort.read(sort).label}</a>', response.text)


def test_equal_recommends_are_oldest_first(client):
    article = ArticleFactory()
    for name, minutes in (("Later", 5), ("Earlier", 10)):
        CommentFactory(article=article, name=name, created_at=minutes_ago(minutes), recommend_count=3)
    response = client.get(article.get_absolute_url() + "?sort=recommended")
    assert [c.name for c in response.context["comments"]] == ["Earlier", "Later"]


@pytest.mark.parametrize(
    "junk", ["Newest", "newest%20", "%00", "%3Cscript%3E", "oldest%00", "x" * 5000, "%ZZ"]
)
def test_a_junk_sort_is_the_default_order_never_an_error(client, sorted_thread, junk):
    url = sorted_thread.article.get_absolute_url()
    response = client.get(f"{url}?sort={junk}")
    assert response.status_code == HTTPStatus.OK
    assert response.context["comment_thread"].sort == CommentSort.OLDEST
    assert "".join(c.name for c in response.context["comments"]) == "ABC"
    # The page names the default order's URL as its own: the junk URL is never what it is.
    assert f'<link rel="canonical" href="https://podium.example{url}">' in response.text


def test_sorted_pages_paginate_and_name_themselves_canonically(client, settings):
    settings.COMMENTS_PER_PAGE = 2
    article = ArticleFactory()
    for i in range(5):
        CommentFactory(article=article, name=f"C{i}", created_at=minutes_ago(50 - i))
    url = article.get_absolute_url()

    response = client.get(url + "?sort=newest&comments=2")

    assert [c.name for c in response.context["comments"]] == ["C2", "C1"]
    html = response.text
    assert f'<link rel="canonical" href="https://podium.example{url}?sort=newest&amp;comments=2">' in html
    assert 'rel="prev" href="?sort=newest#comments"' in html
    assert 'rel="next" href="?sort=newest&amp;comments=3#comments"' in html
    # Replying and the comment form keep the order and the page.
    assert (
        f'href="?sort=newest&amp;comments=2&amp;reply={response.context["comments"][0].pk}#comment-form"'
        in html
    )
    assert f'action="{url}?sort=newest&amp;comments=2#comment-errors"' in html
    # The sort links start each order at its first page.
    assert f'href="{url}?sort=recommended#comments"' in html
    assert f'href="{url}#comments" rel="nofollow">Oldest first' in html


@pytest.mark.parametrize("sort", list(CommentSort))
def test_a_permalink_in_each_order_lands_on_the_page_that_shows_the_comment(client, settings, sort):
    settings.COMMENTS_PER_PAGE = 3
    article = ArticleFactory()
    tops = [
        CommentFactory(article=article, created_at=minutes_ago(100 - i), recommend_count=(i * 7) % 5)
        for i in range(10)
    ]
    replies = [CommentFactory(article=article, parent=top) for top in tops[::3]]
    for comment in [*tops, *replies]:
        link = Comment.objects.get(pk=comment.pk).thread_url(sort=sort)
        page_url, anchor = link.split("#")
        html = client.get(page_url).text
        assert f'id="{anchor}"' in html, (sort, link)
    # get_absolute_url is the default order's.
    assert tops[9].get_absolute_url() == f"{article.get_absolute_url()}?comments=4#comment-{tops[9].pk}"
