"""Avatars: plain functions on a session; the caller commits."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from avatar_creator.auth.models import User
from avatar_creator.avatars.models import Avatar
from avatar_creator.db import after_rollback
from avatar_creator.storage import Storage, new_key

IMAGE_EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp"}
THUMBNAIL_MIME = "image/jpeg"
# What an uploader or a generation may set on an avatar; the rest is the file's and the system's.
AVATAR_FIELDS = frozenset({
    "name", "persona_name", "persona_age", "persona_personality", "persona_background", "gender", "age_range",
    "ethnicity", "body_type", "hair_style", "hair_color", "eye_color", "skin_tone", "style",
})


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


def add_avatar(*, session: Session, storage: Storage, user_id: str, project_id: str, image: bytes, mime_type: str,
               width: int, height: int, thumbnail: bytes, fields: dict, source_type: str,
               generation_prompt: str | None, seed_used: int | None, provider: str | None,
               generation_params: dict | None) -> Avatar:
    """Store an image and its thumbnail, insert the avatar and count both files toward the user's storage.

    ``fields`` holds the name and the persona and visual attributes. The quota is the caller's to check (generated
    avatars always count, even past it: they were paid for). If the transaction does not commit, the files go.
    """
    unknown = set(fields) - AVATAR_FIELDS
    if unknown:
        raise ValueError(f"not avatar fields: {sorted(unknown)}")
    image_key = new_key(user_id, IMAGE_EXTENSIONS[mime_type])
    thumbnail_key = new_key(user_id, IMAGE_EXTENSIONS[THUMBNAIL_MIME])
    after_rollback(session, lambda: (storage.delete(image_key), storage.delete(thumbnail_key)))
    storage.put(image_key, image)
    storage.put(thumbnail_key, thumbnail)
    avatar = Avatar(user_id=user_id, project_id=project_id, storage_key=image_key, thumbnail_key=thumbnail_key,
                    width=width, height=height, mime_type=mime_type, file_size=len(image),
                    stored_bytes=len(image) + len(thumbnail), source_type=source_type,
                    generation_prompt=generation_prompt, seed_used=seed_used, provider=provider,
                    generation_params=generation_params, **fields)
    session.add(avatar)
    session.execute(update(User).where(User.id == user_id)
                    .values(storage_used=User.storage_used + avatar.stored_bytes))
    session.flush()
    return avatar
