"""An uploaded or deleted avatar is announced to its owner's other tabs."""

from __future__ import annotations

import anyio
import httpx
import pytest

from tests.support.events import EVENTS_PATH, EventReader
from tests.support.factories import create_project, register
from tests.support.uploads import jpeg, upload

pytestmark = pytest.mark.anyio


async def test_uploads_and_deletes_are_announced(live, http):
    user = register(http)
    project = create_project(http, user["headers"])
    async with httpx.AsyncClient(base_url=live.url, timeout=10) as client:
        async with client.stream("GET", EVENTS_PATH, headers=user["headers"]) as stream:
            reader = EventReader(stream)
            await reader.next(kinds=("queue",))
            uploaded = await anyio.to_thread.run_sync(lambda: upload(http, user, project["id"], jpeg()))
            assert uploaded.status_code == 201, uploaded.text
            [created] = await reader.next()
            avatar_id = uploaded.json()["avatar"]["id"]
            deleted_response = await anyio.to_thread.run_sync(
                lambda: http.delete(f"/api/apps/avatar-creator/avatars/{avatar_id}", headers=user["headers"]))
            assert deleted_response.status_code == 204
            [deleted] = await reader.next()
    assert created.data == {"action": "created", "id": avatar_id, "projectId": project["id"],
                            "creditBalance": uploaded.json()["creditBalance"]}
    assert deleted.data == {"action": "deleted", "id": avatar_id}
    assert int(created.id) < int(deleted.id)
