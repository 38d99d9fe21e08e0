"""Follow an athlete by email (issue 13, item 4), end to end through the profile's form,
the outbox and ``send_notifications`` with Django's locmem mail backend (``mailoutbox``):
double opt-in per follow, at most one digest a day per address of what is new, one-click
unsubscribe, the form's protections (CSRF, honeypot, rate limit, clear 400s) on a cached
page, and forgetting the data (``purge_comment_data``)."""

import datetime
import html
import itertools
from http import HTTPStatus
from unittest import mock

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from athletics.models import Result
from news.models import Article
from notifications import services, tokens
from notifications.models import AthleteFollow, OutboxMessage, Subscriber
from tests.athletics.factories import AthleteFactory, DisciplineFactory, RecordFactory, ResultFactory
from tests.news.factories import ArticleFactory

from .helpers import link, send_notifications

pytestmark = pytest.mark.django_db

ANA = "ana@example.com"
SITE_URL = "https://podium.example"
_clients = itertools.count(1)


def later(**delta):
    return mock.patch("django.utils.timezone.now", return_value=timezone.now() + datetime.timedelta(**delta))


def ago(**delta):
    return timezone.now() - datetime.timedelta(**delta)


# What a browser sends with a form posted from one of our pages (core.origin).
OWN_PAGE = {"HTTP_SEC_FETCH_SITE": "same-origin", "HTTP_ORIGIN": "http://testserver"}


@pytest.fixture
def kerr():
    return AthleteFactory(name="Josh Kerr", slug="kerr")


def follow(client, athlete, email=ANA, **fields):
    """Post the profile's follow form from a client address of its own (no rate limit
    between the posts of a test)."""
    n = next(_clients)
    data = {"email": email, "website": "", **fields}
    return client.post(
        f"/athletes/{athlete.slug}/", data, REMOTE_ADDR=f"10.9.{n // 256 % 256}.{n % 256}", **OWN_PAGE
    )


def confirmed_follow(athlete, email=ANA, at=None):
    """``email`` following ``athlete``, confirmed at ``at`` (a while ago), no mail waiting."""
    with mock.patch("django.utils.timezone.now", return_value=at or timezone.now()):
        followed = services.athlete_follow_request(email=email, athlete=athlete)
        services.athlete_follow_confirm(follow=followed)
    OutboxMessage.objects.all().delete()
    return AthleteFollow.objects.get(pk=followed.pk)


# ---------------------------------------------------------------- the profile's Follow block


def test_profile_has_a_follow_block_with_the_feeds_and_an_email_form(client, kerr):
    page = client.get("/athletes/kerr/").content.decode()
    block = page[page.index('id="follow"') :]
    block = block[: block.index("</section>")]
    assert "Follow Josh Kerr" in block
    assert 'href="/athletes/kerr/feed/"' in block and 'href="/athletes/kerr/feed/atom/"' in block
    assert '<form class="follow__form" method="post" action="/athletes/kerr/#follow-errors"' in block
    assert 'name="csrfmiddlewaretoken"' not in block  # its origin is checked instead
    assert 'type="email" name="email"' in block and 'autocomplete="email"' in block
    assert 'name="website"' in block and 'tabindex="-1"' in block  # the honeypot
    assert "at most one email a day" in block.lower() and "/privacy/" in block
    assert '<a href="#follow">Follow Josh Kerr</a>' in page


def test_the_cached_profile_is_the_same_page_for_every_visitor_with_no_cookie_to_set(kerr):
    """No per-visitor part: the follow form carries no CSRF token, so a hit is the stored
    bytes, with no cookie set and nothing private about it."""
    pages = [visitor.get("/athletes/kerr/") for visitor in (Client(), Client(), Client())]
    assert pages[0].content == pages[1].content == pages[2].content
    assert "csrftoken" not in pages[1].cookies and "Set-Cookie" not in pages[1]
    assert "public" in pages[1]["Cache-Control"] and "private" not in pages[1]["Cache-Control"]


