"""Security headers on every response: pages run only this origin's scripts and styles (no inline ones, no eval),
are never framed, leak no URL to other sites and are never sniffed into another type; HTTPS is pinned when the
cookies are ``Secure``.

A pure ASGI middleware, so streamed responses (files, event streams) pass through untouched but for their headers.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from avatar_creator.settings import Settings

STRICT_TRANSPORT_SECURITY = "max-age=31536000"


def content_security_policy(public_url: str | None) -> str:
    """Everything from this origin alone, but images: also blob: (the upload dialog previews the chosen photo) and
    the origin of ``AVATAR_PUBLIC_URL``, which every file URL starts with when it is set."""
    images = ["'self'", "blob:"]
    if public_url:
        parts = urlsplit(public_url)
        images.append(f"{parts.scheme}://{parts.netloc}")
    return (f"default-src 'self'; img-src {' '.join(images)}; object-src 'none'; base-uri 'self'; "
            "form-action 'self'; frame-ancestors 'none'")


class SecurityHeaders:
    """Adds the headers a response has not set itself; HSTS when ``AVATAR_COOKIE_SECURE`` says HTTPS is in use.

    ``exempt_paths`` get no Content-Security-Policy: FastAPI's interactive docs load their scripts from a CDN and run
    inline ones.
    """

    def __init__(self, app: ASGIApp, *, settings: Settings, exempt_paths: frozenset[str] = frozenset()):
        self.app = app
        self.exempt_paths = exempt_paths
        self.policy = content_security_policy(settings.public_url)
        self.headers = {"X-Frame-Options": "DENY", "Referrer-Policy": "same-origin",
                        "X-Content-Type-Options": "nosniff"}
        if settings.cookie_secure:
            self.headers["Strict-Transport-Security"] = STRICT_TRANSPORT_SECURITY

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        policy = None if scope["path"] in self.exempt_paths else self.policy

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in self.headers.items():
                    headers.setdefault(name, value)
                if policy:
                    headers.setdefault("Content-Security-Policy", policy)
            await send(message)

        await self.app(scope, receive, send_with_headers)
