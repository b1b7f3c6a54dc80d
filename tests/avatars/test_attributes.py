"""The one declaration of the avatar attributes, and what is derived from it: the provider request, the catalogue's
looks, the web form and the API shapes (that the derived columns match the migrations: tests/test_migrations.py)."""

from __future__ import annotations

import dataclasses
import json

import pytest
from pydantic import ValidationError

from avatar_creator.avatars import attributes
from avatar_creator.avatars.attributes import ATTRIBUTE_NAMES, VISUAL_NAMES, AvatarFields
from avatar_creator.avatars.schemas import AvatarRead, AvatarUpdate, AvatarUpload
from avatar_creator.catalog.data import Look
from avatar_creator.errors import ValidationFailed
from avatar_creator.generation.schemas import GenerateIn
from avatar_creator.providers.base import AvatarAttributes
from avatar_creator.web import choices, forms


def test_every_shape_carries_every_attribute():
    assert {field.name for field in dataclasses.fields(AvatarAttributes)} == set(ATTRIBUTE_NAMES)
    for model in (AvatarUpload, AvatarUpdate, GenerateIn, AvatarRead):
        assert set(ATTRIBUTE_NAMES) <= set(model.model_fields), model
    assert tuple(Look("female", "adult", *[None] * 7).as_dict()) == VISUAL_NAMES
    form_fields = {name for name, _label, _suggestions, _max_length in choices.VISUAL_TEXT_FIELDS}
    assert form_fields | {"gender", "ageRange"} == {AvatarFields.model_fields[name].alias for name in VISUAL_NAMES}
    assert set(forms.GENERATE_FIELDS) >= form_fields | {"personaName", "personaAge", "personaBackground"}
    assert [value for value, _label in choices.GENDERS if value] == list(attributes.choices("gender"))


def test_blank_means_not_given_and_text_is_trimmed_never_coerced():
    fields = AvatarFields.model_validate({"personaName": "  ", "gender": "", "personaAge": "", "hairColor": " red ",
                                          "personaPersonality": [" calm "]})
    assert fields.attributes() == {"hair_color": "red", "persona_personality": ["calm"]}
    for bad in ({"ethnicity": 5}, {"personaPersonality": [""]}, {"personaPersonality": ["x"] * 11},
                {"gender": "robot"}, {"personaAge": 0}, {"skinTone": "s" * 51}):
        with pytest.raises(ValidationError):
            AvatarFields.model_validate(bad)


def test_a_form_sends_the_personality_as_a_json_array():
    assert attributes.from_form({"name": "A", "personaPersonality": json.dumps(["calm"])}) == {
        "name": "A", "personaPersonality": ["calm"]}
    with pytest.raises(ValidationFailed) as refused:
        attributes.from_form({"personaPersonality": "calm, kind"})
    assert refused.value.field == "personaPersonality"
