"""Data safety: `manage.py backup` copies the SQLite database consistently while it is
being written, `manage.py restore` puts it back (refusing anything that is not a Podium
database, and asking before it overwrites); the demo content and comments survive the
round trip. Every migration is reversible: an empty database migrates to zero and back.

These run `manage.py` in subprocesses on temporary SQLite files, beside (never on) the
test database."""

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from news.management.commands.backup import integrity

ROOT = Path(__file__).resolve().parents[2]

COUNT_SCRIPT = """
import json
from django.apps import apps
counts = {}
for app in ("news", "athletics"):
    for model in apps.get_app_config(app).get_models():
        counts[model._meta.label] = model.objects.count()
print(json.dumps(counts))
"""
COMMENTS_SCRIPT = """
from news.models import Article, Comment
article = Article.objects.get(slug="josh-kerr-world-champion-plan-for-paris")
first = Comment.objects.create(article=article, name="Eilidh", body="What a run.", status="approved")
Comment.objects.create(article=article, parent=first, name="Kenji", body="That kick!", status="approved")
Comment.objects.create(article=article, name="Ola", body="Pending one.", status="pending")
"""


def manage(db, *args, stdin=None, check=True):
    env = {"PATH": os.environ["PATH"], "DEBUG": "true", "DATABASE_URL": f"sqlite:///{db}"}
    result = subprocess.run(  # noqa: S603 - fixed interpreter and arguments
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        input=stdin,
    )
    if check:
        assert result.returncode == 0, result.stdout + result.stderr
    return result


def counts(db):
    return json.loads(manage(db, "shell", "-v0", "-c", COUNT_SCRIPT).stdout)


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory):
    """A migrated SQLite file with the demo content and a few comments."""
    db = tmp_path_factory.mktemp("data") / "podium.sqlite3"
    manage(db, "migrate", "--noinput", "-v0")
    manage(db, "load_demo", "-v0")
    manage(db, "shell", "-v0", "-c", COMMENTS_SCRIPT)
    return db


def test_backup_delete_restore_round_trips_the_demo_content_and_comments(demo_db, tmp_path):
    before = counts(demo_db)
    assert before["news.Comment"] == 3 and before["news.Article"] == 1 and before["athletics.Athlete"] >= 3

    backup = tmp_path / "backups" / "podium.sqlite3"
    result = manage(demo_db, "backup", str(backup))
    assert "integrity ok" in result.stdout
    assert backup.exists() and not list(backup.parent.glob("*.partial"))

    with sqlite3.connect(demo_db) as db:  # every row of the site's own tables, gone
        db.execute("PRAGMA foreign_keys = OFF")
        for (table,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall():
            if table.startswith(("news_", "athletics_")):
                db.execute(f'DELETE FROM "{table}"')  # noqa: S608 - table names from sqlite_master
    emptied = counts(demo_db)
    assert emptied["news.Comment"] == emptied["news.Article"] == emptied["athletics.Athlete"] == 0

    manage(demo_db, "restore", str(backup), "--force")
    assert counts(demo_db) == before
    # The restored site serves the story and its comments.
    page = manage(
        demo_db, "shell", "-v0", "-c",
        "from django.test import Client; from django.test.utils import override_settings\n"
        "with override_settings(ALLOWED_HOSTS=['testserver']):\n"
        "    r = Client().get('/news/josh-kerr-world-champion-plan-for-paris/')\n"
        "print(r.status_code, 'That kick!' in r.content.decode())",
    )  # fmt: skip
    assert page.stdout.split()[-2:] == ["200", "True"]


def test_backup_is_consistent_while_the_database_is_being_written(demo_db, tmp_path):
    """A writer commits batches of 10 rows as fast as it can during the backup: the copy
    passes SQLite's integrity check and holds whole batches only."""
    writer_code = (
        "import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'config.settings')\n"
        "django.setup()\n"
        "from django.db import transaction; from news.models import Tag\n"
        "for b in range(400):\n"
        "    with transaction.atomic():\n"
        "        Tag.objects.bulk_create([Tag(name=f'bk{b}-{i}', slug=f'bk{b}-{i}') for i in range(10)])\n"
    )
    env = {"PATH": os.environ["PATH"], "DEBUG": "true", "DATABASE_URL": f"sqlite:///{demo_db}"}
    writer = subprocess.Popen([sys.executable, "-c", writer_code], cwd=ROOT, env=env)  # noqa: S603
    try:
        copies = []
        for i in range(3):
            copy = tmp_path / f"during-{i}.sqlite3"
            manage(demo_db, "backup", str(copy))
            copies.append(copy)
    finally:
        writer.wait(timeout=180)
    assert writer.returncode == 0
    for copy in copies:
        assert integrity(copy) == "ok"
        with sqlite3.connect(copy) as db:
            written = db.execute("SELECT COUNT(*) FROM news_tag WHERE slug LIKE 'bk%'").fetchone()[0]
        assert written % 10 == 0, f"{copy.name} holds half a transaction ({written} rows)"


def test_backup_refuses_to_overwrite_without_force(demo_db, tmp_path):
    existing = tmp_path / "old.sqlite3"
    existing.write_bytes(b"keep me")
    result = manage(demo_db, "backup", str(existing), check=False)
    assert result.returncode != 0 and "--force" in result.stderr
    assert existing.read_bytes() == b"keep me"


@pytest.mark.parametrize(
    "content",
    [b"", b"just some text, not a database", b"SQLite format 3\x00" + b"\x00" * 200],
    ids=["empty", "text", "broken-sqlite"],
)
def test_restore_refuses_a_file_that_is_not_a_podium_sqlite_database(demo_db, tmp_path, content):
    before = counts(demo_db)
    bogus = tmp_path / "bogus.sqlite3"
    bogus.write_bytes(content)
    result = manage(demo_db, "restore", str(bogus), "--force", check=False)
    assert result.returncode != 0
    assert "not a Podium SQLite database" in result.stderr or "damaged" in result.stderr
    assert counts(demo_db) == before


def test_restore_refuses_another_apps_sqlite_database(demo_db, tmp_path):
    other = tmp_path / "other.sqlite3"
    with sqlite3.connect(other) as db:
        db.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT)")
    result = manage(demo_db, "restore", str(other), "--force", check=False)
    assert result.returncode != 0
    assert "not a Podium SQLite database" in result.stderr and "news_article" in result.stderr


