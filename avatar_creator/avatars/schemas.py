"""Wire shapes of the avatars API."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BeforeValidator, Field, StringConstraints

from avatar_creator.avatars.models import Avatar, AvatarUsage
from avatar_creator.projects.schemas import ProjectName
from avatar_creator.schemas import ApiModel

FileUrl = Callable[[str], str]  # storage key -> URL the client can fetch


def _blank_is_none(value: object) -> object:
    """An empty or blank optional text field (a form's empty input) means "not given"."""
    return None if isinstance(value, str) and not value.strip() else value


def _optional(kind):
    """``kind`` or None, where a blank string also means None."""
    return Annotated[kind | None, BeforeValidator(_blank_is_none)]


def _text(max_length: int):
    return _optional(Annotated[str, StringConstraints(strip_whitespace=True, max_length=max_length)])


Trait = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50)]
SOURCE_TYPE = Literal["uploaded", "text_to_image", "from_preset", "from_reference"]


class AvatarFields(ApiModel):
    """Persona and visual fields, validated the same way for uploads, edits and generations."""

    persona_name: _text(100) = None
    persona_age: _optional(Annotated[int, Field(ge=1, le=120)]) = None
    persona_personality: Annotated[list[Trait], Field(max_length=10)] | None = None
    persona_background: _text(500) = None
    gender: _optional(Literal["male", "female", "unisex"]) = None
    age_range: _optional(Literal["young", "adult", "mature"]) = None
    ethnicity: _text(50) = None
    body_type: _text(50) = None
    hair_style: _text(50) = None
    hair_color: _text(50) = None
    eye_color: _text(50) = None
    skin_tone: _text(50) = None
    style: _text(50) = None

    def columns(self, *, only_sent: bool = False) -> dict:
        """The fields as Avatar column values; ``only_sent`` keeps only those the client sent (for edits)."""
        values = self.model_dump(include=self.model_fields_set if only_sent else None)
        if "persona_personality" in values:
            values["persona_personality"] = values["persona_personality"] or []
        return values


class AvatarUpload(AvatarFields):
    name: ProjectName


class AvatarUpdate(AvatarFields):
    name: ProjectName | None = None  # absent: unchanged; it cannot be cleared
    favorite: bool | None = None


class UsageCreate(ApiModel):
    app_id: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50)]
    app_name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
    action: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
    reference_id: Annotated[str, StringConstraints(max_length=100)] | None = None
    reference_type: Annotated[str, StringConstraints(max_length=50)] | None = None
    metadata: dict | None = None


class UsageRead(ApiModel):
    id: str
    avatar_id: str
    app_id: str
    app_name: str
    action: str
    reference_id: str | None
    reference_type: str | None
    metadata: dict | None = Field(validation_alias="extra")
    created_at: datetime

    @classmethod
    def of(cls, usage: AvatarUsage) -> dict:
        return cls.model_validate(usage).dump()


class UsageSummary(ApiModel):
    app_id: str
    app_name: str
    count: int
    last_used: datetime


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
