"""What ``manage.py backup`` and ``restore`` share (README, "Backups"): PostgreSQL dumps with
pg_dump's custom format, the media archive beside each backup, and the retention of
``BACKUP_KEEP`` backups in ``BACKUP_DIR``.

A backup is a database file (``.sqlite3``, or ``.dump`` from ``pg_dump --format=custom``)
and, when ``MEDIA_ROOT`` exists, ``<backup>.media.tar`` beside it: the uploads and their
renditions (already compressed images: a plain tar). Both are written under a temporary
name and renamed, so a file with a backup's name is always whole.
"""

import os
import re
import subprocess
import tarfile
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.core.management.base import CommandError

PG_MAGIC = b"PGDMP"
# TOC entries every Podium dump holds (pg_restore --list): migrations applied, articles, athletes.
PODIUM_TABLES = ("django_migrations", "news_article", "athletics_athlete")
MEDIA_SUFFIX = ".media.tar"
AUTO_NAME = re.compile(r"podium-\d{8}T\d{6}Z\.(sqlite3|dump)")
PG_TIMEOUT = 60 * 60  # a dump or restore that takes an hour is stuck, not slow


def auto_path(extension):
    """``BACKUP_DIR/podium-<UTC time>.<extension>``: names that sort by age."""
    moment = datetime.now(tz=UTC).strftime("%Y%m%dT%H%M%SZ")
    return Path(settings.BACKUP_DIR) / f"podium-{moment}.{extension}"


def media_archive(backup):
    return backup.with_name(backup.name + MEDIA_SUFFIX)


def apply_retention(directory, keep):
    """Delete all but the ``keep`` newest automatic backups (and their media) in
    ``directory``; 0 keeps everything. Returns the deleted paths. Files not named by
    ``backup`` itself (``podium-<time>.<ext>``) are never touched."""
    if keep <= 0:
        return []
    backups = sorted(p for p in Path(directory).iterdir() if AUTO_NAME.fullmatch(p.name))
    deleted = []
    for old in backups[:-keep]:
        for path in (old, media_archive(old)):
            if path.exists():
                path.unlink()
                deleted.append(path)
    return deleted


# ---------------------------------------------------------------- media


def write_media_archive(backup):
    """Archive MEDIA_ROOT beside ``backup``; the archive's path, or None without MEDIA_ROOT."""
    media = Path(settings.MEDIA_ROOT)
    if not media.is_dir():
        return None
    target = media_archive(backup)
    partial = target.with_name(f".{target.name}.partial")
    with tarfile.open(partial, "w") as archive:
        for path in sorted(media.rglob("*")):
            # Regular files and directories only: a link could point anywhere.
            if path.is_symlink() or not (path.is_file() or path.is_dir()):
                continue
            archive.add(path, arcname=str(path.relative_to(media)), recursive=False)
    os.replace(partial, target)
    return target


def check_media_archive(path):
    """Raise CommandError unless ``path`` is a whole tar of plain files and directories with
    relative names (read to its end: a truncated archive is refused before anything is
    restored)."""
    try:
        with tarfile.open(path, "r:") as archive:
            for member in archive:
                if member.name.startswith("/") or ".." in Path(member.name).parts:
                    raise CommandError(f"{path} names a file outside the media folder ({member.name!r}).")
                if not (member.isfile() or member.isdir()):
                    raise CommandError(f"{path} holds something other than files ({member.name!r}).")
                if member.isfile():
                    data = archive.extractfile(member)
                    while data.read(1024 * 1024):
                        pass
    except (tarfile.TarError, EOFError, OSError) as exc:
        raise CommandError(f"{path} is not a whole media archive ({exc}); nothing restored.") from exc


def restore_media_archive(path):
    """Extract ``path`` into MEDIA_ROOT (files in it that the archive lacks are kept)."""
    media = Path(settings.MEDIA_ROOT)
    media.mkdir(parents=True, exist_ok=True)
    with tarfile.open(path, "r:") as archive:
        archive.extractall(media, filter="data")


# ---------------------------------------------------------------- PostgreSQL


def pg_environment(settings_dict):
    """libpq's environment for the database of ``settings_dict`` (the password never on a
    command line, where ``ps`` shows it)."""
    env = {**os.environ}
    options = settings_dict.get("OPTIONS", {})
    values = {
        "PGHOST": settings_dict.get("HOST"),
        "PGPORT": settings_dict.get("PORT"),
        "PGUSER": settings_dict.get("USER"),
        "PGPASSWORD": settings_dict.get("PASSWORD"),
        "PGDATABASE": settings_dict.get("NAME"),
        "PGSSLMODE": options.get("sslmode"),
        "PGCONNECT_TIMEOUT": options.get("connect_timeout"),
    }
    env.update({key: str(value) for key, value in values.items() if value not in (None, "")})
    return env


