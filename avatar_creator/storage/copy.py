"""``avatar-creator storage copy``: one store's files into another (a data folder into a bucket), resumable."""

from __future__ import annotations

from dataclasses import dataclass, field

from avatar_creator.storage.base import KeyNotFound, Storage


@dataclass
class CopyReport:
    copied: int = 0
    skipped: int = 0  # already in the target with the same size: copied by an earlier run
    copied_bytes: int = 0
    mismatched: list[str] = field(default_factory=list)  # written, but the target then reported another size


def copy_files(*, source: Storage, target: Storage) -> CopyReport:
    """Copy each of ``source``'s files that ``target`` lacks (or holds with another size), then check its size there.

    Nothing is deleted from either side, so an interrupted run is finished by running it again.
    """
    report = CopyReport()
    for key in source.iter_keys():
        size = source.size(key)
        if _size_or_none(target, key) == size:
            report.skipped += 1
            continue
        target.put(key, source.read(key))  # files are at most a few upload limits: whole in memory is fine
        if _size_or_none(target, key) != size:
            report.mismatched.append(key)
            continue
        report.copied += 1
        report.copied_bytes += size
    return report


def _size_or_none(storage: Storage, key: str) -> int | None:
    try:
        return storage.size(key)
    except KeyNotFound:
        return None
