"""``HEAD`` wherever ``GET`` is: the request runs as a GET and only its status and headers go back.

FastAPI's routes answer only the methods they name, so HEAD was a 405 on every API route and on ``/uploads``. One
ASGI middleware covers every route, the web pages and the files alike. The app stops once the headers are out: an
event stream or a ZIP is never produced just to be thrown away.
"""

from __future__ import annotations

import anyio
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class HeadAsGet:
    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return
        with anyio.CancelScope() as cancel:
            async def send_headers(message: Message) -> None:
                if message["type"] == "http.response.start":
                    await send(message)
                    await send({"type": "http.response.body", "body": b"", "more_body": False})
                    cancel.cancel()  # the body is not wanted: stop producing it

            await self.app({**scope, "method": "GET"}, receive, send_headers)
