"""Request ids: every response carries ``X-Request-ID``, and every line logged while it is served carries the same id.

A pure ASGI middleware (an event stream is never buffered). The id is the request's own ``X-Request-ID`` only when a
trusted proxy (``AVATAR_TRUSTED_PROXIES``) sent it, so a proxy's id ties its log to ours; from anyone else a client
could pick ids that collide with other requests' lines, so the service makes one.
"""

from __future__ import annotations

import ipaddress
import re
import uuid

from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from avatar_creator import logs

HEADER = b"x-request-id"
# What a proxy's id may look like: enough for UUIDs and the usual trace ids, nothing that could forge a log line.
_ACCEPTED_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")


class RequestIds:
    """The outermost middleware: it sees the connection's peer before ``ProxyHeadersMiddleware`` (installed inside it
    when there are trusted proxies) replaces it with the client the proxy names."""

    def __init__(self, app, *, trusted_proxies: list[str]):
        self._networks = [ipaddress.ip_network(item, strict=False) for item in trusted_proxies]
        self.app = ProxyHeadersMiddleware(app, trusted_hosts=trusted_proxies) if trusted_proxies else app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = self._proxy_id(scope) or uuid.uuid4().hex

        async def send_with_id(message):
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []), (HEADER, request_id.encode())]}
            await send(message)

        with logs.log_context(request_id=request_id):
            await self.app(scope, receive, send_with_id)

    def _proxy_id(self, scope) -> str | None:
        if not self._networks or not self._from_trusted_peer(scope):
            return None
        for name, value in scope["headers"]:
            if name == HEADER:
                text = value.decode("latin-1").strip()
                return text if _ACCEPTED_ID.fullmatch(text) else None
        return None

    def _from_trusted_peer(self, scope) -> bool:
        peer = scope.get("client")
        try:
            address = ipaddress.ip_address(peer[0]) if peer else None
        except ValueError:  # a Unix socket or a test client's made-up name
            return False
        return address is not None and any(address in network for network in self._networks)
