"""Posted forms through the API's own schemas, with one plain-language message per field to show beside it."""

from __future__ import annotations

from typing import TypeVar

from pydantic import BaseModel, ValidationError
from starlette.datastructures import FormData

Model = TypeVar("Model", bound=BaseModel)
FORM_LEVEL = "form"  # the key of an error about the whole form rather than one field


def _message(issue: dict) -> str:
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


def _field(issue: dict) -> str:
    return str(issue["loc"][0]) if issue.get("loc") else FORM_LEVEL


def parse(model: type[Model], form: FormData, fields: tuple[str, ...]) -> tuple[Model | None, dict[str, str]]:
    """The validated model, or None and ``{field: message}`` (the first problem of each field).

    Empty optional fields count as absent, as a browser sends every input of a form.
    """
    data = {name: form.get(name) for name in fields if form.get(name) not in (None, "")}
    try:
        return model.model_validate(data), {}
    except ValidationError as error:
        errors: dict[str, str] = {}
        for issue in error.errors():
            errors.setdefault(_field(issue), _message(issue))
        return None, errors


def toasts(errors: dict[str, str]) -> list[dict]:
    """The toast that goes with a refused form: its form-level message, or a pointer to the marked fields."""
    if not errors:
        return []
    return [{"kind": "error", "message": errors.get(FORM_LEVEL) or "Please check the marked fields."}]
