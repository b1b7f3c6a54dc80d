"""Files in a folder on this machine (the default: one host, or several sharing one mounted folder)."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from avatar_creator.settings import ensure_writable
from avatar_creator.storage.base import (
    TEMPORARY_PREFIX,
    InvalidKey,
    KeyNotFound,
    Storage,
    StorageUnavailable,
    is_valid_key,
    validate_key,
)


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
        descriptor, temporary = tempfile.mkstemp(prefix=TEMPORARY_PREFIX, dir=path.parent)
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
                if is_valid_key(key) and not path.is_symlink():
                    yield key

    def verify(self) -> str:
        try:
            ensure_writable(self.root)
        except OSError as error:
            raise StorageUnavailable(f"cannot write to {self.root}: {error.strerror}",
                                     fix="Make AVATAR_DATA_DIR writable by the service's user, or point it "
                                         "elsewhere.") from error
        return f"{self.root} writable"
