"""``/uploads/<key>``: private user files, for their owner's session or a signed URL, and nobody else.

Anything that is not allowed answers 404, exactly like a file that does not exist, so a URL reveals nothing.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterator
from typing import BinaryIO

from fastapi import APIRouter, Request
from fastapi.responses import Response, StreamingResponse

from avatar_creator import signing
from avatar_creator.auth import service as auth_service
from avatar_creator.deps import session_token
from avatar_creator.errors import NotFound, Unauthorized
from avatar_creator.storage import InvalidKey, KeyNotFound, Storage, owner_of, validate_key

router = APIRouter(tags=["files"])
CONTENT_TYPES = {"jpg": "image/jpeg", "png": "image/png", "webp": "image/webp"}
CACHE_CONTROL = f"private, max-age={signing.BUCKET_SECONDS}"
_CHUNK_BYTES = 256 * 1024


class FileUrls:
    """Makes and checks signed file URLs: the same URL for a file throughout a 6-hour bucket, so browsers cache it."""

    def __init__(self, *, secret: bytes, public_url: str | None, clock: Callable[[], float] = time.time):
        self._secret = secret
        self._base = (public_url or "").rstrip("/")
        self._clock = clock

    def __call__(self, key: str) -> str:
        return f"{self._base}/uploads/{key}?{signing.sign_path(key, secret=self._secret, now=self._clock())}"

    def verify(self, key: str, exp: str | None, sig: str | None) -> bool:
        return signing.verify(key, exp, sig, secret=self._secret, now=self._clock())


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


@router.get("/uploads/{key:path}")
def serve_file(key: str, request: Request, exp: str | None = None, sig: str | None = None) -> Response:
    try:
        validate_key(key)
    except InvalidKey:
        raise NotFound("File not found.") from None
    if not request.app.state.file_url.verify(key, exp, sig) and not _owner_signed_in(request, key):
        raise NotFound("File not found.")
    return file_response(request, request.app.state.storage, key)


def _owner_signed_in(request: Request, key: str) -> bool:
    found = session_token(request)
    owner = owner_of(key)
    if found is None or owner is None:
        return False
    with request.app.state.database.session(write=False) as session:
        try:
            user = auth_service.user_for_token(session=session, token=found[0])
        except Unauthorized:
            return False
    return user.id == owner


def _matches(if_none_match: str | None, etag: str) -> bool:
    if not if_none_match:
        return False
    candidates = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
    return etag in candidates or "*" in candidates


def _chunks(handle: BinaryIO) -> Iterator[bytes]:
    with handle:
        while chunk := handle.read(_CHUNK_BYTES):
            yield chunk
