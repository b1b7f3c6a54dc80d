"""Templates, static files and the shapes of a web answer: a page, a fragment, a redirect, a toast."""

from __future__ import annotations

import hashlib
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.types import Scope

from avatar_creator.auth.models import User

HERE = Path(__file__).parent
STATIC_DIR = HERE / "static"
FLASH_COOKIE = "avatar_flash"

templates = Jinja2Templates(directory=HERE / "templates")


@cache
def static_url(name: str) -> str:
    """The file's URL with a content hash, so browsers may cache it for a year and still see a new release."""
    digest = hashlib.sha256((STATIC_DIR / name).read_bytes()).hexdigest()[:10]
    return f"/static/{name}?v={digest}"


def format_when(value: datetime) -> str:
    """UTC on the server; the page's script rewrites it into the reader's own time zone."""
    return value.strftime("%d %b %Y, %H:%M UTC")


def hue(key: str) -> int:
    """A stable colour for a placeholder, from the thing's id."""
    return int(hashlib.sha256(key.encode()).hexdigest()[:4], 16) % 360


def ordinal(number: int) -> str:
    """1st, 2nd, 3rd, 4th … 11th, 12th, 13th … 21st."""
    suffix = "th" if 10 <= number % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    return f"{number}{suffix}"


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


templates.env.globals["static_url"] = static_url
templates.env.filters["when"] = format_when
templates.env.filters["plural"] = plural
templates.env.filters["hue"] = hue
templates.env.filters["ordinal"] = ordinal


class CachedStaticFiles(StaticFiles):
    """Versioned URLs (``?v=``) never change content, so they are cached as immutable."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        if b"v=" in scope.get("query_string", b"") and response.status_code == 200:
            response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
        return response


def is_htmx(request: Request) -> bool:
    return request.headers.get("hx-request") == "true"


def is_fragment_request(request: Request) -> bool:
    """An htmx request that swaps part of a page (a boosted link or form swaps the whole page)."""
    return is_htmx(request) and request.headers.get("hx-boosted") != "true"


def render(request: Request, template: str, context: dict[str, Any] | None = None, *, user: User | None = None,
           status_code: int = 200, toasts: list[dict] | None = None, page_url: str | None = None,
           headers: dict[str, str] | None = None) -> HTMLResponse:
    """A full page (or, for a boosted request, the same page that htmx swaps in).

    ``page_url`` is where the page lives when a form post answers with it (a refused form), so the address bar and a
    reload show that page, not the form's target.
    """
    flash = unquote(request.cookies.get(FLASH_COOKIE, ""))
    shown = list(toasts or []) + ([{"kind": "success", "message": flash}] if flash else [])
    response = templates.TemplateResponse(request, template, {
        "user": user, "csrf_token": getattr(request.state, "csrf_token", None), "toasts": shown, **(context or {}),
    }, status_code=status_code, headers=headers)
    if flash:
        response.delete_cookie(FLASH_COOKIE, path="/")
    if page_url and is_htmx(request) and request.method != "GET":
        response.headers["HX-Push-Url"] = page_url
    return response


def toast_fragment(request: Request, message: str, *, kind: str = "error", status_code: int = 400) -> HTMLResponse:
    """A toast appended to the page's toast region, for an htmx request that changed only part of a page."""
    response = templates.TemplateResponse(request, "partials/toast.html", {"toast": {"kind": kind,
                                                                                     "message": message}},
                                          status_code=status_code)
    response.headers["HX-Retarget"] = "#toasts"
    response.headers["HX-Reswap"] = "beforeend"
    return response


def redirect(url: str, *, flash: str | None = None) -> RedirectResponse:
    """See Other after a successful post; the optional flash message shows as a toast on the next page."""
    response = RedirectResponse(url, status_code=303)
    if flash:
        response.set_cookie(FLASH_COOKIE, quote(flash)[:300], max_age=60, httponly=True, samesite="lax", path="/")
    return response


def local_path(candidate: object, default: str) -> str:
    """``candidate`` if it is a path on this site (never another host: ``//evil`` or ``/\\evil``), else ``default``.
    Anything a form or query sent: a file posted in its place is not a path either."""
    if isinstance(candidate, str) and candidate.startswith("/") and not candidate.startswith(("//", "/\\")):
        return candidate
    return default
