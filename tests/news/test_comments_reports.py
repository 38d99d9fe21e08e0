"""Readers' reports, the moderators' queue, showing fans' text safely, and forgetting
commenters' details after 90 days."""

import datetime
import io
import re
from http import HTTPStatus
from types import SimpleNamespace

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


# ---------- Rate limits ----------

# One second into an hour: the fixed windows never roll over mid-test.
WINDOW_START = 1_800_000_000 // 3600 * 3600 + 1


@pytest.fixture
def rate_clock(monkeypatch):
    """The rate limiter's clock stands still at WINDOW_START."""
    monkeypatch.setattr("core.ratelimit.time", SimpleNamespace(time=lambda: WINDOW_START))


def test_past_the_report_rate_a_client_gets_429_with_retry_after_and_nothing_is_stored(
    client, settings, rate_clock
):
    settings.COMMENTS_REPORT_RATE = "3/m,50/h"
    article = ArticleFactory()
    comments = [CommentFactory(article=article) for _ in range(4)]
    for comment in comments[:3]:
        assert client.post(report_url(comment), {"reason": "spam"}).status_code == HTTPStatus.SEE_OTHER

    response = client.post(report_url(comments[3]), {"reason": "personal"})

    assert response.status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert response["Retry-After"] == "60"
    html = response.text
    assert "Too many reports — try again in 60 seconds." in html
    assert "<h1>Report a comment</h1>" in html and 'class="site-header"' in html  # the site's page
    assert '<option value="personal" selected>' in html  # the reason is kept
    assert CommentReport.objects.count() == 3
    assert not CommentReport.objects.filter(comment=comments[3]).exists()


def test_the_report_rate_counts_each_client_apart(settings, rate_clock):
    settings.COMMENTS_REPORT_RATE = "1/m"
    first, second = Client(REMOTE_ADDR="198.51.100.1"), Client(REMOTE_ADDR="198.51.100.2")
    one, two = CommentFactory(), CommentFactory()
    assert first.post(report_url(one), {"reason": "spam"}).status_code == HTTPStatus.SEE_OTHER
    assert second.post(report_url(one), {"reason": "spam"}).status_code == HTTPStatus.SEE_OTHER
    assert first.post(report_url(two), {"reason": "spam"}).status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert CommentReport.objects.filter(comment=one).count() == 2


def test_a_report_without_a_reason_does_not_use_up_the_rate(client, comment, settings, rate_clock):
    settings.COMMENTS_REPORT_RATE = "1/m"
    for _ in range(3):
        assert client.post(report_url(comment), {"reason": ""}).status_code == HTTPStatus.BAD_REQUEST
    assert client.post(report_url(comment), {"reason": "spam"}).status_code == HTTPStatus.SEE_OTHER


@pytest.mark.parametrize("proxy_header", ["", "X-Forwarded-For"])
def test_a_flood_from_rotating_addresses_stores_at_most_the_cap_per_comment(
    comment, settings, rate_clock, proxy_header
):
    """The issue's attack (300 reports of one comment, here 60), each from a new address (a spoofed
    X-Forwarded-For when gunicorn is reachable without the proxy). Each is thanked as usual;
    only COMMENTS_REPORTS_PER_COMMENT are stored, and other comments are not affected."""
    settings.COMMENTS_REPORTS_PER_COMMENT = "5/h"
    settings.TRUSTED_PROXY_HEADER = proxy_header

    def fan(i):
        address = f"203.0.{i // 250}.{i % 250 + 1}"
        return Client(REMOTE_ADDR=address, HTTP_X_FORWARDED_FOR=address)

    for i in range(60):
        response = fan(i).post(report_url(comment), {"reason": "abuse"})
        assert response.status_code == HTTPStatus.SEE_OTHER
    assert CommentReport.objects.filter(comment=comment).count() == 5
    last = fan(59)
    last.post(report_url(comment), {"reason": "abuse"})
    html = last.get(comment.article.get_absolute_url()).text
    assert "Thank you: a moderator will look at this comment." in html

    other = CommentFactory(article=comment.article)
    assert fan(0).post(report_url(other), {"reason": "spam"}).status_code == HTTPStatus.SEE_OTHER
    assert CommentReport.objects.filter(comment=other).count() == 1


def test_the_per_comment_cap_is_a_window_and_a_repeat_never_counts(client, comment, settings, monkeypatch):
    settings.COMMENTS_REPORTS_PER_COMMENT = "2/h"
    now = [WINDOW_START]
    monkeypatch.setattr("core.ratelimit.time", SimpleNamespace(time=lambda: now[0]))
    for _ in range(3):  # one client's repeats: one report, one place under the cap
        client.post(report_url(comment), {"reason": "spam"})
    Client(REMOTE_ADDR="192.0.2.50").post(report_url(comment), {"reason": "spam"})
    Client(REMOTE_ADDR="192.0.2.51").post(report_url(comment), {"reason": "spam"})
    assert CommentReport.objects.filter(comment=comment).count() == 2

    now[0] += 3600
    Client(REMOTE_ADDR="192.0.2.51").post(report_url(comment), {"reason": "spam"})
    assert CommentReport.objects.filter(comment=comment).count() == 3


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
    stamp = timezone.localtime(comment.created_at).replace(microsecond=0).isoformat()
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
