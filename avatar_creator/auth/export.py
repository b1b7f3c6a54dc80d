""""Download my data": a ZIP of every avatar file and a ``data.json`` of the user's projects, avatars, generations,
usage and ledger.

The rows are read in one short read transaction; the ZIP is then streamed file by file (each read from storage in
chunks), so neither the archive nor a whole image set is ever held in memory and no transaction stays open while the
client downloads.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import inspect, select
from sqlalchemy.orm import Session

from avatar_creator.auth.models import User
from avatar_creator.auth.schemas import UserRead
from avatar_creator.avatars.models import Avatar, AvatarUsage
from avatar_creator.credits.models import CreditTransaction
from avatar_creator.db import Database, utcnow
from avatar_creator.generation.models import Generation
from avatar_creator.projects.models import Project
from avatar_creator.storage import KeyNotFound, Storage

CHUNK = 256 * 1024
_EXTENSIONS = {"image/png": "png", "image/jpeg": "jpg", "image/webp": "webp"}


@dataclass(frozen=True)
class Export:
    data: dict
    files: list[tuple[str, str]]  # (name in the archive, storage key)


def collect(*, database: Database, user: User) -> Export:
    """Everything of the user's to put in the archive, read in one transaction."""
    with database.session(write=False) as session:
        avatars = _rows(session, Avatar, Avatar.user_id == user.id, Avatar.created_at)
        data = {
            "exportedAt": utcnow().isoformat(),
            "user": UserRead.model_validate(user).dump(),
            "projects": [_plain(row) for row in _rows(session, Project, Project.user_id == user.id,
                                                      Project.created_at)],
            "avatars": [_plain(row) for row in avatars],
            "generations": [_plain(row) for row in _rows(session, Generation, Generation.user_id == user.id,
                                                         Generation.created_at)],
            "usage": [_plain(row) for row in _rows(session, AvatarUsage, AvatarUsage.user_id == user.id,
                                                   AvatarUsage.created_at)],
            "ledger": [_plain(row) for row in _rows(session, CreditTransaction,
                                                    CreditTransaction.user_id == user.id,
                                                    CreditTransaction.created_at)],
        }
    files = []
    for avatar in avatars:
        extension = _EXTENSIONS.get(avatar.mime_type, avatar.storage_key.rpartition(".")[2])
        files.append((f"avatars/{avatar.project_id}/{avatar.id}.{extension}", avatar.storage_key))
        files.append((f"thumbnails/{avatar.project_id}/{avatar.id}.{avatar.thumbnail_key.rpartition('.')[2]}",
                      avatar.thumbnail_key))
    return Export(data=data, files=files)


def stream(export: Export, storage: Storage) -> Iterator[bytes]:
    """The archive's bytes, produced as it is written; a file removed meanwhile is left out."""
    pipe = _Pipe()
    with zipfile.ZipFile(pipe, "w") as archive:
        archive.writestr("data.json", json.dumps(export.data, indent=2, default=_json_value),
                         compress_type=zipfile.ZIP_DEFLATED)
        yield pipe.take()
        for name, key in export.files:
            try:
                source = storage.open(key)
            except KeyNotFound:
                continue
            with source, archive.open(name, "w") as target:  # images are compressed already: stored as they are
                while chunk := source.read(CHUNK):
                    target.write(chunk)
                    yield pipe.take()
            yield pipe.take()
    yield pipe.take()


class _Pipe(io.RawIOBase):
    """A write-only, unseekable stream that hands what was written to the generator (zipfile then writes data
    descriptors instead of seeking back)."""

    def __init__(self) -> None:
        self._chunks: list[bytes] = []

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        self._chunks.append(bytes(data))
        return len(data)

    def take(self) -> bytes:
        taken, self._chunks = b"".join(self._chunks), []
        return taken


def _rows(session: Session, model: Any, condition: Any, order: Any) -> list:
    return list(session.scalars(select(model).where(condition).order_by(order)))


def _plain(row: Any) -> dict:
    """A row as JSON-ready camelCase keys, every mapped column included."""
    return {_camel(attribute.key): getattr(row, attribute.key) for attribute in inspect(row).mapper.column_attrs}


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def _json_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON")
