"""20 fans post to the same article at the same moment: every comment is stored, and
nobody gets an error. 20 readers recommend one comment at the same moment: each is
counted exactly (each reader its own client through X-Forwarded-For, trusted here).

This needs real concurrency, so it runs a real server (gunicorn: several worker processes,
several threads each) on a real database: a SQLite file (WAL, IMMEDIATE transactions, busy
timeout, as configured in settings) or, when DATABASE_URL names PostgreSQL (CI's second
run), a scratch PostgreSQL database. Not Django's test database: on SQLite that is in
memory and shared by live_server's threads, which would prove nothing.
"""

import http.cookiejar
import os
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from django.test import override_settings

from news.forms import rendered_at_token

FANS = 20
BASE_DIR = Path(__file__).resolve().parents[2]
SECRET = "concurrency-test-only-not-a-secret"  # noqa: S105
SLUG = "twenty-fans"


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def database_url(tmp_path):
    """A database of its own: a SQLite file, or a scratch PostgreSQL database."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://", "pgsql://")):
        yield f"sqlite:///{tmp_path / 'concurrency.sqlite3'}"
        return
    import psycopg

    parts = urllib.parse.urlsplit(url.replace("pgsql://", "postgres://", 1))
    name = f"podium_concurrency_{os.getpid()}"
    maintenance = parts._replace(path="/postgres").geturl()
    with psycopg.connect(maintenance, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        yield parts._replace(path=f"/{name}").geturl()
    finally:
        with psycopg.connect(maintenance, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def server(database_url, tmp_path):
    """A gunicorn server with 3 workers × 8 threads on ``database_url``, with one open article."""
    port = free_port()
    env = {
        **os.environ,
        # The production settings with the test suite's static files storage (a clean clone
        # has no collectstatic manifest); DEBUG off, as in production.
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "DATABASE_URL": database_url,
        "SECRET_KEY": SECRET,
        "DEBUG": "false",
        "HTTPS": "false",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SITE_URL": f"http://127.0.0.1:{port}",
        # Raised for the test: 20 posts from one address in a second is the point here.
        "COMMENTS_RATE": "1000/m",
        "COMMENTS_MODERATION": "auto",
        "COMMENTS_CLOSE_AFTER_DAYS": "0",
        # Readers told apart by the header (the recommend test); without it, REMOTE_ADDR.
        "TRUSTED_PROXY_HEADER": "X-Forwarded-For",
    }

    def manage(*args):
        return subprocess.run(  # noqa: S603 - our own manage.py, fixed arguments
            [sys.executable, "manage.py", *args],
            cwd=BASE_DIR,
            env=env,
            check=True,
            capture_output=True,
            text=True,
        ).stdout

    manage("migrate", "--noinput")
    article_pk = manage(
        "shell",
        "-c",
        "from news.models import Article, Section;"
        "section = Section.objects.create(name='Athletics', slug='athletics');"
        f"print(Article.objects.create(title='Twenty fans', slug='{SLUG}', standfirst='One race.',"
        " body='Body.', section=section, status='published').pk)",
    ).splitlines()[-1]  # the last line: logs go to stdout too
    log = tmp_path / "gunicorn.log"
    with log.open("w") as log_file:
        process = subprocess.Popen(  # noqa: S603
            [sys.executable, "-m", "gunicorn", "config.wsgi", "--bind", f"127.0.0.1:{port}",
             "--workers", "3", "--threads", "8", "--timeout", "60"],
            cwd=BASE_DIR, env=env, stdout=log_file, stderr=subprocess.STDOUT,
        )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"{base}/healthz", timeout=2) as response:  # noqa: S310
                    if response.status == 200:
                        break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"gunicorn did not start:\n{log.read_text()}")
            time.sleep(0.2)
        yield {"base": base, "manage": manage, "log": log, "article_pk": article_pk}
    finally:
        process.terminate()
        process.wait(timeout=15)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def test_twenty_simultaneous_comments_are_all_stored(server):
    url = f"{server['base']}/news/{SLUG}/"
    # Signed (with the server's key) as if the form had been rendered 3 s ago: past the
    # 2-second bot check, for the server's article.
    with override_settings(SECRET_KEY=SECRET):
        rendered_at = rendered_at_token(server["article_pk"], at=time.time() - 3)
    start = threading.Barrier(FANS, timeout=60)
    statuses, errors = {}, []

    def fan(n):
        try:
            opener = urllib.request.build_opener(
                urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), NoRedirect
            )
            with opener.open(url, timeout=30) as response:
                html = response.read().decode()
            token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
            data = urllib.parse.urlencode(
                {
                    "csrfmiddlewaretoken": token,
                    "name": f"Fan {n}",
                    "body": f"Fan {n} cheering at the same moment as everyone else",
                    "email": "",
                    "parent": "",
                    "website": "",
                    "rendered_at": rendered_at,
                }
            ).encode()
            start.wait()
            try:
                with opener.open(urllib.request.Request(url, data=data), timeout=60) as response:  # noqa: S310
                    statuses[n] = response.status
            except urllib.error.HTTPError as answer:  # 303 is raised as an "error" without redirects
                statuses[n] = answer.code
        except Exception as exc:  # noqa: BLE001 - reported below with the fan's number
            errors.append(f"fan {n}: {exc!r}")

    threads = [threading.Thread(target=fan, args=(n,)) for n in range(FANS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert not errors, errors
    assert statuses == dict.fromkeys(range(FANS), 303)
    stored = server["manage"](
        "shell",
        "-c",
        "from news.models import Comment;"
        "print(Comment.objects.filter(body__endswith='at the same moment as everyone else',"
        " status='approved').count())",
    )
    assert stored.strip().splitlines()[-1] == str(FANS)
    log = server["log"].read_text()
    assert "Traceback" not in log and "database is locked" not in log


# ---------- Recommends ----------

READERS = 20


def press_all_at_once(server, url, readers):
    """Each of ``readers`` (numbers) loads the article, then all press Recommend at one
    moment; returns ``{reader: status}`` and the errors."""
    start = threading.Barrier(len(readers), timeout=60)
    statuses, errors = {}, []

    def reader(n):
        address = f"198.51.100.{n + 1}"
        try:
            opener = urllib.request.build_opener(
                urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), NoRedirect
            )
            page = urllib.request.Request(  # noqa: S310 - our test server
                f"{server['base']}/news/{SLUG}/", headers={"X-Forwarded-For": address}
            )
            with opener.open(page, timeout=30) as response:
                html = response.read().decode()
            token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
            data = urllib.parse.urlencode({"csrfmiddlewaretoken": token}).encode()
            press = urllib.request.Request(url, data=data, headers={"X-Forwarded-For": address})  # noqa: S310
            start.wait()
            try:
                with opener.open(press, timeout=60) as response:
                    statuses[n] = response.status
            except urllib.error.HTTPError as answer:  # 303 is raised as an "error" without redirects
                statuses[n] = answer.code
        except Exception as exc:  # noqa: BLE001 - reported with the reader's number
            errors.append(f"reader {n}: {exc!r}")

    threads = [threading.Thread(target=reader, args=(n,)) for n in readers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return statuses, errors


def test_twenty_simultaneous_recommends_are_counted_exactly(server):
    manage = server["manage"]
    comment_pk = manage(
        "shell",
        "-c",
        "from news.models import Article, Comment;"
        f"article = Article.objects.get(slug='{SLUG}');"
        "print(Comment.objects.create(article=article, name='Ana', body='Great run.', status='approved').pk)",
    ).splitlines()[-1]
    url = f"{server['base']}/news/{SLUG}/comments/{comment_pk}/recommend/"

    def counted():
        out = manage(
            "shell",
            "-c",
            "from news.models import Comment, CommentRecommendation;"
            f"print(Comment.objects.get(pk={comment_pk}).recommend_count,"
            f" CommentRecommendation.objects.filter(comment_id={comment_pk}).count())",
        )
        return out.strip().splitlines()[-1]

    statuses, errors = press_all_at_once(server, url, range(READERS))
    assert not errors, errors
    assert statuses == dict.fromkeys(range(READERS), 303)
    assert counted() == f"{READERS} {READERS}"

    # Half take theirs back at once.
    statuses, errors = press_all_at_once(server, url, range(0, READERS, 2))
    assert not errors, errors
    assert set(statuses.values()) == {303}
    assert counted() == f"{READERS // 2} {READERS // 2}"
    log = server["log"].read_text()
    assert "Traceback" not in log and "database is locked" not in log
