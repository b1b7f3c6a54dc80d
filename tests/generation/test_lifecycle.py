"""Cancel, retry, NO_WORKER, project deletion and live events: every end that is not a success refunds once."""

from __future__ import annotations

import time

import pytest

from avatar_creator.db import db_now
from avatar_creator.generation.models import Generation
from tests.support.factories import create_project, generate, get_generation, register, wait_for_generations
from tests.support.jobs import running_service

API = "/api/apps/avatar-creator"
SLOW = {"offline_step_delay_ms": 250}  # four pauses: a job takes about a second


def cancel(client, headers, generation_id):
    return client.post(f"{API}/generations/{generation_id}/cancel", headers=headers)


def test_cancel_while_pending_refunds_once_and_a_second_cancel_conflicts(tmp_path, database_url, ledger):
    with running_service(tmp_path, database_url) as client:
        user = register(client)
        project = create_project(client, user["headers"])
        generation = generate(client, user["headers"], project["id"])["generation"]
        response = cancel(client, user["headers"], generation["id"])
        assert response.status_code == 200
        cancelled = response.json()["generation"]
        assert cancelled["status"] == "cancelled" and cancelled["creditRefunded"] == 10
        assert cancelled["completedAt"] is not None
        again = cancel(client, user["headers"], generation["id"])
        assert again.status_code == 409 and again.json()["error"]["code"] == "CONFLICT"
        assert client.get("/api/credits/balance", headers=user["headers"]).json()["data"]["balance"] == 100
    assert ledger.refunds(generation["id"]) == [10]
    ledger.assert_exact(user["user"]["id"])


@pytest.mark.serial  # timed
def test_cancel_while_processing_stops_the_worker_and_no_avatar_appears(tmp_path, database_url, ledger):
    with running_service(tmp_path, database_url, workers=1, **SLOW) as client:
        user = register(client)
        project = create_project(client, user["headers"])
        generation = generate(client, user["headers"], project["id"])["generation"]
        running = wait_for_generations(client, user["headers"], [generation["id"]], statuses=("processing",))[0]
        assert running["attempt"] == 1 and running["startedAt"]
        cancelled = cancel(client, user["headers"], generation["id"]).json()["generation"]
        assert cancelled["status"] == "cancelled" and cancelled["creditRefunded"] == 10
        assert cancel(client, user["headers"], generation["id"]).status_code == 409

        # The one worker notices at its next step and is free for the next job well before the first would be done.
        started = time.monotonic()
        following = generate(client, user["headers"], project["id"])["generation"]
        wait_for_generations(client, user["headers"], [following["id"]], statuses=("processing",))
        assert time.monotonic() - started < 0.8
        wait_for_generations(client, user["headers"], [following["id"]])
        assert get_generation(client, user["headers"], generation["id"])["status"] == "cancelled"
    assert ledger.refunds(generation["id"]) == [10]
    assert len(ledger.avatars(user["user"]["id"])) == 1  # the following one's
    ledger.assert_exact(user["user"]["id"])


def test_no_worker_anywhere_fails_with_no_worker_refunds_and_readiness_says_so(tmp_path, database_url, ledger):
    with running_service(tmp_path, database_url, workers=0, max_queue_wait=0.5) as client:
        ready = client.get("/health/ready")
        assert ready.status_code == 200  # workers are reported, never gating
        worker = ready.json()["checks"]["worker"]
        assert worker["ok"] is False and "no worker" in worker["detail"] and "avatar-creator worker" in worker["fix"]

        user = register(client)
        project = create_project(client, user["headers"])
        generation = generate(client, user["headers"], project["id"])["generation"]
        failed = wait_for_generations(client, user["headers"], [generation["id"]], timeout=10)[0]
        assert failed["status"] == "failed" and failed["errorCode"] == "NO_WORKER"
        assert failed["creditRefunded"] == 10 and failed["errorMessage"]
    ledger.assert_exact(user["user"]["id"])


def test_retry_of_a_failed_generation_is_a_new_one_with_the_same_seed(tmp_path, database_url, ledger):
    with running_service(tmp_path, database_url, workers=0, max_queue_wait=0.3) as client:
        user = register(client)
        project = create_project(client, user["headers"])
        original = generate(client, user["headers"], project["id"], seed=1234, eyeColor="green")["generation"]
        assert client.post(f"{API}/generations/{original['id']}/retry", headers=user["headers"]).status_code == 409
        wait_for_generations(client, user["headers"], [original["id"]], timeout=10)

        response = client.post(f"{API}/generations/{original['id']}/retry", headers=user["headers"])
        assert response.status_code == 202
        retried = response.json()["generation"]
        assert retried["id"] != original["id"] and retried["batchId"] != original["batchId"]
        assert retried["status"] == "pending" and retried["attempt"] == 0 and retried["creditCharged"] == 10
        assert retried["options"] == original["options"] and retried["options"]["seed"] == 1234
        assert retried["prompt"] == original["prompt"]
        assert client.get("/api/credits/balance", headers=user["headers"]).json()["data"]["balance"] == 90
    ledger.assert_exact(user["user"]["id"])


