"""The desk: corrections inline in the article form, the queue of readers' error reports
(newest first, per article, open/accepted/dismissed, actions) and the reader's mail on
acceptance, through the outbox, in the decision's transaction and only once."""

import datetime
from http import HTTPStatus

import pytest
from django.contrib.auth.models import Group, User
from django.db import transaction
from django.test import Client
from django.utils import timezone

from corrections.models import Correction, ErrorReport
from corrections.services import OUTBOX_KIND, error_report_set_status
from notifications.models import OutboxMessage
from tests.news.factories import ARTICLE_INLINES, ArticleFactory, AuthorFactory
from tests.notifications.helpers import send_notifications

from .factories import CorrectionFactory, ErrorReportFactory

pytestmark = pytest.mark.django_db

QUEUE = "/admin/corrections/errorreport/"


def staff_client(group):
    user = User.objects.create_user(f"{group.lower()}-1", password="x-correct-horse-9", is_staff=True)
    user.groups.add(Group.objects.get(name=group))
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def editor():
    return staff_client("Editors")


def accepted_mail():
    return OutboxMessage.objects.filter(kind=OUTBOX_KIND)


def act(client, action, reports):
    return client.post(QUEUE, {"action": action, "_selected_action": [r.pk for r in reports]}, follow=True)


# ---------------------------------------------------------------- corrections in the article form


def change_form(article, **rows):
    published = timezone.localtime(article.published_at)
    return {
        "title": article.title, "slug": article.slug, "standfirst": article.standfirst, "body": article.body,
        "section": article.section_id, "authors": [a.pk for a in article.authors.all()],
        "status": article.status, "published_at_0": f"{published:%Y-%m-%d}",
        "published_at_1": f"{published:%H:%M:%S}", "comments_open": "on", **ARTICLE_INLINES, **rows,
    }  # fmt: skip


def test_an_editor_adds_a_correction_inline_in_the_article_form_and_readers_see_it(editor, client):
    article = ArticleFactory(slug="kerr-wins", authors=[AuthorFactory()])
    client.get(article.get_absolute_url())  # cached

    page = editor.get(f"/admin/news/article/{article.pk}/change/").content.decode()
    assert "corrections-TOTAL_FORMS" in page and "shown at the article" in page
    response = editor.post(
        f"/admin/news/article/{article.pk}/change/",
        change_form(
            article,
            **{
                "corrections-TOTAL_FORMS": "1",
                "corrections-0-date": "2024-03-03",
                "corrections-0-text": "An earlier version misspelt Ingebrigtsen.",
            },
        ),
    )

    assert response.status_code == HTTPStatus.FOUND, response.content.decode()[:2000]
    correction = Correction.objects.get()
    assert correction.article == article and correction.date == datetime.date(2024, 3, 3)
    html = client.get(article.get_absolute_url()).content.decode()
    assert "Correction, <time" in html and "An earlier version misspelt Ingebrigtsen." in html


def test_a_correction_dated_tomorrow_is_a_form_error_in_the_article_form(editor):
    article = ArticleFactory(authors=[AuthorFactory()])
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    response = editor.post(
        f"/admin/news/article/{article.pk}/change/",
        change_form(
            article,
            **{
                "corrections-TOTAL_FORMS": "1",
                "corrections-0-date": f"{tomorrow}",
                "corrections-0-text": "x",
            },
        ),
    )
    assert response.status_code == HTTPStatus.OK
    assert "cannot be in the future" in response.content.decode()
    assert not Correction.objects.exists()


def test_corrections_have_a_changelist_search_and_add_form_for_editors(editor):
    CorrectionFactory(text="Misspelt name.")
    assert editor.get("/admin/corrections/correction/").status_code == HTTPStatus.OK
    assert (
        "Misspelt name." in editor.get("/admin/corrections/correction/", {"q": "misspelt"}).content.decode()
    )
    assert editor.get("/admin/corrections/correction/add/").status_code == HTTPStatus.OK


def test_moderators_see_neither_corrections_nor_reports():
    moderator = staff_client("Moderators")
    assert moderator.get("/admin/corrections/correction/").status_code == HTTPStatus.FORBIDDEN
    assert moderator.get(QUEUE).status_code == HTTPStatus.FORBIDDEN


# ---------------------------------------------------------------- the queue


