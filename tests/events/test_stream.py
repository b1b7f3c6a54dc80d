"""The SSE endpoint in one process: own events only, in order, replay with Last-Event-ID, gaps filled."""

from __future__ import annotations

import anyio
import httpx
import pytest

from avatar_creator.events import EventSink
from tests.support.events import EVENTS_PATH, EventReader, record
from tests.support.factories import register

pytestmark = pytest.mark.anyio


async def test_stream_sees_its_own_events_in_order_and_no_one_elses(live, http):
    alice, bob = register(http), register(http)
    async with httpx.AsyncClient(base_url=live.url, timeout=10) as client:
        async with client.stream("GET", EVENTS_PATH, headers=alice["headers"]) as alice_stream, \
                client.stream("GET", EVENTS_PATH, headers=bob["headers"]) as bob_stream:
            assert alice_stream.status_code == 200
            assert alice_stream.headers["content-type"].startswith("text/event-stream")
            assert alice_stream.headers["x-accel-buffering"] == "no"
            for step in range(5):
                await anyio.to_thread.run_sync(record, live.app, alice["user"]["id"], "generation",
                                               {"id": "g1", "status": "processing", "progress": step * 20})
            await anyio.to_thread.run_sync(record, live.app, bob["user"]["id"], "avatar", {"id": "a-bob"})

            alice_events = await EventReader(alice_stream).next(5)
            bob_events = await EventReader(bob_stream).next(1)

    assert [e.data["progress"] for e in alice_events] == [0, 20, 40, 60, 80]
    ids = [int(e.id) for e in alice_events]
    assert ids == sorted(ids) and len(set(ids)) == 5
    assert [(e.event, e.data) for e in bob_events] == [("avatar", {"id": "a-bob"})]


async def test_last_event_id_replays_exactly_what_was_missed(live, http):
    user = register(http)
    user_id = user["user"]["id"]
    for number in range(3):
        await anyio.to_thread.run_sync(record, live.app, user_id, "generation", {"n": number})
    async with httpx.AsyncClient(base_url=live.url, timeout=10) as client:
        async with client.stream("GET", EVENTS_PATH, params={"lastEventId": "0"}, headers=user["headers"]) as first:
            seen = await EventReader(first).next(3)
        assert [e.data["n"] for e in seen] == [0, 1, 2]

        # Disconnected: these happen while nobody listens.
        for number in range(3, 6):
            await anyio.to_thread.run_sync(record, live.app, user_id, "generation", {"n": number})

        headers = {**user["headers"], "Last-Event-ID": seen[1].id}  # as if event 2 never arrived
        async with client.stream("GET", EVENTS_PATH, headers=headers) as second:
            reader = EventReader(second)
            missed = await reader.next(4)
            await anyio.to_thread.run_sync(record, live.app, user_id, "generation", {"n": 6})
            live_one = await reader.next(1)
    assert [e.data["n"] for e in missed] == [2, 3, 4, 5]
    assert [e.data["n"] for e in live_one] == [6]


async def test_a_fresh_stream_starts_now_with_the_queue_head(live, http):
    user = register(http)
    await anyio.to_thread.run_sync(record, live.app, user["user"]["id"], "generation", {"n": "old"})
    async with httpx.AsyncClient(base_url=live.url, timeout=10) as client:
        async with client.stream("GET", EVENTS_PATH, headers=user["headers"]) as stream:
            reader = EventReader(stream)
            [first] = await reader.next(kinds=("queue",))
            await anyio.to_thread.run_sync(record, live.app, user["user"]["id"], "generation", {"n": "new"})
            [second] = await reader.next(kinds=("queue", "generation"))
    assert first.event == "queue" and first.data["positions"] == {} and set(first.data) == {"positions", "asOf"}
    assert (second.event, second.data) == ("generation", {"n": "new"})
    assert int(second.id) > int(first.id)  # the queue event carried the place of the last event ("old")


async def test_an_event_that_never_arrived_is_read_from_the_table(live, http):
    user = register(http)
    user_id = user["user"]["id"]
    # A sink that stores but does not deliver: as when a worker's publish to Redis is lost.
    lost_in_transit = EventSink()
    async with httpx.AsyncClient(base_url=live.url, timeout=10) as client:
        async with client.stream("GET", EVENTS_PATH, headers=user["headers"]) as stream:
            def record_lost() -> None:
                with live.app.state.database.session() as session:
                    lost_in_transit.record(session, user_id, "generation", {"n": "lost"})

            await anyio.to_thread.run_sync(record_lost)
            await anyio.to_thread.run_sync(record, live.app, user_id, "generation", {"n": "next"})
            events = await EventReader(stream).next(2)
    assert [e.data["n"] for e in events] == ["lost", "next"]


async def test_a_rolled_back_change_sends_nothing(live, http):
    user = register(http)
    user_id = user["user"]["id"]

    def record_then_fail() -> None:
        with pytest.raises(RuntimeError), live.app.state.database.session() as session:
            live.app.state.jobs.signals.events.record(session, user_id, "generation", {"n": "rolled back"})
            raise RuntimeError("the change failed")

    async with httpx.AsyncClient(base_url=live.url, timeout=10) as client:
        async with client.stream("GET", EVENTS_PATH, headers=user["headers"]) as stream:
            await anyio.to_thread.run_sync(record_then_fail)
            await anyio.to_thread.run_sync(record, live.app, user_id, "generation", {"n": "kept"})
            events = await EventReader(stream).next(1)
    assert [e.data["n"] for e in events] == ["kept"]


@pytest.mark.parametrize("last_event_id", ["abc", "-1", "1" * 19])
def test_a_last_event_id_the_stream_never_sent_is_refused(http, last_event_id):
    user = register(http)
    response = http.get(EVENTS_PATH, headers={**user["headers"], "Last-Event-ID": last_event_id})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "VALIDATION_ERROR"
