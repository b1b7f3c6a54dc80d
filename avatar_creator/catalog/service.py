"""Presets and persona examples: seeding (upsert by slug), lookups and usage counts. The caller commits."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar, cast

from sqlalchemy import CursorResult, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from avatar_creator.catalog.data import PersonaExampleSpec, PresetSpec
from avatar_creator.catalog.models import PERSONA_CATEGORIES, PRESET_CATEGORIES, PersonaExample, Preset
from avatar_creator.db import new_id, utcnow
from avatar_creator.errors import NotFound, ValidationFailed


@dataclass(frozen=True)
class SeedCounts:
    """What seeding changed: the slugs inserted and updated, and how many rows were already as written."""

    inserted: tuple[str, ...]
    updated: tuple[str, ...]
    unchanged: int

    @property
    def total(self) -> int:
        return len(self.inserted) + len(self.updated) + self.unchanged


def preset_values(spec: PresetSpec, display_order: int) -> dict:
    """The columns a preset spec sets (never its id, usage count or preview)."""
    return {"slug": spec.slug, "name": spec.name, "category": spec.category, "description": spec.description,
            "generation_prompt": spec.prompt, "persona_template": spec.persona.as_dict(),
            "visual_attributes": spec.look.as_dict(), "display_order": display_order}


def persona_example_values(spec: PersonaExampleSpec, display_order: int) -> dict:
    """The columns a persona example spec sets."""
    return {"slug": spec.slug, "name": spec.name, "category": spec.category, "persona_name": spec.persona.name,
            "persona_age": spec.persona.age, "persona_personality": list(spec.persona.personality),
            "persona_background": spec.persona.background, "suggested_attributes": spec.look.as_dict(),
            "display_order": display_order}


def seed_presets(*, session: Session, specs: tuple[PresetSpec, ...]) -> SeedCounts:
    """Insert missing presets and update changed ones, by slug; ids and usage counts are kept."""
    return _upsert_by_slug(session, Preset, [preset_values(spec, order) for order, spec in enumerate(specs)])


def seed_persona_examples(*, session: Session, specs: tuple[PersonaExampleSpec, ...]) -> SeedCounts:
    """Insert missing persona examples and update changed ones, by slug."""
    return _upsert_by_slug(session, PersonaExample,
                           [persona_example_values(spec, order) for order, spec in enumerate(specs)])


_Seeded = TypeVar("_Seeded", Preset, PersonaExample)


def _upsert_by_slug(session: Session, model: type[_Seeded], rows: list[dict]) -> SeedCounts:
    slugs = [values["slug"] for values in rows]
    existing = {row.slug: row for row in session.scalars(select(model).where(model.slug.in_(slugs)))}
    # ON CONFLICT DO NOTHING: two processes seeding at once (replicas starting together) both succeed.
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    inserted: list[str] = []
    updated: list[str] = []
    for values in rows:
        row = existing.get(values["slug"])
        if row is None:
            now = utcnow()
            result = session.execute(insert(model).values(id=new_id(), created_at=now, updated_at=now, **values)
                                     .on_conflict_do_nothing(index_elements=["slug"]))
            if cast(CursorResult, result).rowcount:
                inserted.append(values["slug"])
        elif any(getattr(row, column) != value for column, value in values.items()):
            for column, value in values.items():
                setattr(row, column, value)
            updated.append(values["slug"])
    session.flush()
    return SeedCounts(inserted=tuple(inserted), updated=tuple(updated),
                      unchanged=len(rows) - len(inserted) - len(updated))


def _check_category(category: str | None, allowed: tuple[str, ...]) -> None:
    if category is not None and category not in allowed:
        raise ValidationFailed(f"category: must be one of {', '.join(allowed)}", field="category",
                               details=[{"field": "category", "allowed": list(allowed)}])


def list_presets(*, session: Session, category: str | None = None) -> list[Preset]:
    """Presets in display order, optionally of one category (an unknown category is a validation error)."""
    _check_category(category, PRESET_CATEGORIES)
    query = select(Preset).order_by(Preset.display_order, Preset.slug)
    if category is not None:
        query = query.where(Preset.category == category)
    return list(session.scalars(query))


def get_preset(*, session: Session, id_or_slug: str) -> Preset:
    """A preset by its id or its slug (the id wins if both match different rows)."""
    found = list(session.scalars(select(Preset).where(or_(Preset.id == id_or_slug, Preset.slug == id_or_slug))))
    if not found:
        raise NotFound("Preset not found.")
    return next((preset for preset in found if preset.id == id_or_slug), found[0])


def get_preset_by_slug(*, session: Session, slug: str) -> Preset | None:
    return session.scalar(select(Preset).where(Preset.slug == slug))


def set_preview(*, session: Session, preset_id: str, key: str, version: str) -> None:
    """Record the preset's preview file and its content version."""
    session.execute(update(Preset).where(Preset.id == preset_id).values(preview_key=key, preview_version=version))


def count_use(*, session: Session, preset_id: str) -> None:
    """Count one more use of the preset (in the caller's transaction, so a refused request counts nothing)."""
    session.execute(update(Preset).where(Preset.id == preset_id).values(usage_count=Preset.usage_count + 1))


def list_persona_examples(*, session: Session, category: str | None = None) -> list[PersonaExample]:
    """Persona examples in display order, optionally of one category."""
    _check_category(category, PERSONA_CATEGORIES)
    query = select(PersonaExample).order_by(PersonaExample.display_order, PersonaExample.slug)
    if category is not None:
        query = query.where(PersonaExample.category == category)
    return list(session.scalars(query))
