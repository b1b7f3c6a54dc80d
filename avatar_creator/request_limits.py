"""What every request must pass before any route, dependency or sign-in sees it: a body limit counted as the body
streams, and no text the database cannot store.

A pure ASGI middleware. A body that is not an upload (JSON, a web form, anything else) is read here, at most
``max_body_bytes`` of it, and handed on whole; a multipart body to a route that streams it (uploads) goes on
untouched but counted against ``max_multipart_bytes``, since its reader (``avatars.multipart``) has its own, per-part
limits. A declared Content-Length over the limit is refused before a byte is read.

PostgreSQL cannot store NUL and Python cannot even encode a lone surrogate (JSON's ``"\\ud800"`` parses to one), so
either in the path, the query, a JSON body or a web form is a 400 naming the field, on every database, before
anything is stored. Multipart text fields get the same check in their reader (``reject_unstorable``).
Refusals go through the app's own exception handlers, so the API answers its envelope and the web its error page.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from urllib.parse import parse_qsl

from fastapi.routing import iter_route_contexts
from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from avatar_creator.errors import AppError, PayloadTooLarge, ValidationFailed

UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
MULTIPART = "multipart/form-data"
FORM = "application/x-www-form-urlencoded"


def reject_unstorable(field: str, text: str) -> None:
    """``ValidationFailed`` naming ``field`` when ``text`` holds a character the database cannot store."""
    if UNSTORABLE.search(text):
        raise ValidationFailed(f"{printable(field)}: contains a character that cannot be stored (NUL or a lone "
                               "surrogate)", field=printable(field))


def printable(name: str) -> str:
    """A field's name as it can be echoed back: a lone surrogate cannot even be encoded as UTF-8."""
    return UNSTORABLE.sub("\ufffd", name)


class RequestLimits:
    """Refuses a body over its limit (413) and unstorable text in the path, query or body (400)."""

    def __init__(self, app: ASGIApp, *, max_body_bytes: int, max_multipart_bytes: int, max_file_bytes: int):
        self.app = app
        self.max_file_bytes = max_file_bytes
        self.max_body_bytes = max_body_bytes
        self.max_multipart_bytes = max_multipart_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        try:
            admitted = await self._admit(scope, receive)
        except AppError as error:
            await _refuse(scope, receive, send, error)
            return
        if admitted is not None:  # None: the client went away mid-body, nobody to answer
            await self.app(scope, admitted, send)

    async def _admit(self, scope: Scope, receive: Receive) -> Receive | None:
        """The ``receive`` the app gets (the client's own, counted, or the body read here, replayed); ``AppError``
        when the request is refused."""
        _check_path_and_query(scope)
        headers = Headers(scope=scope)
        media_type = headers.get("content-type", "").split(";")[0].strip().lower()
        uploading = media_type == MULTIPART and not _parses_body(scope)
        limit = self.max_multipart_bytes if uploading else self.max_body_bytes
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:  # honest and too large: refuse before reading
            if uploading:  # the upload forms' file field, in the words the web app uses before it sends one
                raise PayloadTooLarge(file_too_large(int(declared), self.max_file_bytes), field="image")
            raise _too_large(limit)
        if "transfer-encoding" not in headers and declared in ("", "0"):  # no body to look at
            return receive
        if uploading:
            return _counted(receive, limit)
        body = await _read(receive, limit)
        if body is None:
            return None
        _check_body(media_type, body)
        return _replay(body, receive)


def file_too_large(size: int | None, limit: int) -> str:
    """The refusal of a file over ``limit`` bytes, in the words the web app uses before it sends one (app.js)."""
    largest = _megabytes(limit)
    stated = _megabytes(size) if size and size > limit else largest
    return f"The file is {'over ' * (stated == largest)}{stated}; the largest accepted is {largest}."


def _megabytes(size: int) -> str:
    return f"{size / 2**20:.1f}".removesuffix(".0") + " MB"