def test_follow_is_double_opt_in_end_to_end(client, kerr, mailoutbox):
    response = follow(client, kerr, email="Ana@Example.com")
    assert response.status_code == HTTPStatus.SEE_OTHER
    assert response["Location"] == "/athletes/kerr/"
    assert mailoutbox == []  # never from the request
    page = client.get("/athletes/kerr/").content.decode()
    assert "we are emailing ana@example.com a link to confirm following Josh Kerr" in page
    assert list(OutboxMessage.objects.values_list("kind", "to")) == [("follow-confirm", ANA)]
    (followed,) = AthleteFollow.objects.select_related("subscriber")
    assert followed.subscriber.email == ANA and not followed.is_confirmed

    send_notifications()
    (confirmation,) = mailoutbox
    assert confirmation.to == [ANA]
    assert confirmation.subject == "Confirm: follow Josh Kerr on Podium"
    assert "within 48 hours" in confirmation.body
    assert confirmation.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert confirmation.extra_headers["List-Unsubscribe"].startswith(
        f"<{SITE_URL}/notifications/unsubscribe/"
    )

    # Nothing is sent about Kerr while the follow waits.
    ResultFactory(athlete=kerr)
    send_notifications()
    assert len(mailoutbox) == 1

    confirm_path = link(confirmation, "confirm")
    page = client.get(confirm_path)
    assert page.status_code == HTTPStatus.OK
    assert "Follow Josh Kerr by email" in page.content.decode() and b">Confirm</button>" in page.content
    followed.refresh_from_db()
    assert not followed.is_confirmed  # a GET (a mail scanner) confirms nothing
    response = client.post(confirm_path)
    assert response.status_code == HTTPStatus.SEE_OTHER and response["Location"] == confirm_path
    assert "You follow Josh Kerr" in client.get(confirm_path).content.decode()
    followed.refresh_from_db()
    followed.subscriber.refresh_from_db()
    assert followed.is_confirmed and followed.subscriber.is_confirmed


def test_the_form_says_the_same_and_sends_one_confirmation_in_48_hours(client, kerr, mailoutbox):
    message = "we are emailing ana@example.com a link to confirm following Josh Kerr"
    for _ in range(2):
        assert follow(client, kerr).status_code == HTTPStatus.SEE_OTHER
        assert message in client.get("/athletes/kerr/").content.decode()
    assert OutboxMessage.objects.filter(kind="follow-confirm").count() == 1
    with later(hours=49):  # the first link has expired: a new one
        services.athlete_follow_request(email=ANA, athlete=kerr)
    assert OutboxMessage.objects.filter(kind="follow-confirm").count() == 2
    # Confirmed: asking again sends nothing, and says the same words.
    services.athlete_follow_confirm(follow=AthleteFollow.objects.get())
    response = follow(client, kerr)
    assert response.status_code == HTTPStatus.SEE_OTHER
    assert OutboxMessage.objects.filter(kind="follow-confirm").count() == 2
    assert "we are emailing ana@example.com a link" in client.get("/athletes/kerr/").content.decode()


def test_a_confirmed_address_still_confirms_each_new_follow(client, kerr, mailoutbox):
    confirmed_follow(kerr)
    other = AthleteFactory(name="Jakob Ingebrigtsen", slug="jakob")
    follow(client, other)  # a stranger cannot add follows to Ana's confirmed address
    (waiting,) = AthleteFollow.objects.filter(athlete=other)
    assert not waiting.is_confirmed
    assert list(OutboxMessage.objects.values_list("kind", flat=True)) == ["follow-confirm"]


@pytest.mark.parametrize(
    ("email", "error"),
    [
        ("", "Please give the email address to send the alerts to."),
        ("not an address", "Please give a whole email address, like name@example.com."),
        ("ana@", "Please give a whole email address, like name@example.com."),
        ("a" * 300 + "@example.com", "Ensure this value has at most 254 characters"),
        ("ana\x00@example.com", "Null characters are not allowed."),
    ],
)
def test_a_bad_address_is_a_400_with_the_page_the_error_and_the_address_kept(client, kerr, email, error):
    response = follow(client, kerr, email=email)
    assert response.status_code == HTTPStatus.BAD_REQUEST
    page = response.content.decode()
    assert 'id="follow-errors" role="alert"' in page
    assert "You are not following Josh Kerr yet." in page
    assert error in page
    assert 'aria-describedby="follow-email-errors follow-email-help"' in page
    if email and "\x00" not in email:
        assert f'value="{email}"' in page
    assert not AthleteFollow.objects.exists() and not Subscriber.objects.exists()


def test_a_filled_honeypot_is_thanked_and_stores_nothing(client, kerr):
    response = follow(client, kerr, website="https://spam.example")
    assert response.status_code == HTTPStatus.SEE_OTHER
    assert "we are emailing" in client.get("/athletes/kerr/").content.decode()
    assert not AthleteFollow.objects.exists() and not OutboxMessage.objects.exists()


