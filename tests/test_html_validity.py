"""Real pages are valid HTML (issue 13, "Must show"; issue 12's valid ``<time datetime>``):
the demo content, plus on the Paris 2024 1500 m report (all four embeds) a correction,
approved comments with a reply, a Podium pick and an edited comment, rendered by the views
and checked by the Nu Html Checker (vnu.jar) in one Java run.

The checker comes from npm (the ``vnu-jar`` package, pinned in .ci/run) and runs on Debian's
Java. It is found through ``VNU_JAR`` or where .ci/run installs it. Outside CI a machine
without Java or the jar skips this test; under CI=true a missing checker is a failure."""

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from django.core import signing
from django.template.loader import render_to_string
from django.test import Client, RequestFactory
from django.urls import resolve

from athletics.models import Athlete
from config import errors
from news.comment_edits import EDIT_COOKIE, EDIT_SALT
from news.models import Article
from notifications import tokens
from notifications.services import athlete_follow_request
from tests.furnished import REPORT, furnished_report

pytestmark = pytest.mark.django_db

# .ci/run installs the pinned version here (`npm install --prefix`) and exports VNU_JAR.
VNU_VERSION = "26.9.27"
VNU_PREFIX = Path.home() / ".cache/podium" / f"vnu-jar-{VNU_VERSION}"
DEFAULT_JAR = VNU_PREFIX / "node_modules/vnu-jar/build/dist/vnu.jar"
KERR = "/news/josh-kerr-world-champion-plan-for-paris/"
FARAH = "/news/farah-sets-two-mile-world-indoor-best-in-birmingham/"


@pytest.fixture(scope="module")
def vnu():
    """The command that runs the checker, or a skip (a failure under CI) saying what is missing."""
    jar = Path(os.environ.get("VNU_JAR") or DEFAULT_JAR)
    java = shutil.which("java")
    missing = []
    if not java:
        missing.append("Java (apt-get install default-jre-headless)")
    if not jar.is_file():
        missing.append(
            f"the Nu Html Checker at {jar} (npm install --no-save --ignore-scripts "
            f"--prefix {VNU_PREFIX} vnu-jar@{VNU_VERSION}, or set VNU_JAR)"
        )
    if missing:
        if os.environ.get("CI") == "true":
            pytest.fail(f"Missing {' and '.join(missing)}: CI must install them (.ci/run).")
        pytest.skip(f"Missing {' and '.join(missing)}")
    return [java, "-Xss4m", "-jar", str(jar), "--errors-only", "--format", "json"]


@pytest.fixture
def site(settings):
    settings.COMMENTS_CLOSE_AFTER_DAYS = 0
    article = furnished_report()
    # Comments closed on the other report: a fan's post comes back with its text.
    Article.objects.filter(slug=FARAH.split("/")[2]).update(comments_open=False)
    return article


