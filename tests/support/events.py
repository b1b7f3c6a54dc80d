"""Live events helpers: a real uvicorn server in a thread (SSE needs a real connection) and an SSE reader."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import uvicorn

EVENTS_PATH = "/api/apps/avatar-creator/events"


class LiveServer:
    """The app served by uvicorn on a free port, in a background thread."""

    def __init__(self, app):
        self.app = app
        config = uvicorn.Config(app, host="127.0.0.1", port=0, log_config=None, lifespan="on",
                                timeout_graceful_shutdown=2)
        self.server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self.server.run, daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("the test server did not start")
            time.sleep(0.01)
        port = self.server.servers[0].sockets[0].getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"

    def stop(self) -> None:
        self.server.should_exit = True
        self._thread.join(timeout=10)


@dataclass(frozen=True)
class SSE:
    event: str
    id: str | None
    data: dict


async def read_events(response: httpx.Response) -> AsyncIterator[SSE]:
    """Parse a ``text/event-stream`` body into events (comments skipped)."""
    fields: dict[str, str] = {}
    async for line in response.aiter_lines():
        if line == "":
            if "data" in fields:
                yield SSE(event=fields.get("event", "message"), id=fields.get("id"), data=json.loads(fields["data"]))
            fields = {}
        elif not line.startswith(":"):
            name, _, value = line.partition(":")
            fields[name] = value[1:] if value.startswith(" ") else value


class EventReader:
    """Reads an open stream across several calls."""

    def __init__(self, response: httpx.Response):
        self._events = read_events(response)

    async def next(self, count: int = 1, *, kinds: tuple[str, ...] = ("generation", "avatar"),
                   timeout: float = 10.0) -> list[SSE]:
        """The next ``count`` events of ``kinds``; fails if they do not come within ``timeout``."""
        import anyio

        found: list[SSE] = []
        with anyio.fail_after(timeout):
            while len(found) < count:
                item = await self._events.__anext__()
                if item.event in kinds:
                    found.append(item)
        return found

    async def rest(self) -> list[SSE]:
        """Every event until the server ends the stream."""
        return [item async for item in self._events]


async def follow(reader: EventReader, generation_ids: set[str], *, timeout: float = 30) -> list[tuple[float, SSE]]:
    """Every event (queue included, with this client's arrival time) until each of ``generation_ids`` completed
    and its avatar was announced."""
    events: list[tuple[float, SSE]] = []
    done: set[str] = set()
    avatars: set[str] = set()
    while done != generation_ids or avatars != generation_ids:
        [event] = await reader.next(kinds=("generation", "avatar", "queue"), timeout=timeout)
        events.append((time.monotonic(), event))
        if event.event == "generation" and event.data["status"] == "completed":
            done.add(event.data["id"])
        if event.event == "avatar":
            avatars.add(event.data["generationId"])
    return events


def record(app, user_id: str, kind: str, payload: dict) -> None:
    """Record and commit one event the way the service does: inside a transaction of the app's database."""
    with app.state.database.session() as session:
        app.state.jobs.signals.events.record(session, user_id, kind, payload)
