"""The public catalogue over HTTP: presets and persona examples, filters, lookups and refusals."""

from __future__ import annotations

from collections import Counter

import pytest

from avatar_creator.avatars.attributes import VISUAL_NAMES as VISUAL_FIELDS
from avatar_creator.catalog.data.personas import PERSONA_EXAMPLES
from avatar_creator.catalog.data.presets import PRESETS
from avatar_creator.catalog.models import PERSONA_CATEGORIES, PRESET_CATEGORIES
from tests.support.catalog import PERSONAS_URL, PRESETS_URL

CAMEL = {"gender": "gender", "age_range": "ageRange", "ethnicity": "ethnicity", "body_type": "bodyType",
         "hair_style": "hairStyle", "hair_color": "hairColor", "eye_color": "eyeColor", "skin_tone": "skinTone",
         "style": "style"}


def test_presets_cover_every_category_with_full_data_and_no_sign_in(client, seeded):
    presets = client.get(PRESETS_URL).json()["presets"]
    assert len(presets) >= 24 and len(presets) == len(PRESETS)
    assert set(Counter(p["category"] for p in presets)) == set(PRESET_CATEGORIES)
    assert all(count >= 4 for count in Counter(p["category"] for p in presets).values())
    assert len({p["id"] for p in presets}) == len({p["slug"] for p in presets}) == len(presets)
    for preset, spec in zip(presets, PRESETS, strict=True):  # display order is the catalogue's order
        assert preset["slug"] == spec.slug and preset["name"] == spec.name
        assert preset["generationPrompt"] == spec.prompt and len(spec.prompt) >= 10
        assert preset["personaTemplate"] == {"name": spec.persona.name, "age": spec.persona.age,
                                             "personality": list(spec.persona.personality),
                                             "background": spec.persona.background}
        assert len(preset["personaTemplate"]["personality"]) == 3
        assert preset["visualAttributes"] == {CAMEL[f]: getattr(spec.look, f) for f in VISUAL_FIELDS}
        assert preset["usageCount"] == 0
        assert preset["previewImageUrl"].startswith(f"/previews/{spec.slug}.png?v=")


def test_hijab_presets_in_professional_casual_and_sports(client, seeded):
    presets = client.get(PRESETS_URL).json()["presets"]
    hijab_categories = {p["category"] for p in presets if p["visualAttributes"]["hairStyle"] == "hijab"}
    assert {"professional", "casual", "sports"} <= hijab_categories
    slugs = {p["slug"] for p in presets}
    assert {"batik-kebaya", "silk-saree", "kimono-tea-ceremony", "hospital-physician", "creative-studio-lead"} <= slugs


@pytest.mark.parametrize("category", PRESET_CATEGORIES)
def test_presets_filtered_by_category(client, seeded, category):
    listed = client.get(PRESETS_URL, params={"category": category}).json()["presets"]
    expected = [spec.slug for spec in PRESETS if spec.category == category]
    assert [p["slug"] for p in listed] == expected and expected


@pytest.mark.parametrize("url, allowed", [(PRESETS_URL, PRESET_CATEGORIES), (PERSONAS_URL, PERSONA_CATEGORIES)])
@pytest.mark.parametrize("category", ["nope", "Professional", "", "x" * 60])
def test_unknown_category_is_400_listing_the_allowed_ones(client, seeded, url, allowed, category):
    response = client.get(url, params={"category": category})
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "VALIDATION_ERROR" and error["field"] == "category"
    if len(category) <= 50:
        assert all(name in error["message"] for name in allowed)


def test_preset_by_id_and_by_slug(client, seeded):
    first = client.get(PRESETS_URL).json()["presets"][3]
    by_id = client.get(f"{PRESETS_URL}/{first['id']}")
    by_slug = client.get(f"{PRESETS_URL}/{first['slug']}")
    assert by_id.status_code == by_slug.status_code == 200
    assert by_id.json() == by_slug.json() == {"preset": first}


@pytest.mark.parametrize("preset_id", ["no-such-preset", "1", "preset_professional_1", "HOSPITAL-PHYSICIAN"])
def test_unknown_preset_is_404(client, seeded, preset_id):
    response = client.get(f"{PRESETS_URL}/{preset_id}")
    assert response.status_code == 404
    assert response.json()["error"] == {"code": "NOT_FOUND", "message": "Preset not found."}


def test_persona_examples_cover_five_categories_and_no_sign_in(client, seeded):
    examples = client.get(PERSONAS_URL).json()["personaExamples"]
    assert len(examples) >= 15 and len(examples) == len(PERSONA_EXAMPLES)
    assert set(Counter(e["category"] for e in examples)) == set(PERSONA_CATEGORIES)
    assert [e["displayOrder"] for e in examples] == sorted(e["displayOrder"] for e in examples)
    assert len({e["name"] for e in examples}) == len(examples)
    for example, spec in zip(examples, PERSONA_EXAMPLES, strict=True):
        assert example["name"] == spec.name and example["personaName"] == spec.persona.name
        assert 1 <= example["personaAge"] <= 120 and example["personaAge"] == spec.persona.age
        assert example["personaPersonality"] == list(spec.persona.personality)
        assert len(example["personaPersonality"]) == 3
        assert example["personaBackground"] == spec.persona.background and "\n" not in spec.persona.background
        assert example["suggestedAttributes"] == {CAMEL[f]: getattr(spec.look, f) for f in VISUAL_FIELDS}


@pytest.mark.parametrize("category", PERSONA_CATEGORIES)
def test_persona_examples_filtered_by_category(client, seeded, category):
    listed = client.get(PERSONAS_URL, params={"category": category}).json()["personaExamples"]
    assert [e["name"] for e in listed] == [spec.name for spec in PERSONA_EXAMPLES if spec.category == category]
    assert len(listed) >= 3
