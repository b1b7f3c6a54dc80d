"""Avatars: plain functions on a session; the caller commits.

Files follow the transaction (``avatars.files``): written ones are removed if it rolls back, deleted ones only go
after it commits. ``users.storage_used`` changes in the same transaction as the rows, by exactly the bytes stored.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import Select, delete, func, or_, select, update
from sqlalchemy.orm import Session

from avatar_creator import paging
from avatar_creator.auth.models import User
from avatar_creator.avatars import files
from avatar_creator.avatars.attributes import ATTRIBUTE_NAMES, PERSONALITY
from avatar_creator.avatars.models import SOURCE_TYPES, Avatar
from avatar_creator.errors import NotFound, StorageQuotaExceeded, ValidationFailed
from avatar_creator.imaging import sniff
from avatar_creator.projects.models import Project
from avatar_creator.storage import Storage, new_key

EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp"}
FIELD_COLUMNS = frozenset({"name", *ATTRIBUTE_NAMES})


@dataclass(frozen=True)
class AvatarFilter:
    """What ``GET …/avatars`` narrows the list by; None means any."""

    project_id: str | None = None
    source_type: str | None = None
    favorite: bool | None = None
    q: str | None = None


def add_avatar(*, session: Session, storage: Storage, user_id: str, project_id: str, image: bytes, mime_type: str,
               width: int, height: int, thumbnail: bytes, fields: dict, source_type: str,
               generation_prompt: str | None, seed_used: int | None, provider: str | None,
               generation_params: dict | None, enforce_quota: bool = False) -> Avatar:
    """Store an image and its thumbnail as a new avatar and count their bytes toward the user's storage.

    ``fields`` holds ``name`` and the persona and visual columns. The files get new random keys whose extension
    matches their bytes, and are removed again unless the transaction commits. Raises ``NotFound`` when the project
    is not the user's (or was just deleted); with ``enforce_quota`` (uploads), ``StorageQuotaExceeded`` when the
    files do not fit. Generated images pass False: the user already paid for them.
    """
    unknown = set(fields) - FIELD_COLUMNS
    if unknown or "name" not in fields:
        raise ValueError(f"fields must hold name and avatar columns only, not {sorted(unknown)}")
    if source_type not in SOURCE_TYPES:
        raise ValueError(f"unknown source type {source_type!r}")
    image_key = new_key(user_id, _extension(image, mime_type))
    thumbnail_key = new_key(user_id, _extension(thumbnail, None))
    # Files first, then SQL: no database lock (SQLite's is global) is held while the bytes reach the disk.
    files.write(session=session, storage=storage, key=image_key, data=image)
    files.write(session=session, storage=storage, key=thumbnail_key, data=thumbnail)
    _lock_project(session, user_id, project_id)
    stored_bytes = len(image) + len(thumbnail)
    _charge_storage(session, user_id, stored_bytes, enforce_quota=enforce_quota)
    avatar = Avatar(user_id=user_id, project_id=project_id, storage_key=image_key, thumbnail_key=thumbnail_key,
                    width=width, height=height, mime_type=mime_type, file_size=len(image), stored_bytes=stored_bytes,
                    source_type=source_type, generation_prompt=generation_prompt, seed_used=seed_used,
                    provider=provider, generation_params=generation_params, favorite=False, usage_count=0,
                    **{PERSONALITY: [], **fields})
    session.add(avatar)
    session.flush()
    return avatar


def get_owned(*, session: Session, user_id: str, avatar_id: str) -> Avatar:
    """The avatar if the user owns it; a missing avatar and someone else's look the same."""
    avatar = session.scalar(select(Avatar).where(Avatar.id == avatar_id, Avatar.user_id == user_id))
    if avatar is None:
        raise NotFound("Avatar not found.")
    return avatar


SORTS = ("newest", "oldest", "name", "favorites")


def list_avatars(*, session: Session, user_id: str, filters: AvatarFilter, limit: int,
                 cursor: str | None) -> tuple[list[Avatar], str | None]:
    """The user's avatars, newest first, and the cursor of the next page (None on the last page)."""
    return paging.newest_first(session=session, query=_filtered(user_id, filters), created_at=Avatar.created_at,
                               id=Avatar.id, limit=limit, cursor=cursor)


