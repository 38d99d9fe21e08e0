"""Readers' "Report an error" (PRODUCT.md: ``POST /news/<slug>/report-error/``): the form on
the cached article page, success (303, PRG, a message), refused input (400 with the text
kept), honeypot and too-fast bots, the rate limit (429), replays, CSRF and junk."""

import re
import time
from http import HTTPStatus

import pytest
from django.test import Client
from django.utils import timezone

from core import cache as page_cache
from corrections.forms import report_token
from corrections.models import ErrorReport
from corrections.views import THANKS_MESSAGE
from news.models import Article, ArticleRedirect
from tests.news.factories import ArticleFactory

from .helpers import report_data, report_url

pytestmark = pytest.mark.django_db


@pytest.fixture
def article():
    return ArticleFactory(title="Kerr wins in Budapest", slug="kerr-wins")


def post(client, article, **fields):
    return client.post(report_url(article), report_data(article, **fields))


# ---------------------------------------------------------------- the form on the article


def test_every_article_has_a_report_form_and_the_page_is_still_stored(client, article):
    response = client.get(article.get_absolute_url())
    html = response.content.decode()
    form = re.search(r'<details class="error-report" id="report-error">.*?</details>', html, re.S)[0]
    assert "<summary" in form and "Report an error" in form
    assert f'action="/news/{article.slug}/report-error/"' in form and 'method="post"' in form
    for name in ("description", "source_url", "email", "website", "form_token", "csrfmiddlewaretoken"):
        assert f'name="{name}"' in form, name
    assert "<!--visitor:" not in html  # every hole filled
    token = re.search(r'name="form_token" value="([^"]+)"', form)[1]
    assert token.startswith(f"{article.pk}:")
    # Shared page, per-visitor parts in holes: the render is kept by the page cache.
    assert len(page_cache.local.entries) == 1
    again = Client().get(article.get_absolute_url()).content.decode()
    assert re.search(r'name="form_token" value="([^"]+)"', again.split('id="report-error"')[1])


def test_a_draft_preview_has_no_report_form(client):
    draft = ArticleFactory(status=Article.Status.DRAFT, published_at=None)
    assert client.post(report_url(draft), report_data(draft)).status_code == HTTPStatus.NOT_FOUND


# ---------------------------------------------------------------- success


def test_a_valid_report_is_stored_and_redirects_back_with_a_message(client, article):
    response = post(client, article, description="  Kerr's time was 3:29.38, not 3:29.83.  ")

    assert response.status_code == HTTPStatus.SEE_OTHER
    assert response["Location"] == f"{article.get_absolute_url()}#report-error"
    report = ErrorReport.objects.get()
    assert report.article == article
    assert report.description == "Kerr's time was 3:29.38, not 3:29.83."
    assert report.source_url == "https://worldathletics.org/results"
    assert report.email == "reader@example.com"
    assert report.status == ErrorReport.Status.OPEN
    assert len(report.client_hash) == 64 and "127.0.0.1" not in report.client_hash
    page = client.get(response["Location"])
    assert THANKS_MESSAGE in page.content.decode()
    assert THANKS_MESSAGE not in Client().get(article.get_absolute_url()).content.decode()


def test_source_and_email_are_optional(client, article):
    response = post(client, article, source_url="", email="")
    assert response.status_code == HTTPStatus.SEE_OTHER
    report = ErrorReport.objects.get()
    assert report.source_url == "" and report.email == ""


# ---------------------------------------------------------------- refused input


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"description": ""}, "Please tell us what is wrong"),
        ({"description": "\u200b\u200b  "}, "has no visible characters"),
        ({"description": "x" * 2001}, "Please shorten your report to 2,000 characters (it has 2001)"),
        ({"source_url": "not a web address"}, "Please give the source as a web address"),
        ({"source_url": "javascript:alert(1)"}, "Please give the source as a web address"),
        ({"email": "reader@"}, "Please give a valid email address"),
    ],
)
def test_invalid_input_gets_400_with_the_form_a_message_and_the_text_kept(client, article, fields, message):
    data = report_data(article, **fields)
    response = client.post(report_url(article), data)

    assert response.status_code == HTTPStatus.BAD_REQUEST
    html = response.content.decode()
    assert "Your report is not sent yet" in html and message in html
    assert 'role="alert"' in html and 'aria-invalid="true"' in html
    assert f'action="/news/{article.slug}/report-error/"' in html
    for name in ("description", "source_url", "email"):
        if data[name] and name not in fields:
            assert data[name] in html, name  # what the reader typed is kept
    if "source_url" in fields:
        assert 'value="not a web address"' in html or "javascript:alert(1)" in html
    assert not ErrorReport.objects.exists()


