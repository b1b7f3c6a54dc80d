"""``avatar-creator storage sweep``: files no avatar refers to, and avatars whose file is gone."""

from __future__ import annotations

import time
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from avatar_creator.avatars.models import Avatar
from avatar_creator.storage import KeyNotFound, Storage


@dataclass(frozen=True)
class SweepReport:
    orphan_files: list[str]  # stored files no row refers to, older than the grace period
    missing_files: list[tuple[str, str]]  # (avatar id, key) of rows whose file is not stored
    removed: list[str]  # orphan files deleted (with ``fix``)
    recent_unreferenced: int  # files no row refers to yet, spared: an upload may be about to commit its row


def sweep(*, session: Session, storage: Storage, min_age_seconds: float, fix: bool) -> SweepReport:
    """Compare the stored files with the avatar rows; with ``fix``, delete the orphan files."""
    stored = set(storage.iter_keys())  # listed before the rows are read, so a row is never newer than its listing
    referenced: dict[str, str] = {}
    for avatar_id, image_key, thumbnail_key in session.execute(
            select(Avatar.id, Avatar.storage_key, Avatar.thumbnail_key)):
        referenced[image_key] = referenced[thumbnail_key] = avatar_id
    # A file written after the listing is not in it: ask the storage again before calling it missing.
    missing = sorted((avatar_id, key) for key, avatar_id in referenced.items()
                     if key not in stored and not storage.exists(key))
    cutoff = time.time() - min_age_seconds
    orphans, recent = [], 0
    for key in sorted(stored - referenced.keys()):
        try:
            old_enough = storage.modified_at(key) < cutoff
        except KeyNotFound:  # removed meanwhile
            continue
        if old_enough:
            orphans.append(key)
        else:
            recent += 1
    removed = [key for key in orphans if storage.delete(key)] if fix else []
    return SweepReport(orphan_files=orphans, missing_files=missing, removed=removed, recent_unreferenced=recent)
