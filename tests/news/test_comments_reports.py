"""Readers' reports, the moderators' queue, showing fans' text safely, and forgetting
commenters' details after 90 days."""

import datetime
import io
import re
from http import HTTPStatus

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from news.models import Comment, CommentReport
from news.moderation import blocklisted_words, count_links, render_comment_text

from .factories import ArticleFactory, CommentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def comment():
    return CommentFactory(name="Ana", body="A fair point")


def report_url(comment):
    return f"{comment.article.get_absolute_url()}comments/{comment.pk}/report/"


# ---------- Reporting ----------


def test_each_comment_has_a_report_form_with_csrf_and_reasons(client, comment):
    html = client.get(comment.article.get_absolute_url()).content.decode()

    form = re.search(
        rf'<form class="report-form" method="post" action="{report_url(comment)}">(.*?)</form>', html, re.S
    )
    assert form, "report form missing"
    assert 'name="csrfmiddlewaretoken"' in form.group(1)
    assert f'<label for="report-reason-{comment.pk}">' in form.group(1)
    for value in CommentReport.Reason.values:
        assert f'<option value="{value}">' in form.group(1)


def test_a_report_is_stored_and_answered_with_a_redirect_and_a_message(client, comment):
    response = client.post(report_url(comment), {"reason": "abuse"})

    assert response.status_code == HTTPStatus.SEE_OTHER
    assert response["Location"] == f"{comment.article.get_absolute_url()}#comment-{comment.pk}"
    report = CommentReport.objects.get()
    assert (report.comment, report.reason, len(report.client_hash)) == (comment, "abuse", 64)
    html = client.get(comment.article.get_absolute_url()).content.decode()
    assert "Thank you: a moderator will look at this comment." in html
    assert "A fair point" in html  # a report never hides the comment


def test_a_second_report_from_the_same_client_is_a_friendly_no_op(client, comment):
    client.post(report_url(comment), {"reason": "abuse"})

    response = client.post(report_url(comment), {"reason": "spam"})

    assert response.status_code == HTTPStatus.SEE_OTHER
    assert CommentReport.objects.count() == 1
    assert CommentReport.objects.get().reason == "abuse"
    html = client.get(comment.article.get_absolute_url()).content.decode()
    assert "You have already reported this comment" in html


def test_reports_from_different_clients_are_counted(comment):
    for address in ("192.0.2.1", "192.0.2.2", "192.0.2.3"):
        Client(REMOTE_ADDR=address).post(report_url(comment), {"reason": "spam"})
    assert CommentReport.objects.filter(comment=comment).count() == 3
    comment.refresh_from_db()
    assert comment.status == Comment.Status.APPROVED


@pytest.mark.parametrize("method", ["get", "put", "delete"])
def test_report_url_allows_only_post(client, comment, method):
    assert getattr(client, method)(report_url(comment)).status_code == HTTPStatus.METHOD_NOT_ALLOWED


@pytest.mark.parametrize("reason", ["", "nonsense", "<script>"])
def test_a_report_without_a_valid_reason_is_400_with_the_form_again(client, comment, reason):
    response = client.post(report_url(comment), {"reason": reason})
    assert response.status_code == HTTPStatus.BAD_REQUEST
    html = response.content.decode()
    assert "<h1>Report a comment</h1>" in html and 'name="reason"' in html
    assert "<script>" not in html
    assert not CommentReport.objects.exists()


def test_reporting_an_unknown_hidden_or_misplaced_comment_is_404(client, comment):
    other_article = ArticleFactory()
    pending = CommentFactory(article=comment.article, status=Comment.Status.PENDING)
    slug = comment.article.slug
    for url in (
        f"/news/{slug}/comments/999999/report/",
        f"/news/{slug}/comments/{pending.pk}/report/",
        f"/news/{other_article.slug}/comments/{comment.pk}/report/",
        f"/news/no-such-story/comments/{comment.pk}/report/",
        f"/news/{slug}/comments/99999999999999999999999/report/",
        f"/news/{slug}/comments/abc/report/",
    ):
        assert client.post(url, {"reason": "spam"}).status_code == HTTPStatus.NOT_FOUND, url
    assert not CommentReport.objects.exists()


