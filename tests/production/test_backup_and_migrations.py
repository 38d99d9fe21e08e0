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
import time
from contextlib import closing
from pathlib import Path

import pytest

from news.management.commands.backup import integrity, read_only

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


def manage(db, *args, stdin=None, check=True, **extra_env):
    env = {
        "PATH": os.environ["PATH"],
        "DEBUG": "true",
        "DATABASE_URL": f"sqlite:///{db}",
        # The uploads (load_demo's images) beside the database, never the project's media/.
        "MEDIA_ROOT": str(Path(db).parent / "media"),
        **extra_env,
    }
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


def generation(db):
    """The page cache's generation of every page ("all") stored in ``db``."""
    with closing(sqlite3.connect(db)) as conn:
        return conn.execute("SELECT value FROM core_generation WHERE scope = 'all'").fetchone()


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
    assert before["news.Comment"] == 3 and before["news.Article"] == 3 and before["athletics.Athlete"] >= 3

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
    # Every cached page starts afresh: the restore gave the page cache new generations.
    assert generation(demo_db) != generation(backup)
    # The backup is one file in rollback-journal mode (no -wal or -shm beside it, before or
    # after the restore read it); the live database stays in WAL mode.
    # (Beside it, the media: load_demo's images.)
    assert sorted(path.name for path in backup.parent.iterdir()) == [
        "podium.sqlite3",
        "podium.sqlite3.media.tar",
    ]
    with closing(sqlite3.connect(demo_db)) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert backup.read_bytes()[18:20] == b"\x01\x01"  # file format: rollback journal
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


def live_state(db):
    """The live database's schema and row counts, to show a refused restore left it alone."""
    with closing(sqlite3.connect(db)) as conn:
        schema = conn.execute("SELECT type, name, sql FROM sqlite_master ORDER BY type, name").fetchall()
    return schema, counts(db)


def resized_copy(backup, page_size, path):
    """``backup`` rebuilt with another page size, as `VACUUM INTO` or another tool writes it."""
    with closing(read_only(backup)) as db:
        db.execute(f"PRAGMA page_size = {page_size}")
        db.execute("VACUUM INTO ?", (str(path),))
    with closing(sqlite3.connect(path)) as db:
        assert db.execute("PRAGMA page_size").fetchone()[0] == page_size
    return path


@pytest.mark.parametrize("page_size", [1024, 8192])
def test_restore_of_a_backup_with_another_page_size_restores_it(demo_db, tmp_path, page_size):
    """SQLite's backup API cannot change the page size of a database in WAL mode: the
    backup is rebuilt with the live page size first, then restored."""
    before = counts(demo_db)
    backup = resized_copy(demo_db, page_size, tmp_path / f"podium-{page_size}.sqlite3")
    with closing(sqlite3.connect(demo_db)) as db, db:  # a write after the backup
        db.execute(
            "INSERT INTO news_tag (name, slug) VALUES (?, ?)", (f"after {page_size}", f"after-{page_size}")
        )
    assert counts(demo_db)["news.Tag"] == before["news.Tag"] + 1

    result = manage(demo_db, "restore", str(backup), "--force")
    assert "Restored" in result.stdout and "Traceback" not in result.stderr
    assert counts(demo_db) == before
    assert integrity(demo_db) == "ok"
    with closing(sqlite3.connect(demo_db)) as db:
        assert db.execute("PRAGMA page_size").fetchone()[0] == 4096
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert not list(demo_db.parent.glob(".*restore-*")), "the resized copy is left behind"


def test_restore_refuses_a_utf16_database_and_leaves_the_live_one_alone(demo_db, tmp_path):
    """A sound SQLite file in UTF-16: the site's open connections could not read it."""
    backup = tmp_path / "utf16.sqlite3"
    with closing(read_only(demo_db)) as source, closing(sqlite3.connect(backup)) as copy:
        copy.create_function("REGEXP", 2, lambda pattern, value: True)
        copy.execute("PRAGMA encoding = 'UTF-16le'")
        copy.executescript("\n".join(source.iterdump()))
    before = live_state(demo_db)
    result = manage(demo_db, "restore", str(backup), "--force", check=False)
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert "encoded in UTF-16le; Podium databases are UTF-8" in result.stderr
    assert live_state(demo_db) == before


def test_restore_over_a_damaged_live_file_says_to_move_it_aside(demo_db, tmp_path):
    backup = tmp_path / "good.sqlite3"
    manage(demo_db, "backup", str(backup))
    damaged = tmp_path / "live" / "podium.sqlite3"
    damaged.parent.mkdir()
    damaged.write_bytes(b"not a database, " * 512)
    result = manage(damaged, "restore", str(backup), "--force", check=False)
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert "Nothing restored" in result.stderr and "move it" in result.stderr
    assert damaged.read_bytes() == b"not a database, " * 512
    damaged.unlink()  # as the message says: then the backup restores
    manage(damaged, "restore", str(backup), "--force")
    assert counts(damaged) == counts(demo_db)


TAMPERINGS = {
    "trigger": (
        "CREATE TRIGGER evil_trigger AFTER INSERT ON news_comment BEGIN "
        "UPDATE news_comment SET status = 'approved' WHERE id = NEW.id; END",
        "unexpected trigger evil_trigger on news_comment",
    ),
    "view": (
        "CREATE VIEW evil_view AS SELECT username, password FROM auth_user",
        "unexpected view evil_view",
    ),
    "table": (
        "CREATE TABLE evil_table (id INTEGER PRIMARY KEY, payload TEXT)",
        "unexpected table evil_table",
    ),
    "column": ("ALTER TABLE news_article ADD COLUMN evil TEXT", "table news_article differs"),
    "index": ("DROP INDEX article_listing_idx", "missing index article_listing_idx on news_article"),
}


