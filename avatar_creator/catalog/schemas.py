"""Wire shapes of the catalogue: presets and persona examples, camelCase."""

from __future__ import annotations

from avatar_creator.avatars.attributes import VisualFields
from avatar_creator.catalog import previews
from avatar_creator.catalog.models import PersonaExample, Preset
from avatar_creator.schemas import ApiModel


class PersonaTemplate(ApiModel):
    name: str | None = None
    age: int | None = None
    personality: list[str] = []
    background: str | None = None


class PresetRead(ApiModel):
    id: str
    slug: str
    name: str
    category: str
    description: str
    preview_image_url: str | None
    generation_prompt: str
    persona_template: PersonaTemplate
    visual_attributes: VisualFields
    usage_count: int


class PersonaExampleRead(ApiModel):
    id: str
    name: str
    category: str
    persona_name: str
    persona_age: int
    persona_personality: list[str]
    persona_background: str
    suggested_attributes: VisualFields
    display_order: int


def preset_to_api(preset: Preset, public_url: str | None) -> dict:
    return PresetRead(
        id=preset.id, slug=preset.slug, name=preset.name, category=preset.category, description=preset.description,
        preview_image_url=previews.url(preset, public_url), generation_prompt=preset.generation_prompt,
        persona_template=PersonaTemplate.model_validate(preset.persona_template),
        visual_attributes=VisualFields.model_validate(preset.visual_attributes), usage_count=preset.usage_count,
    ).dump()


def persona_example_to_api(example: PersonaExample) -> dict:
    return PersonaExampleRead.model_validate({
        **{column: getattr(example, column) for column in PersonaExampleRead.model_fields
           if column != "suggested_attributes"},
        "suggested_attributes": VisualFields.model_validate(example.suggested_attributes),
    }).dump()
