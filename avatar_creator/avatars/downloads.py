"""Downloads: a safe ``Content-Disposition`` for any avatar name, and a project's ZIP streamed file by file."""

from __future__ import annotations

import json
import re
import unicodedata
import zipfile
from collections.abc import Iterator
from datetime import datetime
from urllib.parse import quote

from fastapi.responses import StreamingResponse

from avatar_creator.storage import KeyNotFound, Storage

MAX_STEM = 100
_UNSAFE = re.compile(r'[\x00-\x1f\x7f/\\"]+')  # controls (CR/LF included), path separators, quotes
_NOT_PLAIN_ASCII = re.compile(r"[^A-Za-z0-9 ._()+,=@-]+")
_CHUNK_BYTES = 256 * 1024


def safe_stem(name: str) -> str:
    """``name`` as a file name without a folder, controls or quotes (Unicode kept), at most ``MAX_STEM`` long."""
    stem = _UNSAFE.sub("_", name).strip(" .")[:MAX_STEM].strip(" .")
    return stem or "avatar"


def attachment(name: str, extension: str) -> str:
    """``Content-Disposition`` for a download (RFC 6266): an ASCII fallback plus the UTF-8 name (RFC 5987)."""
    stem = safe_stem(name)
    ascii_stem = unicodedata.normalize("NFKD", stem).encode("ascii", "ignore").decode()
    ascii_stem = _NOT_PLAIN_ASCII.sub("_", ascii_stem).strip(" .") or "avatar"
    return (f'attachment; filename="{ascii_stem}.{extension}"; '
            f"filename*=UTF-8''{quote(f'{stem}.{extension}', safe='')}")


def project_zip(*, storage: Storage, project: dict, avatars: list[dict], exported_at: datetime) -> Iterator[bytes]:
    """The ZIP of a project, yielded as it is written: each original (stored, as images are compressed already)
    and a ``manifest.json`` of every avatar's metadata. ``avatars`` are API objects plus ``storageKey``."""
    return (chunk for chunk in _write_zip(storage, {"project": project}, avatars, exported_at) if chunk)


def selection_zip(*, storage: Storage, avatars: list[dict], exported_at: datetime) -> Iterator[bytes]:
    """As ``project_zip``, for avatars chosen from anywhere: the manifest names no project."""
    return (chunk for chunk in _write_zip(storage, {}, avatars, exported_at) if chunk)


def archive_response(name: str, chunks: Iterator[bytes]) -> StreamingResponse:
    """A ZIP streamed as a download called ``name``, never cached (it holds private images)."""
    return StreamingResponse(chunks, media_type="application/zip",
                             headers={"Content-Disposition": attachment(name, "zip"),
                                      "X-Content-Type-Options": "nosniff", "Cache-Control": "private, no-store"})


def _write_zip(storage: Storage, heading: dict, avatars: list[dict], exported_at: datetime) -> Iterator[bytes]:
    sink = _Sink()
    with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_STORED) as archive:
        taken: set[str] = set()
        manifest = []
        for avatar in avatars:
            key = avatar.pop("storageKey")
            file_name = _unique(f"{safe_stem(avatar['name'])}.{key.rsplit('.', 1)[-1]}", taken)
            try:
                yield from _add_file(archive, sink, storage, key, file_name, avatar["createdAt"])
            except KeyNotFound:  # deleted while the archive was being written
                continue
            manifest.append({"file": file_name, **avatar})
        body = {**heading, "exportedAt": exported_at.isoformat(), "avatars": manifest}
        archive.writestr("manifest.json", json.dumps(body, indent=2, ensure_ascii=False))
    yield sink.take()


def _add_file(archive: zipfile.ZipFile, sink: _Sink, storage: Storage, key: str, file_name: str,
              created_at: str) -> Iterator[bytes]:
    with storage.open(key) as source:
        info = zipfile.ZipInfo(file_name, date_time=datetime.fromisoformat(created_at).timetuple()[:6])
        with archive.open(info, "w") as entry:
            while chunk := source.read(_CHUNK_BYTES):
                entry.write(chunk)
                yield sink.take()
    yield sink.take()


def _unique(file_name: str, taken: set[str]) -> str:
    stem, dot, extension = file_name.rpartition(".")
    candidate, number = file_name, 1
    while candidate.lower() in taken:
        number += 1
        candidate = f"{stem} ({number}){dot}{extension}"
    taken.add(candidate.lower())
    return candidate


class _Sink:
    """A write-only stream that zipfile writes into and the generator empties after every piece."""

    def __init__(self) -> None:
        self._parts: list[bytes] = []

    def write(self, data: bytes) -> int:
        self._parts.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass

    def close(self) -> None:
        pass  # zipfile's types ask for it; zipfile never closes a stream it was handed

    def take(self) -> bytes:
        data = b"".join(self._parts)
        self._parts.clear()
        return data
