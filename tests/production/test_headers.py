"""Security headers on every response: a strict Content-Security-Policy (django-csp 4),
nosniff, Referrer-Policy, X-Frame-Options, Cross-Origin-Opener-Policy and
Permissions-Policy — on pages, errors, feeds, static files and the admin. No template
carries inline script or style the policy would block."""

import re
from http import HTTPStatus
from pathlib import Path
from unittest import mock

import pytest
from django.db import OperationalError
from django.test import Client

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]


def directives(response):
    """The CSP header as {directive: [sources]}."""
    policy = response["Content-Security-Policy"]
    result = {}
    for part in policy.split(";"):
        name, *sources = part.split()
        result[name] = sources
    return result


def assert_security_headers(response):
    csp = directives(response)
    assert csp["default-src"] == ["'self'"]
    assert csp["script-src"][0] == "'self'" and all(
        source.startswith("'nonce-") for source in csp["script-src"][1:]
    ), csp["script-src"]
    assert csp["style-src"][0] == "'self'" and all(
        source.startswith("'nonce-") for source in csp["style-src"][1:]
    )
    assert csp["img-src"] == ["'self'", "data:"]
    assert csp["object-src"] == ["'none'"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["form-action"] == ["'self'"]
    assert csp["base-uri"] == ["'self'"]
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]
    assert "'unsafe-eval'" not in response["Content-Security-Policy"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] in {"same-origin", "no-referrer", "strict-origin"}
    assert response["X-Frame-Options"] == "DENY"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert "camera=()" in response["Permissions-Policy"]
    assert "geolocation=()" in response["Permissions-Policy"]
    assert "microphone=()" in response["Permissions-Policy"]


@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/news/",
        "/athletes/",
        "/search/?q=kerr",
        "/feeds/latest/",
        "/sitemap.xml",
        "/robots.txt",
        "/healthz",
        "/no/such/page/",
        "/admin/login/",
        "/static/css/site.css",
    ],
)
def test_every_kind_of_response_carries_the_security_headers(client, url):
    response = client.get(url)
    assert response.status_code in {HTTPStatus.OK, HTTPStatus.NOT_FOUND}
    assert_security_headers(response)


def test_method_not_allowed_and_errors_carry_them_too(monkeypatch):
    client = Client(raise_request_exception=False)
    assert_security_headers(client.delete("/robots.txt"))

    def explode(**kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr("news.selectors.home_articles", explode)
    assert_security_headers(client.get("/"))
    with mock.patch("news.selectors.home_articles", side_effect=OperationalError("gone")):
        assert_security_headers(client.get("/"))


@pytest.mark.parametrize("status", [500, 503])
def test_error_pages_inline_css_carries_the_responses_nonce(monkeypatch, status):
    error = RuntimeError("boom") if status == 500 else OperationalError("server closed the connection")
    monkeypatch.setattr("news.selectors.home_articles", mock.Mock(side_effect=error))
    response = Client(raise_request_exception=False).get("/")

    assert response.status_code == status
    nonce = re.search(r'<style nonce="([^"]+)">', response.text)[1]
    assert f"'nonce-{nonce}'" in directives(response)["style-src"]
    assert "<script" not in response.text


def test_pages_without_inline_css_send_no_nonce(client):
    """A nonce is in the policy only when the page used it (django-csp's lazy nonce)."""
    assert "nonce-" not in client.get("/news/")["Content-Security-Policy"]


def template_files():
    roots = [ROOT / "templates", *ROOT.glob("*/templates")]
    return sorted(path for root in roots for path in root.rglob("*.html"))


def test_templates_have_no_inline_script_style_or_event_handler():
    """What the policy would block: a style attribute, an inline <script> that is not
    JSON-LD data, a <style> without the nonce, an on*= handler or a javascript: URL."""
    offences = []
    for path in template_files():
        text = path.read_text()
        name = path.relative_to(ROOT)
        for match in re.finditer(r"<script\b[^>]*>", text):
            tag = match.group(0)
            if "src=" not in tag and "application/ld+json" not in tag and "nonce=" not in tag:
                offences.append(f"{name}: inline {tag}")
        for match in re.finditer(r"<style\b[^>]*>", text):
            if "nonce=" not in match.group(0):
                offences.append(f"{name}: {match.group(0)} without the nonce")
        if re.search(r"\sstyle\s*=", text):
            offences.append(f"{name}: style attribute")
        if re.search(r"\son[a-z]+\s*=", text):
            offences.append(f"{name}: event handler attribute")
        if "javascript:" in text.lower():
            offences.append(f"{name}: javascript: URL")
    assert len(template_files()) > 20
    assert not offences, "\n".join(offences)


def test_json_ld_is_data_not_script(client):
    """JSON-LD blocks are <script type="application/ld+json">: browsers never run them, so
    CSP does not apply (proven in Chromium by tests/e2e/test_admin_csp.py)."""
    from django.core.management import call_command

    call_command("load_demo", verbosity=0)
    html = client.get("/news/josh-kerr-world-champion-plan-for-paris/").text
    scripts = re.findall(r"<script\b[^>]*>", html)
    assert scripts and all('type="application/ld+json"' in tag for tag in scripts)
