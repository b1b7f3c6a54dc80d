"""``HEAD`` wherever ``GET`` is: the request runs as a GET and only its status and headers go back.

FastAPI's routes answer only the methods they name, so HEAD was a 405 on every API route and on ``/uploads``. One
ASGI middleware covers every route, the web pages and the files alike. Once the headers are out the response is
complete for the server, and the app is told the client has gone: a stream (events, a ZIP) stops at once instead of
being produced for nothing, and background tasks (an event stream's unsubscribe) still run.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

GONE: Message = {"type": "http.disconnect"}


class HeadAsGet:
    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return
        answered = False

        async def receive_until_answered() -> Message:
            # A listener already waiting in the server's receive is woken by the completed response: disconnect too.
            return GONE if answered else await receive()

        async def send_headers_only(message: Message) -> None:
            nonlocal answered
            if message["type"] == "http.response.start":
                await send(message)
                await send({"type": "http.response.body", "body": b"", "more_body": False})
                answered = True
            # the body, whole or in chunks, is dropped

        await self.app({**scope, "method": "GET"}, receive_until_answered, send_headers_only)
