"""Wire shapes of the avatars API."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from avatar_creator.avatars.attributes import PERSONALITY, AvatarFields
from avatar_creator.avatars.models import Avatar, AvatarUsage
from avatar_creator.projects.schemas import ProjectName
from avatar_creator.schemas import ApiModel

FileUrl = Callable[[str], str]  # storage key -> URL the client can fetch
SOURCE_TYPE = Literal["uploaded", "text_to_image", "from_preset", "from_reference"]


class AvatarUpload(AvatarFields):
    name: ProjectName


class AvatarUpdate(AvatarFields):
    name: ProjectName | None = None  # absent: unchanged; it cannot be cleared
    favorite: bool | None = None


MAX_SELECTION = 100  # avatars one bulk request may name
AvatarId = Annotated[str, StringConstraints(min_length=1, max_length=64)]


class AvatarSelection(ApiModel):
    avatar_ids: Annotated[list[AvatarId], Field(min_length=1, max_length=MAX_SELECTION)]


class AvatarMove(AvatarSelection):
    project_id: AvatarId


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


class AvatarRead(AvatarFields):
    """An avatar as the API shows it; its attributes are read back as they were stored (see ``avatar_to_api``)."""

    id: str
    project_id: str
    name: str
    base_image_url: str
    thumbnail_url: str
    width: int
    height: int
    mime_type: str
    file_size: int
    source_type: str
    generation_prompt: str | None
    seed_used: int | None
    provider: str | None
    # The offline provider's record of the prompt's words: {"used": [...], "notDrawn": [...]}; None from the others.
    prompt_terms: dict[str, list[str]] | None
    favorite: bool
    usage_count: int
    last_used_at: datetime | None
    created_at: datetime
    updated_at: datetime


def avatar_to_api(avatar: Avatar, file_url: FileUrl) -> dict:
    """The API's avatar object, with URLs the caller may fetch.

    Built without validation: the row holds what was validated when it was written, and a value an older rule let
    through must still be shown rather than fail the read.
    """
    read = AvatarRead.model_construct(**{
        **{column: getattr(avatar, column) for column in AvatarRead.model_fields
           if column not in ("base_image_url", "thumbnail_url", PERSONALITY, "prompt_terms")},
        "base_image_url": file_url(avatar.storage_key),
        "thumbnail_url": file_url(avatar.thumbnail_key),
        PERSONALITY: list(avatar.persona_personality or []),
        "prompt_terms": (avatar.generation_params or {}).get("promptTerms"),
    })
    return read.dump()
