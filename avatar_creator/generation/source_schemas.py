"""Wire shapes of generating from a preset and from a reference image."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StringConstraints

from avatar_creator.generation.schemas import MAX_SEED, GenerateIn, Name
from avatar_creator.schemas import ApiModel

Count = Annotated[int, Field(ge=1, le=4)]
Seed = Annotated[int, Field(ge=0, le=MAX_SEED)]
AvatarId = Annotated[str, StringConstraints(strict=True, strip_whitespace=True, min_length=1, max_length=64)]


class FromPresetIn(ApiModel):
    preset_id: Name  # the preset's id or its slug
    custom_name: Name | None = None
    count: Count = 1
    seed: Seed | None = None


class FromReferenceIn(GenerateIn):
    """Generate's fields, plus where to start from: ``avatar_id`` (JSON) or an uploaded image (multipart)."""

    strength: Annotated[float, Field(ge=0, le=1)] = 0.6
    avatar_id: AvatarId | None = None