def list_sorted(*, session: Session, user_id: str, filters: AvatarFilter, sort: str, limit: int,
                offset: int) -> tuple[list[Avatar], int | None]:
    """A page of the user's avatars in a ``SORTS`` order, and the offset of the next page (None on the last page)."""
    order = {"newest": (Avatar.created_at.desc(), Avatar.id.desc()),
             "oldest": (Avatar.created_at, Avatar.id),
             "name": (func.lower(Avatar.name), Avatar.created_at.desc(), Avatar.id.desc()),
             "favorites": (Avatar.favorite.desc(), Avatar.created_at.desc(), Avatar.id.desc())}[sort]
    rows = list(session.scalars(_filtered(user_id, filters).order_by(*order).offset(offset).limit(limit + 1)))
    return rows[:limit], offset + limit if len(rows) > limit else None


def _filtered(user_id: str, filters: AvatarFilter) -> Select:
    query = select(Avatar).where(Avatar.user_id == user_id)
    if filters.project_id is not None:
        query = query.where(Avatar.project_id == filters.project_id)
    if filters.source_type is not None:
        query = query.where(Avatar.source_type == filters.source_type)
    if filters.favorite is not None:
        query = query.where(Avatar.favorite.is_(filters.favorite))
    if filters.q:
        pattern = paging.contains(filters.q)
        query = query.where(or_(Avatar.name.ilike(pattern, escape="\\"),
                                Avatar.persona_name.ilike(pattern, escape="\\"),
                                Avatar.generation_prompt.ilike(pattern, escape="\\")))
    return query


def get_many_owned(*, session: Session, user_id: str, avatar_ids: list[str]) -> list[Avatar]:
    """The avatars in the order asked (repeats once), if the user owns every one; else ``NotFound`` for all."""
    wanted = list(dict.fromkeys(avatar_ids))
    found = {avatar.id: avatar for avatar in session.scalars(
        select(Avatar).where(Avatar.id.in_(wanted), Avatar.user_id == user_id))}
    if len(found) != len(wanted):
        raise NotFound(f"{len(wanted) - len(found)} of these avatars were not found; nothing was changed.")
    return [found[avatar_id] for avatar_id in wanted]


def move_owned(*, session: Session, user_id: str, avatar_ids: list[str], project_id: str) -> list[Avatar]:
    """Move the user's avatars into another of their projects; files, and work made from them, stay as they are."""
    _lock_project(session, user_id, project_id)
    avatars = get_many_owned(session=session, user_id=user_id, avatar_ids=avatar_ids)
    for avatar in avatars:
        avatar.project_id = project_id
    session.flush()
    return avatars


def update_owned(*, session: Session, user_id: str, avatar_id: str, changes: dict) -> Avatar:
    """Apply the fields the client sent; ``name`` and ``favorite`` cannot be cleared."""
    avatar = get_owned(session=session, user_id=user_id, avatar_id=avatar_id)
    for column in ("name", "favorite"):
        if column in changes and changes[column] is None:
            raise ValidationFailed(f"{column}: cannot be null", field=column)
    unknown = set(changes) - FIELD_COLUMNS - {"favorite"}
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    for column, value in changes.items():
        setattr(avatar, column, value)
    session.flush()
    return avatar


def delete_owned(*, session: Session, storage: Storage, user_id: str, avatar_id: str) -> None:
    """Remove the avatar; its files go after the commit and its bytes come off the user's storage."""
    removed = session.execute(
        delete(Avatar).where(Avatar.id == avatar_id, Avatar.user_id == user_id)
        .returning(Avatar.storage_key, Avatar.thumbnail_key, Avatar.stored_bytes)
    ).all()
    if not removed:
        raise NotFound("Avatar not found.")
    _release(session, storage, user_id, removed)


