"""The page cache across processes, for real: gunicorn with two sync workers on the embedded
default (a SQLite file, each worker's own local-memory cache), and on Redis. Both workers
answer the same ETag, an edit shows through both on the next request, rate limits hold
across them, and 2,000 junk URLs leave Redis and the workers' memory where they were.

The servers use a database file of their own, so this runs once, in the SQLite pass."""

import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from http import HTTPStatus
from pathlib import Path
from urllib.parse import urlencode

import pytest
from django.test import override_settings

from news.forms import rendered_at_token

from .test_faults import IN_CI, ROOT, Gunicorn, fetch, redis_reachable

pytestmark = pytest.mark.skipif(
    bool(os.environ.get("DATABASE_URL")),
    reason="runs once, in the SQLite pass: the servers use a file of their own",
)
ARTICLE = "/news/josh-kerr-world-champion-plan-for-paris/"


@pytest.fixture(scope="module")
def database(tmp_path_factory):
    """A SQLite file with the demo content, for the servers."""
    path = tmp_path_factory.mktemp("workers") / "podium.sqlite3"
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{path}", "SECRET_KEY": "x", "ENV_FILE": "/dev/null"}
    env.pop("CACHE_URL", None)
    for command in (["migrate", "--noinput"], ["load_demo"]):
        done = subprocess.run(  # noqa: S603 - fixed interpreter and arguments
            [sys.executable, "manage.py", *command], cwd=ROOT, env=env, capture_output=True, text=True
        )
        assert done.returncode == 0, done.stderr
    return path


def shell(database, code):
    """Run ``code`` in ``manage.py shell`` against the servers' database (as an editor's
    admin request would, through the models and their signals)."""
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{database}", "SECRET_KEY": "x", "ENV_FILE": "/dev/null"}
    done = subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "shell", "-c", code], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr


def in_parallel(function, items, threads=8):
    with ThreadPoolExecutor(threads) as pool:
        return list(pool.map(function, items))


@pytest.fixture
def two_workers(database):
    server = Gunicorn(
        # 5 an hour, not a minute: the posts cannot straddle the end of a window.
        workers=2,
        DATABASE_URL=f"sqlite:///{database}",
        COMMENTS_RATE="5/h",
        COMMENTS_CLOSE_AFTER_DAYS="0",
    ).start()
    yield server
    server.stop()


def test_two_workers_answer_the_same_etag_and_show_an_edit_on_the_next_request(database, two_workers):
    url = two_workers.url
    answers = in_parallel(lambda _: fetch(url + "/news/"), range(40))  # both workers, busy at once
    assert {status for status, *_ in answers} == {HTTPStatus.OK}
    assert len({headers["ETag"] for _, headers, *_ in answers}) == 1

    pages = ["/", "/news/", ARTICLE, "/athletes/josh-kerr/", "/feeds/latest/", "/search/?q=kerr"]
    for _ in range(2):  # every page kept by both workers
        in_parallel(lambda path: fetch(url + path), pages * 4)

    slug = ARTICLE.split("/")[2]
    edit = f"a = Article.objects.get(slug='{slug}'); a.title = 'Edited in the newsroom'; a.save()"
    shell(database, "from news.models import Article\n" + edit)

    for _, _, body, _ in in_parallel(lambda path: fetch(url + path), pages * 4):
        assert "Edited in the newsroom" in body


