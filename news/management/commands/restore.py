"""``python manage.py restore PATH``: put a backup made by ``manage.py backup`` back, with the
media archived beside it (README, "Backups").

PostgreSQL: PATH must be a whole pg_dump custom-format archive of a Podium database (its
table of contents names Podium's tables and every data block reads to its end: a truncated
or foreign file is refused before anything changes), made by this code's migrations or
older ones. It is restored with ``pg_restore --clean --if-exists --single-transaction``:
each object of the dump is dropped and recreated with its rows in one transaction, so the
site sees the old database or the restored one, and a failure changes nothing.

SQLite: a copy made by ``manage.py backup`` goes back in place of the SQLite database.
Refuses a file that is not a sound Podium SQLite database, or whose schema is not the one
the migrations create; asks before overwriting (or needs ``--force`` where nobody can
answer). Written through SQLite's backup API in one transaction, so the site sees either
the old database or the restored one, never a mix.

Schema: a backup must hold exactly the tables, indexes, triggers and views that this code's
migrations create at the backup's own migration state (sqlite_master's type, name, table
and SQL with whitespace collapsed; SQLite's own ``sqlite_*`` objects aside). Anything else
would run in, or change, the live site: a trigger fires on every write, a missing index or
a changed column breaks pages. The reference is built afresh on each restore by running the
backup's recorded migrations into an in-memory database in a subprocess (a few seconds;
the subprocess keeps the data migrations, which write through the default connection, away
from the live file). Comparing with the live database instead would be instant, but it
trusts whatever the live file holds, needs the same migrations applied on both sides, and
there is no live database to compare with after a loss, when a restore matters most.
The price of comparing SQL: tables that another Django version wrote in other words would
differ too (and be refused, named), though their columns were the same.

Page size: the backup API cannot change the page size of a database in WAL mode (the live
one is), and stops with "attempt to write a readonly database". A backup with another page
size (``VACUUM INTO`` after ``PRAGMA page_size``, another tool) is first rebuilt with the
live page size into a temporary file beside the live database, and that file is restored."""

import json
import os
import sqlite3
import subprocess
import sys
import tempfile
from contextlib import closing
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.loader import MigrationLoader

from core import backups, cache
from core.models import Generation

from .backup import integrity, read_only, sqlite_file

SQLITE_HEADER = b"SQLite format 3\x00"
# Tables every Podium database has: migrations applied, articles, athletes.
PODIUM_TABLES = {"django_migrations", "news_article", "athletics_athlete"}
# Differences named in a refusal; past this many, how many more.
DIFFERENCES_SHOWN = 20
# Run in a subprocess: migrate an in-memory database to the targets given as JSON and
# print its sqlite_master rows as JSON. One in-memory database stands in for every
# configured one, so nothing a migration does can reach the live file.
REFERENCE_SCRIPT = """
import json, sys
from django.conf import settings
settings.DATABASES = {"default": {**settings.DATABASES[sys.argv[1]], "NAME": ":memory:"}}
import django
django.setup()
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
MigrationExecutor(connection).migrate([tuple(target) for target in json.loads(sys.argv[2])])
with connection.cursor() as cursor:
    cursor.execute("SELECT type, name, tbl_name, sql FROM sqlite_master")
    print(json.dumps(cursor.fetchall()))
"""


def check_backup(path):
    """The backup's applied migrations as {(app, name)}, or a CommandError why it is not a
    Podium SQLite database."""
    if not path.is_file():
        raise CommandError(f"{path} is not a file.")
    with path.open("rb") as file:
        header = file.read(len(SQLITE_HEADER))
    if header.startswith(backups.PG_MAGIC):
        raise CommandError(
            f"{path} is not a Podium SQLite database: it is a PostgreSQL dump (restore it with "
            "DATABASE_URL naming a PostgreSQL database)."
        )
    if header != SQLITE_HEADER:
        raise CommandError(f"{path} is not a Podium SQLite database (not an SQLite file).")
    try:
        verdict = integrity(path)
        with closing(read_only(path)) as db:
            encoding = db.execute("PRAGMA encoding").fetchone()[0]
            tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            applied = (
                set(db.execute("SELECT app, name FROM django_migrations"))
                if "django_migrations" in tables
                else set()
            )
    except sqlite3.DatabaseError as exc:
        raise CommandError(f"{path} is not a Podium SQLite database ({exc}).") from exc
    if verdict != "ok":
        raise CommandError(f"{path} is damaged: SQLite's integrity check says {verdict!r}.")
    missing = PODIUM_TABLES - tables
    if missing:
        raise CommandError(f"{path} is not a Podium SQLite database (no {', '.join(sorted(missing))} table).")
    if encoding != "UTF-8":
        # The site's open connections cannot read a database whose text encoding changed
        # under them ("attached databases must use the same text encoding").
        raise CommandError(f"{path} is encoded in {encoding}; Podium databases are UTF-8.")
    return applied


