"""Wire shapes of generating from a preset and from a reference image."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StrictStr

from avatar_creator.generation.schemas import MAX_SEED, AvatarFields, Text
from avatar_creator.schemas import ApiModel

Count = Annotated[int, Field(ge=1, le=4)]
Seed = Annotated[int, Field(ge=0, le=MAX_SEED)]


class FromPresetIn(ApiModel):
    preset_id: Text(min_length=1, max_length=100)  # the preset's id or its slug
    custom_name: Text(min_length=1, max_length=100) | None = None
    count: Count = 1
    seed: Seed | None = None


class FromReferenceIn(AvatarFields):
    name: Text(min_length=1, max_length=100)
    prompt: Text(min_length=10, max_length=2000)
    strength: Annotated[float, Field(ge=0, le=1)] = 0.6
    count: Count = 1
    seed: Seed | None = None
    provider: Annotated[StrictStr, Field(min_length=1, max_length=32)] | None = None
    avatar_id: Text(min_length=1, max_length=64) | None = None  # the caller's avatar to start from, or an image

