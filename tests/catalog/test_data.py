"""The catalogue's content fits the API's limits and tells a consistent story (no database needed)."""

from __future__ import annotations

import re

import pytest

from avatar_creator.avatars.attributes import VISUAL_NAMES as VISUAL_FIELDS
from avatar_creator.catalog.data.personas import PERSONA_EXAMPLES
from avatar_creator.catalog.data.presets import PRESETS
from avatar_creator.catalog.models import PERSONA_CATEGORIES, PRESET_CATEGORIES

AGES = {"young": range(16, 31), "adult": range(25, 56), "mature": range(45, 121)}
ENTRIES = [pytest.param(spec, id=spec.slug) for spec in (*PRESETS, *PERSONA_EXAMPLES)]


@pytest.mark.parametrize("spec", ENTRIES)
def test_fits_the_avatar_field_limits(spec):
    persona, look = spec.persona, spec.look
    assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", spec.slug) and len(spec.slug) <= 64
    assert 1 <= len(spec.name) <= 100 and 1 <= len(persona.name) <= 100
    assert len(persona.personality) == 3 and all(1 <= len(trait) <= 50 for trait in persona.personality)
    assert 1 <= len(persona.background) <= 500
    assert look.gender in ("male", "female", "unisex")
    assert persona.age in AGES[look.age_range], "persona age should match the age range"
    for field in VISUAL_FIELDS[2:]:
        value = getattr(look, field)
        assert value is None or 1 <= len(value) <= 50, field
    if look.hair_style == "hijab":
        assert look.hair_color is None  # not seen under a hijab
    else:
        assert all(getattr(look, field) for field in VISUAL_FIELDS), "every attribute set where it makes sense"


def test_presets_have_unique_slugs_and_names_and_known_categories():
    assert len(PRESETS) >= 24
    assert len({p.slug for p in PRESETS}) == len({p.name for p in PRESETS}) == len(PRESETS)
    assert {p.category for p in PRESETS} == set(PRESET_CATEGORIES)
    assert all(10 <= len(p.prompt) <= 2000 and p.description for p in PRESETS)


def test_persona_examples_have_unique_slugs_and_names_and_known_categories():
    assert len(PERSONA_EXAMPLES) >= 15
    assert len({p.slug for p in PERSONA_EXAMPLES}) == len({p.name for p in PERSONA_EXAMPLES}) == len(PERSONA_EXAMPLES)
    assert {p.category for p in PERSONA_EXAMPLES} == set(PERSONA_CATEGORIES)
