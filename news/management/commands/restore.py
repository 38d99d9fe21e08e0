"""``python manage.py restore PATH``: put a copy made by ``manage.py backup`` back in place
of the SQLite database. Refuses a file that is not a sound Podium SQLite database; asks
before overwriting (or needs ``--force`` where nobody can answer). Written through SQLite's
backup API, so the site sees either the old database or the restored one, never a mix."""

import sqlite3
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.loader import MigrationLoader

from core import cache
from core.models import Generation

from .backup import integrity, sqlite_file

SQLITE_HEADER = b"SQLite format 3\x00"
# Tables every Podium database has: migrations applied, articles, athletes.
PODIUM_TABLES = {"django_migrations", "news_article", "athletics_athlete"}


def check_backup(path):
    """The backup's applied migrations as {(app, name)}, or a CommandError why it is not a
    Podium SQLite database."""
    if not path.is_file():
        raise CommandError(f"{path} is not a file.")
    with path.open("rb") as file:
        if file.read(len(SQLITE_HEADER)) != SQLITE_HEADER:
            raise CommandError(f"{path} is not a Podium SQLite database (not an SQLite file).")
    try:
        verdict = integrity(path)
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
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
    return applied


class Command(BaseCommand):
    help = "Replace the SQLite database with a copy made by `manage.py backup`."

    def add_arguments(self, parser):
        parser.add_argument("path", help="A file written by `manage.py backup`.")
        parser.add_argument("--force", action="store_true", help="Overwrite without asking.")
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)

    def handle(self, *args, path, force, database, **options):
        target_path = sqlite_file(database)
        backup = Path(path)
        applied = check_backup(backup)
        known = set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)
        unknown = sorted(f"{app}.{name}" for app, name in applied - known if app in {"news", "athletics"})
        if unknown:
            raise CommandError(
                f"{backup} was made by a newer Podium (migrations {', '.join(unknown)} are not in this "
                "code): update the code first."
            )
        if target_path.exists() and target_path.stat().st_size and not force:
            if not sys.stdin.isatty():
                raise CommandError(f"{target_path} exists: pass --force to overwrite it with {backup}.")
            answer = input(
                f"Overwrite {target_path} with {backup}? Everything since the backup is lost. [y/N] "
            )
            if answer.strip().lower() not in {"y", "yes"}:
                raise CommandError("Nothing restored.")
        connections[database].close()
        source = sqlite3.connect(f"file:{backup}?mode=ro", uri=True)
        try:
            with sqlite3.connect(target_path, timeout=20) as live:
                source.backup(live)
            live.close()
        finally:
            source.close()
        self.stdout.write(self.style.SUCCESS(f"Restored {target_path} from {backup}."))
        # Every cached page shows the restored content from the next request on (a backup
        # older than the page cache has no generations table: `migrate` does it then).
        connection = connections[database]
        if Generation._meta.db_table in connection.introspection.table_names():
            cache.bump_all()
        self.stdout.write("Run `manage.py migrate` if the backup is older than the code.")