def test_rate_limits_hold_across_two_workers(two_workers):
    import http.cookiejar

    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(two_workers.url + ARTICLE).read().decode()  # noqa: S310 - local server
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)[1]
    # The page's own token names the article; one signed as if rendered 10 s ago passes the
    # bot check at once.
    article_pk = re.search(r'name="rendered_at" value="(\d+):', page)[1]
    with override_settings(SECRET_KEY=two_workers.env["SECRET_KEY"]):
        rendered_at = rendered_at_token(article_pk, at=time.time() - 10)
    cookie = "; ".join(f"{c.name}={c.value}" for c in jar)

    def post(n):
        data = {"csrfmiddlewaretoken": token, "rendered_at": rendered_at, "name": "Ana", "body": f"Post {n}"}
        request = urllib.request.Request(  # noqa: S310
            two_workers.url + ARTICLE, data=urlencode(data).encode(), method="POST",
            headers={"Cookie": cookie, "Referer": two_workers.url + ARTICLE},
        )  # fmt: skip
        try:
            with urllib.request.build_opener(NoRedirect).open(request, timeout=20) as response:
                return response.status
        except urllib.error.HTTPError as error:
            return error.code

    statuses = sorted(in_parallel(post, range(9)))
    assert statuses.count(HTTPStatus.SEE_OTHER) == 5, statuses
    assert statuses.count(HTTPStatus.TOO_MANY_REQUESTS) == 4, statuses


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def redis(*command):
    return subprocess.run(["redis-cli", "-n", "7", *command], capture_output=True, text=True).stdout.strip()  # noqa: S603, S607


def used_memory():
    return int(re.search(r"used_memory:(\d+)", redis("INFO", "memory"))[1])


def rss_kb(server):
    children = ["pgrep", "-P", str(server.process.pid)]
    workers = subprocess.run(children, capture_output=True, text=True).stdout.split()  # noqa: S603, S607
    total = 0
    for pid in workers:
        status = Path(f"/proc/{pid}/status").read_text()
        total += int(re.search(r"VmRSS:\s+(\d+)", status)[1])
    return total


def test_two_thousand_junk_urls_leave_redis_and_the_workers_memory_as_they_were(database):
    if not redis_reachable():
        if IN_CI:
            pytest.fail("Redis does not answer on 127.0.0.1:6379: .ci/run must start it")
        pytest.skip("Redis does not answer on 127.0.0.1:6379")
    redis("FLUSHDB")
    server = Gunicorn(
        workers=2, DATABASE_URL=f"sqlite:///{database}", CACHE_URL="redis://127.0.0.1:6379/7"
    ).start()
    try:
        pages = ["/", "/news/", ARTICLE, "/athletes/josh-kerr/", "/medals/", "/feeds/latest/"]
        for _ in range(3):  # every page kept, every worker warmed up
            in_parallel(lambda path: fetch(server.url + path), pages * 4)
        keys, memory, rss = int(redis("DBSIZE")), used_memory(), rss_kb(server)
        assert keys >= len(pages)

        junk = [f"{pages[n % len(pages)]}?x={n}" for n in range(1000)]
        junk += [f"/news/?page={n}" for n in range(2, 1002)]  # past the end: 404
        statuses = in_parallel(lambda path: fetch(server.url + path)[0], junk)
        assert set(statuses) <= {HTTPStatus.OK, HTTPStatus.NOT_FOUND}

        assert int(redis("DBSIZE")) == keys
        grown_memory = used_memory() - memory
        grown_rss = rss_kb(server) - rss
        print(f"\n2,000 junk URLs: Redis keys {keys} -> {redis('DBSIZE')}, memory +{grown_memory} B, "
              f"workers' RSS +{grown_rss} kB")  # fmt: skip
        assert grown_memory < 2 * 1024 * 1024
        assert grown_rss < 2 * 5 * 1024  # a few MB per worker at most
    finally:
        server.stop()
        redis("FLUSHDB")


def manage(database, *args):
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{database}", "SECRET_KEY": "x", "ENV_FILE": "/dev/null"}
    done = subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr


def test_after_restore_every_worker_shows_the_restored_content(database, two_workers, tmp_path):
    url = two_workers.url + "/news/"
    manage(database, "backup", str(tmp_path / "before.sqlite3"))
    shell(database, "from news.models import Article; a = Article.objects.order_by('pk').first(); "
                    "a.title = 'A title after the backup'; a.save()")  # fmt: skip
    for _, _, body, _ in in_parallel(lambda _: fetch(url), range(20)):  # kept by both workers
        assert "A title after the backup" in body

    manage(database, "restore", str(tmp_path / "before.sqlite3"), "--force")

    for _, _, body, _ in in_parallel(lambda _: fetch(url), range(20)):
        assert "A title after the backup" not in body
