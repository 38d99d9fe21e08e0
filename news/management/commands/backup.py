"""``python manage.py backup PATH``: a consistent copy of the SQLite database, taken while
the site runs, through SQLite's online backup API (readers and writers carry on; the copy
is one committed state, never half a transaction). PostgreSQL is backed up with pg_dump
(README, "Backups")."""

import os
import re
import sqlite3
from contextlib import closing
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections

PG_DUMP_HINT = (
    "This database is PostgreSQL: back it up with pg_dump, e.g.\n"
    '  pg_dump --format=custom --file=podium-$(date +%F).dump "$DATABASE_URL"\n'
    'and restore with pg_restore (README, "Backups"). `manage.py backup` copies SQLite databases.'
)


def sqlite_file(alias):
    """The path of the SQLite file behind ``alias``, or a CommandError saying why not."""
    connection = connections[alias]
    if connection.vendor == "postgresql":
        raise CommandError(PG_DUMP_HINT)
    if connection.vendor != "sqlite":
        raise CommandError(f"`backup` and `restore` handle SQLite databases, not {connection.vendor}.")
    name = str(connection.settings_dict["NAME"])
    if connection.is_in_memory_db() or not name:
        raise CommandError("The database is in memory: there is no file to back up or restore.")
    return Path(name)


def _regexp(pattern, value):
    return value is not None and re.search(pattern, str(value)) is not None


def read_only(path):
    """A read-only connection to the SQLite file ``path``, with the REGEXP function that
    some CHECK constraints use (Django registers it on its connections and so must we)."""
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    db.create_function("REGEXP", 2, _regexp, deterministic=True)
    return db


def integrity(path):
    """SQLite's own verdict on ``path`` ("ok" when sound), CHECK constraints included."""
    with closing(read_only(path)) as db:
        return db.execute("PRAGMA integrity_check").fetchone()[0]


class Command(BaseCommand):
    help = "Copy the SQLite database to PATH while the site runs (SQLite's online backup API)."

    def add_arguments(self, parser):
        parser.add_argument("path", help="Where to write the copy, e.g. backups/podium-2024-08-11.sqlite3")
        parser.add_argument("--force", action="store_true", help="Overwrite PATH if it exists.")
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)

    def handle(self, *args, path, force, database, **options):
        source_path = sqlite_file(database)
        if not source_path.exists():
            raise CommandError(f"There is no database at {source_path} (run `manage.py migrate` first).")
        target = Path(path)
        if target.resolve() == source_path.resolve():
            raise CommandError("PATH is the database itself: choose another file.")
        if target.exists() and not force:
            raise CommandError(f"{target} exists: choose a new file, or pass --force to overwrite it.")
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(f".{target.name}.partial")
        partial.unlink(missing_ok=True)
        source = sqlite3.connect(f"file:{source_path}?mode=ro", uri=True, timeout=20)
        try:
            with sqlite3.connect(partial) as copy:
                # Whole database in one step: one consistent snapshot, WAL contents included.
                source.backup(copy)
                # A copy in rollback-journal mode is read without -wal and -shm files beside it
                # (none left behind, none needed where the backups are read-only); a restore
                # into the WAL database keeps WAL.
                copy.execute("PRAGMA journal_mode = DELETE")
            copy.close()
        finally:
            source.close()
        verdict = integrity(partial)
        if verdict != "ok":
            partial.unlink(missing_ok=True)
            raise CommandError(f"The copy failed SQLite's integrity check ({verdict}); nothing was written.")
        os.replace(partial, target)  # a half-written backup never has the final name
        size = target.stat().st_size / 1024 / 1024
        self.stdout.write(
            self.style.SUCCESS(f"Backed up {source_path} to {target} ({size:.1f} MB, integrity ok).")
        )
        self.stdout.write('Back up MEDIA_ROOT (uploaded images) too: see README, "Backups".')
