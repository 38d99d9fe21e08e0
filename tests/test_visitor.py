"""The CSRF token of the cached pages' holes (``core.visitor.csrf_token``): Django's own
format and effect, checked by Django's own middleware, uniformly random."""

from collections import Counter

import pytest
from django.core import signing
from django.http import HttpResponse
from django.middleware.csrf import (
    CSRF_ALLOWED_CHARS,
    CSRF_TOKEN_LENGTH,
    CsrfViewMiddleware,
    _unmask_cipher_token,
)

from core.form_tokens import signed_moment
from core.visitor import csrf_input, csrf_token


def _view(request):
    return HttpResponse("ok")


def _middleware():
    return CsrfViewMiddleware(_view)


def test_a_new_visitor_gets_a_secret_and_the_cookie_is_sent(rf):
    request = rf.get("/")
    _middleware().process_request(request)
    token = csrf_token(request)
    secret = request.META["CSRF_COOKIE"]
    assert len(token) == CSRF_TOKEN_LENGTH and set(token) <= set(CSRF_ALLOWED_CHARS)
    assert _unmask_cipher_token(token) == secret
    response = _middleware().process_response(request, HttpResponse())
    assert response.cookies["csrftoken"].value == secret


def test_a_returning_visitor_keeps_their_secret_with_a_new_mask_each_time(rf):
    secret = "k" * 16 + "7" * 16
    request = rf.get("/", HTTP_COOKIE=f"csrftoken={secret}")
    _middleware().process_request(request)
    first, second = csrf_token(request), csrf_token(request)
    assert first != second
    assert _unmask_cipher_token(first) == _unmask_cipher_token(second) == secret
    assert request.META["CSRF_COOKIE"] == secret and request.META["CSRF_COOKIE_NEEDS_UPDATE"]


@pytest.mark.django_db  # a refusal renders the branded 403 page
def test_djangos_middleware_accepts_the_token_with_its_cookie(rf):
    page = rf.get("/")
    _middleware().process_request(page)
    token = csrf_token(page)
    cookie = _middleware().process_response(page, HttpResponse()).cookies["csrftoken"].value

    post = rf.post("/", {"csrfmiddlewaretoken": token}, HTTP_COOKIE=f"csrftoken={cookie}")
    post._dont_enforce_csrf_checks = False
    middleware = _middleware()
    middleware.process_request(post)
    assert middleware.process_view(post, _view, (), {}) is None  # accepted

    forged = rf.post("/", {"csrfmiddlewaretoken": token[:-1] + "x"}, HTTP_COOKIE=f"csrftoken={cookie}")
    middleware.process_request(forged)
    assert middleware.process_view(forged, _view, (), {}).status_code == 403


def test_the_input_is_the_one_csrf_token_renders(rf):
    request = rf.get("/")
    html = csrf_input(request)
    assert html.startswith('<input type="hidden" name="csrfmiddlewaretoken" value="')
    assert _unmask_cipher_token(html.split('value="')[1][:CSRF_TOKEN_LENGTH]) == request.META["CSRF_COOKIE"]


def test_every_character_is_drawn_at_every_position(rf):
    """One big random number cut into base-62 digits: uniform, so each of the 62 characters
    turns up at the first and the last position of 3,000 secrets (a missing one has odds
    below 1e-19)."""
    drawn = []
    for _ in range(3000):
        request = rf.get("/")
        csrf_token(request)
        drawn.append(request.META["CSRF_COOKIE"])
    assert len(set(drawn)) == len(drawn)
    for position in (0, -1):
        counts = Counter(secret[position] for secret in drawn)
        assert set(counts) == set(CSRF_ALLOWED_CHARS)
        assert max(counts.values()) < 3 * 3000 / len(CSRF_ALLOWED_CHARS)


def test_a_form_token_is_signed_once_a_second_and_follows_the_secret_key(settings):
    signer = signing.Signer(salt="podium.test")
    first = signed_moment("podium.test", 4, at=1000.2)
    assert first == signed_moment("podium.test", 4, at=1000.9) == signer.sign("4:1000")
    assert signed_moment("podium.test", 4, at=1001.0) != first
    assert signed_moment("podium.other", 4, at=1000.2) != first
    settings.SECRET_KEY = "another-secret-key-" * 3
    again = signed_moment("podium.test", 4, at=1000.2)
    assert again == signing.Signer(salt="podium.test").sign("4:1000") != first
