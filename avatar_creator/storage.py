"""Where user files live: one small interface, a local folder now, S3-compatible storage later.

Keys are relative POSIX paths such as ``u/<user id>/<random>.jpg``; they are built by ``new_key`` and never from a
client's filename. Storage takes and gives bytes; what they mean is decided above it.
"""

from __future__ import annotations

import abc
import os
import re
import secrets
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

# A key segment: letters, digits, '-', '_' and '.', never starting with '.' (no '..', no hidden or temporary files).
_SEGMENT = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}")
_MAX_KEY_LENGTH = 512
_TEMPORARY_PREFIX = ".tmp-"


class StorageError(Exception):
    """Base class of storage failures."""


class InvalidKey(StorageError, ValueError):
    """A key that is not a plain relative path inside the storage root."""


class KeyNotFound(StorageError, KeyError):
    """No file is stored under the key."""


def validate_key(key: str) -> str:
    """Return ``key`` if it is a safe relative POSIX path (see ``_SEGMENT``), else raise ``InvalidKey``."""
    if not isinstance(key, str) or not key or len(key) > _MAX_KEY_LENGTH:
        raise InvalidKey("key must be a non-empty string of at most 512 characters")
    if not all(_SEGMENT.fullmatch(segment) for segment in key.split("/")):
        raise InvalidKey(f"key {key!r} is not a relative path of plain names")
    return key


def _is_valid_key(key: str) -> bool:
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
    symbolic link pointing outside it, for a folder). Implementations must be safe to call from many threads.
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


class LocalStorage(Storage):
    """Files in a folder on this machine; keys map to paths below ``root``, files are readable by the owner only."""

    def __init__(self, root: Path | str):
        self.root = Path(root).resolve()
        self.root.mkdir(mode=0o700, parents=True, exist_ok=True)

    def path_for(self, key: str) -> Path:
        """The file's path, checked to lie inside the root (for serving it with a file response)."""
        path = (self.root / validate_key(key)).resolve()
        if not path.is_relative_to(self.root) or path == self.root:
            raise InvalidKey(f"key {key!r} leaves the storage root")
        return path

    def put(self, key: str, data: bytes) -> None:
        path = self.path_for(key)
        self._make_folders(path.parent)
        # Write beside the target and rename over it: rename is atomic within one file system.
        descriptor, temporary = tempfile.mkstemp(prefix=_TEMPORARY_PREFIX, dir=path.parent)
        try:
            with os.fdopen(descriptor, "wb") as file:
                file.write(data)
                file.flush()
                os.fsync(file.fileno())
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    def _make_folders(self, folder: Path) -> None:
        """Create ``folder`` and its missing parents below the root for the owner only (mkdir's ``parents`` would
        give the parents the default mode)."""
        for parent in [*reversed(folder.relative_to(self.root).parents), folder.relative_to(self.root)]:
            (self.root / parent).mkdir(mode=0o700, exist_ok=True)

    def open(self, key: str) -> BinaryIO:
        try:
            return self.path_for(key).open("rb")
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError) as error:
            raise KeyNotFound(key) from error

    def delete(self, key: str) -> bool:
        try:
            self.path_for(key).unlink()
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            return False
        return True

    def size(self, key: str) -> int:
        path = self.path_for(key)
        if not path.is_file():
            raise KeyNotFound(key)
        return path.stat().st_size

    def modified_at(self, key: str) -> float:
        path = self.path_for(key)
        if not path.is_file():
            raise KeyNotFound(key)
        return path.stat().st_mtime

    def exists(self, key: str) -> bool:
        return self.path_for(key).is_file()

    def iter_keys(self) -> Iterator[str]:
        for folder, _, files in os.walk(self.root):  # symbolic links to folders are listed, never entered
            for name in files:
                path = Path(folder, name)
                key = path.relative_to(self.root).as_posix()
                # Skips writes in progress (".tmp-…"), links and whatever else no key could have written.
                if _is_valid_key(key) and not path.is_symlink():
                    yield key