def test_posts_past_follow_rate_get_429_with_retry_after(client, kerr, settings):
    settings.FOLLOW_RATE = "2/m"
    data = {"email": ANA, "website": ""}
    for _ in range(2):
        assert client.post("/athletes/kerr/", data, **OWN_PAGE).status_code == HTTPStatus.SEE_OTHER
    response = client.post("/athletes/kerr/", data, **OWN_PAGE)
    assert response.status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert 0 < int(response["Retry-After"]) <= 60
    page = response.content.decode()
    assert "Too many requests — try again in" in page and f'value="{ANA}"' in page


@pytest.mark.parametrize(
    "headers",
    [
        {},  # neither header: nothing says it came from our page
        {"HTTP_SEC_FETCH_SITE": "cross-site", "HTTP_ORIGIN": "https://evil.example"},
        {"HTTP_SEC_FETCH_SITE": "same-site", "HTTP_ORIGIN": "http://testserver"},
        {"HTTP_ORIGIN": "https://evil.example"},
        {"HTTP_ORIGIN": "null"},
        {"HTTP_ORIGIN": "http://testserver.evil.example"},
    ],
)
def test_a_follow_posted_from_another_site_is_403_with_the_address_kept(kerr, headers):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/athletes/kerr/", {"email": ANA, "website": ""}, **headers)
    assert response.status_code == HTTPStatus.FORBIDDEN
    page = html.unescape(response.content.decode())
    assert "not sent from Podium's own page" in page and f'value="{ANA}"' in page
    assert not AthleteFollow.objects.exists() and not OutboxMessage.objects.exists()


@pytest.mark.parametrize(
    "headers",
    [
        OWN_PAGE,
        {"HTTP_SEC_FETCH_SITE": "same-origin"},
        {"HTTP_ORIGIN": "http://testserver"},  # a browser without Fetch Metadata
    ],
)
def test_a_follow_posted_from_our_own_page_needs_no_token(kerr, headers):
    response = Client(enforce_csrf_checks=True).post(
        "/athletes/kerr/", {"email": ANA, "website": ""}, **headers
    )
    assert response.status_code == HTTPStatus.SEE_OTHER
    assert AthleteFollow.objects.count() == 1


def test_a_trusted_origin_may_post_the_follow_form(kerr, settings):
    settings.CSRF_TRUSTED_ORIGINS = ["https://podium.example"]
    response = Client().post("/athletes/kerr/", {"email": ANA}, HTTP_ORIGIN="https://podium.example")
    assert response.status_code == HTTPStatus.SEE_OTHER


def test_following_an_unknown_athlete_is_404(client):
    assert client.post("/athletes/nobody/", {"email": ANA}, **OWN_PAGE).status_code == HTTPStatus.NOT_FOUND


def test_an_address_follows_at_most_fifty_athletes_and_the_form_does_not_say_so(client, kerr, monkeypatch):
    assert services.FOLLOWS_PER_ADDRESS == 50
    monkeypatch.setattr(services, "FOLLOWS_PER_ADDRESS", 2)
    for _ in range(2):
        services.athlete_follow_request(email=ANA, athlete=AthleteFactory())
    OutboxMessage.objects.all().delete()
    response = follow(client, kerr)
    assert response.status_code == HTTPStatus.SEE_OTHER
    assert "we are emailing ana@example.com a link" in client.get("/athletes/kerr/").content.decode()
    assert AthleteFollow.objects.count() == 2 and not OutboxMessage.objects.exists()


# ---------------------------------------------------------------- confirmation links


def test_a_follows_link_expires_after_48_hours_and_a_removed_follow_says_gone(client, kerr):
    followed = services.athlete_follow_request(email=ANA, athlete=kerr)
    subscriber = followed.subscriber
    with mock.patch("django.core.signing.time.time", return_value=timezone.now().timestamp() - 49 * 3600):
        expired = tokens.confirm_token(subscriber, followed)
    response = client.post(f"/notifications/confirm/{expired}/")
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "This confirmation link has expired" in response.content.decode()
    fresh = tokens.confirm_token(subscriber, followed)
    followed.delete()
    response = client.get(f"/notifications/confirm/{fresh}/")
    assert response.status_code == HTTPStatus.NOT_FOUND
    assert "We no longer have this address" in response.content.decode()


