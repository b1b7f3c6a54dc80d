"""Upload helpers: hand-built multipart bodies (any field name, any filename bytes), photo-like JPEGs, and a snapshot
of everything an upload may change (balance, storage used, avatars, files on disk)."""

from __future__ import annotations

import io
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

import numpy
from PIL import Image

API = "/api/apps/avatar-creator"


def upload_path(project_id: str) -> str:
    return f"{API}/projects/{project_id}/avatars/upload"


def jpeg(width: int = 640, height: int = 480, *, seed: int = 0, **params) -> bytes:
    """A photo-like JPEG (gradients and noise)."""
    rng = numpy.random.default_rng(seed)
    y, x = numpy.mgrid[0:height, 0:width]
    base = numpy.stack([x / width * 200 + 30, y / height * 180 + 40, (x + y) / (width + height) * 150 + 60], -1)
    image = Image.fromarray(numpy.clip(base + rng.normal(0, 12, base.shape), 0, 255).astype(numpy.uint8))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", **params)
    return buffer.getvalue()


def multipart(parts: list[tuple[str | bytes, bytes | str | None, bytes | str]], boundary: str | None = None
              ) -> tuple[bytes, str]:
    """A multipart/form-data body from (field name, filename or None, value) parts; names are sent as given."""
    boundary = boundary or "----test" + secrets.token_hex(8)
    body = bytearray()
    for name, filename, value in parts:
        name_bytes = name.encode() if isinstance(name, str) else name
        disposition = b'Content-Disposition: form-data; name="' + name_bytes + b'"'
        headers = b""
        if filename is not None:
            filename_bytes = filename.encode() if isinstance(filename, str) else filename
            disposition += b'; filename="' + filename_bytes + b'"'
            headers = b"\r\nContent-Type: image/jpeg"
        value_bytes = value.encode() if isinstance(value, str) else value
        body += b"--" + boundary.encode() + b"\r\n" + disposition + headers + b"\r\n\r\n" + value_bytes + b"\r\n"
    body += b"--" + boundary.encode() + b"--\r\n"
    return bytes(body), f"multipart/form-data; boundary={boundary}"


def upload(client, user: dict, project_id: str, image: bytes | None, *, name: str | None = "Portrait",
           fields: dict | None = None, filename: str | bytes = "photo.jpg"):
    parts = []
    if image is not None:
        parts.append(("image", filename, image))
    if name is not None:
        parts.append(("name", None, name))
    parts.extend((key, None, value) for key, value in (fields or {}).items())
    body, content_type = multipart(parts)
    return client.post(upload_path(project_id), content=body, headers={**user["headers"], "Content-Type": content_type})


def files_on_disk(files_dir: Path) -> set[str]:
    return {Path(folder, name).relative_to(files_dir).as_posix()
            for folder, _, names in os.walk(files_dir) for name in names}


@dataclass(frozen=True)
class Snapshot:
    balance: int
    storage_used: int
    avatars: int
    files: frozenset[str]


def snapshot(client, user: dict, files_dir: Path) -> Snapshot:
    me = client.get("/api/auth/me", headers=user["headers"]).json()["data"]["user"]
    listed = client.get(f"{API}/avatars", params={"limit": 100}, headers=user["headers"]).json()["avatars"]
    return Snapshot(me["creditBalance"], me["storageUsed"], len(listed), frozenset(files_on_disk(files_dir)))


def create_avatar(client, user: dict, project_id: str, *, name: str = "Portrait", **fields: str) -> dict:
    """Upload a small photo; returns the avatar."""
    response = upload(client, user, project_id, jpeg(300, 300, seed=len(name)), name=name, fields=fields)
    assert response.status_code == 201, response.text
    return response.json()["avatar"]
