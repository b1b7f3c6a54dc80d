"""The ``queue`` event tells each user the places of their own waiting generations, and nothing of anyone else's."""

from __future__ import annotations

import json

import anyio
import httpx
import pytest

from tests.support.events import EVENTS_PATH, SSE, EventReader
from tests.support.factories import create_project, generate, get_generation, register

pytestmark = pytest.mark.anyio


async def test_each_user_hears_their_own_places_only(serve):
    live = serve(workers=0)  # nothing runs: the queue only grows
    with httpx.Client(base_url=live.url, timeout=10) as http:
        alice, bob = register(http), register(http)
        projects = {name: create_project(http, user["headers"])["id"]
                    for name, user in (("alice", alice), ("bob", bob))}
        async with httpx.AsyncClient(base_url=live.url, timeout=10) as client:
            async with client.stream("GET", EVENTS_PATH, headers=alice["headers"]) as alice_stream, \
                    client.stream("GET", EVENTS_PATH, headers=bob["headers"]) as bob_stream:
                alice_reader, bob_reader = EventReader(alice_stream), EventReader(bob_stream)
                opening = [(await reader.next(kinds=("queue",)))[0] for reader in (alice_reader, bob_reader)]
                # Interleaved: Bob ×2, Alice, Bob, Alice. The places run over both users' generations.
                made: dict[str, list[dict]] = {"alice": [], "bob": []}
                for name, count in (("bob", 2), ("alice", 1), ("bob", 1), ("alice", 1)):
                    user = alice if name == "alice" else bob
                    made[name] += generate(http, user["headers"], projects[name], count=count)["generations"]
                expected = {name: {g["id"]: get_generation(http, user["headers"], g["id"])["queuePosition"]
                                   for g in made[name]} for name, user in (("alice", alice), ("bob", bob))}
                heard = {"alice": await _queue_until(alice_reader, expected["alice"]),
                         "bob": await _queue_until(bob_reader, expected["bob"])}

    assert expected == {"alice": {made["alice"][0]["id"]: 3, made["alice"][1]["id"]: 5},
                        "bob": {made["bob"][0]["id"]: 1, made["bob"][1]["id"]: 2, made["bob"][2]["id"]: 4}}
    assert all(event.data["positions"] == {} for event in opening)
    for name, other in (("alice", "bob"), ("bob", "alice")):
        for event in heard[name]:
            assert set(event.data) == {"positions", "asOf"}
            assert set(event.data["positions"]) <= set(expected[name])
            raw = json.dumps(event.data)
            for generation in made[other]:  # not their ids, not their times
                assert generation["id"] not in raw and generation["createdAt"] not in raw


async def _queue_until(reader: EventReader, positions: dict[str, int]) -> list[SSE]:
    """The ``queue`` events a stream is sent until one shows ``positions``."""
    heard: list[SSE] = []
    with anyio.fail_after(10):
        while not heard or heard[-1].data["positions"] != positions:
            heard += await reader.next(kinds=("queue",))
    return heard