def pages(client, article):
    """``{file name: HTML}`` of every kind of page a reader can land on, errors included."""
    gets = {
        "home": "/",
        "news": "/news/",
        "article-embeds-correction-comments": REPORT,
        "article-demo-kerr": KERR,
        "article-old-farah": FARAH,
        "article-sorted-by-recommended": REPORT + "?sort=recommended",
        "article-reply-form": f"{REPORT}?reply={article.comments.filter(parent=None).first().pk}",
        "section": f"/news/section/{article.section.slug}/",
        "corrections": "/corrections/",
        "athletes": "/athletes/",
        "athlete-with-chart": "/athletes/josh-kerr/",
        "athlete-farah": "/athletes/mo-farah/",
        "head-to-head": "/athletes/josh-kerr/vs/jakob-ingebrigtsen/",
        "competitions": "/competitions/",
        "edition": "/competitions/olympic-games-paris-2024/",
        "medals": "/medals/",
        "search": "/search/?q=Kerr",
        "search-empty": "/search/?q=zzzznothing",
        "house-rules": "/house-rules/",
        "privacy": "/privacy/",
        "not-found": "/no-such-page/",
        "link-invalid": "/notifications/confirm/not-a-token/",
    }
    follow = athlete_follow_request(email="fan@example.com", athlete=Athlete.objects.get(slug="josh-kerr"))
    gets["follow-confirm"] = f"/notifications/confirm/{tokens.confirm_token(follow.subscriber, follow)}/"
    gets["unsubscribe"] = f"/notifications/unsubscribe/{tokens.unsubscribe_token(follow.subscriber)}/"
    html = {}
    for name, url in gets.items():
        response = client.get(url)
        expected = {"not-found": 404, "link-invalid": 400}.get(name, 200)
        assert response.status_code == expected, (url, response.status_code)
        html[name] = response.content.decode()
    posts = {
        # Each refused form comes back as a page of its own, with the errors beside the fields.
        "comment-error-400": (REPORT, {"name": "", "body": ""}, 400),
        "follow-error-400": ("/athletes/josh-kerr/", {"email": "not an address"}, 400),
        "report-error-400": (f"{REPORT}report-error/", {"description": ""}, 400),
        "comment-report-400": (f"{REPORT}comments/{article.comments.first().pk}/report/", {}, 400),
        "comments-closed-403": (FARAH, {"name": "Sam", "body": "Hello"}, 403),
        "follow-foreign-403": ("/athletes/josh-kerr/", {"email": "fan@example.com"}, 403),
    }
    for name, (url, data, status) in posts.items():
        # Sent from our own pages, as a browser says (the follow form checks it: core.origin),
        # but the follow form sent from elsewhere.
        origin = "https://evil.example" if name == "follow-foreign-403" else "http://testserver"
        response = client.post(url, data, HTTP_ORIGIN=origin)
        assert response.status_code == status, (url, response.status_code)
        html[name] = response.content.decode()
    # A fan's own comment, in the edit window: its edit and delete controls, the edit page.
    own = article.comments.get(name="Jo")
    client.cookies[EDIT_COOKIE] = signing.dumps(
        {"c": {str(own.pk): int(own.created_at.timestamp())}}, salt=EDIT_SALT
    )
    edit = f"{REPORT}comments/{own.pk}/edit/"
    for name, response in (
        ("article-own-comment", client.get(REPORT)),
        ("comment-edit", client.get(edit)),
        ("comment-edit-400", client.post(edit, {"body": ""})),
    ):
        assert response.status_code == (400 if name.endswith("400") else 200), name
        html[name] = response.content.decode()
    assert (
        f'action="{edit}"' in html["article-own-comment"] or f'href="{edit}"' in html["article-own-comment"]
    )
    # The pages for when our side fails, rendered as their handlers render them: the 500,
    # the 503 offering to send a fan's comment again, and the admin's sign-in lock-out.
    request = RequestFactory().post(REPORT, {"name": "Sam", "body": "Kept <text> & all"})
    request.resolver_match = resolve(REPORT)
    html["server-error-500"] = errors.server_error(RequestFactory().get(REPORT)).content.decode()
    html["unavailable-503"] = errors.unavailable_response(request).content.decode()
    assert "Kept &lt;text&gt; &amp; all" in html["unavailable-503"]
    html["account-locked"] = render_to_string("account_locked.html", request=RequestFactory().get("/"))
    # Django's CSRF failure page is ours (403_csrf.html).
    response = Client(enforce_csrf_checks=True).post(REPORT, {"name": "Sam", "body": "Hello"})
    assert response.status_code == 403
    html["csrf-403"] = response.content.decode()
    return html


def test_real_pages_have_no_nu_html_checker_errors(vnu, site, client, tmp_path):
    html = pages(client, site)
    # The furnished article shows what it was furnished with (else the check proves less).
    report = html["article-embeds-correction-comments"]
    for sign in ("embed--results", "embed--h2h", "embed--athlete", "embed--record", "correction-"):
        assert sign in report, sign
    assert "Podium pick" in report and "edited" in report and "comment-list--replies" in report
    assert "progression" in html["athlete-with-chart"] and "<svg" in html["athlete-with-chart"]

    for name, text in html.items():
        (tmp_path / f"{name}.html").write_text(text, encoding="utf-8")
    files = sorted(str(path) for path in tmp_path.glob("*.html"))
    # One Java run for every page: the checker takes seconds to start.
    run = subprocess.run([*vnu, *files], capture_output=True, text=True, timeout=600)  # noqa: S603
    messages = json.loads(run.stderr or run.stdout)["messages"]
    errors = [
        f"{Path(m.get('url', '?')).name}:{m.get('lastLine', '?')}: {m['type']}: {m['message']}"
        f"\n    {m.get('extract', '').strip()}"
        for m in messages
        if m["type"] in ("error", "non-document-error") or m.get("subType") == "fatal"
    ]
    assert not errors, f"{len(errors)} Nu Html Checker errors in {len(files)} pages:\n" + "\n".join(errors)
    assert run.returncode == 0


def test_ci_installs_the_checker_version_this_test_names():
    ci = (Path(__file__).resolve().parents[1] / ".ci/run").read_text()
    assert f"VNU_VERSION={VNU_VERSION}\n" in ci
    assert "npm install --no-save --ignore-scripts" in ci and '"vnu-jar@$VNU_VERSION"' in ci
