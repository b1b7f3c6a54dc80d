"""``/uploads/<key>``: private user files, for their owner's session or a signed URL, and nobody else.

Anything that is not allowed answers 404, exactly like a file that does not exist, so a URL reveals nothing.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from typing import BinaryIO

from fastapi import APIRouter, Request
from fastapi.responses import Response, StreamingResponse

from avatar_creator import signing
from avatar_creator.db import Database
from avatar_creator.deps import DatabaseDep, FileUrlsDep, StorageDep, session_token, user_for_token
from avatar_creator.errors import NotFound, Unauthorized
from avatar_creator.openapi import binary
from avatar_creator.storage import InvalidKey, KeyNotFound, Storage, owner_of, validate_key

router = APIRouter(tags=["files"])
CONTENT_TYPES = {"jpg": "image/jpeg", "png": "image/png", "webp": "image/webp"}
CACHE_CONTROL = f"private, max-age={signing.BUCKET_SECONDS}"
_CHUNK_BYTES = 256 * 1024


def file_response(request: Request, storage: Storage, key: str, *, headers: dict[str, str] | None = None) -> Response:
    """The file streamed with its real type, ``nosniff``, an ETag (304 when it matches) and private caching."""
    content_type = CONTENT_TYPES.get(key.rsplit(".", 1)[-1])
    if content_type is None:
        raise NotFound("File not found.")
    try:
        size = storage.size(key)
        handle = storage.open(key)
    except (InvalidKey, KeyNotFound):
        raise NotFound("File not found.") from None
    # A key is never reused for other bytes (new_key is random), so the key itself identifies the content.
    etag = '"' + hashlib.sha256(key.encode()).hexdigest()[:32] + '"'
    common = {"ETag": etag, "Cache-Control": CACHE_CONTROL, "X-Content-Type-Options": "nosniff", **(headers or {})}
    if _matches(request.headers.get("if-none-match"), etag):
        handle.close()
        return Response(status_code=304, headers=common)
    return StreamingResponse(_chunks(handle), media_type=content_type,
                             headers={**common, "Content-Length": str(size)})


@router.get("/uploads/{key:path}", responses=binary(*CONTENT_TYPES.values()))
def serve_file(key: str, request: Request, file_urls: FileUrlsDep, storage: StorageDep, database: DatabaseDep,
               exp: str | None = None, sig: str | None = None) -> Response:
    try:
        validate_key(key)
    except InvalidKey:
        raise NotFound("File not found.") from None
    if not file_urls.verify(key, exp, sig) and not _owner_signed_in(request, database, key):
        raise NotFound("File not found.")
    return file_response(request, storage, key)


def _owner_signed_in(request: Request, database: Database, key: str) -> bool:
    found = session_token(request)
    owner = owner_of(key)
    if found is None or owner is None:
        return False
    try:
        return user_for_token(database, found[0]).id == owner
    except Unauthorized:
        return False


def _matches(if_none_match: str | None, etag: str) -> bool:
    if not if_none_match:
        return False
    candidates = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
    return etag in candidates or "*" in candidates


def _chunks(handle: BinaryIO) -> Iterator[bytes]:
    with handle:
        while chunk := handle.read(_CHUNK_BYTES):
            yield chunk
