"""Scaled out for real: two ``serve --no-worker`` processes and a ``worker`` process on PostgreSQL and Redis."""

from __future__ import annotations

import anyio
import httpx
import pytest

from tests.support.events import EVENTS_PATH, EventReader, follow
from tests.support.factories import create_project, generate, register
from tests.support.processes import ServiceProcess, free_port, serve, service_env, wait_until_serving

pytestmark = [pytest.mark.anyio, pytest.mark.slow]


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
async def test_work_done_by_a_worker_reaches_clients_of_either_api(tmp_path, database_url, redis_url, redis_prefix):
    env = service_env(tmp_path / "data", database_url, redis_url=redis_url, redis_prefix=redis_prefix,
                      offline_step_delay_ms=40, log_level="INFO")  # INFO: the access log, to check for the ticket
    processes: list[ServiceProcess] = []
    try:
        urls = []
        for _ in range(2):
            port = free_port()
            processes.append(serve(env, tmp_path, port, "--no-worker"))
            urls.append(f"http://127.0.0.1:{port}")
            wait_until_serving(urls[-1], processes[-1])
        processes.append(ServiceProcess(["worker", "--concurrency", "2"], env, tmp_path / "worker.log").start())
        api_1, api_2 = urls

        with httpx.Client(base_url=api_1, timeout=10) as http:
            user = register(http)
            project = create_project(http, user["headers"])
            ticket = http.post(f"{EVENTS_PATH}/ticket", headers=user["headers"]).json()["ticket"]

        async with httpx.AsyncClient(timeout=10) as client:
            async with client.stream("GET", api_1 + EVENTS_PATH, headers=user["headers"]) as on_1, \
                    client.stream("GET", api_2 + EVENTS_PATH, params={"ticket": ticket}) as on_2, \
                    client.stream("GET", api_1 + EVENTS_PATH, headers=user["headers"]) as leaving:
                reader_1, reader_2, leaving_reader = EventReader(on_1), EventReader(on_2), EventReader(leaving)
                for reader in (reader_1, reader_2, leaving_reader):
                    await reader.next(kinds=("queue",))  # subscribed: everything from now on reaches it
                with httpx.Client(base_url=api_2, timeout=10) as http:
                    batch = generate(http, user["headers"], project["id"], count=2)["generations"]
                ids = {generation["id"] for generation in batch}
                before_leaving = await leaving_reader.next(3)
                await leaving.aclose()  # this client drops off after three events
                with anyio.fail_after(60):
                    seen_on_2 = [event for _, event in await follow(reader_2, ids) if event.event != "queue"]
                    seen_on_1 = await reader_1.next(len(seen_on_2))

            # It comes back on the *other* API with the id of the last event it saw.
            headers = {**user["headers"], "Last-Event-ID": before_leaving[-1].id}
            async with client.stream("GET", api_2 + EVENTS_PATH, headers=headers) as back:
                replayed = await _until_live(EventReader(back))
    finally:
        for process in processes:
            process.stop()

    assert [e.id for e in seen_on_1] == [e.id for e in seen_on_2]  # same events, same order, on both APIs
    statuses = [e.data["status"] for e in seen_on_2 if e.event == "generation"]
    assert statuses[:2] == ["pending", "pending"] and statuses.count("completed") == 2
    assert "processing" in statuses  # only the worker process runs jobs: these came from it, through Redis
    assert before_leaving + replayed == seen_on_2  # exactly what it missed: nothing twice, nothing lost

    logs = [process.log_path.read_text() for process in processes[:2]]
    assert all(ticket.rsplit(".", 1)[-1] not in log for log in logs)  # the access log never shows the ticket
    assert "ticket=[redacted]" in logs[1]


async def _until_live(reader: EventReader) -> list:
    """The events a reconnecting stream replays: everything before its first ``queue`` event."""
    replayed = []
    while True:
        [event] = await reader.next(kinds=("generation", "avatar", "queue"))
        if event.event == "queue":
            return replayed
        replayed.append(event)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_a_worker_beside_serve_on_one_sqlite_file_reaches_its_streams(tmp_path, database_url):
    """Embedded mode, no Redis: ``serve`` reads the events another process wrote from the table."""
    env = service_env(tmp_path / "data", database_url, offline_step_delay_ms=40)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    processes = [serve(env, tmp_path, port, "--no-worker")]
    try:
        wait_until_serving(url, processes[0])
        processes.append(ServiceProcess(["worker", "--concurrency", "1"], env, tmp_path / "worker.log").start())
        with httpx.Client(base_url=url, timeout=10) as http:
            user = register(http)
            project = create_project(http, user["headers"])
            async with httpx.AsyncClient(timeout=10) as client:
                async with client.stream("GET", url + EVENTS_PATH, headers=user["headers"]) as stream:
                    reader = EventReader(stream)
                    await reader.next(kinds=("queue",))
                    generation = generate(http, user["headers"], project["id"])["generation"]
                    with anyio.fail_after(60):
                        seen = [event for _, event in await follow(reader, {generation["id"]})]
    finally:
        for process in processes:
            process.stop()
    statuses = [event.data["status"] for event in seen if event.event == "generation"]
    assert statuses[0] == "pending" and "processing" in statuses and statuses[-1] == "completed"
    ids = [int(event.id) for event in seen if event.event != "queue"]
    assert ids == sorted(set(ids))
