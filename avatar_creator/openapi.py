"""The OpenAPI document, made to tell the truth: the statuses each operation really answers, with API.md's envelope.

FastAPI documents a 422 nobody ever gets and none of our errors. One pass over the finished document fixes that from
what each route depends on, so route modules stay as they are: the caller (``deps.get_principal``) → 401 and the
security schemes, and 403 (an API token outside its scopes, a cookie request without its CSRF token); a rate limit →
429; the database or the limiter (Redis) → 503; any parameter or body → 400; a body → 413; a path parameter → 404.
A route with a status of its own (402, 409, 415) says so with ``responses=statuses(...)``, one that answers a file
with ``responses=binary(...)``, and one that reads its form itself describes it with ``openapi_extra=multipart_body``.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable, Iterator
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute, RouteContext, iter_route_contexts
from pydantic import BaseModel

from avatar_creator import deps
from avatar_creator.error_handlers import STATUS_CODES

ERROR_SCHEMA = "ErrorResponse"
ERROR_REF = {"$ref": f"#/components/schemas/{ERROR_SCHEMA}"}
DESCRIPTIONS = {
    400: "A bad field, bad JSON or a bad multipart form (never 422).",
    401: "No token, or an expired or revoked one.",
    402: "Not enough credits: the message says the required and available credits.",
    403: "An API token used outside its scopes (FORBIDDEN), or a cookie-authenticated state-changing request without "
         "a valid CSRF token (CSRF_FAILED).",
    404: "Missing, or owned by someone else.",
    409: "The request conflicts with the current state.",
    413: "The body is over its limit, or the storage quota is full.",
    415: "The bytes are not JPEG, PNG, WebP or HEIC.",
    429: "Too many requests: see Retry-After and X-RateLimit-*.",
    503: "A dependency is down or busy: see Retry-After.",
}
RETRY_AFTER = {"Retry-After": {"description": "Seconds to wait before trying again.", "schema": {"type": "string"}}}
# The session token as a bearer header, or the browser's cookie (CSRF header needed on state-changing requests).
SECURITY_SCHEMES = {"bearer": {"type": "http", "scheme": "bearer"},
                    "sessionCookie": {"type": "apiKey", "in": "cookie", "name": deps.SESSION_COOKIE}}
SIGNED_IN: list[dict[str, list[str]]] = [{"bearer": []}, {"sessionCookie": []}]
JSON = "application/json"
UNSTATED = "422"  # FastAPI's own validation status: ours is 400, so it is never answered
UNUSED_SCHEMAS = ("HTTPValidationError", "ValidationError")


def statuses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """A route's ``responses=`` for the statuses only it answers; described and given the envelope here."""
    return {code: {"description": DESCRIPTIONS[code]} for code in codes}


def binary(*media_types: str) -> dict[int | str, dict[str, Any]]:
    """A route's ``responses=`` when it answers a file, not JSON: these types replace FastAPI's JSON placeholder."""
    file = {"schema": {"type": "string", "format": "binary"}}
    return {200: {"description": "The file.", "content": dict.fromkeys(media_types, file)}}


def multipart_body(model: type[BaseModel], *, file_field: str = "image", json_too: bool = False) -> dict[str, Any]:
    """``openapi_extra`` for a route that streams its multipart form itself: the fields of ``model`` plus the file.

    Lists are sent as a JSON array string in a form (``avatars.attributes``); ``json_too`` also documents a JSON body.
    """
    schema = model.model_json_schema(by_alias=True)
    properties: dict[str, Any] = {name: _form_value(value) for name, value in schema["properties"].items()}
    properties[file_field] = {"type": "string", "format": "binary"}
    form = {"type": "object", "properties": properties, "required": [file_field, *schema.get("required", [])]}
    content: dict[str, Any] = {"multipart/form-data": {"schema": form}}
    if json_too:
        content["application/json"] = {"schema": schema}
    return {"requestBody": {"required": True, "content": content}}


def _form_value(schema: dict[str, Any]) -> dict[str, Any]:
    """A form field is text: an array becomes the JSON array string the form reader parses."""
    options = schema.get("anyOf", [schema])
    if any(option.get("type") == "array" for option in options):
        return {"type": "string", "description": "A JSON array of strings.", "title": schema.get("title", "")}
    return schema


def install(app: FastAPI, *, provider_names: set[str]) -> None:
    """``provider_names``: what a request's ``provider`` may name here, which only the running app knows."""

    def document() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = build(app, provider_names)
        return app.openapi_schema

    app.openapi = document  # type: ignore[method-assign]  # FastAPI's documented way to replace the document