def test_a_follow_token_confirms_only_its_own_follow(client, kerr):
    other = AthleteFactory(slug="other")
    mine = services.athlete_follow_request(email=ANA, athlete=kerr)
    theirs = services.athlete_follow_request(email="ben@example.com", athlete=other)
    forged = tokens._make(mine.subscriber, tokens.CONFIRM_SALT, theirs)  # Ana's address, Ben's follow
    assert client.post(f"/notifications/confirm/{forged}/").status_code == HTTPStatus.NOT_FOUND
    theirs.refresh_from_db()
    assert not theirs.is_confirmed
    bad = tokens.signing.dumps({"s": mine.subscriber.pk, "e": "x", "f": "1"}, salt=tokens.CONFIRM_SALT)
    assert client.post(f"/notifications/confirm/{bad}/").status_code == HTTPStatus.BAD_REQUEST


# ---------------------------------------------------------------- the daily digest


def test_a_daily_digest_lists_what_is_new_about_the_athletes_followed(kerr, mailoutbox):
    other = AthleteFactory(name="Jakob Ingebrigtsen", slug="jakob")
    confirmed_follow(kerr, at=ago(days=3))
    confirmed_follow(other, at=ago(days=3))
    ResultFactory(athlete=kerr, recorded_at=ago(days=4), mark=21000)  # on record before the follow
    result = ResultFactory(athlete=kerr, recorded_at=ago(hours=2), mark=20938)
    record = RecordFactory(athlete=other, recorded_at=ago(hours=1))
    story = ArticleFactory(
        title="Kerr and Ingebrigtsen again", athletes=[kerr, other], published_at=ago(hours=3)
    )
    ArticleFactory(title="A draft", athletes=[kerr], status=Article.Status.DRAFT)
    ResultFactory(athlete=AthleteFactory(name="Not followed"), recorded_at=ago(hours=1))

    send_notifications()
    (digest,) = mailoutbox
    assert digest.to == [ANA]
    assert digest.subject == "New on Podium: Jakob Ingebrigtsen, Josh Kerr"
    body = digest.body
    assert "Josh Kerr\n- Result: 1st, 1500 m final" in body and "3:29.38 (gold)" in body
    assert f"{SITE_URL}/athletes/kerr/#result-{result.pk}" in body
    assert "3:30.00" not in body  # before the follow
    assert (
        f"Record: Two miles world indoor best, 8:00.67\n  {SITE_URL}/athletes/jakob/#record-{record.pk}"
        in body
    )
    assert body.count("Story: Kerr and Ingebrigtsen again") == 2  # under each athlete
    assert f"{SITE_URL}{story.get_absolute_url()}" in body
    assert "A draft" not in body and "Not followed" not in body
    assert "at most one email a day" in body
    assert digest.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert link(digest, "unsubscribe") in digest.extra_headers["List-Unsubscribe"]


def test_at_most_one_digest_a_day_per_address_and_none_when_nothing_is_new(kerr, mailoutbox):
    confirmed_follow(kerr, at=ago(days=3))
    send_notifications()
    assert mailoutbox == []  # nothing new: no digest
    ResultFactory(athlete=kerr, recorded_at=ago(minutes=5))
    send_notifications()
    assert len(mailoutbox) == 1
    ResultFactory(athlete=kerr, discipline=DisciplineFactory(name="3000 m"), recorded_at=timezone.now())
    with later(hours=23):
        send_notifications()
    assert len(mailoutbox) == 1  # within the day: waits
    with later(days=1, minutes=1):
        send_notifications()
    assert len(mailoutbox) == 2
    assert "3000 m" in mailoutbox[1].body and "1500 m" not in mailoutbox[1].body  # only what is new
    with later(days=3):
        send_notifications()
    assert len(mailoutbox) == 2


def test_two_senders_at_once_queue_one_digest(kerr):
    confirmed_follow(kerr, at=ago(days=3))
    ResultFactory(athlete=kerr, recorded_at=ago(minutes=5))
    subscriber = Subscriber.objects.get()
    stale = Subscriber.objects.get()  # what a second sender read before the first queued
    assert services._queue_athletes_digest(subscriber, timezone.now())
    assert not services._queue_athletes_digest(stale, timezone.now())
    assert services.athletes_digests_queue() == 0
    assert OutboxMessage.objects.filter(kind="follow-digest").count() == 1


