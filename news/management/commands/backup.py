"""``python manage.py backup [PATH]``: a consistent copy of the database, taken while the
site runs, and of the media beside it (README, "Backups").

SQLite: through SQLite's online backup API (readers and writers carry on; the copy is one
committed state, never half a transaction). PostgreSQL: ``pg_dump --format=custom`` (one
snapshot too), checked by reading it back with pg_restore. Without PATH the backup goes to
``BACKUP_DIR`` under a dated name, and only the newest ``BACKUP_KEEP`` are kept there."""

import os
import re
import sqlite3
from contextlib import closing
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections

from core import backups


def sqlite_file(alias):
    """The path of the SQLite file behind ``alias``, or a CommandError saying why not."""
    connection = connections[alias]
    if connection.vendor != "sqlite":
        raise CommandError(
            f"`backup` and `restore` handle SQLite and PostgreSQL databases, not {connection.vendor}."
        )
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


def backup_sqlite(source_path, target):
    """Copy the SQLite database at ``source_path`` to ``target`` and check the copy."""
    if not source_path.exists():
        raise CommandError(f"There is no database at {source_path} (run `manage.py migrate` first).")
    if target.resolve() == source_path.resolve():
        raise CommandError("PATH is the database itself: choose another file.")
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


class Command(BaseCommand):
    help = (
        "Back up the database (SQLite: a copy; PostgreSQL: pg_dump --format=custom) and MEDIA_ROOT "
        "to PATH, or to BACKUP_DIR keeping the newest BACKUP_KEEP."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "path",
            nargs="?",
            help="Where to write the backup, e.g. backups/podium-2024-08-11.dump. Default: "
            "BACKUP_DIR/podium-<UTC time>.sqlite3 or .dump, then older ones beyond BACKUP_KEEP removed.",
        )
        parser.add_argument("--force", action="store_true", help="Overwrite PATH if it exists.")
        parser.add_argument("--no-media", action="store_true", help="Skip the archive of MEDIA_ROOT.")
        parser.add_argument(
            "--keep", type=int, default=None, help="Backups kept in BACKUP_DIR (default BACKUP_KEEP; 0: all)."
        )
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)

    def handle(self, *args, path, force, no_media, keep, database, **options):
        connection = connections[database]
        postgres = connection.vendor == "postgresql"
        source_path = None if postgres else sqlite_file(database)
        target = Path(path) if path else backups.auto_path("dump" if postgres else "sqlite3")
        if target.exists() and not force:
            raise CommandError(f"{target} exists: choose a new file, or pass --force to overwrite it.")
        target.parent.mkdir(parents=True, exist_ok=True)
        if postgres:
            backups.pg_dump(connection.settings_dict, target)
            checked = "pg_restore reads it whole"
        else:
            backup_sqlite(source_path, target)
            checked = "integrity ok"
        size = target.stat().st_size / 1024 / 1024
        self.stdout.write(
            self.style.SUCCESS(f"Backed up the database to {target} ({size:.1f} MB, {checked}).")
        )
        if not no_media:
            archive = backups.write_media_archive(target)
            if archive is None:
                self.stdout.write(f"No media: {settings.MEDIA_ROOT} does not exist.")
            else:
                size = archive.stat().st_size / 1024 / 1024
                self.stdout.write(f"Media of {settings.MEDIA_ROOT} in {archive} ({size:.1f} MB).")
        if not path:
            keep = settings.BACKUP_KEEP if keep is None else keep
            for deleted in backups.apply_retention(target.parent, keep):
                self.stdout.write(f"Removed {deleted} (BACKUP_KEEP={keep}).")
