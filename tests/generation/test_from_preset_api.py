"""From a preset over HTTP: the preset's prompt, persona and every attribute reach the avatar; 8 credits an image."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from avatar_creator.avatars.attributes import VISUAL_NAMES as VISUAL_FIELDS
from avatar_creator.catalog import service as catalog_service
from avatar_creator.catalog.data.presets import PRESETS
from avatar_creator.catalog.models import Preset
from avatar_creator.generation.models import Generation
from tests.support.factories import create_project, register, wait_for_generations
from tests.support.jobs import running_service

API = "/api/apps/avatar-creator"
CAMEL = {"gender": "gender", "age_range": "ageRange", "ethnicity": "ethnicity", "body_type": "bodyType",
         "hair_style": "hairStyle", "hair_color": "hairColor", "eye_color": "eyeColor", "skin_tone": "skinTone",
         "style": "style"}
ONE_PER_CATEGORY = ("hijab-consultant", "weekend-hijab", "hijab-boxer", "vintage-boutique", "batik-kebaya")


def seed_presets(client) -> dict[str, Preset]:
    with client.app.state.database.session() as session:
        catalog_service.seed_presets(session=session, specs=PRESETS)
        return {preset.slug: preset for preset in catalog_service.list_presets(session=session)}


def from_preset(client, headers, project_id, *, expect=202, extra_headers=None, **body) -> dict:
    response = client.post(f"{API}/projects/{project_id}/avatars/from-preset", json=body,
                           headers={**headers, **(extra_headers or {})})
    assert response.status_code == expect, response.text
    return response.json()


def usage_counts(client) -> dict[str, int]:
    with client.app.state.database.session(write=False) as session:
        return dict(session.execute(select(Preset.slug, Preset.usage_count)).all())


def test_five_presets_make_avatars_that_carry_the_presets_persona_and_attributes(tmp_path, database_url, ledger):
    with running_service(tmp_path, database_url, workers=2) as client:
        presets = seed_presets(client)
        user = register(client)
        project = create_project(client, user["headers"])
        replies = {}
        for index, slug in enumerate(ONE_PER_CATEGORY):
            # by slug and by id, with and without a custom name, one with two images
            preset_id = slug if index % 2 else presets[slug].id
            body = {"presetId": preset_id, "seed": 100 + index, "count": 2 if index == 0 else 1}
            if index == 1:
                body["customName"] = "Weekend me"
            replies[slug] = from_preset(client, user["headers"], project["id"], **body)
        assert {p["category"] for p in (client.get(f"{API}/presets/{s}").json()["preset"]
                                        for s in ONE_PER_CATEGORY)} == {"professional", "casual", "sports",
                                                                          "fashion", "traditional"}
        assert replies["hijab-consultant"]["creditUsed"] == 16
        assert [r["creditUsed"] for r in replies.values()][1:] == [8, 8, 8, 8]
        assert replies["batik-kebaya"]["creditBalance"] == 100 - 6 * 8
        ids = [g["id"] for reply in replies.values() for g in reply["generations"]]
        done = wait_for_generations(client, user["headers"], ids, timeout=60)
        assert [g["status"] for g in done] == ["completed"] * 6

        avatars = {a["id"]: a for a in
                   client.get(f"{API}/projects/{project['id']}", headers=user["headers"]).json()["project"]["avatars"]}
        for slug, reply in replies.items():
            spec = next(spec for spec in PRESETS if spec.slug == slug)
            for index, generation in enumerate(reply["generations"]):
                finished = next(g for g in done if g["id"] == generation["id"])
                avatar = avatars[finished["avatarId"]]
                assert avatar["sourceType"] == "from_preset"
                base = "Weekend me" if slug == "weekend-hijab" else spec.name
                assert avatar["name"] == (f"{base} {index + 1}" if index else base)  # a batch's names differ
                assert (avatar["personaName"], avatar["personaAge"], avatar["personaBackground"]) == (
                    spec.persona.name, spec.persona.age, spec.persona.background)
                assert avatar["personaPersonality"] == list(spec.persona.personality)
                assert {field: avatar[CAMEL[field]] for field in VISUAL_FIELDS} == spec.look.as_dict()
                assert avatar["generationPrompt"].startswith(spec.prompt)
                assert avatar["seedUsed"] == generation["options"]["seed"]
                assert generation["options"]["category"] == spec.category
        assert sorted(a["seedUsed"] for a in avatars.values()) == [100, 101, 101, 102, 103, 104]
        counts = usage_counts(client)
        assert all(counts[slug] == 1 for slug in ONE_PER_CATEGORY)  # one use per request, whatever the count
        assert sum(counts.values()) == len(ONE_PER_CATEGORY)
    ledger.assert_exact(user["user"]["id"])


@pytest.mark.parametrize("preset_id", ["no-such-preset", "preset_professional_1", "x" * 100])
def test_an_unknown_preset_is_404_and_nothing_is_charged(tmp_path, database_url, ledger, preset_id):
    with running_service(tmp_path, database_url) as client:
        seed_presets(client)
        user = register(client)
        project = create_project(client, user["headers"])
        reply = from_preset(client, user["headers"], project["id"], expect=404, presetId=preset_id)
        assert reply["error"] == {"code": "NOT_FOUND", "message": "Preset not found."}
        assert client.get("/api/credits/balance", headers=user["headers"]).json()["data"]["balance"] == 100
    assert ledger.generations(user["user"]["id"]) == []
    assert ledger.ledger_sum(user["user"]["id"]) == 100


@pytest.mark.parametrize("body, field", [
    ({}, "presetId"),
    ({"presetId": "silk-saree", "count": 5}, "count"),
    ({"presetId": "silk-saree", "count": 0}, "count"),
    ({"presetId": "silk-saree", "seed": -1}, "seed"),
    ({"presetId": "silk-saree", "seed": 2**32}, "seed"),
    ({"presetId": "silk-saree", "customName": "x" * 101}, "customName"),
    ({"presetId": "silk-saree", "customName": "   "}, "customName"),
    ({"presetId": 12}, "presetId"),
])
def test_bad_from_preset_input_is_400(tmp_path, database_url, body, field):
    with running_service(tmp_path, database_url) as client:
        seed_presets(client)
        user = register(client)
        project = create_project(client, user["headers"])
        error = from_preset(client, user["headers"], project["id"], expect=400, **body)["error"]
        assert error["code"] == "VALIDATION_ERROR" and error["field"] == field
        assert usage_counts(client)["silk-saree"] == 0


def test_refusals_count_no_use_and_a_replay_counts_once(tmp_path, database_url, ledger):
    with running_service(tmp_path, database_url) as client:
        seed_presets(client)
        owner, stranger = register(client), register(client)
        project = create_project(client, owner["headers"])
        from_preset(client, stranger["headers"], project["id"], expect=404, presetId="silk-saree")
        key = {"Idempotency-Key": "one-saree"}
        first = from_preset(client, owner["headers"], project["id"], extra_headers=key, presetId="silk-saree",
                            count=4)
        again = from_preset(client, owner["headers"], project["id"], extra_headers=key, presetId="silk-saree",
                            count=4)
        assert [g["id"] for g in again["generations"]] == [g["id"] for g in first["generations"]]
        from_preset(client, owner["headers"], project["id"], extra_headers=key, expect=409, presetId="kente-weaver")
        from_preset(client, owner["headers"], project["id"], presetId="silk-saree", count=4)
        from_preset(client, owner["headers"], project["id"], presetId="silk-saree", count=4)
        poor = from_preset(client, owner["headers"], project["id"], expect=402, presetId="silk-saree", count=1)
        assert "needs 8 credits; you have 4" in poor["error"]["message"]
        assert usage_counts(client)["silk-saree"] == 3 and usage_counts(client)["kente-weaver"] == 0
    with ledger.database.session(write=False) as session:
        costs = session.scalars(select(Generation.cost).where(Generation.user_id == owner["user"]["id"])).all()
    assert costs == [8] * 12
    assert ledger.balance(owner["user"]["id"]) == 4