def test_no_digest_for_a_follow_not_confirmed(kerr, mailoutbox):
    services.athlete_follow_request(email=ANA, athlete=kerr)
    OutboxMessage.objects.all().delete()
    ResultFactory(athlete=kerr, recorded_at=timezone.now() + datetime.timedelta(seconds=1))
    send_notifications()
    assert mailoutbox == []


@pytest.mark.parametrize("followers", [1, 25])
def test_the_minutely_sweep_is_one_query_when_nothing_is_due(kerr, followers, django_assert_num_queries):
    for n in range(followers):
        confirmed_follow(kerr, email=f"fan{n}@example.com", at=ago(days=3))
    ResultFactory(athlete=AthleteFactory(), recorded_at=ago(minutes=1))  # not about Kerr
    with django_assert_num_queries(1):
        assert services.athletes_digests_queue() == 0


@pytest.mark.parametrize("results", [1, 25])
def test_a_digest_costs_the_same_queries_however_much_is_new(kerr, results, django_assert_num_queries):
    confirmed_follow(kerr, at=ago(days=3))
    for n in range(results):
        ResultFactory(
            athlete=kerr, discipline=DisciplineFactory(name=f"Event {n}"), recorded_at=ago(minutes=1)
        )
        ArticleFactory(athletes=[kerr])
    # Due addresses; then, in a transaction (a savepoint in the test's): the address, its
    # follows, stories, results, records, the claim, the mail.
    with django_assert_num_queries(10):
        assert services.athletes_digests_queue() == 1


# ---------------------------------------------------------------- unsubscribe and privacy


def test_the_digests_one_click_unsubscribe_forgets_the_address_and_its_follows(kerr, mailoutbox):
    confirmed_follow(kerr, at=ago(days=3))
    confirmed_follow(AthleteFactory(), at=ago(days=3))
    ResultFactory(athlete=kerr, recorded_at=ago(minutes=1))
    send_notifications()
    (digest,) = mailoutbox
    # Another digest waits, unsent: unsubscribing takes it back too.
    services.outbox_enqueue(to=ANA, subject="waiting", body=".", kind=OutboxMessage.Kind.FOLLOW_DIGEST)
    response = Client(enforce_csrf_checks=True).post(
        link(digest, "unsubscribe"), {"List-Unsubscribe": "One-Click"}
    )
    assert response.status_code == HTTPStatus.OK
    assert not Subscriber.objects.exists() and not AthleteFollow.objects.exists()
    assert not OutboxMessage.objects.filter(sent_at__isnull=True).exists()


def test_purge_forgets_unconfirmed_follows_and_keeps_confirmed_ones(kerr):
    confirmed_follow(kerr, email="kept@example.com", at=ago(days=400))
    with later(hours=-49):
        services.athlete_follow_request(email="never@example.com", athlete=kerr)
    services.athlete_follow_request(email="waiting@example.com", athlete=kerr)
    # A confirmed address whose newer follow's link expired keeps its address and other follows.
    with later(hours=-49):
        services.athlete_follow_request(email="kept@example.com", athlete=AthleteFactory())
    call_command("purge_comment_data", verbosity=0)
    kept = AthleteFollow.objects.values_list("subscriber__email", "confirmed_at")
    assert sorted((email, at is None) for email, at in kept) == [
        ("kept@example.com", False),
        ("waiting@example.com", True),
    ]
    assert sorted(Subscriber.objects.values_list("email", flat=True)) == [
        "kept@example.com",
        "waiting@example.com",
    ]
    call_command("purge_comment_data", verbosity=0)  # twice changes nothing
    assert AthleteFollow.objects.count() == 2


def test_privacy_page_says_what_following_an_athlete_keeps_and_for_how_long(client):
    privacy = client.get("/privacy/").content.decode()
    section = privacy[privacy.index("Following an athlete") :]
    assert "the athletes you follow" in section
    assert "48 hours" in section and "until you unsubscribe" in section and "7 days" in section


def test_results_corrected_later_are_not_news_again(kerr, mailoutbox):
    confirmed_follow(kerr, at=ago(days=3))
    result = ResultFactory(athlete=kerr, recorded_at=ago(days=4))
    Result.objects.filter(pk=result.pk).update(mark=20000)
    result.refresh_from_db()
    result.save()  # an editor's correction does not make it new on record
    send_notifications()
    assert mailoutbox == []
