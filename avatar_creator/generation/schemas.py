"""Wire shapes of the generation API."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import Field, StrictStr, StringConstraints

from avatar_creator.avatars.attributes import AvatarFields
from avatar_creator.schemas import ApiModel

MAX_SEED = 2**32 - 1


# Strings (never a number turned into one), trimmed, then measured.
Name = Annotated[str, StringConstraints(strict=True, strip_whitespace=True, min_length=1, max_length=100)]
Prompt = Annotated[str, StringConstraints(strict=True, strip_whitespace=True, min_length=10, max_length=2000)]


class GenerateIn(AvatarFields):
    name: Name
    prompt: Prompt
    width: Annotated[int, Field(ge=256, le=2048, multiple_of=16)] = 1024  # in the schema, for clients and fuzzers
    height: Annotated[int, Field(ge=256, le=2048, multiple_of=16)] = 1024
    seed: Annotated[int, Field(ge=0, le=MAX_SEED)] | None = None
    count: Annotated[int, Field(ge=1, le=4)] = 1
    provider: Annotated[StrictStr, Field(min_length=1, max_length=32)] | None = None


class GenerationRead(ApiModel):
    id: str
    project_id: str
    batch_id: str
    status: str
    progress: int
    queue_position: int | None
    attempt: int
    max_attempts: int
    avatar_id: str | None
    avatar_deleted: bool
    error_code: str | None
    error_message: str | None
    prompt: str
    options: dict
    provider: str
    credit_charged: int
    credit_refunded: int
    created_at: datetime
    started_at: datetime | None
    completed_at: datetime | None