def _run(args, env, what):
    try:
        result = subprocess.run(args, env=env, capture_output=True, text=True, timeout=PG_TIMEOUT)  # noqa: S603
    except FileNotFoundError as exc:
        raise CommandError(
            f"{args[0]} is not installed: install PostgreSQL's client tools (Debian: postgresql-client) "
            "of the server's major version or newer."
        ) from exc
    except subprocess.TimeoutExpired as exc:
        raise CommandError(f"{what}: no end after {PG_TIMEOUT // 60} minutes.") from exc
    if result.returncode != 0:
        errors = [line for line in result.stderr.splitlines() if line.strip()]
        raise CommandError(f"{what}: {errors[-1] if errors else 'exit status ' + str(result.returncode)}")
    return result.stdout


def pg_dump(settings_dict, target):
    """Write a custom-format dump of the database to ``target`` (through a temporary name)."""
    partial = target.with_name(f".{target.name}.partial")
    partial.unlink(missing_ok=True)
    env = pg_environment(settings_dict)
    try:
        _run(["pg_dump", "--format=custom", f"--file={partial}"], env, "pg_dump failed")
        check_pg_dump(partial)
    except CommandError:
        partial.unlink(missing_ok=True)
        raise
    os.replace(partial, target)


def dump_toc(path):
    """pg_restore's table of contents of ``path``; CommandError when it is no readable dump."""
    with path.open("rb") as file:
        if file.read(len(PG_MAGIC)) != PG_MAGIC:
            raise CommandError(
                f"{path} is not a Podium PostgreSQL backup (not a pg_dump custom-format archive)."
            )
    return _run(["pg_restore", "--list", str(path)], os.environ, f"{path} is damaged or truncated")


def check_pg_dump(path):
    """Raise CommandError unless ``path`` is a whole pg_dump archive of a Podium database:
    its table of contents names Podium's tables, and every data block reads to its end."""
    toc = dump_toc(path)
    missing = [table for table in PODIUM_TABLES if not re.search(rf"TABLE DATA \S+ {table} ", toc)]
    if missing:
        raise CommandError(f"{path} is not a Podium database dump (no {', '.join(missing)} table).")
    # Reading the whole archive (to nowhere) is what finds a truncated or damaged one.
    _run(["pg_restore", "--file=/dev/null", str(path)], os.environ, f"{path} is damaged or truncated")
    return toc


def dumped_migrations(path):
    """{(app, name)} of the dump's django_migrations rows."""
    script = _run(
        ["pg_restore", "--data-only", "--table=django_migrations", "--file=-", str(path)],
        os.environ,
        f"Could not read the migrations of {path}",
    )
    rows, copying = set(), False
    for line in script.splitlines():
        if line.startswith("COPY ") and "django_migrations" in line:
            copying = True
        elif copying and line == "\\.":
            copying = False
        elif copying:
            fields = line.split("\t")
            if len(fields) >= 3:
                rows.add((fields[1], fields[2]))
    return rows


def restore_list(toc):
    """The dump's table of contents without its extensions (and their comments): only a
    superuser may drop or comment on those, and Podium's (unaccent, pg_trgm) are created by
    ``ensure_extensions`` instead, so ``--clean`` never drops what a search index uses."""
    return "\n".join(line for line in toc.splitlines() if not re.search(r"\b(EXTENSION)\b", line)) + "\n"


def dumped_extensions(toc):
    return re.findall(r"^\d+; \d+ \d+ EXTENSION - (\w+)", toc, flags=re.M)


def pg_restore(settings_dict, path, toc, list_file):
    """Restore ``path`` over the database in one transaction: every object of the dump
    dropped (if it exists) and recreated with the dump's rows, or nothing changed."""
    list_file.write_text(restore_list(toc))
    _run(
        [
            "pg_restore", "--clean", "--if-exists", "--no-owner", "--no-privileges",
            "--single-transaction", "--exit-on-error", f"--use-list={list_file}",
            f"--dbname={settings_dict['NAME']}", str(path),
        ],
        pg_environment(settings_dict),
        "Nothing restored: pg_restore failed",
    )  # fmt: skip
