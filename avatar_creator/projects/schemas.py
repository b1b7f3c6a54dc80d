"""Wire shapes of the projects API."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, BeforeValidator, Field

from avatar_creator.schemas import ApiModel


def _collapse_whitespace(value: object) -> object:
    return re.sub(r"\s+", " ", value).strip() if isinstance(value, str) else value


ProjectName = Annotated[str, BeforeValidator(_collapse_whitespace), Field(min_length=1, max_length=100)]
Description = Annotated[str, AfterValidator(str.strip), Field(max_length=500)]


class ProjectCreate(ApiModel):
    name: ProjectName
    description: Description | None = None


class ProjectUpdate(ApiModel):
    name: ProjectName | None = None  # absent: unchanged; a name cannot be cleared
    description: Description | None = None  # absent: unchanged; null: cleared


class ProjectRead(ApiModel):
    id: str
    name: str
    description: str | None
    created_at: datetime
    updated_at: datetime
    avatar_count: int
    cover_thumbnail_url: str | None
    avatars: list[dict]
