"""The per-process fan-out: the right streams get each event, a slow stream is cut off, Redis links processes."""

from __future__ import annotations

import asyncio

import anyio
import pytest
import redis

from avatar_creator.events.broadcast import CLOSE, RESYNC, LocalBroadcaster, RedisBroadcaster
from avatar_creator.events.service import Event

pytestmark = pytest.mark.anyio


def _event(user_id: str | None, number: int) -> Event:
    return Event(id=None if user_id is None else number, user_id=user_id, kind="generation", payload={"n": number})


async def _drain(subscription) -> list:
    await asyncio.sleep(0.05)  # deliveries from other threads land on the loop
    items = []
    while not subscription.queue.empty():
        items.append(subscription.queue.get_nowait())
    return items


async def test_each_stream_gets_its_users_events_and_every_stream_the_queue():
    broadcaster = LocalBroadcaster()
    alice_tab_1, alice_tab_2 = broadcaster.subscribe("alice", "tab-1"), broadcaster.subscribe("alice", "tab-2")
    bob = broadcaster.subscribe("bob", "bob-1")
    await anyio.to_thread.run_sync(broadcaster.send, _event("alice", 1))  # from a worker thread, as in service
    broadcaster.send(_event(None, 2))
    assert [i.payload["n"] for i in await _drain(alice_tab_1)] == [1, 2]
    assert [i.payload["n"] for i in await _drain(alice_tab_2)] == [1, 2]
    assert [i.payload["n"] for i in await _drain(bob)] == [2]
    broadcaster.unsubscribe(bob)
    broadcaster.send(_event("bob", 3))
    assert await _drain(bob) == [] and broadcaster.stream_count == 2


async def test_a_stream_that_falls_behind_is_closed_not_grown():
    broadcaster = LocalBroadcaster(queue_size=3)
    slow = broadcaster.subscribe("alice", "alice-1")
    for number in range(10):
        broadcaster.send(_event("alice", number))
    assert await _drain(slow) == [CLOSE]  # the client reconnects with Last-Event-ID and reads the table


async def test_close_ends_every_stream():
    broadcaster = LocalBroadcaster()
    streams = [broadcaster.subscribe(f"user-{n % 3}", f"session-{n}") for n in range(6)]
    await anyio.to_thread.run_sync(broadcaster.close)
    assert [await _drain(stream) for stream in streams] == [[CLOSE]] * 6


async def test_redis_carries_events_between_processes_and_resyncs_after_a_lost_subscription(redis_url, redis_prefix):
    api = RedisBroadcaster(redis_url, prefix=redis_prefix)
    worker = RedisBroadcaster(redis_url, prefix=redis_prefix)  # a worker process only sends
    api.start()
    stream = api.subscribe("alice", "alice-1")
    try:
        await _wait_for_subscriber(redis_url, api.channel)
        worker.send(_event("alice", 1))
        worker.send(_event("bob", 2))
        with anyio.fail_after(5):
            received = await stream.queue.get()
        assert (received.user_id, received.payload) == ("alice", {"n": 1})

        # Redis drops the subscription (a restart, a network cut): after reconnecting, streams re-read the table.
        admin = redis.Redis.from_url(redis_url)
        assert _kill(admin, api) == 1
        with anyio.fail_after(10):
            assert await stream.queue.get() is RESYNC
        worker.send(_event("alice", 3))
        with anyio.fail_after(5):
            assert (await stream.queue.get()).payload == {"n": 3}
        admin.close()
    finally:
        await anyio.to_thread.run_sync(api.close)
        worker.close()


async def test_the_end_of_a_session_closes_its_streams_on_every_process_and_no_others(redis_url, redis_prefix):
    api_1, api_2 = (RedisBroadcaster(redis_url, prefix=redis_prefix) for _ in range(2))
    local = LocalBroadcaster()
    try:
        for api in (api_1, api_2):
            api.start()
            await _wait_for_subscriber(redis_url, api.channel, count=2 if api is api_2 else 1)
        ended = [api_1.subscribe("alice", "laptop"), api_2.subscribe("alice", "laptop"),
                 local.subscribe("alice", "laptop")]
        kept = [api_2.subscribe("alice", "phone"), api_2.subscribe("bob", "laptop"),
                local.subscribe("alice", "phone")]
        api_1.end_session_streams("alice", "laptop")  # the logout ran on api_1: api_2 hears it through Redis
        local.end_session_streams("alice", "laptop")
        with anyio.fail_after(5):
            for stream in ended:
                assert await stream.queue.get() is CLOSE
        assert [await _drain(stream) for stream in kept] == [[], [], []]
    finally:
        for api in (api_1, api_2):
            await anyio.to_thread.run_sync(api.close)


def _kill(admin: redis.Redis, broadcaster: RedisBroadcaster) -> int:
    """Close this broadcaster's subscription connection on the server side, and no one else's."""
    return sum(admin.client_kill_filter(_id=client["id"]) for client in admin.client_list(_type="pubsub")
               if client["name"] == broadcaster.client_name)


async def _wait_for_subscriber(redis_url: str, channel: str, count: int = 1) -> None:
    client = redis.Redis.from_url(redis_url)
    with anyio.fail_after(5):
        while client.pubsub_numsub(channel)[0][1] < count:
            await anyio.sleep(0.02)
    client.close()
