"""One-file backups of the whole site: the database and the uploaded media.

An archive is a .tar.gz holding `manifest.json`, the database in its own engine's native
form, and `media/` (a copy of MEDIA_ROOT). Native, not `dumpdata`: a SQLite online backup
(consistent while the site writes) or a `pg_dump --format=custom` (one snapshot) restores
every table, sequence and index exactly, where a fixture round trip loses what the ORM does
not model (sequences, the task queue's order, the cache table). The price is that a backup
restores into the same engine it came from.
"""

import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from pathlib import Path

import django
from django.conf import settings
from django.core.management.base import CommandError
from django.db import connection
from django.db.backends.postgresql.client import DatabaseClient
from django.utils import timezone

FORMAT = "blogcms-backup"
VERSION = 1
DATABASE_FILES = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}


def create(destination):
    """Write a backup archive to `destination` (a path); returns its manifest."""
    destination = Path(destination)
    destination.parent.mkdir(parents=True, exist_ok=True)
    vendor = _supported_vendor()
    media_root = Path(settings.MEDIA_ROOT)
    with tempfile.TemporaryDirectory() as work:
        database = Path(work) / DATABASE_FILES[vendor]
        (_dump_sqlite if vendor == "sqlite" else _dump_postgresql)(database)
        media = (
            sorted(p for p in media_root.rglob("*") if p.is_file()) if media_root.is_dir() else []
        )
        manifest = {
            "format": FORMAT,
            "version": VERSION,
            "created_at": timezone.now().isoformat(),
            "django": django.get_version(),
            "database": {"vendor": vendor, "file": database.name},
            "media": {"files": len(media), "bytes": sum(p.stat().st_size for p in media)},
        }
        (Path(work) / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
        # Written beside the destination, then renamed: never a half-written archive
        # under the final name.
        partial = destination.with_name(f".{destination.name}.partial")
        with tarfile.open(partial, "w:gz") as archive:
            archive.add(Path(work) / "manifest.json", arcname="manifest.json")
            archive.add(database, arcname=database.name)
            for path in media:
                archive.add(path, arcname=f"media/{path.relative_to(media_root).as_posix()}")
        partial.chmod(0o600)  # it holds password hashes and commenters' addresses
        os.replace(partial, destination)
    return manifest


def restore(source, *, force=False):
    """Restore the archive at `source` into this site's database and MEDIA_ROOT; returns its
    manifest. Refuses a database that has tables, unless `force`."""
    vendor = _supported_vendor()
    if not force and (tables := connection.introspection.table_names()):
        raise CommandError(
            f"The database already has {len(tables)} tables; restore into an empty database, "
            "or pass --force (make restore … FORCE=1) to replace everything in it."
        )
    with tempfile.TemporaryDirectory() as work:
        manifest = _unpack(Path(source), Path(work))
        if manifest["database"]["vendor"] != vendor:
            raise CommandError(
                f"This backup holds a {manifest['database']['vendor']} database and this site "
                f"uses {vendor}: restore it into the same engine (to move between engines, "
                "use dumpdata and loaddata)."
            )
        database = Path(work) / DATABASE_FILES[vendor]
        if vendor == "sqlite":
            _restore_sqlite(database)
        else:
            _restore_postgresql(database, force=force)
        if (Path(work) / "media").is_dir():
            shutil.copytree(Path(work) / "media", settings.MEDIA_ROOT, dirs_exist_ok=True)
    return manifest


def _supported_vendor():
    if connection.vendor not in DATABASE_FILES:
        raise CommandError(f"Backups support SQLite and PostgreSQL, not {connection.vendor}.")
    return connection.vendor


def _unpack(source, work):
    """Extract the archive's manifest, database and media into `work`; check the manifest."""
    try:
        with tarfile.open(source, "r:gz") as archive:
            members = [
                member
                for member in archive.getmembers()
                if member.name in {"manifest.json", *DATABASE_FILES.values()}
                or member.name.startswith("media/")
            ]
            # backup writes files and folders only. A link, even one the "data" filter lets
            # through (media/x -> ../database.sqlite3 stays inside `work`), would have the
            # media copy put the database in the public media folder.
            if links := [m.name for m in members if not (m.isfile() or m.isdir())]:
                raise CommandError(
                    f"{source} holds a link or special file ({links[0]}); a blogcms backup "
                    "holds files and folders only. Nothing was restored."
                )
            # The "data" filter refuses absolute paths, "..", links out and device files.
            archive.extractall(work, members=members, filter="data")
        manifest = json.loads((work / "manifest.json").read_text())
    except (OSError, tarfile.TarError, ValueError) as error:
        raise CommandError(f"{source} is not a readable blogcms backup: {error}") from error
    if (
        not isinstance(manifest, dict)
        or manifest.get("format") != FORMAT
        or manifest.get("version") != VERSION
    ):
        raise CommandError(f"{source} is not a blogcms backup of a version this site reads.")
    database = manifest.get("database")
    vendor = database.get("vendor") if isinstance(database, dict) else None
    if not isinstance(vendor, str) or vendor not in DATABASE_FILES:
        raise CommandError(
            f"{source} names no database in its manifest.json (SQLite or PostgreSQL): "
            "it was not made by this site's backup command."
        )
    if not (work / DATABASE_FILES[vendor]).is_file():
        raise CommandError(f"{source} has no database in it.")
    return manifest


def _dump_sqlite(destination):
    """SQLite's online backup: a consistent copy even while other processes write."""
    connection.ensure_connection()
    target = sqlite3.connect(destination)
    try:
        connection.connection.backup(target)
    finally:
        target.close()


def _restore_sqlite(database):
    source = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    try:
        if source.execute("PRAGMA quick_check").fetchone()[0] != "ok":
            raise CommandError("The backup's database file is damaged; nothing was restored.")
        connection.ensure_connection()
        # Page by page over whatever the database held: schema and data, in one step.
        source.backup(connection.connection)
    finally:
        source.close()


def _postgresql_env():
    """libpq's environment for this site's database (host, port, user, password, TLS)."""
    params = connection.settings_dict
    _, env = DatabaseClient.settings_to_cmd_args_env(params, [])
    env = {**os.environ, **(env or {})}
    for variable, key in [("PGHOST", "HOST"), ("PGPORT", "PORT"), ("PGUSER", "USER")]:
        if params.get(key):
            env[variable] = str(params[key])
    env["PGDATABASE"] = params["NAME"]
    return env


def _run(command):
    env = _postgresql_env()
    try:
        subprocess.run(command, env=env, check=True, capture_output=True, text=True)  # noqa: S603
    except FileNotFoundError as error:
        raise CommandError(f"{command[0]} is not installed (Debian: postgresql-client).") from error
    except subprocess.CalledProcessError as error:
        raise CommandError(f"{command[0]} failed: {error.stderr.strip()}") from error


def _dump_postgresql(destination):
    _run(["pg_dump", "--format=custom", "--no-owner", "--no-privileges", f"--file={destination}"])


def _restore_postgresql(database, *, force):
    if force:
        with connection.cursor() as cursor:
            for table in connection.introspection.table_names():
                cursor.execute(f"DROP TABLE IF EXISTS {connection.ops.quote_name(table)} CASCADE")
            # And the functions our migrations made (the search vector's trigger function),
            # which the dump creates again; never an extension's.
            cursor.execute(
                "SELECT p.oid::regprocedure::text FROM pg_proc p"
                " JOIN pg_namespace n ON n.oid = p.pronamespace"
                " WHERE n.nspname = 'public' AND NOT EXISTS ("
                "  SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e')"
            )
            for (function,) in cursor.fetchall():
                cursor.execute(f"DROP FUNCTION IF EXISTS {function} CASCADE")
    connection.close()  # pg_restore works in its own session
    _run(
        [
            "pg_restore",
            f"--dbname={connection.settings_dict['NAME']}",
            "--no-owner",
            "--no-privileges",
            "--single-transaction",
            "--exit-on-error",
            str(database),
        ]
    )
