"""/static/ and /media/ answer GET and HEAD only: any other method gets 405 with
``Allow: GET, HEAD``, from a client as a browser is one (CSRF checks on), whether the
file exists or not."""

from http import HTTPStatus

import pytest
from django.test import Client

from .media_serving import serve_media  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db

OTHER_METHODS = ["OPTIONS", "TRACE", "POST", "PUT", "DELETE", "PATCH"]
STATIC_FILE = "/static/css/site.css"


@pytest.fixture
def browser():
    return Client(enforce_csrf_checks=True)


@pytest.mark.parametrize("method", OTHER_METHODS)
@pytest.mark.parametrize("url", [STATIC_FILE, "/static/css/no-such-file.css", "/static/"])
def test_static_answers_405_to_anything_but_get_and_head(browser, url, method):
    response = browser.generic(method, url)
    assert response.status_code == HTTPStatus.METHOD_NOT_ALLOWED
    assert response["Allow"] == "GET, HEAD"


def test_static_files_still_answer_get_and_head_and_missing_ones_404(browser):
    assert browser.get(STATIC_FILE).status_code == HTTPStatus.OK
    assert browser.head(STATIC_FILE).status_code == HTTPStatus.OK
    assert browser.get("/static/css/no-such-file.css").status_code == HTTPStatus.NOT_FOUND
    assert browser.head("/static/css/no-such-file.css").status_code == HTTPStatus.NOT_FOUND


@pytest.mark.parametrize("method", OTHER_METHODS)
def test_media_answers_405_to_anything_but_get_and_head(browser, serve_media, method, settings):  # noqa: F811
    for url in (serve_media, "/media/articles/no-such-file.png", "/media/"):
        response = browser.generic(method, url, data=b"x" * 10, content_type="image/png")
        assert response.status_code == HTTPStatus.METHOD_NOT_ALLOWED, url
        assert response["Allow"] == "GET, HEAD"
    # Nothing was written or replaced.
    assert [p.name for p in settings.MEDIA_ROOT.rglob("*") if p.is_file()] == ["hero.png"]


def test_media_files_still_answer_get_and_head(browser, serve_media):  # noqa: F811
    got = browser.get(serve_media)
    assert got.status_code == HTTPStatus.OK and got["Content-Type"] == "image/png"
    assert b"".join(got.streaming_content).startswith(b"\x89PNG")
    assert browser.head(serve_media).status_code == HTTPStatus.OK
    assert browser.get("/media/articles/no-such-file.png").status_code == HTTPStatus.NOT_FOUND
