"""Files that follow a database transaction: written ones vanish if it rolls back, deleted ones go only after commit.

A row and its file cannot commit atomically, so the file is written first (no lock is held while it is written) and
is removed again when the transaction that would have referenced it does not commit. Deletions wait for the commit,
so a rolled-back delete never leaves a row without its file. A crash between the two steps leaves an orphan file,
never a missing one; ``avatar-creator storage sweep`` finds those.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

from avatar_creator.storage import Storage

log = logging.getLogger(__name__)
_INFO_KEY = "avatar_creator.file_changes"


@dataclass
class _FileChanges:
    """What the open transaction did to files, keyed by the storage that holds them."""

    written: list[tuple[Storage, str]] = field(default_factory=list)
    to_delete: list[tuple[Storage, str]] = field(default_factory=list)


def write(*, session: Session, storage: Storage, key: str, data: bytes) -> None:
    """Store ``data`` under ``key``, to be removed again unless ``session``'s transaction commits."""
    changes = _changes(session)
    changes.written.append((storage, key))  # before the write: a failed write may still leave a file
    storage.put(key, data)


def delete_after_commit(*, session: Session, storage: Storage, keys: list[str]) -> None:
    """Remove ``keys`` once ``session``'s transaction has committed; nothing happens if it rolls back."""
    _changes(session).to_delete.extend((storage, key) for key in keys)


def _changes(session: Session) -> _FileChanges:
    changes = session.info.get(_INFO_KEY)
    if changes is None:
        changes = session.info[_INFO_KEY] = _FileChanges()
        if not event.contains(session, "after_commit", _committed):
            event.listen(session, "after_commit", _committed)
            event.listen(session, "after_transaction_end", _ended)
    return changes


def _committed(session: Session) -> None:
    if session.in_nested_transaction():  # a savepoint: the outer transaction may still roll back
        return
    changes = session.info.pop(_INFO_KEY, None)
    if changes is not None:
        _remove(changes.to_delete)


def _ended(session: Session, transaction: SessionTransaction) -> None:
    """The outermost transaction ended without a commit (a commit has already popped the changes)."""
    if transaction.parent is not None:
        return
    changes = session.info.pop(_INFO_KEY, None)
    if changes is not None:
        _remove(changes.written)


def _remove(files: list[tuple[Storage, str]]) -> None:
    for storage, key in files:
        try:
            storage.delete(key)
        except OSError:  # the sweep will find it; the request that got here must not fail for it
            log.warning("could not remove %s; `avatar-creator storage sweep --fix` will", key, exc_info=True)