def test_the_queue_shows_open_reports_newest_first_and_filters_by_article_and_status(editor):
    kerr = ArticleFactory(title="Kerr wins")
    other = ArticleFactory(title="Another story")
    old = ErrorReportFactory(
        article=kerr, description="Old report.", created_at=timezone.now() - datetime.timedelta(days=2)
    )
    new = ErrorReportFactory(article=kerr, description="New report.")
    ErrorReportFactory(article=other, description="Other story's report.")
    ErrorReportFactory(article=kerr, description="Dismissed report.", status=ErrorReport.Status.DISMISSED)

    html = editor.get(QUEUE).content.decode()
    assert html.index("New report.") < html.index("Old report.")
    assert "Other story" in html and "Dismissed report." not in html

    per_article = editor.get(QUEUE, {"article__id__exact": kerr.pk}).content.decode()
    assert "New report." in per_article and "Other story&#x27;s report." not in per_article
    assert "Dismissed report." in editor.get(QUEUE, {"status__exact": "dismissed"}).content.decode()
    everything = editor.get(QUEUE, {"status__exact": "all"}).content.decode()
    assert all(text in everything for text in ("Old report.", "New report.", "Dismissed report."))
    assert editor.get(QUEUE, {"status__exact": "nonsense"}).status_code == HTTPStatus.OK
    assert editor.get(QUEUE, {"q": "old"}).status_code == HTTPStatus.OK
    change = editor.get(f"{QUEUE}{old.pk}/change/")
    assert change.status_code == HTTPStatus.OK and "Old report." in change.content.decode()
    assert editor.get(f"{QUEUE}add/").status_code == HTTPStatus.FORBIDDEN  # reports come from readers
    assert new.pk


def test_accepting_a_report_mails_its_reader_once_through_the_outbox(editor, mailoutbox):
    report = ErrorReportFactory(
        article=ArticleFactory(title="Kerr wins", slug="kerr-wins"), email="reader@example.com"
    )

    act(editor, "accept", [report])

    report.refresh_from_db()
    assert report.status == ErrorReport.Status.ACCEPTED and report.decided_at and report.notified_at
    (message,) = accepted_mail()
    assert message.to == "reader@example.com"
    assert "Kerr wins" in message.subject and "accepted" in message.subject
    assert "https://podium.example/news/kerr-wins/" in message.body
    assert "https://podium.example/corrections/" in message.body

    # Accepted again, reopened and accepted, dismissed and accepted: never a second mail.
    act(editor, "accept", [report])
    act(editor, "reopen", [report])
    act(editor, "accept", [report])
    act(editor, "dismiss", [report])
    act(editor, "accept", [report])
    assert accepted_mail().count() == 1

    send_notifications()
    (sent,) = mailoutbox
    assert sent.to == ["reader@example.com"] and "Kerr wins" in sent.body


def test_accepting_through_the_change_form_mails_once_too(editor):
    report = ErrorReportFactory()
    url = f"{QUEUE}{report.pk}/change/"
    for _ in range(2):
        response = editor.post(url, {"status": "accepted", "note": "Checked with the results."})
        assert response.status_code == HTTPStatus.FOUND
    report.refresh_from_db()
    assert report.status == ErrorReport.Status.ACCEPTED and report.note == "Checked with the results."
    assert accepted_mail().count() == 1


def test_no_mail_without_an_address_or_when_dismissed(editor):
    silent = ErrorReportFactory(email="")
    dismissed = ErrorReportFactory(email="reader@example.com")
    act(editor, "accept", [silent])
    act(editor, "dismiss", [dismissed])
    assert not accepted_mail().exists()
    assert ErrorReport.objects.get(pk=dismissed.pk).status == ErrorReport.Status.DISMISSED


def test_the_mail_is_written_in_the_transaction_of_the_status_change():
    report = ErrorReportFactory()
    with pytest.raises(RuntimeError), transaction.atomic():
        error_report_set_status(report=report, status=ErrorReport.Status.ACCEPTED)
        assert accepted_mail().count() == 1
        raise RuntimeError("the editor's save failed")
    assert not accepted_mail().exists()
    report.refresh_from_db()
    assert report.status == ErrorReport.Status.OPEN and report.notified_at is None


def test_actions_are_logged(editor):
    from django.contrib.admin.models import LogEntry

    report = ErrorReportFactory()
    act(editor, "dismiss", [report])
    assert LogEntry.objects.filter(object_id=str(report.pk), change_message__contains="Dismissed").exists()


@pytest.mark.parametrize("count", [3, 30])
def test_the_queue_costs_the_same_queries_whatever_its_length(editor, count):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    articles = [ArticleFactory() for _ in range(3)]
    for n in range(count):
        ErrorReportFactory(article=articles[n % 3], description=f"Report {n}.")
    editor.get(QUEUE)  # the session and permissions, once
    with CaptureQueriesContext(connection) as captured:
        assert editor.get(QUEUE).status_code == HTTPStatus.OK
    # Session, user, permissions (2), the filter's articles, the two counts, the page's rows
    # with their articles: 8, however many reports wait.
    assert len(captured) == 8, [q["sql"] for q in captured]
