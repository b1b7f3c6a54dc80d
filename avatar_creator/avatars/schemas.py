"""Wire shapes of the avatars API."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from avatar_creator.avatars.models import Avatar
from avatar_creator.schemas import ApiModel

FileUrl = Callable[[str], str]  # storage key -> URL the client can fetch


class AvatarRead(ApiModel):
    id: str
    project_id: str
    name: str
    base_image_url: str
    thumbnail_url: str
    width: int
    height: int
    mime_type: str
    file_size: int
    persona_name: str | None
    persona_age: int | None
    persona_personality: list[str]
    persona_background: str | None
    gender: str | None
    age_range: str | None
    ethnicity: str | None
    body_type: str | None
    hair_style: str | None
    hair_color: str | None
    eye_color: str | None
    skin_tone: str | None
    style: str | None
    source_type: str
    generation_prompt: str | None
    seed_used: int | None
    provider: str | None
    favorite: bool
    usage_count: int
    last_used_at: datetime | None
    created_at: datetime
    updated_at: datetime


def avatar_to_api(avatar: Avatar, file_url: FileUrl) -> dict:
    """The API's avatar object, with URLs the caller may fetch."""
    read = AvatarRead.model_validate({
        **{column: getattr(avatar, column) for column in AvatarRead.model_fields
           if column not in ("base_image_url", "thumbnail_url", "persona_personality")},
        "base_image_url": file_url(avatar.storage_key),
        "thumbnail_url": file_url(avatar.thumbnail_key),
        "persona_personality": list(avatar.persona_personality or []),
    })
    return read.dump()