def migration_targets(applied, graph):
    """For each app, the last of ``applied`` that this code knows: migrating to these
    recreates the backup's migration state."""
    targets = {}
    for node in applied:
        if node in graph.nodes:
            app = node[0]
            if app not in targets or len(graph.forwards_plan(node)) > len(graph.forwards_plan(targets[app])):
                targets[app] = node
    return sorted(targets.values())


def schema_of(rows):
    """{(type, name): (table, SQL with whitespace collapsed)} of sqlite_master ``rows``,
    without SQLite's own objects (sqlite_sequence, sqlite_stat1, automatic indexes)."""
    return {
        (kind, name): (table, " ".join(sql.split()) if sql else sql)
        for kind, name, table, sql in rows
        if not name.startswith("sqlite_")
    }


def reference_schema(database, targets):
    """The schema this code's migrations create at ``targets`` (see the module docstring)."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": settings.SETTINGS_MODULE,
        "PYTHONPATH": os.pathsep.join(path for path in sys.path if path),
    }
    failed = "Could not build the schema the migrations create, to compare the backup with"
    try:
        result = subprocess.run(  # noqa: S603 - this interpreter, a fixed script
            [sys.executable, "-c", REFERENCE_SCRIPT, database, json.dumps(targets)],
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
    except subprocess.TimeoutExpired as exc:
        raise CommandError(f"{failed} (no answer in 10 minutes); nothing restored.") from exc
    if result.returncode != 0:
        last = (result.stderr.strip().splitlines() or ["no error output"])[-1]
        raise CommandError(f"{failed} ({last}); nothing restored.")
    return schema_of(json.loads(result.stdout.strip().splitlines()[-1]))


def _shown(name):
    # Names come from the file: one with spaces or control characters is quoted.
    return name if name.isprintable() and name.split() == [name] else repr(name)


def schema_differences(found, expected):
    """What sets schema ``found`` apart from ``expected``, one phrase each."""

    def described(kind, name, table):
        on = f" on {_shown(table)}" if kind in {"index", "trigger"} else ""
        return f"{kind} {_shown(name)}{on}"

    differences = []
    for kind, name in sorted(found.keys() | expected.keys(), key=lambda key: (key[1], key[0])):
        if (kind, name) not in expected:
            differences.append(f"unexpected {described(kind, name, found[kind, name][0])}")
        elif (kind, name) not in found:
            differences.append(f"missing {described(kind, name, expected[kind, name][0])}")
        elif found[kind, name] != expected[kind, name]:
            differences.append(f"{kind} {_shown(name)} differs")
    return differences


def copy_into(backup, target_path):
    """Write ``backup`` over the live database in one transaction of SQLite's backup API,
    through a copy with the live page size when the backup's differs."""
    with closing(sqlite3.connect(target_path, timeout=20)) as live, closing(read_only(backup)) as source:
        page_size = live.execute("PRAGMA page_size").fetchone()[0]
        if source.execute("PRAGMA page_size").fetchone()[0] == page_size:
            source.backup(live)
            return
        with tempfile.TemporaryDirectory(
            dir=target_path.parent, prefix=f".{target_path.name}.restore-"
        ) as tmp:
            resized = Path(tmp) / "resized.sqlite3"
            source.execute(f"PRAGMA page_size = {int(page_size)}")  # the size VACUUM INTO writes
            source.execute("VACUUM INTO ?", (str(resized),))
            with closing(sqlite3.connect(resized)) as copy:
                copy.backup(live)