def test_retry_of_a_completed_generation_conflicts(tmp_path, database_url):
    with running_service(tmp_path, database_url, workers=1) as client:
        user = register(client)
        project = create_project(client, user["headers"])
        generation = generate(client, user["headers"], project["id"])["generation"]
        wait_for_generations(client, user["headers"], [generation["id"]])
        response = client.post(f"{API}/generations/{generation['id']}/retry", headers=user["headers"])
        assert response.status_code == 409
        assert cancel(client, user["headers"], generation["id"]).status_code == 409


def test_deleting_a_project_cancels_and_refunds_its_work_first(tmp_path, database_url, ledger):
    # Slower than SLOW: the job must still be running when the delete arrives, even on a loaded machine.
    with running_service(tmp_path, database_url, workers=1, offline_step_delay_ms=1000) as client:
        user = register(client)
        project = create_project(client, user["headers"])
        kept = create_project(client, user["headers"], name="Kept")
        batch = generate(client, user["headers"], project["id"], count=3)["generations"]
        wait_for_generations(client, user["headers"], [batch[0]["id"]], statuses=("processing",))
        response = client.delete(f"{API}/projects/{project['id']}", headers=user["headers"])
        assert response.status_code == 204
        assert client.get("/api/credits/balance", headers=user["headers"]).json()["data"]["balance"] == 100
        # The worker's result for the processing one is fenced out: no avatar, no file, no charge.
        survivor = generate(client, user["headers"], kept["id"])["generation"]
        wait_for_generations(client, user["headers"], [survivor["id"]])
    assert all(ledger.refunds(g["id"]) == [10] for g in batch)
    avatars = ledger.avatars(user["user"]["id"])
    assert [a.project_id for a in avatars] == [kept["id"]]
    files = sorted(p.name for p in (tmp_path / "data" / "files").rglob("*") if p.is_file())
    assert files == sorted([avatars[0].storage_key.split("/")[-1], avatars[0].thumbnail_key.split("/")[-1]])
    assert ledger.ledger_sum(user["user"]["id"]) == ledger.balance(user["user"]["id"]) == 90


def test_deleting_an_avatar_cancels_work_made_from_it_and_marks_its_generation(tmp_path, database_url, ledger):
    with running_service(tmp_path, database_url, workers=1) as client:
        user = register(client)
        project = create_project(client, user["headers"])
        made = generate(client, user["headers"], project["id"])["generation"]
        avatar_id = wait_for_generations(client, user["headers"], [made["id"]])[0]["avatarId"]
        with ledger.database.session() as session:  # a from-reference job, as that endpoint will queue it
            reference_job = Generation(user_id=user["user"]["id"], project_id=project["id"], batch_id="b",
                                       source_type="from_reference", status="pending", max_attempts=3, cost=12,
                                       name="Ref", prompt="the same person, smiling", seed=1, provider="offline",
                                       options={"width": 256, "height": 256}, reference_avatar_id=avatar_id,
                                       available_at=db_now(60))  # not claimable during the test
            session.add(reference_job)
        assert client.delete(f"{API}/avatars/{avatar_id}", headers=user["headers"]).status_code == 204
        assert get_generation(client, user["headers"], made["id"])["avatarDeleted"] is True
        assert get_generation(client, user["headers"], reference_job.id)["status"] == "cancelled"
    assert ledger.refunds(reference_job.id) == [12]


def test_status_and_progress_are_published_after_commit(tmp_path, database_url):
    with running_service(tmp_path, database_url, workers=1, offline_step_delay_ms=60) as client:
        events = []
        client.app.state.jobs.signals.events.subscribe(lambda user_id, kind, payload: events.append(
            (user_id, kind, payload)))
        user = register(client)
        project = create_project(client, user["headers"])
        generation = generate(client, user["headers"], project["id"])["generation"]
        done = wait_for_generations(client, user["headers"], [generation["id"]])[0]
        time.sleep(0.1)
    assert {user_id for user_id, _, _ in events} == {user["user"]["id"]}
    states = [(p["status"], p["progress"]) for _, kind, p in events if kind == "generation"]
    assert states[0] == ("pending", 0) and states[1] == ("processing", 0) and states[-1] == ("completed", 100)
    progress = [value for status, value in states[2:-1]]
    assert progress == sorted(progress) and 1 <= len(progress) <= 4  # 600 ms of steps, one write per 200 ms at most
    avatar_events = [p for _, kind, p in events if kind == "avatar"]
    assert avatar_events == [{"action": "created", "id": done["avatarId"], "projectId": project["id"],
                              "generationId": generation["id"]}]
