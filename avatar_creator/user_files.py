"""``/uploads/<key>``: private user files, for their owner's session or a signed URL, and nobody else.

Served by whichever API process gets the request, from the configured storage (a folder or a bucket), with ranges;
with ``AVATAR_S3_REDIRECT=on`` the answer is a 302 to a presigned URL instead.

Anything that is not allowed answers 404, exactly like a file that does not exist, so a URL reveals nothing.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from typing import BinaryIO

from fastapi import APIRouter, Request
from fastapi.responses import Response, StreamingResponse
from starlette.background import BackgroundTask

from avatar_creator import signing
from avatar_creator.db import Database
from avatar_creator.deps import DatabaseDep, FileUrlsDep, StorageDep, session_token, user_for_token
from avatar_creator.errors import NotFound, Unauthorized
from avatar_creator.openapi import binary
from avatar_creator.storage import InvalidKey, KeyNotFound, Storage, owner_of, validate_key

router = APIRouter(tags=["files"])
CONTENT_TYPES = {"jpg": "image/jpeg", "png": "image/png", "webp": "image/webp"}
CACHE_CONTROL = f"private, max-age={signing.BUCKET_SECONDS}"
REDIRECT_CACHE_CONTROL = "private, max-age=60"
# What ``file_response`` answers, for the routes that return it.
FILE_RESPONSES = {**binary(*CONTENT_TYPES.values()), 206: {"description": "The byte range the Range header asked for."},
                  302: {"description": "With AVATAR_S3_REDIRECT=on: to a presigned URL of the file, valid minutes."}}
_CHUNK_BYTES = 256 * 1024
_RANGE = re.compile(r"bytes=(\d{0,18})-(\d{0,18})")


def file_response(request: Request, storage: Storage, key: str, *, headers: dict[str, str] | None = None) -> Response:
    """The file with its real type, ``nosniff``, an ETag (304 when it matches), private caching and byte ranges
    (206 for one satisfiable ``Range``; any other is answered whole, as HTTP allows) - or a 302 to the storage's
    short-lived URL, when it gives one, so the bytes skip this process."""
    content_type = CONTENT_TYPES.get(key.rsplit(".", 1)[-1])
    if content_type is None:
        raise NotFound("File not found.")
    try:
        size = storage.size(key)
    except (InvalidKey, KeyNotFound):
        raise NotFound("File not found.") from None
    # A key is never reused for other bytes (new_key is random), so the key itself identifies the content.
    etag = '"' + hashlib.sha256(key.encode()).hexdigest()[:32] + '"'
    common = {"ETag": etag, "Cache-Control": CACHE_CONTROL, "X-Content-Type-Options": "nosniff", **(headers or {})}
    if _matches(request.headers.get("if-none-match"), etag):
        return Response(status_code=304, headers=common)
    location = storage.redirect_url(key, content_type=content_type,
                                    content_disposition=common.get("Content-Disposition"))
    if location is not None:  # cached for less than the URL lives, so a cached redirect still leads somewhere
        return Response(status_code=302, headers={"Location": location, "Cache-Control": REDIRECT_CACHE_CONTROL})
    byte_range = _requested_range(request.headers.get("range"), request.headers.get("if-range"), etag, size)
    start, length = byte_range or (0, size)
    try:
        handle = storage.open_range(key, start, length) if byte_range else storage.open(key)
    except KeyNotFound:  # deleted since its size was read
        raise NotFound("File not found.") from None
    common.update({"Accept-Ranges": "bytes", "Content-Length": str(length)})
    if byte_range:
        common["Content-Range"] = f"bytes {start}-{start + length - 1}/{size}"
    # Closed after the response too: a HEAD (or a client gone before the first chunk) never starts the stream.
    return StreamingResponse(_chunks(handle, length), status_code=206 if byte_range else 200,
                             media_type=content_type, headers=common, background=BackgroundTask(handle.close))


@router.get("/uploads/{key:path}", responses=FILE_RESPONSES)
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


def _requested_range(header: str | None, if_range: str | None, etag: str, size: int) -> tuple[int, int] | None:
    """``(start, length)`` of a single satisfiable ``bytes=`` range, or None to answer the whole file."""
    if not header or (if_range is not None and if_range.strip() != etag):
        return None
    found = _RANGE.fullmatch(header.strip())
    if found is None or found.groups() == ("", "") or size == 0:
        return None
    first, last = found.groups()
    if not first:  # "bytes=-N": the last N bytes
        length = min(int(last), size)
        return (size - length, length) if length else None
    start = int(first)
    end = min(int(last), size - 1) if last else size - 1
    return (start, end - start + 1) if start <= end else None


def _chunks(handle: BinaryIO, length: int) -> Iterator[bytes]:
    with handle:
        while length > 0 and (chunk := handle.read(min(_CHUNK_BYTES, length))):
            length -= len(chunk)
            yield chunk
