"""The Hugging Face provider inside the job system: the real InferenceClient against a local server that speaks the
inference protocol. Transient errors come back as retries scheduled in the table (no worker sleeps through them);
permanent ones fail at once and are refunded exactly once."""

from __future__ import annotations

import time

import pytest

from avatar_creator.providers.offline import OfflineProvider
from tests.support.factories import create_project, generate, register, wait_for_generations
from tests.support.huggingface import Reply, image_reply, json_reply, provider_for
from tests.support.jobs import running_service


def run(tmp_path, database_url, server, *, timeout_s: float = 30, max_attempts: int = 3):
    """A service with ONE worker thread, the offline provider and the Hugging Face one pointed at ``server``."""
    providers = {"offline": OfflineProvider(), "huggingface": provider_for(server, timeout_s=timeout_s)}
    return running_service(tmp_path, database_url, workers=1, providers=providers, max_attempts=max_attempts,
                           retry_base_seconds=0.2, retry_max_seconds=1.0)


def hf_generation(client, headers, project_id) -> dict:
    return generate(client, headers, project_id, provider="huggingface", width=256, height=256)["generation"]


def run_one(client, user, project) -> dict:
    """Queue one Hugging Face generation and wait for its end."""
    queued = hf_generation(client, user["headers"], project["id"])
    return wait_for_generations(client, user["headers"], [queued["id"]])[0]


def test_an_image_completes_with_an_avatar(tmp_path, database_url, ledger, server):
    server.script(image_reply(256, 256))
    with run(tmp_path, database_url, server) as client:
        user = register(client)
        project = create_project(client, user["headers"])
        done = run_one(client, user, project)
        assert (done["status"], done["provider"], done["attempt"]) == ("completed", "huggingface", 1)
        avatar = client.get(f"/api/apps/avatar-creator/avatars/{done['avatarId']}", headers=user["headers"]).json()
        assert avatar["avatar"]["provider"] == "huggingface" and avatar["avatar"]["width"] == 256
    ledger.assert_exact(user["user"]["id"])


def test_a_cold_model_waits_its_estimated_time_without_holding_the_worker(tmp_path, database_url, ledger,
                                                                           server):
    server.script(json_reply(503, {"error": "Model is currently loading", "estimated_time": 1.5}),
                  image_reply(256, 256))
    with run(tmp_path, database_url, server) as client:
        user = register(client)
        project = create_project(client, user["headers"])
        cold = hf_generation(client, user["headers"], project["id"])
        while len(server.received) < 1:  # the first attempt has been answered 503
            time.sleep(0.02)
        # The only worker thread is free during the wait: an offline job queued now finishes before the retry.
        offline = generate(client, user["headers"], project["id"], provider="offline")["generation"]
        offline_done = wait_for_generations(client, user["headers"], [offline["id"]])[0]
        assert offline_done["status"] == "completed"
        assert len(server.received) == 1, "the retry must wait for estimated_time"
        done = wait_for_generations(client, user["headers"], [cold["id"]])[0]
        assert (done["status"], done["attempt"]) == ("completed", 2)
        assert server.received[1].at - server.received[0].at >= 1.4
    ledger.assert_exact(user["user"]["id"])


def test_a_rate_limit_is_retried_after_retry_after(tmp_path, database_url, ledger, server):
    server.script(json_reply(429, {"error": "Too many requests"}, {"Retry-After": "1"}), image_reply(256, 256))
    with run(tmp_path, database_url, server) as client:
        user = register(client)
        project = create_project(client, user["headers"])
        done = run_one(client, user, project)
        assert (done["status"], done["attempt"]) == ("completed", 2)
        assert server.received[1].at - server.received[0].at >= 0.9
    ledger.assert_exact(user["user"]["id"])


@pytest.mark.parametrize(("reply", "code", "requests"), [
    (json_reply(401, {"error": "Invalid credentials in Authorization header"}), "PROVIDER_AUTH", 1),
    (json_reply(402, {"error": "You have exceeded your monthly included credits"}), "PROVIDER_QUOTA", 1),
    (json_reply(500, {"error": "Internal error"}), "PROVIDER_UNAVAILABLE", 3),
])
def test_failures_are_classified_and_refunded_once(tmp_path, database_url, ledger, server, reply, code,
                                                   requests):
    server.script(*[reply] * 3)
    with run(tmp_path, database_url, server) as client:
        user = register(client)
        project = create_project(client, user["headers"])
        done = run_one(client, user, project)
        assert (done["status"], done["errorCode"], done["attempt"]) == ("failed", code, requests)
        assert done["creditRefunded"] == 10 and done["errorMessage"]
        assert len(server.received) == requests
        assert client.get("/api/credits/balance", headers=user["headers"]).json()["data"]["balance"] == 100
    ledger.assert_exact(user["user"]["id"])


def test_a_hang_fails_with_provider_timeout(tmp_path, database_url, ledger, server):
    server.script(Reply(hang=True))
    with run(tmp_path, database_url, server, timeout_s=0.5, max_attempts=1) as client:
        user = register(client)
        project = create_project(client, user["headers"])
        done = run_one(client, user, project)
        assert (done["status"], done["errorCode"], done["creditRefunded"]) == ("failed", "PROVIDER_TIMEOUT", 10)
    ledger.assert_exact(user["user"]["id"])


def test_apps_list_the_configured_providers_and_readiness_reports_them(tmp_path, database_url, server):
    with run(tmp_path, database_url, server) as client:
        app = client.get("/api/apps").json()["apps"][0]
        assert app["providers"] == ["huggingface", "offline"] and app["defaultProvider"] == "offline"
        user = register(client)
        project = create_project(client, user["headers"])
        refused = generate(client, user["headers"], project["id"], provider="diffusers", expect=400)
        assert refused["error"]["field"] == "provider"
