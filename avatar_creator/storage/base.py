"""The storage interface and its key rules; ``local.py`` and ``s3.py`` implement it.

Keys are relative POSIX paths such as ``u/<user id>/<random>.jpg``; they are built by ``new_key`` and never from a
client's filename. Storage takes and gives bytes; what they mean is decided above it.
"""

from __future__ import annotations

import abc
import re
import secrets
from collections.abc import Iterator
from typing import BinaryIO

# A key segment: letters, digits, '-', '_' and '.', never starting with '.' (no '..', no hidden or temporary files).
_SEGMENT = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}")
_MAX_KEY_LENGTH = 512
TEMPORARY_PREFIX = ".tmp-"  # never a key: _SEGMENT refuses a leading dot


class StorageError(Exception):
    """Base class of storage failures."""


class InvalidKey(StorageError, ValueError):
    """A key that is not a plain relative path inside the storage root."""


class KeyNotFound(StorageError, KeyError):
    """No file is stored under the key."""


class StorageUnavailable(StorageError, OSError):
    """The store cannot be used now (unreachable, refused, misconfigured); ``fix`` tells an operator what to do.

    An ``OSError``, like a failing disk, so a request that meets it answers 503 and changes nothing.
    """

    def __init__(self, message: str, *, fix: str = ""):
        super().__init__(message)
        self.fix = fix

    def __str__(self) -> str:
        return str(self.args[0])


def validate_key(key: str) -> str:
    """Return ``key`` if it is a safe relative POSIX path (see ``_SEGMENT``), else raise ``InvalidKey``."""
    if not isinstance(key, str) or not key or len(key) > _MAX_KEY_LENGTH:
        raise InvalidKey("key must be a non-empty string of at most 512 characters")
    if not all(_SEGMENT.fullmatch(segment) for segment in key.split("/")):
        raise InvalidKey(f"key {key!r} is not a relative path of plain names")
    return key


def is_valid_key(key: str) -> bool:
    try:
        validate_key(key)
    except InvalidKey:
        return False
    return True


def new_key(user_id: str, extension: str) -> str:
    """A fresh, unguessable key for one of ``user_id``'s files whose extension (``"jpg"``) matches its content."""
    extension = extension.lower().lstrip(".")
    if not extension.isalnum() or not extension.isascii():
        raise InvalidKey(f"extension {extension!r} is not plain letters and digits")
    if not _SEGMENT.fullmatch(user_id):
        raise InvalidKey(f"user id {user_id!r} cannot be a folder name")
    return validate_key(f"u/{user_id}/{secrets.token_urlsafe(18)}.{extension}")


def owner_of(key: str) -> str | None:
    """The id of the user whose folder holds ``key`` (``u/<user id>/…``), or None for any other key."""
    parts = validate_key(key).split("/")
    return parts[1] if len(parts) > 2 and parts[0] == "u" else None


class Storage(abc.ABC):
    """Files addressed by keys (see ``validate_key``), read and written whole as bytes.

    Every method raises ``InvalidKey`` for a key that ``validate_key`` refuses, or that would leave the store (a
    symbolic link pointing outside it, for a folder), and an ``OSError`` (``StorageUnavailable`` for a remote store)
    when the store cannot be used now. Implementations must be safe to call from many threads.
    """

    @abc.abstractmethod
    def put(self, key: str, data: bytes) -> None:
        """Store ``data`` under ``key``, replacing what was there.

        Atomic: a reader sees the old bytes or the new ones, never part of them, and a crash leaves no partial file
        under ``key``.
        """

    @abc.abstractmethod
    def open(self, key: str) -> BinaryIO:
        """Open the file under ``key`` for reading; the caller closes it.

        Raises:
            KeyNotFound: nothing is stored under ``key``.
        """

    def open_range(self, key: str, start: int, length: int) -> BinaryIO:
        """Open ``length`` bytes of the file under ``key`` from offset ``start`` (both within its size).

        The stream may hold more bytes than asked for; the caller reads ``length`` of them and closes it.

        Raises:
            KeyNotFound: nothing is stored under ``key``.
        """
        file = self.open(key)
        file.seek(start)
        return file

    def read(self, key: str) -> bytes:
        """All the bytes stored under ``key``.

        Raises:
            KeyNotFound: nothing is stored under ``key``.
        """
        with self.open(key) as file:
            return file.read()

    @abc.abstractmethod
    def delete(self, key: str) -> bool:
        """Remove the file under ``key``; True if there was one, False if there was nothing to remove."""

    @abc.abstractmethod
    def size(self, key: str) -> int:
        """The size in bytes of the file under ``key``.

        Raises:
            KeyNotFound: nothing is stored under ``key``.
        """

    @abc.abstractmethod
    def modified_at(self, key: str) -> float:
        """When the file under ``key`` was written, in seconds since the epoch (so a sweep can spare fresh files).

        Raises:
            KeyNotFound: nothing is stored under ``key``.
        """

    @abc.abstractmethod
    def exists(self, key: str) -> bool:
        """True when a file is stored under ``key``."""

    @abc.abstractmethod
    def iter_keys(self) -> Iterator[str]:
        """Every key with a file, in no particular order (for sweeping files no row refers to)."""

    @abc.abstractmethod
    def verify(self) -> str:
        """Prove the store can be used (reached, written); returns a line describing it.

        Raises:
            StorageUnavailable: it cannot, with the fix in its ``fix``.
        """

    def redirect_url(self, key: str, *, content_type: str, content_disposition: str | None = None) -> str | None:
        """A short-lived URL a browser can fetch the file from without the API, or None to serve it through the API.

        Called only after the caller has checked that the requester may read ``key``.
        """
        validate_key(key)
        return None