def build(app: FastAPI, provider_names: set[str]) -> dict[str, Any]:
    with warnings.catch_warnings():  # FastAPI's ids for a GET-and-HEAD route clash; every id is replaced below
        warnings.filterwarnings("ignore", message="Duplicate Operation ID")
        document = get_openapi(title=app.title, version=app.version, routes=app.routes,
                               description="HEAD is answered wherever GET is, without the body.")
    document.setdefault("components", {}).setdefault("schemas", {})[ERROR_SCHEMA] = _error_schema()
    document["components"]["securitySchemes"] = SECURITY_SCHEMES
    for name in UNUSED_SCHEMAS:
        document["components"]["schemas"].pop(name, None)
    for schema in document["components"]["schemas"].values():
        for option in schema.get("properties", {}).get("provider", {}).get("anyOf", []):
            if option.get("type") == "string":
                option["enum"] = sorted(provider_names)
    used_ids: set[str] = set()
    for route in iter_route_contexts(app.routes):  # routes of included routers, each with its full path
        if not isinstance(route.original_route, APIRoute) or not route.include_in_schema:
            continue
        path, name = route.path_format or "", route.name or ""
        path_item = document["paths"][path]
        if "get" in path_item:
            path_item.pop("head", None)  # implied by GET (see head.py), so fuzzers and clients see one operation
        for method in sorted(route.methods or ()):
            operation = path_item.get(method.lower())
            if operation is None:
                continue
            operation["operationId"] = _operation_id(name, path, method, used_ids)
            calls = set(_calls(route.dependant))
            _document_errors(operation, _error_statuses(route, calls))
            if calls & {deps.get_principal, deps.get_admin}:
                operation["security"] = SIGNED_IN
    return document


def _error_schema() -> dict[str, Any]:
    return {
        "type": "object", "required": ["success", "error"],
        "properties": {
            "success": {"type": "boolean", "enum": [False]},
            "error": {
                "type": "object", "required": ["code", "message"],
                "properties": {
                    "code": {"type": "string", "examples": sorted({*STATUS_CODES.values(), "CSRF_FAILED",
                                                                   "INSUFFICIENT_CREDITS",
                                                                   "STORAGE_QUOTA_EXCEEDED"})},
                    "message": {"type": "string"},
                    "field": {"type": "string"},
                    "details": {"type": "array", "items": {}},
                },
            },
        },
    }


def _operation_id(name: str, path: str, method: str, used: set[str]) -> str:
    """The function's name in camelCase (``listProjects``); a second route of the same name adds its path."""
    words = name.split("_")
    candidate = words[0] + "".join(word.title() for word in words[1:])
    if candidate in used:
        path_words = [word for word in re.split(r"[^A-Za-z0-9]+", path) if word]
        candidate += "".join(word.title() for word in path_words) + method.title()
    used.add(candidate)
    return candidate


def _calls(dependant: Dependant) -> Iterator[Callable[..., Any]]:
    for dependency in dependant.dependencies:
        if dependency.call is not None:
            yield dependency.call
        yield from _calls(dependency)


def _error_statuses(route: RouteContext, calls: set[Callable[..., Any]]) -> set[int]:
    dependant = route.dependant
    has_body = dependant.body_params or "requestBody" in (route.openapi_extra or {})
    found: set[int] = set()
    if has_body or dependant.path_params or dependant.query_params or dependant.header_params:
        found.add(400)
    if has_body:
        found.add(413)
    if dependant.path_params:
        found.add(404)
    if deps.get_principal in calls:
        found |= {401, 403}
    if deps.get_admin in calls:  # anyone but an admin finds nothing: 404; an admin's cookie still needs its CSRF
        found |= {403, 404}
    if deps.get_rate_limiter in calls:  # only the limits (deps.limit_by_*) ask for the limiter
        found |= {429, 503}
    if deps.get_database in calls:
        found.add(503)
    return found


def _document_errors(operation: dict[str, Any], derived: set[int]) -> None:
    responses = operation.setdefault("responses", {})
    responses.pop(UNSTATED, None)
    success = responses.get("200", {}).get("content", {})
    if len(success) > 1 and success.get(JSON, {}).get("schema") == {}:
        del success[JSON]  # FastAPI's JSON placeholder beside the file types ``binary`` declared
    for code in derived:
        responses.setdefault(str(code), {"description": DESCRIPTIONS[code]})
    for code, response in responses.items():
        if int(code) >= 400 and "content" not in response:
            response["content"] = {JSON: {"schema": ERROR_REF}}
        if code in ("429", "503"):
            response.setdefault("headers", RETRY_AFTER)
