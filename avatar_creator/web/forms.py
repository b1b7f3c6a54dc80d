"""Posted forms through the API's own schemas, with one plain-language message per field to show beside it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypeVar

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from avatar_creator.avatars.attributes import ATTRIBUTE_NAMES, PERSONALITY, AvatarFields
from avatar_creator.generation.schemas import GenerateIn
from avatar_creator.generation.source_schemas import FromReferenceIn
from avatar_creator.web import choices

Model = TypeVar("Model", bound=BaseModel)
FORM_LEVEL = "form"  # the key of an error about the whole form rather than one field
# Every attribute but the personality, which the form takes as one comma-separated text (see ``parse_generate``).
REFERENCE_AVATAR, REFERENCE_IMAGE = "reference_avatar_id", "reference_image"  # the Generate page's "from a photo"
GENERATE_FIELDS = ("name", "prompt", "count", "seed", "provider",
                   *(AvatarFields.model_fields[name].alias for name in ATTRIBUTE_NAMES if name != PERSONALITY))


def _message(issue: ErrorDetails) -> str:
    kind, context = issue.get("type", ""), issue.get("ctx") or {}
    if kind == "missing":
        return "Required."
    if kind in ("string_too_short", "too_short"):
        return "Required." if context.get("min_length") == 1 else f"Use at least {context['min_length']} characters."
    if kind in ("string_too_long", "too_long"):
        return f"Use at most {context['max_length']} characters."
    if kind == "value_error" and "email" in issue.get("msg", "").lower():
        return "Enter a valid email address."
    return issue.get("msg", "Invalid value.").removeprefix("Value error, ")


def _field(issue: ErrorDetails, renamed: dict[str, str]) -> str:
    field = str(issue["loc"][0]) if issue.get("loc") else FORM_LEVEL
    return renamed.get(field, field)


def validate(model: type[Model], data: dict, renamed: dict[str, str] | None = None
             ) -> tuple[Model | None, dict[str, str]]:
    """The validated model, or None and ``{form field: message}`` (the first problem of each field)."""
    try:
        return model.model_validate(data), {}
    except ValidationError as error:
        errors: dict[str, str] = {}
        for issue in error.errors():
            errors.setdefault(_field(issue, renamed or {}), _message(issue))
        return None, errors


def parse(model: type[Model], form: Mapping, fields: tuple[str, ...]) -> tuple[Model | None, dict[str, str]]:
    """``validate`` the named fields of a posted form; empty ones count as absent (a browser sends every input)."""
    return validate(model, {name: form.get(name) for name in fields if form.get(name) not in (None, "")})


def parse_generate(form: Mapping, reference_avatar_id: str | None = None) -> tuple[GenerateIn | None, dict[str, str]]:
    """The generate form as the API's ``GenerateIn`` (``FromReferenceIn`` when it starts from a photo): the size
    choice gives width and height, traits are a list."""
    data = {name: form.get(name) for name in GENERATE_FIELDS if form.get(name) not in (None, "")}
    if reference_avatar_id is not None:
        data["avatarId"] = reference_avatar_id or None
    width, _, height = str(form.get("size") or choices.DEFAULT_SIZE).partition("x")
    data.update(width=width, height=height)
    traits = [trait.strip() for trait in str(form.get("personaPersonality") or "").split(",") if trait.strip()]
    if traits:
        data["personaPersonality"] = traits
    model = GenerateIn if reference_avatar_id is None else FromReferenceIn
    return validate(model, data, renamed={"width": "size", "height": "size", "avatarId": REFERENCE_AVATAR})