def test_a_report_needs_the_csrf_token(comment):
    csrf_client = Client(enforce_csrf_checks=True)
    response = csrf_client.post(report_url(comment), {"reason": "spam"})
    assert response.status_code == HTTPStatus.FORBIDDEN
    assert "Please send that again" in response.content.decode()

    html = csrf_client.get(comment.article.get_absolute_url()).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
    response = csrf_client.post(report_url(comment), {"reason": "spam", "csrfmiddlewaretoken": token})
    assert response.status_code == HTTPStatus.SEE_OTHER


def test_report_redirect_names_the_comments_page(client, settings):
    settings.COMMENTS_PER_PAGE = 2
    article = ArticleFactory()
    start = timezone.now() - datetime.timedelta(hours=1)
    comments = [
        CommentFactory(article=article, created_at=start + datetime.timedelta(minutes=i)) for i in range(3)
    ]
    response = client.post(report_url(comments[2]), {"reason": "spam"})
    assert response["Location"] == f"{article.get_absolute_url()}?comments=2#comment-{comments[2].pk}"


# ---------- The moderators' queue ----------


def reported(comment, times):
    for i in range(times):
        CommentReport.objects.create(comment=comment, reason="spam", client_hash=f"{comment.pk}-{i}")
    return comment


def queue_bodies(admin_client, **params):
    response = admin_client.get("/admin/news/comment/", {"status__exact": "all", **params})
    assert response.status_code == HTTPStatus.OK
    return [c.body for c in response.context["cl"].result_list], response


def test_queue_puts_reported_comments_first_most_reported_first(admin_client):
    old = timezone.now() - datetime.timedelta(days=2)
    CommentFactory(body="newest, not reported")
    reported(CommentFactory(body="reported once", created_at=old), 1)
    reported(CommentFactory(body="reported three times", created_at=old), 3)
    CommentFactory(body="older, not reported", created_at=old - datetime.timedelta(days=1))

    bodies, response = queue_bodies(admin_client)

    assert bodies == ["reported three times", "reported once", "newest, not reported", "older, not reported"]
    html = response.content.decode()
    assert "column-report_count" in html
    assert '<td class="field-report_count">3</td>' in html


def test_queue_can_show_only_reported_comments(admin_client):
    reported(CommentFactory(body="reported"), 1)
    CommentFactory(body="quiet")
    assert queue_bodies(admin_client, reported="yes")[0] == ["reported"]
    assert queue_bodies(admin_client, reported="no")[0] == ["quiet"]


def test_pending_queue_is_ordered_by_reports_too(admin_client):
    reported(CommentFactory(body="pending reported", status=Comment.Status.PENDING), 2)
    CommentFactory(body="pending quiet", status=Comment.Status.PENDING)
    response = admin_client.get("/admin/news/comment/")
    assert [c.body for c in response.context["cl"].result_list] == ["pending reported", "pending quiet"]


def test_queue_query_count_does_not_grow_with_comments_or_reports(
    admin_client, django_assert_max_num_queries
):
    def load():
        with django_assert_max_num_queries(30) as captured:
            queue_bodies(admin_client)
        return len(captured)

    for _ in range(3):
        reported(CommentFactory(), 2)
    few = load()
    for n in range(40):
        reported(CommentFactory(), n % 4)
    assert load() == few


def test_comment_change_form_summarises_the_reports(admin_client, comment):
    CommentReport.objects.create(comment=comment, reason="spam", client_hash="a")
    CommentReport.objects.create(comment=comment, reason="spam", client_hash="b")
    CommentReport.objects.create(comment=comment, reason="abuse", client_hash="c")
    html = admin_client.get(f"/admin/news/comment/{comment.pk}/change/").content.decode()
    assert "Spam or advertising ×2, Abusive or hateful ×1" in html


# ---------- Showing fans' text ----------


LINK = '<a href="{href}" rel="nofollow ugc noopener">{text}</a>'


