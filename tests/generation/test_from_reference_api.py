"""From a reference over HTTP: an uploaded image or the caller's avatar, 12 credits an image, refunded on failure,
and the offline provider's avatar takes the reference's skin, hair and background."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

from avatar_creator.providers.base import PROVIDER_REFUSED, ProviderError
from avatar_creator.providers.offline import palette
from tests.support.factories import create_project, generate, register, wait_for_generations
from tests.support.jobs import ScriptedProvider, running_service
from tests.support.offline_avatars import LEFT_CHEEK, TOP_OF_HEAD, share
from tests.support.references import (
    API,
    BACKGROUND,
    FIELDS,
    HAIR,
    SKIN,
    avatar_key,
    draw_face,
    encode,
    from_reference,
    reference_photo,
    stored_image,
)


def balance(client, headers) -> int:
    return client.get("/api/credits/balance", headers=headers).json()["data"]["balance"]


def test_an_uploaded_reference_lends_the_offline_avatar_its_colours(tmp_path, database_url, ledger):
    with running_service(tmp_path, database_url, workers=1) as client:
        user = register(client)
        project = create_project(client, user["headers"])
        reply = from_reference(client, user["headers"], project["id"], image=reference_photo(), strength="0.3",
                               count=2, seed=5, personaPersonality=["warm", "direct"], **FIELDS)
        assert reply["creditUsed"] == 24 and reply["creditBalance"] == 76
        done = wait_for_generations(client, user["headers"], [g["id"] for g in reply["generations"]])
        assert [g["status"] for g in done] == ["completed", "completed"]
        avatar = client.get(f"{API}/avatars/{done[0]['avatarId']}", headers=user["headers"])
        project_avatars = client.get(f"{API}/projects/{project['id']}", headers=user["headers"]).json()
        first = next(a for a in project_avatars["project"]["avatars"] if a["id"] == done[0]["avatarId"])
        assert first["sourceType"] == "from_reference" and first["seedUsed"] == 5
        assert first["personaPersonality"] == ["warm", "direct"] and first["hairStyle"] == "bob"
        pixels = stored_image(client, first)
    assert avatar.status_code in (200, 404)  # the avatar routes belong to another package
    assert share(pixels, LEFT_CHEEK, palette.to_hex(SKIN), tolerance=12) > 0.9
    assert share(pixels, TOP_OF_HEAD, palette.to_hex(HAIR), tolerance=12) > 0.6
    for y, x in ((1, 1), (1, -2), (-2, 1), (-2, -2)):
        assert np.abs(pixels[y, x] - BACKGROUND).max() <= 12
    ledger.assert_exact(user["user"]["id"])


def test_an_existing_avatar_is_the_reference_and_its_stored_bytes_reach_the_provider(tmp_path, database_url, ledger):
    provider = ScriptedProvider()
    with running_service(tmp_path, database_url, workers=1, providers={"offline": provider}) as client:
        user = register(client)
        project = create_project(client, user["headers"])
        made = generate(client, user["headers"], project["id"])["generation"]
        source = wait_for_generations(client, user["headers"], [made["id"]])[0]["avatarId"]
        reply = from_reference(client, user["headers"], project["id"], avatarId=source, **FIELDS)
        assert reply["creditUsed"] == 12 and reply["creditBalance"] == 100 - 10 - 12
        assert reply["generation"]["options"]["strength"] == 0.6
        done = wait_for_generations(client, user["headers"], [reply["generation"]["id"]])[0]
        assert done["status"] == "completed" and done["avatarId"] != source
        original = (client.app.state.settings.files_dir / avatar_key(client, source)).read_bytes()
        assert provider.requests[-1].reference_image == original and provider.requests[-1].strength == 0.6
        assert provider.requests[0].reference_image is None  # the text-to-image one had none
        stranger = register(client)
        other_project = create_project(client, stranger["headers"])
        refused = from_reference(client, stranger["headers"], other_project["id"], expect=404, avatarId=source,
                                 **FIELDS)
        assert refused["error"] == {"code": "NOT_FOUND", "message": "Avatar not found."}
        assert balance(client, stranger["headers"]) == 100
    ledger.assert_exact(user["user"]["id"])
    ledger.assert_exact(stranger["user"]["id"])


def test_a_failed_reference_generation_is_refunded(tmp_path, database_url, ledger):
    provider = ScriptedProvider([ProviderError(PROVIDER_REFUSED, "refused"), ProviderError(PROVIDER_REFUSED, "no")])
    with running_service(tmp_path, database_url, workers=1, providers={"offline": provider}) as client:
        user = register(client)
        project = create_project(client, user["headers"])
        reply = from_reference(client, user["headers"], project["id"], image=reference_photo(), count=2, **FIELDS)
        assert reply["creditUsed"] == 24
        done = wait_for_generations(client, user["headers"], [g["id"] for g in reply["generations"]])
        assert [(g["status"], g["errorCode"], g["creditRefunded"]) for g in done] == [
            ("failed", PROVIDER_REFUSED, 12)] * 2
        assert balance(client, user["headers"]) == 100
        # what reached the provider was the upload, normalised: a PNG of the same picture
        received = Image.open(io.BytesIO(provider.requests[0].reference_image))
        assert received.format == "PNG" and received.size == (400, 400)
    ledger.assert_exact(user["user"]["id"])


def test_the_upload_is_checked_like_an_upload_and_nothing_is_charged_or_kept(tmp_path, database_url):
    with running_service(tmp_path, database_url, max_upload_bytes=200_000) as client:
        user = register(client)
        project = create_project(client, user["headers"])
        post = lambda image, expect, **fields: from_reference(  # noqa: E731
            client, user["headers"], project["id"], image=image, expect=expect, **{**FIELDS, **fields})["error"]
        assert post(b"GIF89a" + b"\0" * 100, 415)["code"] == "UNSUPPORTED_MEDIA_TYPE"
        assert post(b"<html></html>", 415)["field"] == "image"
        small = encode(Image.new("RGB", (100, 100), SKIN))
        assert "at least 256" in post(small, 400)["message"]
        assert post(reference_photo()[:2000], 400)["field"] == "image"  # truncated
        assert post(b"", 400)["field"] == "image"
        noise = np.random.default_rng(1).integers(0, 255, (400, 400, 3), dtype=np.uint8)
        assert post(encode(Image.fromarray(noise)), 413)["code"] == "PAYLOAD_TOO_LARGE"
        assert post(reference_photo(), 400, strength="1.5")["field"] == "strength"
        assert post(reference_photo(), 400, personaPersonality="calm")["field"] == "personaPersonality"
        assert post(reference_photo(), 400, prompt="short")["field"] == "prompt"
        assert post(reference_photo(), 400, avatarId="also-this")["field"] == "image"
        assert balance(client, user["headers"]) == 100
        files = client.app.state.settings.files_dir
        assert [path for path in files.rglob("*") if path.is_file()] == []


def test_json_needs_an_avatar_id_and_a_project_of_ones_own(tmp_path, database_url):
    with running_service(tmp_path, database_url) as client:
        owner, stranger = register(client), register(client)
        project = create_project(client, owner["headers"])
        error = from_reference(client, owner["headers"], project["id"], expect=400, **FIELDS)["error"]
        assert error["field"] == "avatarId"
        error = from_reference(client, owner["headers"], project["id"], expect=400, avatarId="x", name=12,
                               prompt=FIELDS["prompt"])["error"]
        assert error["field"] == "name"
        missing = from_reference(client, owner["headers"], project["id"], expect=404, avatarId="nope", **FIELDS)
        assert missing["error"]["message"] == "Avatar not found."
        assert from_reference(client, stranger["headers"], project["id"], image=reference_photo(), expect=404,
                              **FIELDS)["error"]["message"] == "Project not found."
        response = client.post(f"{API}/projects/{project['id']}/avatars/from-reference", content=b"name=x",
                               headers={**owner["headers"], "Content-Type": "application/x-www-form-urlencoded"})
        assert response.status_code == 400
        assert client.post(f"{API}/projects/{project['id']}/avatars/from-reference", json=FIELDS).status_code == 401


def test_not_enough_credits_is_402_with_nothing_stored(tmp_path, database_url):
    with running_service(tmp_path, database_url, welcome_bonus=20) as client:
        user = register(client)
        project = create_project(client, user["headers"])
        error = from_reference(client, user["headers"], project["id"], image=reference_photo(), count=2,
                               expect=402, **FIELDS)["error"]
        assert error["code"] == "INSUFFICIENT_CREDITS" and "needs 24 credits; you have 20" in error["message"]
        files = client.app.state.settings.files_dir
        assert [path for path in files.rglob("*") if path.is_file()] == []
        key = {"Idempotency-Key": "same-photo"}
        first = from_reference(client, user["headers"], project["id"], image=reference_photo(), extra_headers=key,
                               **FIELDS)
        again = from_reference(client, user["headers"], project["id"], image=reference_photo(), extra_headers=key,
                               **FIELDS)
        assert again["generation"]["id"] == first["generation"]["id"] and balance(client, user["headers"]) == 8
        different = encode(draw_face(skin=(120, 75, 50), hair=(20, 15, 15), background=(230, 230, 220)))
        from_reference(client, user["headers"], project["id"], image=different, extra_headers=key, expect=409,
                       **FIELDS)
