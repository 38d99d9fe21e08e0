"""The outbox and its sender (``send_notifications``): an SMTP outage delays mail and loses
none (a real SMTP conversation with a server that refuses, then accepts), retries back
off, two senders at once never send a message twice, a sender that died mid-send leaves
its message to a later run, and a message is given up on (kept) after its last attempt."""

import datetime
import smtplib
import socket
from email import message_from_bytes
from unittest import mock

import pytest
from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.utils import DNS_NAME
from django.utils import timezone

from notifications import services
from notifications.models import OutboxMessage

from .helpers import FakeSMTPServer, send_notifications

pytestmark = pytest.mark.django_db


class RefusingBackend(BaseEmailBackend):
    """A mail server that is down: every send fails."""

    def send_messages(self, email_messages):
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")


def queue(n=1, **fields):
    return [
        services.outbox_enqueue(
            to=f"fan{i}@example.com", subject=f"Message {i}", body="Hello.", kind="test", **fields
        )
        for i in range(n)
    ]


def at(minutes):
    """Patch the clock ``minutes`` from now (the sender's view of time)."""
    return mock.patch(
        "django.utils.timezone.now", return_value=timezone.now() + datetime.timedelta(minutes=minutes)
    )


@pytest.fixture
def smtp(settings, monkeypatch):
    server = FakeSMTPServer()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = server.port
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 5
    # The greeting's host name, without asking DNS for this machine's name.
    monkeypatch.setattr(DNS_NAME, "_fqdn", "podium.test", raising=False)
    yield server
    server.close()


def closed_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.parametrize("outage", ["421 service not available", "connection refused"])
def test_an_smtp_outage_delays_mail_and_loses_none(smtp, settings, outage):
    if outage == "connection refused":
        settings.EMAIL_PORT = closed_port()
    messages = queue(3)

    send_notifications()  # the server is down
    assert smtp.received == []
    failed = OutboxMessage.objects.filter(attempts=1, sent_at__isnull=True)
    assert failed.count() == 3
    assert all(m.last_error and m.next_attempt_at > timezone.now() for m in failed)
    send_notifications()  # a minute has not passed: nothing is tried again yet
    assert OutboxMessage.objects.filter(attempts=1).count() == 3

    smtp.refusing = False
    settings.EMAIL_PORT = smtp.port
    with at(2):
        send_notifications()
        send_notifications()  # and a run after it sends nothing twice
    assert len(smtp.received) == 3
    subjects = sorted(message_from_bytes(raw)["Subject"] for raw in smtp.received)
    assert subjects == ["Message 0", "Message 1", "Message 2"]
    ids = {message_from_bytes(raw)["Message-ID"] for raw in smtp.received}
    assert ids == {m.headers["Message-ID"] for m in messages}
    assert (
        OutboxMessage.objects.filter(
            sent_at__isnull=False, next_attempt_at__isnull=True, last_error=""
        ).count()
        == 3
    )


def test_a_message_is_sent_with_its_headers_through_smtp(smtp):
    smtp.refusing = False
    queue(headers={"List-Unsubscribe": "<https://podium.example/notifications/unsubscribe/x/>"})
    send_notifications()
    sent = message_from_bytes(smtp.received[0])
    assert sent["To"] == "fan0@example.com"
    assert sent["List-Unsubscribe"] == "<https://podium.example/notifications/unsubscribe/x/>"


def test_failures_back_off_exponentially_then_the_sender_gives_up_and_keeps_the_message(settings):
    settings.EMAIL_BACKEND = "tests.notifications.test_outbox.RefusingBackend"
    (message,) = queue()
    waits = []
    minutes = 0
    for _ in range(5):
        with at(minutes):
            send_notifications()
            message.refresh_from_db()
            waits.append(round((message.next_attempt_at - timezone.now()).total_seconds() / 60))
        minutes += waits[-1] + 1
    assert waits == [1, 2, 4, 8, 16]
    assert "SMTPServerDisconnected" in message.last_error

    OutboxMessage.objects.filter(pk=message.pk).update(attempts=services.MAX_ATTEMPTS - 1)
    with at(minutes):
        send_notifications()
    message.refresh_from_db()
    assert message.status == "gave up"
    assert message.attempts == services.MAX_ATTEMPTS and message.sent_at is None
    with at(minutes + 60 * 24):
        send_notifications()
    message.refresh_from_db()
    assert message.attempts == services.MAX_ATTEMPTS  # not tried again, and still there


