"""The backup drill on PostgreSQL (issue 14, item 3): `manage.py backup` writes a pg_dump
custom-format archive and the media beside it; the data is lost; `manage.py restore` brings
back every row (counts compared table by table) and a comment's text, and the media. A
truncated, foreign or newer backup is refused with a clear message and nothing changes.

PostgreSQL only (CI's second pass): each run uses a database of its own, named after the
test database (``<name>_drill``), created and dropped here, through `manage.py` in
subprocesses as an operator runs it."""

import os
import subprocess
import sys
import urllib.parse
from pathlib import Path

import psycopg
import pytest
from django.conf import settings

from tests.production.test_backup_and_migrations import COMMENTS_SCRIPT, COUNT_SCRIPT

ROOT = Path(__file__).resolve().parents[2]
LIVE = settings.DATABASES["default"]

pytestmark = pytest.mark.skipif(
    LIVE["ENGINE"] != "config.postgresql", reason="the drill runs on PostgreSQL (CI's PostgreSQL pass)"
)

COMMENT_TEXT_SCRIPT = """
from news.models import Comment
print(Comment.objects.get(name="Kenji").body)
"""


def admin_connection():
    return psycopg.connect(
        host=LIVE.get("HOST") or None,
        port=LIVE.get("PORT") or None,
        user=LIVE.get("USER") or None,
        password=LIVE.get("PASSWORD") or None,
        dbname="postgres",
        autocommit=True,
    )


def database_url(name):
    user = urllib.parse.quote(LIVE.get("USER") or "", safe="")
    password = urllib.parse.quote(LIVE.get("PASSWORD") or "", safe="")
    credentials = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    return f"postgres://{credentials}{LIVE.get('HOST') or '127.0.0.1'}:{LIVE.get('PORT') or 5432}/{name}"


class Site:
    """`manage.py` against one PostgreSQL database and one media folder."""

    def __init__(self, name, media):
        self.name, self.media = name, media

    def manage(self, *args, check=True):
        env = {
            "PATH": os.environ["PATH"],
            "DEBUG": "true",
            "ENV_FILE": "/dev/null",
            "DATABASE_URL": database_url(self.name),
            "MEDIA_ROOT": str(self.media),
        }
        result = subprocess.run(  # noqa: S603 - fixed interpreter and arguments
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        if check:
            assert result.returncode == 0, result.stdout + result.stderr
        return result

    def counts(self):
        import json

        return json.loads(self.manage("shell", "-v0", "-c", COUNT_SCRIPT).stdout)

    def sql(self, *statements):
        with psycopg.connect(database_url(self.name), autocommit=True) as conn:
            for statement in statements:
                conn.execute(statement)


def create_database(name):
    with admin_connection() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def drop_database(name):
    with admin_connection() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """A migrated PostgreSQL database of its own with the demo content, comments and media."""
    name = f"{LIVE['NAME']}_drill"[:63]
    create_database(name)
    media = tmp_path_factory.mktemp("drill") / "media"
    (media / "articles").mkdir(parents=True)
    (media / "articles" / "hero.jpg").write_bytes(b"\xff\xd8 not really a jpeg, but kept byte for byte")
    site = Site(name, media)
    try:
        site.manage("migrate", "--noinput", "-v0")
        site.manage("load_demo", "-v0")
        site.manage("shell", "-v0", "-c", COMMENTS_SCRIPT)
        yield site
    finally:
        drop_database(name)


def test_drill_backup_lose_everything_restore(site, tmp_path):
    before = site.counts()
    assert before["news.Comment"] == 3 and before["athletics.Result"] > 0

    backup = tmp_path / "podium.dump"
    result = site.manage("backup", str(backup))
    assert "pg_restore reads it whole" in result.stdout
    assert backup.read_bytes()[:5] == b"PGDMP"
    assert (tmp_path / "podium.dump.media.tar").is_file()
    assert not list(tmp_path.glob(".*partial"))

    # Disaster: every table and the media gone.
    site.sql("DROP SCHEMA public CASCADE", "CREATE SCHEMA public")
    (site.media / "articles" / "hero.jpg").unlink()

    restored = site.manage("restore", str(backup), "--force")
    assert "Restored database" in restored.stdout
    assert site.counts() == before
    assert site.manage("shell", "-v0", "-c", COMMENT_TEXT_SCRIPT).stdout.strip() == "That kick!"
    assert (site.media / "articles" / "hero.jpg").read_bytes().startswith(b"\xff\xd8 not really")
    # The restored site serves the story and its comments (search's unaccent included).
    page = site.manage(
        "shell", "-v0", "-c",
        "from django.test import Client; from django.test.utils import override_settings\n"
        "with override_settings(ALLOWED_HOSTS=['testserver']):\n"
        "    r = Client().get('/news/josh-kerr-world-champion-plan-for-paris/')\n"
        "    s = Client().get('/search/?q=Kérr')\n"
        "print(r.status_code, 'That kick!' in r.content.decode(), s.status_code)",
    )  # fmt: skip
    assert page.stdout.split()[-3:] == ["200", "True", "200"]


def test_restore_over_changed_data_brings_back_the_backup_and_starts_the_page_cache_afresh(site, tmp_path):
    backup = tmp_path / "before.dump"
    site.manage("backup", str(backup), "--no-media")
    before = site.counts()
    site.sql("UPDATE news_comment SET body = 'vandalised'", "DELETE FROM news_commentreport")
    with psycopg.connect(database_url(site.name)) as conn:
        generation = conn.execute("SELECT value FROM core_generation WHERE scope = 'all'").fetchone()

    site.manage("restore", str(backup), "--force")
    assert site.counts() == before
    assert site.manage("shell", "-v0", "-c", COMMENT_TEXT_SCRIPT).stdout.strip() == "That kick!"
    with psycopg.connect(database_url(site.name)) as conn:
        assert conn.execute("SELECT value FROM core_generation WHERE scope = 'all'").fetchone() != generation


@pytest.fixture
def good_dump(site, tmp_path):
    backup = tmp_path / "good.dump"
    site.manage("backup", str(backup), "--no-media")
    return backup


def assert_refused(site, path, message):
    before = site.counts()
    result = site.manage("restore", str(path), "--force", check=False)
    assert result.returncode != 0
    assert message in result.stderr, result.stderr
    assert "Traceback" not in result.stderr
    assert site.counts() == before


def test_a_truncated_dump_is_refused(site, good_dump, tmp_path):
    data = good_dump.read_bytes()
    for cut in (len(data) // 2, len(data) - 200):
        truncated = tmp_path / f"cut-{cut}.dump"
        truncated.write_bytes(data[:cut])
        assert_refused(site, truncated, "is damaged or truncated")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "not a Podium PostgreSQL backup"),
        (b"just some text", "not a Podium PostgreSQL backup"),
        (b"SQLite format 3\x00" + b"\x00" * 100, "it is an SQLite database"),
    ],
    ids=["empty", "text", "sqlite"],
)
def test_a_file_that_is_no_dump_is_refused(site, tmp_path, content, message):
    bogus = tmp_path / "bogus.dump"
    bogus.write_bytes(content)
    assert_refused(site, bogus, message)


