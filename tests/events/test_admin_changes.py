"""What an admin does reaches the user's open streams: a grant as a ``credits`` event, a disable as the stream's end
within 2 s (every session ends through ``auth.service.end_session``'s path)."""

from __future__ import annotations

import anyio
import httpx
import pytest

from tests.support.admin import register_admin
from tests.support.events import EVENTS_PATH, EventReader
from tests.support.factories import register

pytestmark = pytest.mark.anyio


async def test_a_grant_is_heard_live_and_a_disable_ends_the_users_streams(live, http):
    admin = register_admin(http, live.app)
    user = register(http)
    path = f"/api/admin/users/{user['user']['id']}"
    async with httpx.AsyncClient(base_url=live.url, timeout=10) as client:
        async with client.stream("GET", EVENTS_PATH, headers=user["headers"]) as stream:
            reader = EventReader(stream)
            await reader.next(kinds=("queue",))
            granted = await client.post(f"{path}/credits", json={"amount": 25, "reason": "Thanks"},
                                        headers=admin["headers"])
            assert granted.status_code == 201
            [event] = await reader.next(kinds=("credits",))
            assert event.data == {"balance": 125}

            assert (await client.put(path, json={"disabled": True}, headers=admin["headers"])).status_code == 200
            with anyio.fail_after(2):
                assert [item.event for item in await reader.rest()] == []
    assert http.get(EVENTS_PATH, headers=user["headers"]).status_code == 401