def _too_large(limit: int) -> PayloadTooLarge:
    return PayloadTooLarge(f"The request body is larger than the limit of {limit:,} bytes.")


async def _read(receive: Receive, limit: int) -> bytes | None:
    """The whole body, ``PayloadTooLarge`` as soon as more than ``limit`` bytes arrived; None on a disconnect."""
    chunks: list[bytes] = []
    received = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return None
        chunk = message.get("body", b"")
        received += len(chunk)
        if received > limit:
            raise _too_large(limit)
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


def _counted(receive: Receive, limit: int) -> Receive:
    """``receive``, raising ``PayloadTooLarge`` inside the app (its handlers answer) once past ``limit`` bytes."""
    received = 0

    async def counted() -> Message:
        nonlocal received
        message = await receive()
        received += len(message.get("body", b""))
        if received > limit:
            raise _too_large(limit)
        return message

    return counted


def _replay(body: bytes, receive: Receive) -> Receive:
    """The body already read, then the client's own messages (a disconnect)."""
    pending = True

    async def replay() -> Message:
        nonlocal pending
        if pending:
            pending = False
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


def _check_path_and_query(scope: Scope) -> None:
    if UNSTORABLE.search(scope["path"]):
        reject_unstorable(_path_parameter(scope) or "path", scope["path"])
    for name, value in parse_qsl(scope["query_string"].decode("latin-1"), keep_blank_values=True):
        reject_unstorable(name, name + value)


def _path_parameter(scope: Scope) -> str | None:
    """The name of the path parameter that holds the unstorable text, when a route matches the path."""
    for name, value in _matched(scope).get("path_params", {}).items():
        if isinstance(value, str) and UNSTORABLE.search(value):
            return name
    return None


def _matched(scope: Scope) -> Scope:
    """What the router will add to the scope (the route, its path parameters), or nothing when no route matches."""
    # FastAPI keeps included routers whole; the contexts are the routes as served, prefixes included (as OpenAPI sees)
    for context in iter_route_contexts(scope["app"].router.routes):
        match, child_scope = context.route.matches(scope)
        if match == Match.FULL:
            return child_scope
    return {}


def _parses_body(scope: Scope) -> bool:
    """Whether FastAPI reads this route's body whole for a declared body parameter (a JSON route): the upload routes
    stream their multipart themselves, and only they get its larger allowance."""
    return getattr(_matched(scope).get("route"), "body_field", None) is not None


def _check_body(media_type: str, body: bytes) -> None:
    if media_type == FORM:
        for name, value in parse_qsl(body.decode("latin-1"), keep_blank_values=True):
            reject_unstorable(name, name + value)
    elif media_type in ("", "application/json") or media_type.endswith("+json"):  # FastAPI reads these as JSON
        try:
            document = json.loads(body)
        except (ValueError, RecursionError):  # not JSON: the route answers its own 400
            return
        for field, text in _strings(document):
            reject_unstorable(field, text)


def _strings(document: object) -> Iterator[tuple[str, str]]:
    """Every string in a JSON document (object keys too) with its dotted field name; no recursion, any depth."""
    stack: list[tuple[str, object]] = [("", document)]
    while stack:
        field, value = stack.pop()
        if isinstance(value, str):
            yield field or "body", value
        elif isinstance(value, dict):
            for key, item in value.items():
                name = f"{field}.{key}" if field else key
                yield name, key
                stack.append((name, item))
        elif isinstance(value, list):
            stack.extend((f"{field}.{index}" if field else str(index), item) for index, item in enumerate(value))


async def _refuse(scope: Scope, receive: Receive, send: Send, error: AppError) -> None:
    """Answer ``error`` through the app's own handler for it, as if a route had raised it."""
    app = scope["app"]
    handler = next(app.exception_handlers[kind] for kind in type(error).__mro__ if kind in app.exception_handlers)
    response = await handler(Request({**scope, **_matched(scope)}, receive), error)
    await response(scope, receive, send)