def test_urls_become_nofollow_ugc_links_after_escaping():
    html = render_comment_text('Read https://example.com/a?b=1&c="2" and www.podium.example.')
    first = "https://example.com/a?b=1&amp;c="
    assert html == (
        "Read "
        + LINK.format(href=first, text=first)
        + "&quot;2&quot; and "
        + LINK.format(href="https://www.podium.example", text="www.podium.example")
        + "."
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a\nb\r\nc\rd", "a<br>b<br>c<br>d"),
        ("<b>x</b> & y", "&lt;b&gt;x&lt;/b&gt; &amp; y"),
        ("javascript:alert(1)", "javascript:alert(1)"),
        (
            'http://x.example/"onmouseover=alert(1)',
            LINK.format(href="http://x.example/", text="http://x.example/") + "&quot;onmouseover=alert(1)",
        ),
        (
            "<a href='https://x.example'>x</a>",
            "&lt;a href=&#x27;"
            + LINK.format(href="https://x.example", text="https://x.example")
            + "&#x27;&gt;x&lt;/a&gt;",
        ),
        ("https:// and www.", "https:// and www."),
    ],
)
def test_comment_text_is_escaped_with_line_breaks_kept(text, expected):
    assert render_comment_text(text) == expected


def test_links_keep_balanced_brackets_and_drop_trailing_punctuation():
    html = render_comment_text("(see https://en.wikipedia.org/wiki/Mile_(unit)), or https://a.example!")
    assert 'href="https://en.wikipedia.org/wiki/Mile_(unit)"' in html
    assert 'href="https://a.example"' in html
    assert html.endswith("</a>!")


def test_link_and_blocklist_helpers():
    assert count_links("https://a.example www.b.example http://c.example nothing.example") == 3
    assert blocklisted_words("Cheap PILLS, pills!", ["pills"]) == ["pills"]
    assert blocklisted_words("spillsover", ["pills"]) == []
    assert blocklisted_words("anything", []) == []


def test_comment_links_on_the_page_are_nofollow_ugc(client):
    comment = CommentFactory(body="Results at https://worldathletics.org/results")
    html = client.get(comment.article.get_absolute_url()).content.decode()
    assert (
        '<a href="https://worldathletics.org/results" rel="nofollow ugc noopener">'
        "https://worldathletics.org/results</a>"
    ) in html


def test_a_comment_shows_name_time_and_a_permalink(client):
    comment = CommentFactory(name="Ana", created_at=timezone.now() - datetime.timedelta(hours=2))
    html = client.get(comment.article.get_absolute_url()).content.decode()
    assert '<span class="comment__name">Ana</span>' in html
    # Whole seconds: HTML allows at most three digits of a fraction (Django's "c" gives six).
    stamp = timezone.localtime(comment.created_at).strftime("%Y-%m-%dT%H:%M:%S%z")
    assert f'<time class="comment__time" datetime="{stamp}"' in html
    # The time as a date, never "2 hours ago": a cached page would keep saying it.
    assert f">{timezone.localtime(comment.created_at):%-d %b %Y, %H:%M}</time>" in html
    assert f'<a class="comment__permalink" href="#comment-{comment.pk}"' in html


# ---------- Forgetting commenters' details ----------


def test_purge_clears_emails_and_hashes_older_than_90_days(settings):
    assert settings.COMMENTS_DATA_RETENTION_DAYS == 90
    now = timezone.now()
    old = CommentFactory(
        email="old@example.com", ip_hash="a" * 64, created_at=now - datetime.timedelta(days=91)
    )
    recent = CommentFactory(
        email="new@example.com", ip_hash="b" * 64, created_at=now - datetime.timedelta(days=89)
    )
    old_reports = [
        CommentReport.objects.create(
            comment=old, reason="spam", client_hash=h * 64, created_at=now - datetime.timedelta(days=100)
        )
        for h in "cd"
    ]
    recent_report = CommentReport.objects.create(comment=old, reason="abuse", client_hash="e" * 64)

    out = io.StringIO()
    call_command("purge_comment_data", stdout=out)

    old.refresh_from_db()
    recent.refresh_from_db()
    assert (old.email, old.ip_hash) == ("", "")
    assert (old.name, old.body) != ("", "")  # the comment itself stays
    assert (recent.email, recent.ip_hash) == ("new@example.com", "b" * 64)
    hashes = {r.pk: r.client_hash for r in CommentReport.objects.all()}
    assert hashes[recent_report.pk] == "e" * 64
    for report in old_reports:
        assert hashes[report.pk] == f"purged:{report.pk}"
    assert "1 comment(s), 2 report(s)" in out.getvalue()

    again = io.StringIO()
    call_command("purge_comment_data", stdout=again)
    assert "0 comment(s), 0 report(s)" in again.getvalue()