def delete_for_project(*, session: Session, storage: Storage, user_id: str, project_id: str) -> None:
    """Remove every avatar of the user's project, as ``delete_owned`` does for one; call before deleting the project.

    The project row is locked first, so an avatar being added to it concurrently either commits before (and is
    removed here) or fails on the missing project afterwards (and removes its own files).
    """
    project = session.scalar(
        select(Project.id).where(Project.id == project_id, Project.user_id == user_id).with_for_update()
    )
    if project is None:
        raise NotFound("Project not found.")
    removed = session.execute(
        delete(Avatar).where(Avatar.project_id == project_id)
        .returning(Avatar.storage_key, Avatar.thumbnail_key, Avatar.stored_bytes)
    ).all()
    _release(session, storage, user_id, removed)


def for_project(*, session: Session, user_id: str, project_id: str) -> list[Avatar]:
    """The avatars of the user's project, oldest first (the order of a download)."""
    return list(session.scalars(
        select(Avatar).where(Avatar.project_id == project_id, Avatar.user_id == user_id)
        .order_by(Avatar.created_at, Avatar.id)
    ))


def newest_by_project(*, session: Session, project_ids: list[str],
                      limit_per_project: int | None = None) -> tuple[dict[str, list[Avatar]], dict[str, int]]:
    """For each project: its avatars newest first (at most ``limit_per_project``) and its avatar count."""
    if not project_ids:
        return {}, {}
    counts = dict(session.execute(
        select(Avatar.project_id, func.count()).where(Avatar.project_id.in_(project_ids)).group_by(Avatar.project_id)
    ).all())
    query = select(Avatar).where(Avatar.project_id.in_(project_ids))
    if limit_per_project is not None:
        rank = func.row_number().over(partition_by=Avatar.project_id,
                                      order_by=(Avatar.created_at.desc(), Avatar.id)).label("rank")
        ranked = select(Avatar.id, rank).where(Avatar.project_id.in_(project_ids)).subquery()
        query = query.join(ranked, ranked.c.id == Avatar.id).where(ranked.c.rank <= limit_per_project)
    avatars: dict[str, list[Avatar]] = defaultdict(list)
    for avatar in session.scalars(query.order_by(Avatar.created_at.desc(), Avatar.id)):
        avatars[avatar.project_id].append(avatar)
    return avatars, counts


def _extension(data: bytes, mime_type: str | None) -> str:
    """The extension the bytes themselves call for; a caller's mismatching type is a bug, not a client error."""
    sniffed = sniff(data[:64])
    if sniffed not in EXTENSIONS or (mime_type is not None and sniffed != mime_type):
        raise ValueError(f"bytes are {sniffed or 'not an image'}, not {mime_type or 'an image'}")
    return EXTENSIONS[sniffed]


def _lock_project(session: Session, user_id: str, project_id: str) -> None:
    """Check the user owns the project and keep it from being deleted until this transaction ends."""
    found = session.scalar(select(Project.id).where(Project.id == project_id, Project.user_id == user_id)
                           .with_for_update(key_share=True))
    if found is None:
        raise NotFound("Project not found.")


def _charge_storage(session: Session, user_id: str, size: int, *, enforce_quota: bool) -> None:
    condition = [User.id == user_id]
    if enforce_quota:
        condition.append(User.storage_used + size <= User.storage_quota)
    used = session.scalar(
        update(User).where(*condition).values(storage_used=User.storage_used + size).returning(User.storage_used)
    )
    if used is None:
        quota = session.execute(select(User.storage_used, User.storage_quota).where(User.id == user_id)).first()
        if quota is None:
            raise NotFound("User not found.")
        raise StorageQuotaExceeded(
            f"This file needs {size:,} bytes; {max(0, quota.storage_quota - quota.storage_used):,} of your "
            f"{quota.storage_quota:,} bytes of storage are left. Delete some avatars first.",
            details=[{"required": size, "used": quota.storage_used, "quota": quota.storage_quota}])


def _release(session: Session, storage: Storage, user_id: str, removed) -> None:
    """Give back the storage of deleted rows and remove their files once the deletion commits."""
    if not removed:
        return
    session.execute(update(User).where(User.id == user_id)
                    .values(storage_used=User.storage_used - sum(row.stored_bytes for row in removed)))
    files.delete_after_commit(session=session, storage=storage,
                              keys=[key for row in removed for key in (row.storage_key, row.thumbnail_key)])
