"""Admission control: one client's burst waits for a slot, then gets 503; other clients, streams and health checks
never wait behind it."""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest
from fastapi.testclient import TestClient
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from avatar_creator.admission import Admission, client_key
from avatar_creator.app import create_app
from tests.support.factories import register
from tests.support.settings import make_settings

pytestmark = [pytest.mark.anyio, pytest.mark.serial]


class Gate:
    """A downstream app whose requests stay in progress until ``open`` is set."""

    def __init__(self):
        self.open = asyncio.Event()
        self.inside = 0

    async def endpoint(self, _request):
        self.inside += 1
        try:
            await self.open.wait()
        finally:
            self.inside -= 1
        return PlainTextResponse("done")

    def app(self, *, max_in_flight: int, wait_seconds: float) -> Admission:
        paths = ("/work", "/api/apps/avatar-creator/events", "/health")
        inner = Starlette(routes=[Route(path, self.endpoint) for path in paths])
        return Admission(inner, max_in_flight=max_in_flight, wait_seconds=wait_seconds)


def _bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


async def _until(condition, timeout: float = 2.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline
        await asyncio.sleep(0.005)


async def test_a_burst_past_the_limit_waits_then_gets_503_while_another_client_goes_through():
    gate = Gate()
    admission = gate.app(max_in_flight=2, wait_seconds=0.3)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=admission), base_url="http://test") as client:
        admitted = [asyncio.create_task(client.get("/work", headers=_bearer("burst"))) for _ in range(2)]
        await _until(lambda: gate.inside == 2)
        started = time.monotonic()
        refused = await client.get("/work", headers=_bearer("burst"))
        waited = time.monotonic() - started
        other = asyncio.create_task(client.get("/work", headers=_bearer("someone else")))
        await _until(lambda: gate.inside == 3)  # admitted at once: not behind the burst
        gate.open.set()
        answers = await asyncio.gather(*admitted, other)
    assert refused.status_code == 503 and refused.headers["retry-after"] == "1"
    assert refused.json() == {"success": False, "error": {
        "code": "SERVICE_UNAVAILABLE", "message": "Too many requests from this client at once; try again shortly."}}
    assert 0.25 < waited < 2
    assert [answer.status_code for answer in answers] == [200, 200, 200]
    assert admission._clients == {}  # nothing kept once the client's requests are done


async def test_a_waiting_request_takes_the_slot_that_frees():
    gate = Gate()
    admission = gate.app(max_in_flight=1, wait_seconds=5)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=admission), base_url="http://test") as client:
        first = asyncio.create_task(client.get("/work", headers=_bearer("t")))
        await _until(lambda: gate.inside == 1)
        second = asyncio.create_task(client.get("/work", headers=_bearer("t")))
        await asyncio.sleep(0.05)
        assert gate.inside == 1  # waiting, holding no thread and no slot
        gate.open.set()
        answers = await asyncio.gather(first, second)
    assert [answer.status_code for answer in answers] == [200, 200]


async def test_event_streams_and_health_checks_do_not_count():
    gate = Gate()
    admission = gate.app(max_in_flight=1, wait_seconds=0)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=admission), base_url="http://test") as client:
        streams = [asyncio.create_task(client.get("/api/apps/avatar-creator/events", headers=_bearer("t")))
                   for _ in range(3)]
        health = [asyncio.create_task(client.get("/health")) for _ in range(3)]
        work = asyncio.create_task(client.get("/work", headers=_bearer("t")))
        await _until(lambda: gate.inside == 7)
        gate.open.set()
        answers = await asyncio.gather(*streams, *health, work)
    assert {answer.status_code for answer in answers} == {200}


def test_a_client_is_its_credential_digest_or_else_its_address():
    def scope(headers: dict, client=("10.0.0.7", 5555)) -> dict:
        return {"type": "http", "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
                "client": client}

    by_bearer = client_key(scope({"Authorization": "Bearer secret-token"}))
    by_cookie = client_key(scope({"Cookie": "theme=dark; avatar_session=secret-token"}))
    assert by_bearer == by_cookie and "secret-token" not in by_bearer
    assert by_bearer != client_key(scope({"Authorization": "Bearer another"}))
    assert client_key(scope({})) == client_key(scope({"Authorization": "Basic abc"})) == "address:10.0.0.7"
    assert client_key(scope({}, client=None)) == "address:unknown"


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_the_app_installs_it_from_the_settings(tmp_path, database_url):
    app = create_app(make_settings(tmp_path, database_url, max_requests_per_client=3, admission_wait_seconds=0.5))
    with TestClient(app) as client:
        register(client)
    admission = app.middleware_stack
    while not isinstance(admission, Admission):
        admission = admission.app
    assert (admission.max_in_flight, admission.wait_seconds) == (3, 0.5)
