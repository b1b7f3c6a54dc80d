"""A pure ASGI middleware that reports the server's own time per request as ``Server-Timing: app;dur=<ms>``."""

from __future__ import annotations

import time


class ServerTiming:
    """Lets clients and benchmarks see server time without the network; pure ASGI so streaming is untouched."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()

        async def send_with_timing(message):
            if message["type"] == "http.response.start":
                duration_ms = (time.perf_counter() - started) * 1000
                headers = list(message.get("headers", []))
                headers.append((b"server-timing", f"app;dur={duration_ms:.2f}".encode()))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_timing)
