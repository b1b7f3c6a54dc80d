"""Retry is idempotent: retrying the same failed or cancelled generation again answers the first retry, charged once,
also when the retries race (a double click, two tabs) against a real ``serve``."""

from __future__ import annotations

import asyncio

import httpx

from tests.support.factories import create_project, generate, register
from tests.support.jobs import running_service
from tests.support.load import API, deployment, sign_up

BODY = {"name": "Again", "prompt": "a friendly test avatar", "width": 256, "height": 256}


def retry(client, headers, generation_id):
    return client.post(f"{API}/generations/{generation_id}/retry", headers=headers)


def test_a_repeated_retry_answers_the_first_one_and_charges_once(tmp_path, database_url, ledger):
    with running_service(tmp_path, database_url, workers=0) as client:
        user = register(client)
        project = create_project(client, user["headers"])
        original = generate(client, user["headers"], project["id"])["generation"]
        client.post(f"{API}/generations/{original['id']}/cancel", headers=user["headers"])

        answers = [retry(client, user["headers"], original["id"]) for _ in range(3)]
        assert [answer.status_code for answer in answers] == [202, 200, 200]
        first = answers[0].json()["generation"]
        assert {answer.json()["generation"]["id"] for answer in answers} == {first["id"]}
        assert client.get("/api/credits/balance", headers=user["headers"]).json()["data"]["balance"] == 90

        # The retry is a generation like any other: cancelled, it can be retried in turn (once).
        client.post(f"{API}/generations/{first['id']}/cancel", headers=user["headers"])
        assert retry(client, user["headers"], first["id"]).status_code == 202
        assert retry(client, user["headers"], first["id"]).status_code == 200
        assert client.get("/api/credits/balance", headers=user["headers"]).json()["data"]["balance"] == 90
    assert len(ledger.generations(user["user"]["id"])) == 3
    ledger.assert_exact(user["user"]["id"])


async def _retry_at_once(base_url: str, headers: dict, generation_id: str, times: int) -> list[httpx.Response]:
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as client:
        return await asyncio.gather(*[client.post(f"{API}/generations/{generation_id}/retry", headers=headers)
                                      for _ in range(times)])


def test_concurrent_retries_make_one_generation_and_one_charge(tmp_path, database_url, ledger):
    with deployment(tmp_path / "data", database_url, workers=0) as service:
        user = sign_up(service.base_url, "racer@example.com")
        with httpx.Client(base_url=service.base_url, headers=user.headers, timeout=30) as http:
            queued = http.post(f"{API}/projects/{user.project_id}/avatars/generate", json=BODY)
            original = queued.json()["generation"]
            assert http.post(f"{API}/generations/{original['id']}/cancel").status_code == 200

            answers = asyncio.run(_retry_at_once(service.base_url, user.headers, original["id"], 6))
            assert sorted(answer.status_code for answer in answers) == [200] * 5 + [202], service.logs()
            assert len({answer.json()["generation"]["id"] for answer in answers}) == 1
            assert http.get("/api/credits/balance").json()["data"]["balance"] == 90
    generations = ledger.generations(user.user_id)
    assert [generation.retry_of for generation in generations if generation.id != original["id"]] == [original["id"]]
    ledger.assert_exact(user.user_id)

