"""Real jobs on a real server: each stream sees its own generations' lives, in order, and the queue's head."""

from __future__ import annotations

import anyio
import httpx
import pytest

from tests.support.events import EVENTS_PATH, EventReader, follow
from tests.support.factories import create_project, generate, register

pytestmark = pytest.mark.anyio
PROGRESS_INTERVAL_S = 0.2  # at most five progress events a second per generation (issue 5, item 5)


async def test_each_stream_follows_its_own_jobs_in_order(serve):
    live = serve(workers=1, offline_step_delay_ms=60)
    with httpx.Client(base_url=live.url, timeout=10) as http:
        alice, bob = register(http), register(http)
        alice_project, bob_project = create_project(http, alice["headers"]), create_project(http, bob["headers"])
        async with httpx.AsyncClient(base_url=live.url, timeout=10) as client:
            async with client.stream("GET", EVENTS_PATH, headers=alice["headers"]) as alice_stream, \
                    client.stream("GET", EVENTS_PATH, headers=bob["headers"]) as bob_stream:
                alice_batch = generate(http, alice["headers"], alice_project["id"], count=2)["generations"]
                bob_batch = generate(http, bob["headers"], bob_project["id"])["generations"]
                alice_ids, bob_ids = {g["id"] for g in alice_batch}, {g["id"] for g in bob_batch}
                with anyio.fail_after(60):
                    alice_events = await follow(EventReader(alice_stream), alice_ids)
                    bob_events = await follow(EventReader(bob_stream), bob_ids)

    for events, own in ((alice_events, alice_ids), (bob_events, bob_ids)):
        stored = [event for _, event in events if event.event != "queue"]
        assert {e.data.get("generationId", e.data["id"]) for e in stored} == own  # nobody else's
        ids = [int(e.id) for e in stored]
        assert ids == sorted(set(ids))  # in order, each once
        for generation_id in own:
            lives = [e.data for e in stored if e.event == "generation" and e.data["id"] == generation_id]
            assert lives[0]["status"] == "pending" and lives[-1]["status"] == "completed"
            assert [life["status"] for life in lives[1:-1]] == ["processing"] * (len(lives) - 2)
            progress = [life["progress"] for life in lives[1:]]
            assert progress == sorted(progress) and progress[-1] == 100

    # The second of Alice's images waited behind the first: the queue event showed where, and only hers.
    queue_events = [event.data for _, event in alice_events if event.event == "queue"]
    assert any(alice_batch[1]["id"] in queue["positions"] for queue in queue_events)
    assert all(set(queue["positions"]) <= alice_ids for queue in queue_events)

    # Progress is rate-limited: at most one per PROGRESS_INTERVAL_S per generation (and the end never dropped).
    for generation_id in alice_ids:
        processing = [(at, e.data["progress"]) for at, e in alice_events if e.event == "generation"
                      and e.data["id"] == generation_id and e.data["status"] == "processing"]
        started = processing[0][0]
        times = [at for at, progress in processing if progress > 0]
        assert times, "no progress was sent"
        assert len(times) <= (times[-1] - started) / PROGRESS_INTERVAL_S + 2