def test_the_backoff_is_at_most_six_hours(settings):
    settings.EMAIL_BACKEND = "tests.notifications.test_outbox.RefusingBackend"
    (message,) = queue()
    OutboxMessage.objects.filter(pk=message.pk).update(attempts=12)
    send_notifications()
    message.refresh_from_db()
    assert message.next_attempt_at - timezone.now() <= datetime.timedelta(hours=6)
    assert message.next_attempt_at - timezone.now() > datetime.timedelta(hours=5, minutes=59)


def test_two_senders_at_once_send_each_message_once(monkeypatch, mailoutbox):
    """The second sender runs between the first one's read of the due messages and its
    claim: the first then claims nothing (the rows changed), so nothing goes twice."""
    queue(3)
    real_candidates = services._candidates
    raced = []

    def candidates_then_another_sender(due):
        found = real_candidates(due)
        if not raced:
            raced.append(None)  # once: the other sender's own reads are left alone
            raced[0] = services.outbox_send_due()
        return found

    monkeypatch.setattr(services, "_candidates", candidates_then_another_sender)
    first = services.outbox_send_due()
    assert raced[0].sent == 3
    assert first.sent == 0
    assert sorted(m.subject for m in mailoutbox) == ["Message 0", "Message 1", "Message 2"]


def test_a_sender_running_while_another_sends_finds_the_message_claimed(settings, mailoutbox):
    queue(1)
    nested = []

    class SlowBackend(BaseEmailBackend):
        def send_messages(self, email_messages):
            nested.append(services.outbox_send_due())  # another run, mid-send
            mailoutbox.extend(email_messages)
            return len(email_messages)

    with mock.patch("django.core.mail.get_connection", return_value=SlowBackend()):
        report = services.outbox_send_due()
    assert report.sent == 1
    assert nested[0].sent == 0
    assert len(mailoutbox) == 1


def test_a_message_claimed_by_a_sender_that_died_is_sent_after_the_lease(mailoutbox):
    (message,) = queue()
    with mock.patch.object(services, "_as_email", side_effect=KeyboardInterrupt):  # killed mid-send
        with pytest.raises(KeyboardInterrupt):
            services.outbox_send_due()
    message.refresh_from_db()
    assert message.sent_at is None and message.attempts == 1
    send_notifications()
    assert mailoutbox == []  # still claimed by the dead sender
    with at(services.CLAIM_LEASE.total_seconds() / 60 + 1):
        send_notifications()
    assert len(mailoutbox) == 1


def test_nothing_queued_sends_nothing_and_prints_nothing(mailoutbox, capsys):
    from django.core.management import call_command

    call_command("send_notifications")
    assert mailoutbox == []
    assert capsys.readouterr().out == ""


def test_with_the_default_console_backend_the_mails_are_printed(settings, capsys):
    """What `make run` shows: EMAIL_URL's default, the console."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
    queue(headers={"List-Unsubscribe": "<https://podium.example/notifications/unsubscribe/x/>"})
    send_notifications()
    printed = capsys.readouterr().out
    assert "Subject: Message 0" in printed and "To: fan0@example.com" in printed
    assert "List-Unsubscribe: <https://podium.example/notifications/unsubscribe/x/>" in printed


def test_every_keeps_sending_until_stopped(mailoutbox):
    from django.core.management import call_command

    queue(1)
    sleeps = []

    def sleep(seconds):
        sleeps.append(seconds)
        if len(sleeps) == 1:
            queue(1)  # queued while the sender waits: sent on its next round
            return
        raise KeyboardInterrupt  # Ctrl-C (make run)

    command = "notifications.management.commands.send_notifications"
    # Between rounds the command lets go of stale connections; inside the test's transaction
    # that would close the test's own connection (PostgreSQL), so it is only counted here.
    with (
        mock.patch(f"{command}.time.sleep", side_effect=sleep),
        mock.patch(f"{command}.close_old_connections") as let_go,
    ):
        with pytest.raises(KeyboardInterrupt):
            call_command("send_notifications", every=15, verbosity=0)
    assert sleeps == [15, 15]
    assert let_go.call_count == 2
    assert len(mailoutbox) == 2
