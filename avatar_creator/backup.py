"""Backups of a running service, and their restore into an empty data folder.

One gzip-compressed tar archive: ``database/avatar-creator.db`` (SQLite only), ``secret_key`` (when the key is the
generated file, not ``AVATAR_SECRET_KEY``), ``files/…`` and ``previews/…`` as in the data folder, and
``manifest.json`` last, with every table's row count and every member's size and SHA-256. Tar rather than zip: it
is written and read as a stream (no central directory to fix up at the end), keeps the members' modes, and every
host has ``tar`` to look inside; gzip because the database compresses well.

Consistency while the service runs: the database is copied first, with SQLite's online backup API (a snapshot as of
one transaction; writers go on), and the files after it. Files are written before the row that names them commits
and deleted only after the row's deletion commits (``avatars.files``), so every file the snapshot names is copied,
unless its avatar is deleted during the backup; files newer than the snapshot come along unnamed, which
``avatar-creator storage sweep`` reports. With PostgreSQL the archive holds the files and the key, and the operator
pairs it with a ``pg_dump`` (the commands are printed, and kept in the manifest).
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import sqlite3
import tarfile
import tempfile
import zlib
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path, PurePosixPath
from typing import IO

from sqlalchemy import func, inspect, select, table
from sqlalchemy.engine import make_url

from avatar_creator.db import Database, utcnow
from avatar_creator.settings import Settings

FORMAT = 1
MANIFEST = "manifest.json"
DATABASE_MEMBER = "database/avatar-creator.db"
SECRET_MEMBER = "secret_key"
FOLDERS = ("files", "previews")  # below the data folder
_CHUNK = 1024 * 1024


class BackupError(Exception):
    """A backup that cannot be made, checked or restored; the message says why, for the operator."""


def create(*, settings: Settings, database: Database, target: Path) -> dict:
    """Write a backup of the running service to ``target`` (a new file); returns its manifest."""
    if target.exists():
        raise BackupError(f"{target} exists already; choose a new file name")
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".backup-", dir=target.parent) as work:
        members: dict[str, dict] = {}
        partial = Path(work) / "archive.tar.gz"
        with tarfile.open(partial, "w:gz") as archive:
            if settings.is_sqlite:
                snapshot = Path(work) / "snapshot.db"
                _sqlite_snapshot(_sqlite_path(settings), snapshot)
                tables = sqlite_counts(snapshot)
                with snapshot.open("rb") as source:
                    _add(archive, DATABASE_MEMBER, source, members)
            else:
                tables = _counts(database)
            key_file = settings.data_dir / SECRET_MEMBER
            if not settings.secret_key and key_file.is_file():
                _add_path(archive, SECRET_MEMBER, key_file, members)
            for folder in FOLDERS:
                for path in sorted((settings.data_dir / folder).rglob("*")):
                    # Writes in progress (".tmp-…") would be incomplete; a file deleted meanwhile is simply gone.
                    if path.is_file() and not path.is_symlink() and not path.name.startswith(".tmp-"):
                        _add_path(archive, path.relative_to(settings.data_dir).as_posix(), path, members)
            manifest = {
                "format": FORMAT, "created_at": utcnow().isoformat(), "database": "sqlite" if settings.is_sqlite
                else "postgresql", "tables": tables, "members": members,
                "secret_key": "AVATAR_SECRET_KEY" if settings.secret_key else SECRET_MEMBER,
                **({} if settings.is_sqlite else {"postgresql": postgres_commands(settings, target)}),
            }
            data = json.dumps(manifest, indent=2, sort_keys=True).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size, info.mode, info.mtime = len(data), 0o600, int(utcnow().timestamp())
            archive.addfile(info, io.BytesIO(data))
        os.replace(partial, target)
    os.chmod(target, 0o600)  # it holds password hashes and the signing key
    return manifest


def verify(source: Path) -> dict:
    """Check a backup without restoring it: every member's checksum, the manifest, and (SQLite) that the database
    opens, passes its integrity check and holds the manifest's row counts. Returns the manifest; raises
    ``BackupError`` saying what is wrong."""
    with tempfile.TemporaryDirectory(prefix="avatar-verify-") as work:
        return _read(source, Path(work), restore_to=None)


def restore(source: Path, *, settings: Settings) -> dict:
    """Restore a verified backup into the empty (or missing) data folder; returns the manifest."""
    data_dir = settings.data_dir
    if data_dir.exists() and any(data_dir.iterdir()):
        raise BackupError(f"{data_dir} is not empty: restore only into an empty data folder (AVATAR_DATA_DIR)")
    manifest = verify(source)
    if (manifest["database"] == "sqlite") != settings.is_sqlite:
        raise BackupError(f"this backup holds a {manifest['database']} database but AVATAR_DATABASE_URL names "
                          f"{'SQLite' if settings.is_sqlite else 'PostgreSQL'}")
    if settings.is_sqlite and _sqlite_path(settings).exists():
        raise BackupError(f"{_sqlite_path(settings)} exists already: restore only into an empty database")
    data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    _read(source, data_dir, restore_to=settings)  # checks every member again as it writes it
    return manifest


def postgres_commands(settings: Settings, target: Path) -> dict[str, str]:
    """The ``pg_dump`` that pairs with a files backup, and the ``pg_restore`` that brings it back (password
    hidden: give it as ``PGPASSWORD``)."""
    url = make_url(settings.resolved_database_url).set(drivername="postgresql").render_as_string(hide_password=True)
    dump = target.with_name(target.name.split(".")[0] + ".pgdump")
    return {"dump": f"pg_dump --format=custom --file='{dump}' '{url}'",
            "restore": f"pg_restore --no-owner --exit-on-error --dbname='{url}' '{dump}'"}


def sqlite_counts(path: Path) -> dict[str, int]:
    """Rows per table of a SQLite file."""
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as connection:
        names = [row[0] for row in connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")]
        return {name: connection.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0] for name in names}


def _counts(database: Database) -> dict[str, int]:
    """Rows per table of a PostgreSQL database, all counted in one snapshot (to compare after a ``pg_restore``)."""
    with database.session(write=False) as session:
        connection = session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
        names = sorted(inspect(connection).get_table_names())
        return {name: session.scalar(select(func.count()).select_from(table(name))) or 0 for name in names}


def _sqlite_path(settings: Settings) -> Path:
    return Path(make_url(settings.resolved_database_url).database or "")


def _sqlite_snapshot(database: Path, target: Path) -> None:
    """A consistent copy of a live SQLite database (the online backup API: one read transaction, writers go on)."""
    if not database.is_file():
        raise BackupError(f"no database at {database}: check AVATAR_DATA_DIR and AVATAR_DATABASE_URL")
    with closing(sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=30)) as live, \
            closing(sqlite3.connect(target)) as copy:
        live.backup(copy)


def _add_path(archive: tarfile.TarFile, name: str, path: Path, members: dict[str, dict]) -> None:
    try:
        source = path.open("rb")
    except FileNotFoundError:  # deleted since it was listed
        return
    with source:
        _add(archive, name, source, members)


def _add(archive: tarfile.TarFile, name: str, source: IO[bytes], members: dict[str, dict]) -> None:
    """Add one member from an open file that nothing rewrites in place (stored files are replaced by a rename, the
    snapshot is private): hashed first, then copied, in chunks, so no file is held in memory."""
    digest, size = hashlib.sha256(), 0
    while chunk := source.read(_CHUNK):
        digest.update(chunk)
        size += len(chunk)
    source.seek(0)
    info = tarfile.TarInfo(name)
    info.size, info.mode, info.mtime = size, 0o600, int(utcnow().timestamp())
    archive.addfile(info, source)
    members[name] = {"size": size, "sha256": digest.hexdigest()}


def _read(source: Path, work: Path, *, restore_to: Settings | None) -> dict:
    """Read every member once, checking it, into ``work``; with ``restore_to``, into its place in that service's data
    folder instead."""
    seen: dict[str, dict] = {}
    manifest_bytes = None
    try:
        _check_compression(source)
        with tarfile.open(source, "r|gz") as archive:
            for member in archive:
                name = _safe_name(member)
                if name == MANIFEST:
                    manifest_bytes = _extract(archive, member).read()
                    continue
                target = _target(name, work, restore_to)
                seen[name] = _copy(_extract(archive, member), target)
    except FileNotFoundError:
        raise BackupError(f"{source}: no such file") from None
    except (tarfile.TarError, EOFError, zlib.error, OSError) as error:
        raise BackupError(f"{source} is damaged or not a backup archive ({error or type(error).__name__})") from None
    manifest = _parse_manifest(manifest_bytes)
    _compare(manifest, seen)
    checked = work / "database" / "avatar-creator.db" if restore_to is None else _sqlite_path(restore_to)
    if DATABASE_MEMBER in seen:
        _check_database(checked, manifest["tables"])
    return manifest


def _check_compression(source: Path) -> None:
    """Read the whole gzip stream: its checksum and length catch damage that would make tar see an early end."""
    with gzip.open(source) as stream:
        while stream.read(_CHUNK):
            pass


def _safe_name(member: tarfile.TarInfo) -> str:
    path = PurePosixPath(member.name)
    if not member.isfile() or path.is_absolute() or ".." in path.parts:
        raise BackupError(f"the archive holds {member.name!r}, which no backup contains: refusing it")
    return path.as_posix()


def _extract(archive: tarfile.TarFile, member: tarfile.TarInfo) -> IO[bytes]:
    extracted = archive.extractfile(member)
    if extracted is None:
        raise BackupError(f"the archive's {member.name!r} cannot be read")
    return extracted


def _target(name: str, work: Path, restore_to: Settings | None) -> Path | None:
    """Where a member goes: its place in the data folder, or when only verifying nowhere (the database to ``work``,
    to be opened and counted)."""
    if restore_to is None:
        return work / name if name == DATABASE_MEMBER else None
    if name == DATABASE_MEMBER:
        return _sqlite_path(restore_to)
    if name == SECRET_MEMBER or name.split("/", 1)[0] in FOLDERS:
        return restore_to.data_dir / name
    raise BackupError(f"the archive holds {name!r}, which no backup contains: refusing it")


def _copy(source: IO[bytes], target: Path | None) -> dict:
    """Write ``source`` to ``target`` (if any) for the owner only; returns its size and SHA-256."""
    digest, size = hashlib.sha256(), 0
    with _private_file(target) as out:
        while chunk := source.read(_CHUNK):
            digest.update(chunk)
            size += len(chunk)
            out.write(chunk)
    return {"size": size, "sha256": digest.hexdigest()}


@contextmanager
def _private_file(path: Path | None) -> Iterator[IO[bytes]]:
    """A new file readable by its owner only, in folders made for the owner only; nowhere for None."""
    if path is None:
        with open(os.devnull, "wb") as nowhere:
            yield nowhere
        return
    for folder in reversed([path.parent, *path.parent.parents]):
        if not folder.exists():
            folder.mkdir(mode=0o700)
    with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as handle:
        yield handle


def _parse_manifest(data: bytes | None) -> dict:
    if data is None:
        raise BackupError(f"the archive has no {MANIFEST}: it is incomplete or not a backup")
    try:
        manifest = json.loads(data)
    except ValueError:
        raise BackupError(f"{MANIFEST} is not valid JSON: the archive is damaged") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT or not isinstance(
            manifest.get("members"), dict) or not isinstance(manifest.get("tables"), dict):
        raise BackupError(f"{MANIFEST} is not a format-{FORMAT} backup manifest")
    return manifest


def _compare(manifest: dict, seen: dict[str, dict]) -> None:
    expected: dict[str, dict] = manifest["members"]
    missing = sorted(set(expected) - set(seen))
    unexpected = sorted(set(seen) - set(expected))
    damaged = sorted(name for name in set(expected) & set(seen) if expected[name] != seen[name])
    problems = [f"{name}: checksum mismatch" for name in damaged] + [f"{name}: missing" for name in missing] + \
        [f"{name}: not in the manifest" for name in unexpected]
    if problems:
        shown = "; ".join(problems[:5]) + (f"; and {len(problems) - 5} more" if len(problems) > 5 else "")
        raise BackupError(f"the backup is corrupted: {shown}")


def _check_database(path: Path, tables: dict[str, int]) -> None:
    try:
        with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as connection:
            result = connection.execute("PRAGMA integrity_check").fetchone()[0]
        counts = sqlite_counts(path)
    except sqlite3.DatabaseError as error:
        raise BackupError(f"the backup's database does not open: {error}") from None
    if result != "ok":
        raise BackupError(f"the backup's database fails its integrity check: {result}")
    if counts != tables:
        differ = sorted(name for name in set(counts) | set(tables) if counts.get(name) != tables.get(name))
        raise BackupError(f"the backup's database does not hold the manifest's row counts (tables: "
                          f"{', '.join(differ)})")

