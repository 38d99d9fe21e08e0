"""The outbox and the reply-email addresses in the admin: changelists within a query budget
that does not grow, search, the change pages, and "Send again" for a given-up message."""

from http import HTTPStatus

import pytest
from django.utils import timezone

from notifications import services
from notifications.models import OutboxMessage, Subscriber
from tests.news.factories import CommentFactory

pytestmark = pytest.mark.django_db


def populate(n):
    for i in range(n):
        thread = CommentFactory(email=f"fan{i}@example.com")
        services.subscription_request(email=thread.email, thread=thread)
        services.outbox_enqueue(to=thread.email, subject=f"Mail {i}", body=".", kind="test")


@pytest.mark.parametrize("model", ["outboxmessage", "subscriber"])
def test_changelists_search_and_change_pages_render_within_a_budget(
    admin_client, model, django_assert_max_num_queries
):
    url = f"/admin/notifications/{model}/"
    populate(3)
    with django_assert_max_num_queries(15) as small:
        assert admin_client.get(url).status_code == HTTPStatus.OK
    populate(20)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert admin_client.get(url).status_code == HTTPStatus.OK
    assert admin_client.get(url, {"q": "fan1"}).status_code == HTTPStatus.OK
    obj = (OutboxMessage if model == "outboxmessage" else Subscriber).objects.first()
    assert admin_client.get(f"{url}{obj.pk}/change/").status_code == HTTPStatus.OK


def test_send_again_requeues_a_given_up_message_and_leaves_sent_ones(admin_client):
    given_up = services.outbox_enqueue(to="a@example.com", subject="A", body=".", kind="test")
    sent = services.outbox_enqueue(to="b@example.com", subject="B", body=".", kind="test")
    OutboxMessage.objects.filter(pk=given_up.pk).update(next_attempt_at=None, attempts=services.MAX_ATTEMPTS)
    OutboxMessage.objects.filter(pk=sent.pk).update(next_attempt_at=None, sent_at=timezone.now(), attempts=1)
    admin_client.post(
        "/admin/notifications/outboxmessage/",
        {"action": "send_again", "_selected_action": [given_up.pk, sent.pk]},
    )
    given_up.refresh_from_db()
    sent.refresh_from_db()
    assert given_up.status == "waiting" and given_up.attempts == 0
    assert sent.status == "sent" and sent.attempts == 1


def test_a_subscribers_change_page_lists_the_athletes_it_follows(admin_client):
    from tests.athletics.factories import AthleteFactory

    followed = services.athlete_follow_request(
        email="fan@example.com", athlete=AthleteFactory(name="Josh Kerr")
    )
    response = admin_client.get(f"/admin/notifications/subscriber/{followed.subscriber_id}/change/")
    assert response.status_code == HTTPStatus.OK
    assert "Athlete follows" in response.content.decode() and "Josh Kerr" in response.content.decode()