def test_restore_asks_before_overwriting(demo_db, tmp_path):
    backup = tmp_path / "b.sqlite3"
    manage(demo_db, "backup", str(backup))
    # Nobody to ask (no terminal) and no --force: refused, nothing touched.
    refused = manage(demo_db, "restore", str(backup), check=False, stdin="yes\n")
    assert refused.returncode != 0 and "--force" in refused.stderr


def test_backup_on_postgresql_points_at_pg_dump(tmp_path):
    env = {
        "PATH": os.environ["PATH"],
        "DEBUG": "true",
        # Never connected to: the command knows the engine from the settings.
        "DATABASE_URL": "postgres://nobody@127.0.0.1:1/podium",
    }
    for command in ("backup", "restore"):
        result = subprocess.run(  # noqa: S603
            [sys.executable, "manage.py", command, str(tmp_path / "x.dump")],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert result.returncode != 0
        assert "pg_dump" in result.stderr and "pg_restore" in result.stderr


def test_every_migration_reverses_to_zero_and_forward_again_on_an_empty_database(tmp_path):
    db = tmp_path / "empty.sqlite3"
    manage(db, "migrate", "--noinput", "-v0")
    for app in ("news", "athletics", "axes", "admin", "auth", "contenttypes", "sessions"):
        manage(db, "migrate", app, "zero", "--noinput", "-v0")
    with sqlite3.connect(db) as conn:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert not {t for t in tables if t.startswith(("news_", "athletics_"))}, tables
    manage(db, "migrate", "--noinput", "-v0")
    plan = manage(db, "showmigrations", "--plan").stdout
    assert "[ ]" not in plan and "[X]" in plan
    # And the migrated-again database works: the demo content loads into it.
    manage(db, "load_demo", "-v0")


def test_every_migration_reverses_on_postgresql_too():
    """The same round trip on a scratch PostgreSQL database (extensions, search
    configuration and data migrations reverse there too). Runs in CI's PostgreSQL pass."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL migrations: runs when DATABASE_URL is PostgreSQL (CI's second pass)")
    import secrets
    from urllib.parse import quote

    import psycopg

    settings_dict = connection.settings_dict
    name = f"podium_migrations_{secrets.token_hex(4)}"
    params = {
        "host": settings_dict.get("HOST") or "127.0.0.1",
        "port": settings_dict.get("PORT") or 5432,
        "user": settings_dict.get("USER") or None,
        "password": settings_dict.get("PASSWORD") or None,
        "dbname": "postgres",
        "autocommit": True,
    }
    with psycopg.connect(**params) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    user = quote(params["user"] or "", safe="")
    password = f":{quote(params['password'], safe='')}" if params["password"] else ""
    env = {
        "PATH": os.environ["PATH"],
        "DEBUG": "true",
        "DATABASE_URL": f"postgres://{user}{password}@{params['host']}:{params['port']}/{name}",
    }

    def pg_manage(*args):
        result = subprocess.run(  # noqa: S603 - fixed interpreter and arguments
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert result.returncode == 0, result.stdout + result.stderr
        return result

    try:
        pg_manage("migrate", "--noinput", "-v0")
        for app in ("news", "athletics"):
            pg_manage("migrate", app, "zero", "--noinput", "-v0")
        pg_manage("migrate", "--noinput", "-v0")
        assert "[ ]" not in pg_manage("showmigrations", "--plan").stdout
        pg_manage("load_demo", "-v0")
    finally:
        with psycopg.connect(**params) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
