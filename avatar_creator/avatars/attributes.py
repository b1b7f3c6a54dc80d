"""The one declaration of an avatar's persona and visual attributes: their names, limits, choices and form hints.

Everything else is derived from these models: the avatar table's columns (``avatars.models``), the API's request
and read shapes (upload, edit, generate, from-preset, from-reference), the catalogue's looks, the provider request
(``providers.base.AvatarAttributes.from_fields``) and the web form's fields (``web.choices``). One behaviour
everywhere: text is trimmed and never a number turned into one, and a blank value (a form's empty input) means "not
given".
"""

from __future__ import annotations

import json
import types
from collections.abc import Mapping
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import BeforeValidator, Field, StringConstraints

from avatar_creator.errors import ValidationFailed
from avatar_creator.schemas import ApiModel

MAX_TRAITS = 10
PERSONALITY = "persona_personality"  # the one attribute that is a list: sent as a JSON array in multipart forms


def _blank_is_none(value: object) -> object:
    """A blank value (a browser sends every input, filled or not) means "not given"."""
    return None if isinstance(value, str) and not value.strip() else value


Text = Annotated[Annotated[str, StringConstraints(strict=True, strip_whitespace=True)] | None,
                 BeforeValidator(_blank_is_none)]
Age = Annotated[Annotated[int, Field(ge=1, le=120)] | None, BeforeValidator(_blank_is_none)]
Trait = Annotated[str, StringConstraints(strict=True, strip_whitespace=True, min_length=1, max_length=50)]
Traits = Annotated[Annotated[list[Trait], Field(max_length=MAX_TRAITS)] | None, BeforeValidator(_blank_is_none)]
Gender = Annotated[Literal["male", "female", "unisex"] | None, BeforeValidator(_blank_is_none)]
AgeRange = Annotated[Literal["young", "adult", "mature"] | None, BeforeValidator(_blank_is_none)]


class PersonaFields(ApiModel):
    """Who the avatar is."""

    persona_name: Text = Field(None, max_length=100, title="Persona name")
    persona_age: Age = Field(None, title="Age")
    persona_personality: Traits = Field(None, title="Personality")
    persona_background: Text = Field(None, max_length=500, title="Background")


class VisualFields(ApiModel):
    """How the avatar looks; ``examples`` are the common values the web form suggests (free text stays allowed)."""

    gender: Gender = Field(None, title="Gender")
    age_range: AgeRange = Field(None, title="Age range")
    ethnicity: Text = Field(None, max_length=50, title="Ethnicity", examples=[
        "African", "East Asian", "South Asian", "Southeast Asian", "Middle Eastern", "Hispanic or Latino",
        "White or European", "Indigenous", "Pacific Islander", "Mixed"])
    body_type: Text = Field(None, max_length=50, title="Body type", examples=[
        "slim", "athletic", "average", "curvy", "muscular", "broad", "heavyset"])
    hair_style: Text = Field(None, max_length=50, title="Hair style", examples=[
        "short", "long", "curly", "wavy", "straight", "bob", "pixie cut", "buzz cut", "braids", "bun", "ponytail",
        "afro", "dreadlocks", "bald"])
    hair_color: Text = Field(None, max_length=50, title="Hair colour", examples=[
        "black", "dark brown", "brown", "light brown", "auburn", "red", "ginger", "blonde", "platinum", "grey",
        "white", "pink", "blue", "purple"])
    eye_color: Text = Field(None, max_length=50, title="Eye colour", examples=[
        "brown", "dark brown", "hazel", "amber", "green", "blue", "light blue", "grey"])
    skin_tone: Text = Field(None, max_length=50, title="Skin tone", examples=[
        "very fair", "fair", "light", "medium", "olive", "tan", "brown", "dark brown", "deep"])
    style: Text = Field(None, max_length=50, title="Style", examples=[
        "photorealistic", "professional headshot", "illustration", "cartoon", "anime", "3D render", "watercolour",
        "oil painting", "pixel art", "minimalist"])


class AvatarFields(VisualFields, PersonaFields):
    """Every persona and visual attribute, validated the same way for uploads, edits and every kind of generation."""

    # Where the person is (the picture's backdrop), apart from the catalogue's looks: presets leave it open.
    setting: Text = Field(None, max_length=100, title="Setting", examples=[
        "office", "city skyline", "night city", "coffee shop", "library", "studio", "beach", "forest", "stadium",
        "mosque", "temple", "plain", "transparent"])

    def columns(self, *, only_sent: bool = False) -> dict:
        """The fields as Avatar column values; ``only_sent`` keeps only those the client sent (for edits)."""
        values = self.model_dump(include=self.model_fields_set if only_sent else None)
        if PERSONALITY in values:
            values[PERSONALITY] = values[PERSONALITY] or []
        return values

    def attributes(self) -> dict:
        """The attributes that were given, by their Python names."""
        values = {name: getattr(self, name) for name in ATTRIBUTE_NAMES}
        return {name: value for name, value in values.items() if value not in (None, [])}


VISUAL_NAMES = tuple(VisualFields.model_fields)
ATTRIBUTE_NAMES = tuple(AvatarFields.model_fields)  # persona first, then visual


def value_type(name: str) -> Any:
    """The attribute's type without None and its constraints: ``str``, ``int``, ``list[...]`` or a ``Literal``."""
    annotation = AvatarFields.model_fields[name].annotation
    while True:
        origin = get_origin(annotation)
        if origin is Annotated:
            annotation = get_args(annotation)[0]
        elif origin in (Union, types.UnionType):
            annotation = next(member for member in get_args(annotation) if member is not type(None))
        else:
            return annotation


def choices(name: str) -> tuple[str, ...]:
    """The values a closed attribute (gender, age range) may take, in order; empty for the others."""
    kind = value_type(name)
    return get_args(kind) if get_origin(kind) is Literal else ()


def max_length(name: str) -> int | None:
    """The longest text the attribute holds, or None where it is not free text."""
    return next((rule.max_length for rule in AvatarFields.model_fields[name].metadata
                 if hasattr(rule, "max_length")), None)


def from_form(fields: Mapping[str, str]) -> dict[str, object]:
    """A multipart form's text fields as the models read them: ``personaPersonality`` comes as a JSON array.

    Raises ``ValidationFailed`` when that field is not JSON (the models then check that it is an array of traits).
    """
    alias = AvatarFields.model_fields[PERSONALITY].alias or PERSONALITY
    values: dict[str, object] = dict(fields)
    if values.get(alias):
        try:
            values[alias] = json.loads(fields[alias])
        except ValueError:
            raise ValidationFailed(f'{alias}: a JSON array of strings, like ["calm", "curious"]',
                                   field=alias) from None
    return values