def test_another_databases_dump_is_refused(site, tmp_path):
    other = f"{site.name}_other"[:63]
    create_database(other)
    foreign = tmp_path / "other.dump"
    try:
        Site(other, tmp_path).sql("CREATE TABLE notes (id serial PRIMARY KEY, text text)")
        # By hand: `backup` refuses to write a dump that is not Podium's (last test).
        url = urllib.parse.urlsplit(database_url(other))
        env = {**os.environ, "PGDATABASE": other, "PGHOST": url.hostname, "PGPORT": str(url.port)}
        env.update(
            PGUSER=urllib.parse.unquote(url.username or ""),
            PGPASSWORD=urllib.parse.unquote(url.password or ""),
        )
        subprocess.run(["pg_dump", "--format=custom", f"--file={foreign}"], env=env, check=True)  # noqa: S603,S607
    finally:
        drop_database(other)
    assert_refused(site, foreign, "is not a Podium database dump (no django_migrations, news_article")


def test_a_dump_made_by_newer_code_is_refused(site, tmp_path):
    site.sql(
        "INSERT INTO django_migrations (app, name, applied) VALUES ('news', '9999_from_the_future', now())"
    )
    newer = tmp_path / "newer.dump"
    try:
        site.manage("backup", str(newer), "--no-media")
    finally:
        site.sql("DELETE FROM django_migrations WHERE name = '9999_from_the_future'")
    assert_refused(site, newer, "made by a newer Podium (migrations news.9999_from_the_future")


def test_a_truncated_media_archive_is_refused_before_the_database_is_touched(site, tmp_path):
    backup = tmp_path / "with-media.dump"
    site.manage("backup", str(backup))
    archive = tmp_path / "with-media.dump.media.tar"
    archive.write_bytes(archive.read_bytes()[:700])
    site.sql("UPDATE news_comment SET body = 'changed after the backup' WHERE name = 'Ola'")
    assert_refused(site, backup, "is not a whole media archive")
    site.sql("UPDATE news_comment SET body = 'Pending one.' WHERE name = 'Ola'")


def test_backup_refuses_to_write_a_dump_of_a_database_that_is_not_podiums(site, tmp_path):
    other = f"{site.name}_empty"[:63]
    create_database(other)
    try:
        result = Site(other, tmp_path / "none").manage("backup", str(tmp_path / "x.dump"), check=False)
    finally:
        drop_database(other)
    assert result.returncode != 0 and "not a Podium database dump" in result.stderr
    assert not (tmp_path / "x.dump").exists() and not list(tmp_path.glob(".*partial"))