@pytest.mark.parametrize(
    ("token", "message"),
    [
        ("", "This form had expired or was changed on its way to us"),
        ("forged:123", "This form had expired or was changed on its way to us"),
        (None, "This form was made for another article"),
        ("expired", "This form was open for more than 24 hours"),
    ],
)
def test_a_missing_forged_foreign_or_expired_token_is_refused_with_a_fresh_form(
    client, article, token, message
):
    if token is None:
        token = report_token(ArticleFactory().pk, at=time.time() - 10)
    elif token == "expired":
        token = report_token(article.pk, at=time.time() - 25 * 3600)
    response = post(client, article, form_token=token, description="Wrong year in paragraph two.")

    assert response.status_code == HTTPStatus.BAD_REQUEST
    html = response.content.decode()
    assert message in html and "Wrong year in paragraph two." in html
    fresh = re.search(r'name="form_token" value="([^"]+)"', html)[1]
    assert fresh.startswith(f"{article.pk}:")
    assert not ErrorReport.objects.exists()
    # Sent again with the fresh form: accepted.
    again = client.post(report_url(article), report_data(article, form_token=fresh, seconds_ago=0))
    assert again.status_code == HTTPStatus.SEE_OTHER


def test_a_replayed_report_is_stored_once(client, article):
    data = report_data(article)
    assert client.post(report_url(article), data).status_code == HTTPStatus.SEE_OTHER
    assert client.post(report_url(article), data).status_code == HTTPStatus.SEE_OTHER
    assert ErrorReport.objects.count() == 1
    # Another reader with the same words is another report; so is another text.
    Client(REMOTE_ADDR="192.0.2.7").post(report_url(article), data)
    post(client, article, description="And the date of the final is wrong.")
    assert ErrorReport.objects.count() == 3


def test_the_honeypot_and_a_post_faster_than_a_person_are_thanked_and_not_stored(client, article):
    trapped = post(client, article, website="https://spam.example")
    fast = post(client, article, seconds_ago=0)

    for response in (trapped, fast):
        assert response.status_code == HTTPStatus.SEE_OTHER
        assert response["Location"].endswith("#report-error")
    assert not ErrorReport.objects.exists()


def test_past_the_rate_limit_429_with_retry_after_and_the_text_kept(client, article, settings):
    settings.CORRECTIONS_REPORT_RATE = "2/m"
    for n in range(2):
        assert post(client, article, description=f"Error number {n}.").status_code == HTTPStatus.SEE_OTHER

    response = post(client, article, description="A third error, kept.")

    assert response.status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert 0 < int(response["Retry-After"]) <= 61
    html = response.content.decode()
    assert "Too many reports" in html and "A third error, kept." in html
    assert ErrorReport.objects.count() == 2
    # Another reader is not slowed down by this one.
    other = Client(REMOTE_ADDR="192.0.2.9").post(report_url(article), report_data(article))
    assert other.status_code == HTTPStatus.SEE_OTHER


def test_without_the_csrf_token_403_and_with_the_pages_token_303(article):
    browser = Client(enforce_csrf_checks=True)
    assert browser.post(report_url(article), report_data(article)).status_code == HTTPStatus.FORBIDDEN

    page = browser.get(article.get_absolute_url()).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)[1]
    response = browser.post(report_url(article), {**report_data(article), "csrfmiddlewaretoken": token})
    assert response.status_code == HTTPStatus.SEE_OTHER
    assert ErrorReport.objects.count() == 1


def test_get_and_other_methods_are_405_and_unknown_articles_404(client, article):
    for method in ("get", "put", "patch", "delete"):
        assert getattr(client, method)(report_url(article)).status_code == HTTPStatus.METHOD_NOT_ALLOWED
    assert client.post("/news/no-such-story/report-error/", {}).status_code == HTTPStatus.NOT_FOUND
    future = ArticleFactory(published_at=timezone.now() + timezone.timedelta(days=1))
    assert client.post(report_url(future), report_data(future)).status_code == HTTPStatus.NOT_FOUND


def test_a_report_sent_to_a_renamed_articles_old_url_follows_it(client, article):
    ArticleRedirect.objects.create(old_slug="kerr-old", article=article)
    response = client.post("/news/kerr-old/report-error/", report_data(article))
    assert response.status_code == HTTPStatus.PERMANENT_REDIRECT
    assert response["Location"] == f"/news/{article.slug}/report-error/"


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"description": ["one", "two"], "email": ["a@b.example", "c"], "extra": "1", "page": "-1"},
        {"description": "\x00\x00", "source_url": "%ZZ", "email": "\x00", "form_token": "\x00"},
        {"description": "k" * 100_000, "source_url": "https://" + "a" * 600 + ".example"},
        {"description": "ok", "source_url": "http://[::1", "form_token": "1:2:3"},
    ],
)
def test_junk_parameters_never_break_it(article, data):
    client = Client(raise_request_exception=False)
    response = client.post(report_url(article), data)
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert not ErrorReport.objects.exists()


def test_an_undecodable_body_is_a_400_not_a_500(article):
    client = Client(raise_request_exception=False)
    response = client.post(
        report_url(article), data=b"\xff\xfe%ZZ=%00", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == HTTPStatus.BAD_REQUEST
