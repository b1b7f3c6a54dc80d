"""Security headers on every response: pages run only this origin's scripts and styles (no inline ones, no eval),
are never framed, leak no URL to other sites and are never sniffed into another type; HTTPS is pinned when the
cookies are ``Secure``.

A pure ASGI middleware, so streamed responses (files, event streams) pass through untouched but for their headers.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# blob: for the upload dialog's preview of the chosen photo (URL.createObjectURL).
CONTENT_SECURITY_POLICY = ("default-src 'self'; img-src 'self' blob:; object-src 'none'; base-uri 'self'; "
                           "form-action 'self'; frame-ancestors 'none'")
STRICT_TRANSPORT_SECURITY = "max-age=31536000"


class SecurityHeaders:
    """Adds the headers a response has not set itself.

    ``exempt_paths`` get no Content-Security-Policy: FastAPI's interactive docs load their scripts from a CDN and run
    inline ones.
    """

    def __init__(self, app: ASGIApp, *, strict_transport: bool, exempt_paths: frozenset[str] = frozenset()):
        self.app = app
        self.exempt_paths = exempt_paths
        self.headers = {"X-Frame-Options": "DENY", "Referrer-Policy": "same-origin",
                        "X-Content-Type-Options": "nosniff"}
        if strict_transport:
            self.headers["Strict-Transport-Security"] = STRICT_TRANSPORT_SECURITY

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        policy = None if scope["path"] in self.exempt_paths else CONTENT_SECURITY_POLICY

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in self.headers.items():
                    headers.setdefault(name, value)
                if policy:
                    headers.setdefault("Content-Security-Policy", policy)
            await send(message)

        await self.app(scope, receive, send_with_headers)
