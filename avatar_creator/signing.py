"""Signed file URLs: an HMAC over the path and an expiry rounded up to a 6-hour boundary.

Rounding makes the URL of a file identical across responses for hours, so browsers and proxies can cache the file;
a URL signed just before a boundary still lives at least ``ttl_hours``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from collections.abc import Callable
from urllib.parse import urlencode

BUCKET_SECONDS = 6 * 3600
_PURPOSE = b"avatar-creator/file-url/v1\n"  # so a signature made for something else never verifies here


def sign_path(path: str, *, secret: bytes, now: float, ttl_hours: int = 6) -> str:
    """The query string ``exp=…&sig=…`` that grants access to ``path`` for ``ttl_hours`` to ``ttl_hours`` + 6."""
    expires = (int(now + ttl_hours * 3600) // BUCKET_SECONDS + 1) * BUCKET_SECONDS
    return urlencode({"exp": expires, "sig": _signature(path, expires, secret)})


def verify(path: str, exp: str | int | None, sig: str | None, *, secret: bytes, now: float) -> bool:
    """True when ``sig`` was made by ``sign_path`` for ``path`` and ``exp`` has not passed; any query string is safe."""
    if isinstance(exp, str):
        exp = int(exp) if exp.isascii() and exp.isdigit() and len(exp) <= 16 else None
    if not isinstance(exp, int) or not isinstance(sig, str):
        return False
    if now >= exp:
        return False
    expected = _signature(path, exp, secret).encode()
    return hmac.compare_digest(expected, sig.encode("utf-8", "surrogateescape"))


def _signature(path: str, expires: int, secret: bytes) -> str:
    return hmac_signature(secret, _PURPOSE, path, str(expires))


def hmac_signature(secret: bytes, purpose: bytes, *parts: str) -> str:
    """URL-safe HMAC-SHA256 of ``parts`` under ``purpose`` (a signature for one purpose never verifies another)."""
    if not secret:
        raise ValueError("signing secret is empty")
    message = purpose + b"\n".join(part.encode("utf-8", "surrogateescape") for part in parts)
    digest = hmac.new(secret, message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


class FileUrls:
    """Makes and checks signed file URLs: the same URL for a file throughout a 6-hour bucket, so browsers cache it."""

    def __init__(self, *, secret: bytes, public_url: str | None, clock: Callable[[], float] = time.time):
        self._secret = secret
        self._base = (public_url or "").rstrip("/")
        self._clock = clock

    def __call__(self, key: str) -> str:
        return f"{self._base}/uploads/{key}?{sign_path(key, secret=self._secret, now=self._clock())}"

    def verify(self, key: str, exp: str | None, sig: str | None) -> bool:
        return verify(key, exp, sig, secret=self._secret, now=self._clock())
