"""Generating avatars over HTTP: charged once, run by the in-process workers, listed with their seeds."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.support.factories import create_project, generate, get_generation, register, wait_for_generations
from tests.support.jobs import running_service

API = "/api/apps/avatar-creator"


def test_two_images_complete_with_their_seeds_and_the_ledger_sums_to_the_balance(tmp_path, database_url, ledger):
    with running_service(tmp_path, database_url, workers=2) as client:
        user = register(client)
        project = create_project(client, user["headers"])
        reply = generate(client, user["headers"], project["id"], count=2, seed=41, hairColor="red",
                         personaName="123", personaPersonality=["calm", "kind"])
        assert reply["creditUsed"] == 20 and reply["creditBalance"] == 80
        assert reply["generation"] == reply["generations"][0]
        assert [g["options"]["seed"] for g in reply["generations"]] == [41, 42]
        assert len({g["batchId"] for g in reply["generations"]}) == 1
        full_prompt = reply["generation"]["options"]["fullPrompt"]
        assert full_prompt.startswith("a friendly astronaut") and "red hair" in full_prompt

        done = wait_for_generations(client, user["headers"], [g["id"] for g in reply["generations"]])
        assert [g["status"] for g in done] == ["completed", "completed"]
        assert all(g["progress"] == 100 and g["avatarId"] and g["queuePosition"] is None for g in done)

        avatars = client.get(f"{API}/projects/{project['id']}", headers=user["headers"]).json()["project"]["avatars"]
        assert sorted(a["seedUsed"] for a in avatars) == [41, 42]
        assert {a["id"] for a in avatars} == {g["avatarId"] for g in done}
        first = next(a for a in avatars if a["seedUsed"] == 41)
        assert first["name"] == "Ada" and first["personaName"] == "123" and first["hairColor"] == "red"
        assert first["personaPersonality"] == ["calm", "kind"]
        assert first["sourceType"] == "text_to_image" and first["provider"] == "offline"
        assert first["mimeType"] == "image/png" and (first["width"], first["height"]) == (256, 256)
        assert first["baseImageUrl"].split("?")[0].endswith(".png")
        assert first["thumbnailUrl"].split("?")[0].endswith(".jpg")
        assert client.get(first["baseImageUrl"]).headers["content-type"] == "image/png"
    ledger.assert_exact(user["user"]["id"])
    stored = ledger.avatars(user["user"]["id"])
    files = tmp_path / "data" / "files"
    assert all((files / a.storage_key).is_file() and (files / a.thumbnail_key).is_file() for a in stored)


def test_a_random_seed_is_recorded_and_counts_up(tmp_path, database_url):
    with running_service(tmp_path, database_url) as client:
        user = register(client)
        project = create_project(client, user["headers"])
        seeds = [g["options"]["seed"] for g in generate(client, user["headers"], project["id"], count=3)["generations"]]
        assert seeds == [seeds[0], (seeds[0] + 1) % 2**32, (seeds[0] + 2) % 2**32]
        top = generate(client, user["headers"], project["id"], count=2, seed=2**32 - 1)["generations"]
        assert [g["options"]["seed"] for g in top] == [2**32 - 1, 0]


def test_variations_get_distinct_names_within_the_name_limit(tmp_path, database_url):
    with running_service(tmp_path, database_url) as client:
        user = register(client)
        project = create_project(client, user["headers"])
        batch = generate(client, user["headers"], project["id"], count=3, name="Lena")["generations"]
        assert [g["options"]["name"] for g in batch] == ["Lena", "Lena 2", "Lena 3"]
        long = "x" * 97 + " yz"  # 100 characters: the suffix takes the place of the end, not of a space
        names = [g["options"]["name"] for g in generate(client, user["headers"], project["id"], count=2,
                                                        name=long)["generations"]]
        assert names == [long, "x" * 97 + " 2"]


@pytest.mark.serial  # timed
def test_forty_concurrent_requests_from_a_user_who_can_pay_for_ten(tmp_path, database_url, ledger):
    with running_service(tmp_path, database_url) as client:  # no workers: only the charging is under test
        user = register(client)
        project = create_project(client, user["headers"])

        def attempt(_):
            return client.post(f"{API}/projects/{project['id']}/avatars/generate",
                               json={"name": "Ada", "prompt": "a friendly astronaut", "width": 256, "height": 256},
                               headers=user["headers"])

        with ThreadPoolExecutor(max_workers=40) as pool:
            responses = list(pool.map(attempt, range(40)))
        codes = sorted(response.status_code for response in responses)
        assert codes == [202] * 10 + [402] * 30
        refused = next(r for r in responses if r.status_code == 402).json()["error"]
        assert refused["code"] == "INSUFFICIENT_CREDITS" and "10" in refused["message"]
    assert ledger.balance(user["user"]["id"]) == 0
    assert len(ledger.generations(user["user"]["id"])) == 10
    ledger.assert_exact(user["user"]["id"])


def test_the_same_idempotency_key_gives_the_same_generations_charged_once(tmp_path, database_url, ledger):
    with running_service(tmp_path, database_url) as client:
        user = register(client)
        project = create_project(client, user["headers"])
        key = {"Idempotency-Key": "checkout-7f3a"}
        first = generate(client, user["headers"], project["id"], count=2, extra_headers=key)
        again = generate(client, user["headers"], project["id"], count=2, extra_headers=key)
        assert [g["id"] for g in again["generations"]] == [g["id"] for g in first["generations"]]
        assert again["creditUsed"] == 20 and again["creditBalance"] == 80

        changed = client.post(f"{API}/projects/{project['id']}/avatars/generate", headers={**user["headers"], **key},
                              json={"name": "Ada", "prompt": "a different prompt entirely", "count": 2})
        assert changed.status_code == 409 and changed.json()["error"]["code"] == "CONFLICT"

        # Racing duplicates: one charge, one set of generations.
        race_key = {"Idempotency-Key": "race"}
        with ThreadPoolExecutor(max_workers=8) as pool:
            replies = list(pool.map(lambda _: generate(client, user["headers"], project["id"],
                                                       extra_headers=race_key), range(8)))
        assert len({reply["generation"]["id"] for reply in replies}) == 1

        other = register(client)  # keys are per user
        other_project = create_project(client, other["headers"])
        generate(client, other["headers"], other_project["id"], count=2, extra_headers=key)
    assert ledger.balance(user["user"]["id"]) == 70
    assert len(ledger.generations(user["user"]["id"])) == 3
    ledger.assert_exact(user["user"]["id"])


def test_a_refused_request_does_not_use_up_its_key(tmp_path, database_url):
    with running_service(tmp_path, database_url, welcome_bonus=10) as client:
        user = register(client)
        project = create_project(client, user["headers"])
        key = {"Idempotency-Key": "k1"}
        generate(client, user["headers"], project["id"], count=2, extra_headers=key, expect=402)
        assert generate(client, user["headers"], project["id"], count=1, extra_headers=key)["creditUsed"] == 10


@pytest.mark.parametrize(("body", "field"), [
    ({"prompt": "too short"}, "prompt"),
    ({"width": 1000}, "width"),
    ({"height": 128}, "height"),
    ({"count": 5}, "count"),
    ({"count": 0}, "count"),
    ({"seed": 2**32}, "seed"),
    ({"seed": -1}, "seed"),
    ({"provider": "midjourney"}, "provider"),
    ({"name": 123}, "name"),
    ({"name": "   "}, "name"),
    ({"gender": "robot"}, "gender"),
    ({"personaAge": 121}, "personaAge"),
    ({"personaPersonality": ["x"] * 11}, "personaPersonality"),
])
def test_bad_generate_requests_are_400_and_charge_nothing(tmp_path, database_url, body, field):
    with running_service(tmp_path, database_url) as client:
        user = register(client)
        project = create_project(client, user["headers"])
        error = generate(client, user["headers"], project["id"], expect=400, **body)["error"]
        assert error["code"] == "VALIDATION_ERROR" and error["field"] == field
        assert client.get("/api/credits/balance", headers=user["headers"]).json()["data"]["balance"] == 100
        assert client.get(f"{API}/generations", headers=user["headers"]).json() == {"generations": []}


def test_other_users_projects_and_generations_are_not_found(tmp_path, database_url):
    with running_service(tmp_path, database_url) as client:
        owner, stranger = register(client), register(client)
        project = create_project(client, owner["headers"])
        generation = generate(client, owner["headers"], project["id"])["generation"]

        assert generate(client, stranger["headers"], project["id"], expect=404)["error"]["code"] == "NOT_FOUND"
        generate(client, owner["headers"], "no-such-project", expect=404)
        for method, path in [("get", ""), ("post", "/cancel"), ("post", "/retry")]:
            response = getattr(client, method)(f"{API}/generations/{generation['id']}{path}",
                                               headers=stranger["headers"])
            assert response.status_code == 404 and response.json()["error"]["code"] == "NOT_FOUND"
        assert client.get(f"{API}/generations/nope", headers=owner["headers"]).status_code == 404
        assert client.get(f"{API}/generations", headers=stranger["headers"]).json() == {"generations": []}
        assert get_generation(client, owner["headers"], generation["id"])["status"] == "pending"

        long_key = {**owner["headers"], "Idempotency-Key": "k" * 201}
        response = client.post(f"{API}/projects/{project['id']}/avatars/generate", headers=long_key,
                               json={"name": "Ada", "prompt": "a friendly astronaut"})
        assert response.status_code == 400
        for bad_query in ("status=lost", "limit=0", "limit=201"):
            assert client.get(f"{API}/generations?{bad_query}", headers=owner["headers"]).status_code == 400
        assert client.get("/api/generations/recent?limit=51", headers=owner["headers"]).status_code == 400
        assert client.get(f"{API}/generations", headers={}).status_code == 401


def test_queue_positions_lists_and_recent(tmp_path, database_url):
    with running_service(tmp_path, database_url) as client:  # no workers: everything stays pending
        user = register(client)
        first_project, second_project = create_project(client, user["headers"]), create_project(client, user["headers"])
        batch = generate(client, user["headers"], first_project["id"], count=3)["generations"]
        assert [g["queuePosition"] for g in batch] == [1, 2, 3]
        later = generate(client, user["headers"], second_project["id"])["generation"]
        assert later["queuePosition"] == 4

        cancelled = client.post(f"{API}/generations/{batch[0]['id']}/cancel", headers=user["headers"])
        assert cancelled.json()["generation"]["queuePosition"] is None
        assert get_generation(client, user["headers"], batch[1]["id"])["queuePosition"] == 1
        assert get_generation(client, user["headers"], later["id"])["queuePosition"] == 3

        listed = client.get(f"{API}/generations", headers=user["headers"]).json()["generations"]
        assert [g["id"] for g in listed] == [later["id"], batch[2]["id"], batch[1]["id"], batch[0]["id"]]
        pending = client.get(f"{API}/generations?status=pending&projectId={first_project['id']}",
                             headers=user["headers"]).json()["generations"]
        assert [(g["id"], g["queuePosition"]) for g in pending] == [(batch[2]["id"], 2), (batch[1]["id"], 1)]
        assert len(client.get(f"{API}/generations?limit=1", headers=user["headers"]).json()["generations"]) == 1

        recent = client.get("/api/generations/recent?limit=2", headers=user["headers"]).json()["generations"]
        assert [g["id"] for g in recent] == [later["id"], batch[2]["id"]]
        assert set(recent[0]) >= {"id", "projectId", "batchId", "status", "progress", "queuePosition", "attempt",
                                  "maxAttempts", "avatarId", "avatarDeleted", "errorCode", "errorMessage", "prompt",
                                  "options", "provider", "creditCharged", "creditRefunded", "createdAt", "startedAt",
                                  "completedAt"}
