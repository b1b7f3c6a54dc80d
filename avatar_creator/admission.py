"""Admission control: one client's burst waits its turn instead of filling the threadpool and the database pool.

A client (a hash of its bearer token or session cookie; its address when it sends neither) may have
``max_in_flight`` requests in progress at once; more wait up to ``wait_seconds`` for a slot on the event loop (no
thread is held while waiting), then get 503 with ``Retry-After``. Live event streams and health checks do not count:
a browser keeps a stream open for as long as a page is shown. A pure ASGI middleware, so a streamed response keeps
its slot until its last byte and nothing is buffered.
"""

from __future__ import annotations

import asyncio
import hashlib
from dataclasses import dataclass, field

from starlette.requests import cookie_parser
from starlette.types import ASGIApp, Receive, Scope, Send

from avatar_creator.deps import SESSION_COOKIE
from avatar_creator.error_handlers import envelope

EXEMPT_PATHS = ("/health",)
EXEMPT_SUFFIXES = ("/events",)
RETRY_AFTER_SECONDS = 1


@dataclass
class _Client:
    slots: asyncio.Semaphore
    users: int = field(default=0)  # requests holding or waiting for a slot; the entry is dropped at 0


class Admission:
    """At most ``max_in_flight`` requests in progress per client; the rest wait ``wait_seconds``, then 503."""

    def __init__(self, app: ASGIApp, *, max_in_flight: int, wait_seconds: float):
        self.app = app
        self.max_in_flight = max_in_flight
        self.wait_seconds = wait_seconds
        self._clients: dict[str, _Client] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or _exempt(scope["path"]):
            await self.app(scope, receive, send)
            return
        key = client_key(scope)
        client = self._clients.get(key)
        if client is None:
            client = self._clients[key] = _Client(asyncio.Semaphore(self.max_in_flight))
        client.users += 1
        try:
            if not await self._admit(client):
                response = envelope(503, "SERVICE_UNAVAILABLE",
                                    "Too many requests from this client at once; try again shortly.",
                                    headers={"Retry-After": str(RETRY_AFTER_SECONDS)})
                await response(scope, receive, send)
                return
            try:
                await self.app(scope, receive, send)
            finally:
                client.slots.release()
        finally:
            client.users -= 1
            if client.users == 0:
                del self._clients[key]

    async def _admit(self, client: _Client) -> bool:
        if not client.slots.locked():
            await client.slots.acquire()  # free: returns at once
            return True
        try:
            async with asyncio.timeout(self.wait_seconds):
                await client.slots.acquire()
        except TimeoutError:
            return False
        return True


def client_key(scope: Scope) -> str:
    """Who is asking: a digest of the credential (never the credential itself), else the client's address."""
    headers = dict(scope.get("headers") or [])
    scheme, _, token = headers.get(b"authorization", b"").decode("latin-1").partition(" ")
    credential = token.strip() if scheme.lower() == "bearer" else ""
    if not credential:
        credential = cookie_parser(headers.get(b"cookie", b"").decode("latin-1")).get(SESSION_COOKIE, "")
    if credential:
        return "credential:" + hashlib.sha256(credential.encode()).hexdigest()
    client = scope.get("client")
    return f"address:{client[0] if client else 'unknown'}"


def _exempt(path: str) -> bool:
    return path.startswith(EXEMPT_PATHS) or path.endswith(EXEMPT_SUFFIXES)