class Command(BaseCommand):
    help = "Replace the database (and the media) with a backup made by `manage.py backup`."

    def add_arguments(self, parser):
        parser.add_argument("path", help="A file written by `manage.py backup` (.sqlite3 or .dump).")
        parser.add_argument("--force", action="store_true", help="Overwrite without asking.")
        parser.add_argument(
            "--no-media", action="store_true", help="Leave MEDIA_ROOT alone (PATH.media.tar not read)."
        )
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)

    def handle(self, *args, path, force, no_media, database, **options):
        backup = Path(path)
        media = backups.media_archive(backup)
        restore_media = not no_media and media.is_file()
        if connections[database].vendor == "postgresql":
            self.restore_postgres(backup, database, force)
        else:
            self.restore_sqlite(backup, database, force, media if restore_media else None)
        if restore_media:
            backups.restore_media_archive(media)
            self.stdout.write(f"Restored the media from {media}.")
        # Every cached page shows the restored content from the next request on (a backup
        # older than the page cache has no generations table: `migrate` does it then).
        connection = connections[database]
        if Generation._meta.db_table in connection.introspection.table_names():
            cache.bump_all()
        self.stdout.write("Run `manage.py migrate` if the backup is older than the code.")

    def confirm(self, target, backup, force):
        if force:
            return
        if not sys.stdin.isatty():
            raise CommandError(f"{target} exists: pass --force to overwrite it with {backup}.")
        answer = input(f"Overwrite {target} with {backup}? Everything since the backup is lost. [y/N] ")
        if answer.strip().lower() not in {"y", "yes"}:
            raise CommandError("Nothing restored.")

    def restore_postgres(self, backup, database, force):
        if not backup.is_file():
            raise CommandError(f"{backup} is not a file.")
        with backup.open("rb") as file:
            if file.read(len(SQLITE_HEADER)) == SQLITE_HEADER:
                raise CommandError(
                    f"{backup} is not a Podium PostgreSQL backup: it is an SQLite database (restore it "
                    "with DATABASE_URL naming an SQLite file)."
                )
        toc = backups.check_pg_dump(backup)
        refuse_newer(backup, backups.dumped_migrations(backup))
        media = backups.media_archive(backup)
        if media.is_file():
            backups.check_media_archive(media)
        connection = connections[database]
        self.confirm(f"database {connection.settings_dict['NAME']}", backup, force)
        # The dump's extensions are created here, never dropped (backups.restore_list).
        with connection.cursor() as cursor:
            for extension in backups.dumped_extensions(toc):
                cursor.execute(f'CREATE EXTENSION IF NOT EXISTS "{extension}"')
        connection.close()  # our own session must hold no lock on what is dropped
        with tempfile.TemporaryDirectory(prefix="podium-restore-") as tmp:
            backups.pg_restore(connection.settings_dict, backup, toc, Path(tmp) / "restore.list")
        self.stdout.write(
            self.style.SUCCESS(f"Restored database {connection.settings_dict['NAME']} from {backup}.")
        )

    def restore_sqlite(self, backup, database, force, media):
        target_path = sqlite_file(database)
        if backup.exists() and target_path.exists() and backup.resolve() == target_path.resolve():
            raise CommandError(f"{backup} is the database itself: choose a backup to restore.")
        applied = check_backup(backup)
        graph = refuse_newer(backup, applied)
        with closing(read_only(backup)) as db:
            found = schema_of(db.execute("SELECT type, name, tbl_name, sql FROM sqlite_master"))
        differences = schema_differences(found, reference_schema(database, migration_targets(applied, graph)))
        if differences:
            more = len(differences) - DIFFERENCES_SHOWN
            listed = "\n".join(f"  {difference}" for difference in differences[:DIFFERENCES_SHOWN])
            raise CommandError(
                f"{backup} does not hold the schema the migrations create at its migration state; "
                f"nothing restored:\n{listed}" + (f"\n  and {more} more" if more > 0 else "")
            )
        if media is not None:
            backups.check_media_archive(media)
        if target_path.exists() and target_path.stat().st_size:
            self.confirm(target_path, backup, force)
        connections[database].close()
        try:
            copy_into(backup, target_path)
        except sqlite3.Error as exc:
            # The copy is one transaction: SQLite rolled it back and the database is as it was.
            hint = ""
            if getattr(exc, "sqlite_errorname", "") in {"SQLITE_NOTADB", "SQLITE_CORRUPT"}:
                hint = (
                    f" {target_path} is damaged: move it aside, with any -wal and -shm files beside "
                    "it, and restore again."
                )
            raise CommandError(
                f"Nothing restored: SQLite could not copy {backup} into {target_path} ({exc}).{hint}"
            ) from exc
        self.stdout.write(self.style.SUCCESS(f"Restored {target_path} from {backup}."))


def refuse_newer(backup, applied):
    """The migration graph of this code; CommandError when ``applied`` names migrations of
    Podium's apps this code does not have (a backup made by newer code)."""
    graph = MigrationLoader(None, ignore_no_migrations=True).graph
    unknown = sorted(
        f"{app}.{name}" for app, name in applied - set(graph.nodes) if app in {"news", "athletics"}
    )
    if unknown:
        raise CommandError(
            f"{backup} was made by a newer Podium (migrations {', '.join(unknown)} are not in this "
            "code): update the code first."
        )
    return graph
