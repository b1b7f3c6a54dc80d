"""Wire shapes of generating from a preset and from a reference image."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from avatar_creator.generation.schemas import MAX_SEED, GenerateIn, Text
from avatar_creator.schemas import ApiModel

Count = Annotated[int, Field(ge=1, le=4)]
Seed = Annotated[int, Field(ge=0, le=MAX_SEED)]


class FromPresetIn(ApiModel):
    preset_id: Text(min_length=1, max_length=100)  # the preset's id or its slug
    custom_name: Text(min_length=1, max_length=100) | None = None
    count: Count = 1
    seed: Seed | None = None


class FromReferenceIn(GenerateIn):
    """Generate's fields, plus where to start from: ``avatar_id`` (JSON) or an uploaded image (multipart)."""

    strength: Annotated[float, Field(ge=0, le=1)] = 0.6
    avatar_id: Text(min_length=1, max_length=64) | None = None
