"""One place that turns every error into API.md's envelope: never a 422, never a 500 for bad input."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import iter_route_contexts
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from avatar_creator.errors import AppError

log = logging.getLogger("avatar_creator.errors")

STATUS_CODES = {400: "VALIDATION_ERROR", 401: "UNAUTHORIZED", 403: "FORBIDDEN", 404: "NOT_FOUND",
                405: "METHOD_NOT_ALLOWED", 409: "CONFLICT", 413: "PAYLOAD_TOO_LARGE", 415: "UNSUPPORTED_MEDIA_TYPE",
                429: "RATE_LIMITED", 503: "SERVICE_UNAVAILABLE"}


def envelope(status: int, code: str, message: str, *, field: str | None = None, details: list | None = None,
             headers: dict[str, str] | None = None) -> JSONResponse:
    error: dict = {"code": code, "message": message}
    if field:
        error["field"] = field
    if details:
        error["details"] = details
    return JSONResponse({"success": False, "error": error}, status_code=status, headers=headers)


def _field_of(location: Sequence[object], kind: object = "") -> str | None:
    if kind == "json_invalid":  # the location is a character offset, not a field
        return None
    parts = [str(part) for part in location if part not in ("body", "query", "path", "header", "cookie")]
    return ".".join(parts) or None


def _describe(issue: dict) -> str:
    kind = issue.get("type", "")
    if kind == "json_invalid":
        return "Malformed JSON in the request body."
    if kind in ("model_attributes_type", "dict_type", "model_type") and _field_of(issue["loc"]) is None:
        return "The request body must be a JSON object."
    if kind == "missing" and _field_of(issue["loc"]) is None:
        return "A JSON request body is required (Content-Type: application/json)."
    message = issue.get("msg", "is invalid")
    field = _field_of(issue["loc"])
    return f"{field}: {message}" if field else message


async def _validation_error(_request: Request, error: RequestValidationError) -> JSONResponse:
    issues = error.errors()
    first = issues[0] if issues else {"loc": (), "msg": "invalid request"}
    details = [{"field": _field_of(i["loc"], i.get("type", "")), "message": i.get("msg", "")} for i in issues]
    return envelope(400, "VALIDATION_ERROR", _describe(first), field=_field_of(first["loc"], first.get("type", "")),
                    details=details)


async def _app_error(_request: Request, error: AppError) -> JSONResponse:
    return envelope(error.status_code, error.code, error.message, field=error.field, details=error.details,
                    headers=error.headers)


async def _http_error(request: Request, error: StarletteHTTPException) -> JSONResponse:
    messages = {404: "Not found.", 405: "Method not allowed for this path."}
    message = messages.get(error.status_code) or str(error.detail)
    headers = getattr(error, "headers", None)
    if error.status_code == 405:
        headers = {**(headers or {}), "Allow": allowed_methods(request)}
    return envelope(error.status_code, STATUS_CODES.get(error.status_code, "ERROR"), message, headers=headers)


def allowed_methods(request: Request) -> str:
    """Every method the path answers: Starlette names only the first matching route's, though GET and POST of one
    path are often two routes. HEAD goes with GET (head.py)."""
    methods: set[str] = set()
    for route in iter_route_contexts(request.app.router.routes):  # included routers' routes, with full paths
        if route.matches(request.scope)[0] != Match.NONE:
            methods |= getattr(route, "methods", None) or set()
    if "GET" in methods:
        methods.add("HEAD")
    return ", ".join(sorted(methods))


# A wait on the database that ran out (db.Timeouts): the database is fine, only busy, so ask for a quick retry.
BUSY_MESSAGE = "The service is busy; try again shortly."
BUSY_RETRY_AFTER = "1"
# PostgreSQL's lock_timeout and statement_timeout (psycopg's LockNotAvailable, QueryCanceled); SQLite's write lock.
BUSY_SQLSTATES = frozenset({"55P03", "57014"})
SQLITE_BUSY = ("database is locked", "database table is locked")


def _busy(request: Request, reason: str) -> JSONResponse:
    # Only the kind of wait and the path: never the statement, its parameters or the query string.
    log.warning("database busy (%s) on %s %s: answered 503", reason, request.method, request.url.path)
    return envelope(503, "SERVICE_UNAVAILABLE", BUSY_MESSAGE, headers={"Retry-After": BUSY_RETRY_AFTER})


async def _pool_timeout(request: Request, _error: PoolTimeout) -> JSONResponse:
    return _busy(request, "no free connection")


async def _database_error(request: Request, error: DBAPIError) -> JSONResponse:
    sqlstate = getattr(error.orig, "sqlstate", None)
    if sqlstate in BUSY_SQLSTATES:
        return _busy(request, type(error.orig).__name__)
    if isinstance(error, OperationalError) and str(error.orig).startswith(SQLITE_BUSY):
        return _busy(request, "SQLite write lock")
    if isinstance(error, OperationalError) or error.connection_invalidated:
        log.warning("database unavailable: %s", type(error.orig).__name__ if error.orig else type(error).__name__)
        return envelope(503, "SERVICE_UNAVAILABLE", "The database is unavailable; try again shortly.",
                        headers={"Retry-After": "5"})
    return await _unexpected(request, error)


async def _storage_unavailable(request: Request, error: OSError) -> JSONResponse:
    # The disk under the files failed (full, read-only, unmounted): the request was fine, so not a 500; its
    # transaction has rolled back, so nothing was charged or recorded.
    log.warning("storage unavailable (%s, errno %s) on %s %s: answered 503", type(error).__name__, error.errno,
                request.method, request.url.path)
    return envelope(503, "SERVICE_UNAVAILABLE", "File storage is unavailable; try again shortly.",
                    headers={"Retry-After": "5"})


async def _unexpected(request: Request, error: Exception) -> JSONResponse:
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return envelope(500, "INTERNAL", "Something went wrong on our side; it has been logged.")


def install(app: FastAPI) -> None:
    # FastAPI's decorator form, applied directly: it accepts handlers typed for their own exception class.
    app.exception_handler(RequestValidationError)(_validation_error)
    app.exception_handler(AppError)(_app_error)
    app.exception_handler(StarletteHTTPException)(_http_error)
    app.exception_handler(DBAPIError)(_database_error)
    app.exception_handler(PoolTimeout)(_pool_timeout)
    app.exception_handler(OSError)(_storage_unavailable)
    app.exception_handler(Exception)(_unexpected)
