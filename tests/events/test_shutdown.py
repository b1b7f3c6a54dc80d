"""SIGTERM with many open streams: streams end first, so the process reaches the code that gives jobs back."""

from __future__ import annotations

import time

import anyio
import httpx
import pytest

from avatar_creator.db import Database
from avatar_creator.generation.models import Generation
from tests.support.events import EVENTS_PATH, EventReader
from tests.support.factories import create_project, generate, get_generation, register
from tests.support.processes import free_port, serve, service_env, wait_until_serving

pytestmark = [pytest.mark.anyio, pytest.mark.slow, pytest.mark.serial]
STREAMS = 50
GRACEFUL_TIMEOUT_S = 10  # what `serve` gives uvicorn (timeout_graceful_shutdown)


async def test_sigterm_with_open_streams_exits_in_time_and_gives_the_job_back(tmp_path, database_url):
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    api = serve(service_env(tmp_path / "data", database_url, workers=1, offline_step_delay_ms=1000,
                            log_level="INFO"), tmp_path, port)
    try:
        wait_until_serving(url, api)
        with httpx.Client(base_url=url, timeout=10) as http:
            user = register(http)
            generation = generate(http, user["headers"], create_project(http, user["headers"])["id"])["generation"]
            deadline = time.monotonic() + 20
            while get_generation(http, user["headers"], generation["id"])["status"] != "processing":
                assert time.monotonic() < deadline, "the job never started"
                time.sleep(0.05)

        ended = []
        async with httpx.AsyncClient(base_url=url, timeout=30,
                                     limits=httpx.Limits(max_connections=STREAMS + 5)) as client:
            async def hold_stream(opened: anyio.Event) -> None:
                async with client.stream("GET", EVENTS_PATH, headers=user["headers"]) as stream:
                    reader = EventReader(stream)
                    await reader.next(kinds=("queue",))
                    opened.set()
                    await reader.rest()  # until the server ends the stream
                    ended.append(True)

            async with anyio.create_task_group() as streams:
                for _ in range(STREAMS):
                    opened = anyio.Event()
                    streams.start_soon(hold_stream, opened)
                    await opened.wait()
                signalled = time.monotonic()
                await anyio.to_thread.run_sync(api.terminate, GRACEFUL_TIMEOUT_S + 5)
                exit_seconds = time.monotonic() - signalled
    finally:
        api.stop()

    log = api.log_path.read_text()
    assert exit_seconds < GRACEFUL_TIMEOUT_S, log
    assert len(ended) == STREAMS  # every stream was ended by the server, cleanly
    assert "Waiting for application shutdown" in log  # the lifespan's exit ran: it gives jobs back
    assert "timeout graceful shutdown exceeded" not in log
    assert "without completing response" not in log
    database = Database(database_url, pool_size=1)
    try:
        with database.session(write=False) as session:
            row = session.get(Generation, generation["id"])
            assert (row.status, row.attempt, row.worker_id) == ("pending", 0, None)  # given back, uncounted
    finally:
        database.dispose()
