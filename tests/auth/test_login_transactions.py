"""Logins verify the password with no transaction open: on SQLite a write transaction holds the database's only write
lock, so a login that held one through argon2 would stall every other writer (measured before: 758 ms)."""

from __future__ import annotations

import asyncio
import threading
import time

import httpx
import pytest

from avatar_creator.app import create_app
from avatar_creator.db import Database
from avatar_creator.projects import service as projects_service
from tests.support.factories import PASSWORD
from tests.support.settings import make_settings

pytestmark = pytest.mark.serial

LOGINS = 8
INSERT_BUDGET_S = 0.050


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_an_insert_does_not_wait_for_logins_verifying_passwords(tmp_path, database_url):
    # The real argon2 cost and cap on concurrent hashes (the defaults), so each verification takes long enough to
    # matter and the CPU is no busier than in production.
    settings = make_settings(tmp_path, database_url, argon2_time_cost=3, argon2_memory_kib=65536,
                             argon2_parallelism=4, max_concurrent_hashes=2)
    app = create_app(settings)
    other = Database(settings.resolved_database_url, pool_size=1)  # another writer, like another process
    try:
        durations, verifying = asyncio.run(_insert_while_logging_in(app, other))
    finally:
        other.dispose()
        app.state.database.dispose()
    assert verifying, "the inserts must run while logins are in flight"
    assert max(durations) < INSERT_BUDGET_S, [round(d * 1000, 1) for d in durations]


async def _insert_while_logging_in(app, database: Database) -> tuple[list[float], bool]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        registered = await client.post("/api/auth/register", json={"email": "writer@example.com",
                                                                   "password": PASSWORD})
        user_id = registered.json()["data"]["user"]["id"]
        _timed_insert(database, user_id)  # the connection is opened here, not inside a measurement
        logins = [asyncio.create_task(client.post("/api/auth/login",
                                                  json={"email": "writer@example.com", "password": PASSWORD}))
                  for _ in range(LOGINS)]
        await asyncio.sleep(0.05)  # let every login reach its password check
        durations = []
        while not all(task.done() for task in logins) and len(durations) < 10:
            durations.append(await asyncio.to_thread(_timed_insert, database, user_id))
            await asyncio.sleep(0.01)
        verifying = any(not task.done() for task in logins) or len(durations) > 1
        replies = await asyncio.gather(*logins)
    assert [reply.status_code for reply in replies] == [200] * LOGINS
    return durations, verifying


def _timed_insert(database: Database, user_id: str) -> float:
    started = time.perf_counter()
    with database.session() as session:
        projects_service.create(session=session, user_id=user_id, name=f"p{threading.get_ident()}", description=None)
    return time.perf_counter() - started