@pytest.mark.parametrize("tampering", TAMPERINGS)
def test_restore_refuses_a_backup_whose_schema_differs_from_the_migrations(demo_db, tmp_path, tampering):
    sql, difference = TAMPERINGS[tampering]
    backup = tmp_path / "tampered.sqlite3"
    manage(demo_db, "backup", str(backup))
    with closing(sqlite3.connect(backup)) as db, db:
        db.create_function("REGEXP", 2, lambda pattern, value: True)
        db.execute(sql)
    assert integrity(backup) == "ok"  # a sound SQLite file: only its schema gives it away
    before = live_state(demo_db)

    result = manage(demo_db, "restore", str(backup), "--force", check=False)
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert "does not hold the schema the migrations create" in result.stderr
    assert difference in result.stderr
    assert "nothing restored" in result.stderr
    assert live_state(demo_db) == before


def test_restore_of_an_older_backup_is_checked_against_its_own_migrations(tmp_path):
    """A backup made before the latest migrations is compared with the schema of its own
    migration state (not today's: it lacks later indexes and tables), restores, and
    `migrate` brings it up to date."""
    old = tmp_path / "old.sqlite3"
    # news up to 0007 (before 0008's indexes) and what it needs: no page cache tables yet.
    manage(old, "migrate", "news", "0007", "--noinput", "-v0")
    backup = tmp_path / "old-backup.sqlite3"
    manage(old, "backup", str(backup))

    live = tmp_path / "live.sqlite3"
    manage(live, "migrate", "--noinput", "-v0")
    manage(live, "restore", str(backup), "--force")
    with closing(sqlite3.connect(live)) as db:
        news = {name for (name,) in db.execute("SELECT name FROM django_migrations WHERE app = 'news'")}
        tables = {name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert "0007_editors_manage_article_redirects" in news and not {n for n in news if n >= "0008"}
    assert "core_generation" not in tables  # older than the page cache: nothing to bump yet
    manage(live, "migrate", "--noinput", "-v0")
    assert "[ ]" not in manage(live, "showmigrations", "--plan").stdout


def test_restore_refuses_the_live_database_itself(demo_db):
    result = manage(demo_db, "restore", str(demo_db), "--force", check=False)
    assert result.returncode != 0 and "is the database itself" in result.stderr


def test_backup_on_an_unreachable_postgresql_fails_clearly(tmp_path):
    env = {
        "PATH": os.environ["PATH"],
        "DEBUG": "true",
        "ENV_FILE": "/dev/null",
        # Nothing listens there: pg_dump's own error is the message.
        "DATABASE_URL": "postgres://nobody@127.0.0.1:1/podium",
    }
    run = lambda *args: subprocess.run(  # noqa: E731, S603
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    backup = run("backup", str(tmp_path / "x.dump"), "--no-media")
    assert backup.returncode != 0 and "pg_dump failed" in backup.stderr and "Traceback" not in backup.stderr
    assert list(tmp_path.iterdir()) == []  # no partial file left behind
    restore = run("restore", str(tmp_path / "x.dump"), "--force")
    assert restore.returncode != 0 and "is not a file" in restore.stderr


def test_backup_without_a_path_keeps_the_newest_backup_keep_with_their_media(demo_db, tmp_path):
    backups, media = tmp_path / "backups", tmp_path / "media"
    (media / "articles").mkdir(parents=True)
    (media / "articles" / "hero.jpg").write_bytes(b"original bytes")
    backups.mkdir()
    (backups / "notes.txt").write_text("not a backup")
    (backups / "podium-by-hand.sqlite3").write_text("named by an operator")
    env = {"BACKUP_DIR": str(backups), "BACKUP_KEEP": "2", "MEDIA_ROOT": str(media)}
    for _ in range(3):
        manage(demo_db, "backup", **env)
        time.sleep(1.1)  # names are to the second
    automatic = sorted(p.name for p in backups.glob("podium-*Z.sqlite3"))
    assert len(automatic) == 2
    assert sorted(p.name for p in backups.iterdir()) == sorted(
        [*automatic, *(f"{name}.media.tar" for name in automatic), "notes.txt", "podium-by-hand.sqlite3"]
    )
    # The media comes back with the database.
    (media / "articles" / "hero.jpg").unlink()
    manage(demo_db, "restore", str(backups / automatic[-1]), "--force", **env)
    assert (media / "articles" / "hero.jpg").read_bytes() == b"original bytes"
    # BACKUP_KEEP=0 keeps everything.
    manage(demo_db, "backup", **{**env, "BACKUP_KEEP": "0"})
    assert len(list(backups.glob("podium-*Z.sqlite3"))) == 3


def test_restore_on_sqlite_says_a_postgresql_dump_is_one(demo_db, tmp_path):
    dump = tmp_path / "podium.dump"
    dump.write_bytes(b"PGDMP\x01\x0e\x00" + b"\x00" * 100)
    result = manage(demo_db, "restore", str(dump), "--force", check=False)
    assert result.returncode != 0 and "it is a PostgreSQL dump" in result.stderr


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
