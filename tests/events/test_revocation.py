"""Ending a session ends what it opened, on every process of a real ``serve``: its event streams within 2 s and its
stream tickets. A ticket opens one stream, on whichever process it is used first."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import anyio
import httpx
import pytest

from tests.support.events import EVENTS_PATH, EventReader
from tests.support.factories import PASSWORD, create_project, generate, register
from tests.support.processes import ServiceProcess, free_port, serve, service_env, wait_until_serving

pytestmark = [pytest.mark.anyio, pytest.mark.slow]
TICKET_PATH = EVENTS_PATH + "/ticket"
REVOKED_WITHIN_S = 2.0


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_embedded_logout_ends_the_sessions_streams_and_tickets(tmp_path, database_url):
    with _apis(tmp_path, service_env(tmp_path / "data", database_url), count=1) as (api,):
        await _logout_reaches_everything(api, api)


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
async def test_scaled_out_logout_on_one_api_ends_streams_and_tickets_on_the_other(tmp_path, database_url, redis_url,
                                                                                  redis_prefix):
    env = service_env(tmp_path / "data", database_url, redis_url=redis_url, redis_prefix=redis_prefix)
    with _apis(tmp_path, env, "--no-worker", count=2) as (api_1, api_2):
        await _logout_reaches_everything(api_1, api_2)


async def _logout_reaches_everything(api_1: str, api_2: str) -> None:
    """Streams of the session on ``api_1`` (bearer and ticket); the logout on ``api_2``."""
    with httpx.Client(base_url=api_1, timeout=10) as http:
        user = register(http)
        other_login = http.post("/api/auth/login", json={"email": user["user"]["email"], "password": PASSWORD})
        other = {"Authorization": f"Bearer {other_login.json()['data']['token']}"}  # the same user, another session
        project = create_project(http, other)
        tickets = [http.post(TICKET_PATH, headers=user["headers"]).json()["ticket"] for _ in range(3)]

    async with httpx.AsyncClient(timeout=10) as client:
        # A ticket is single-use, across processes too: spent on one API, it fails on the other.
        async with client.stream("GET", api_1 + EVENTS_PATH, params={"ticket": tickets[0]}) as first_use:
            await EventReader(first_use).next(kinds=("queue",))
            second_use = await client.get(api_2 + EVENTS_PATH, params={"ticket": tickets[0]})
        assert second_use.status_code == 401 and second_use.json()["error"]["code"] == "UNAUTHORIZED"

        async with client.stream("GET", api_1 + EVENTS_PATH, headers=user["headers"]) as by_bearer, \
                client.stream("GET", api_1 + EVENTS_PATH, params={"ticket": tickets[1]}) as by_ticket, \
                client.stream("GET", api_1 + EVENTS_PATH, headers=other) as other_session:
            readers = [EventReader(stream) for stream in (by_bearer, by_ticket, other_session)]
            for reader in readers:
                await reader.next(kinds=("queue",))  # subscribed

            assert (await client.post(api_2 + "/api/auth/logout", headers=user["headers"])).status_code == 204
            logged_out = time.monotonic()
            with anyio.fail_after(REVOKED_WITHIN_S):
                for reader in readers[:2]:
                    await reader.rest()  # the server ends the stream
            closed_after = time.monotonic() - logged_out

            # The user's other session keeps its stream.
            with httpx.Client(base_url=api_2, timeout=10) as http:
                generation = generate(http, other, project["id"])["generation"]
            [event] = await readers[2].next()
            assert (event.event, event.data["id"]) == ("generation", generation["id"])

        # A ticket issued before the logout opens nothing after it, on either API.
        for api in (api_1, api_2):
            refused = await client.get(api + EVENTS_PATH, params={"ticket": tickets[2]})
            assert refused.status_code == 401, refused.text
    print(f"streams of the signed-out session closed {closed_after * 1000:.0f} ms after the logout")


@contextmanager
def _apis(tmp_path: Path, env: dict[str, str], *extra: str, count: int) -> Iterator[list[str]]:
    processes: list[ServiceProcess] = []
    urls: list[str] = []
    try:
        for _ in range(count):
            port = free_port()
            processes.append(serve(env, tmp_path, port, *extra))
            urls.append(f"http://127.0.0.1:{port}")
        for url, process in zip(urls, processes, strict=True):
            wait_until_serving(url, process)
        yield urls
    finally:
        for process in processes:
            process.stop()
