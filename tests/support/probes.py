"""Requests generated from the app's OpenAPI document: for every operation, one request per path parameter, query
parameter and string field of its body, that field carrying a probe value and everything else a plausible value.

The operations, parameters and fields all come from the document; only the ids of things that exist (a project,
an avatar...) are given by the test, through ``known``, so the routes get past 404.
"""

from __future__ import annotations

import json
import math
import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import quote

NUL = "probe\x00nul"
SURROGATE = "probe\ud800sur"
LONG = "p" * 1000
BODY_TYPES = ("application/json", "multipart/form-data", "application/x-www-form-urlencoded")
PLAIN_TEXT = "probe text value"


@dataclass
class Probe:
    """One request: ``where`` is path, query, header or body; ``target`` is what carries the probe."""

    method: str
    path: str  # percent-encoded, query included
    where: str
    target: str
    headers: dict[str, str] = field(default_factory=dict)
    content: bytes | None = None
    files: dict | None = None
    data: dict | None = None

    def send(self, client, auth: dict[str, str]):
        return client.request(self.method, self.path, headers={**auth, **self.headers}, content=self.content,
                              files=self.files, data=self.data)

    def __str__(self) -> str:
        return f"{self.method} {self.path.split('?')[0][:120]} ({self.where} {self.target})"


def encoded(text: str) -> str:
    """Percent-encoded UTF-8; a lone surrogate goes as its three bytes, as a hostile client would send it."""
    return quote(text.encode("utf-8", "surrogatepass"), safe="")


def probes(document: dict, value: str, *, known: dict[str, str], image: bytes,
           where: tuple[str, ...] = ("path", "query", "body")) -> Iterator[Probe]:
    """Every probe of ``value`` for the operations of ``document``; DELETE operations come last."""
    operations = [(path, method, operation) for path, item in document["paths"].items()
                  for method, operation in item.items() if method in ("get", "post", "put", "patch", "delete")]
    operations.sort(key=lambda entry: entry[1] == "delete")
    for path, method, operation in operations:
        parameters = operation.get("parameters", [])
        path_values = {p["name"]: known.get(p["name"], PLAIN_TEXT) for p in parameters if p["in"] == "path"}
        body = _body(document, operation, known, image)
        for parameter in parameters:
            if parameter["in"] not in where:
                continue
            name = parameter["name"]
            if parameter["in"] == "path":
                url = _url(path, {**path_values, name: value})
            elif parameter["in"] == "query":
                url = f"{_url(path, path_values)}?{encoded(name)}={encoded(value)}"
            else:
                request = body.request(body.values)
                request["headers"] = {**request.get("headers", {}), name: value}
                yield Probe(method.upper(), _url(path, path_values), "header", name, **request)
                continue
            yield Probe(method.upper(), url, parameter["in"], name, **body.request(body.values))
        if "body" in where:
            for target, values in body.variants(value):
                yield Probe(method.upper(), _url(path, path_values), "body", target, **body.request(values))


def _url(path: str, values: dict[str, str]) -> str:
    for name, text in values.items():
        path = path.replace("{" + name + "}", encoded(text))
    return path


@dataclass
class _Body:
    media_type: str | None
    values: dict
    image: bytes
    file_fields: frozenset[str] = frozenset()

    def variants(self, value: str) -> Iterator[tuple[str, dict]]:
        """The body with ``value`` in each of its string fields in turn (nested ones included)."""
        for target, replace in _string_slots(self.values):
            if target.split(".")[0] not in self.file_fields:
                yield target, replace(value)

    def request(self, values: dict) -> dict:
        if self.media_type is None:
            return {}
        if self.media_type == "application/json":
            return {"content": json.dumps(values).encode(), "headers": {"Content-Type": self.media_type}}
        # Form fields as the bytes a hostile client would send: a lone surrogate as its three UTF-8 bytes.
        text = {name: _form_text(item) for name, item in values.items() if name not in self.file_fields}
        if self.media_type == "multipart/form-data":
            return {"files": {name: ("photo.jpg", self.image, "image/jpeg") for name in self.file_fields},
                    "data": {name: item.encode("utf-8", "surrogatepass") for name, item in text.items()}}
        return {"content": "&".join(f"{encoded(name)}={encoded(item)}" for name, item in text.items()).encode(),
                "headers": {"Content-Type": self.media_type}}


def _form_text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return value if isinstance(value, str) else json.dumps(value)


def _body(document: dict, operation: dict, known: dict[str, str], image: bytes) -> _Body:
    content = operation.get("requestBody", {}).get("content", {})
    media_type = next((kind for kind in BODY_TYPES if kind in content), None)
    if media_type is None:
        return _Body(None, {}, image)
    schema = _resolve(document, content[media_type].get("schema", {}))
    values = _plausible(document, schema, known, "")
    files = frozenset(name for name, item in schema.get("properties", {}).items()
                      if _resolve(document, item).get("format") == "binary")
    return _Body(media_type, values if isinstance(values, dict) else {}, image, files)


def _resolve(document: dict, schema: dict) -> dict:
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        return _resolve(document, document["components"]["schemas"][name])
    for key in ("anyOf", "oneOf"):
        if key in schema:
            choices = [_resolve(document, choice) for choice in schema[key]]
            return next((choice for choice in choices if choice.get("type") != "null"), choices[0])
    return schema


def _plausible(document: dict, schema: dict, known: dict[str, str], name: str) -> object:
    """A value the schema accepts, as far as the schema says: a known id, its default or example, else made up."""
    schema = _resolve(document, schema)
    if name in known:
        return known[name]
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        return {key: _plausible(document, item, known, key) for key, item in schema.get("properties", {}).items()}
    if schema.get("default") is not None:
        return schema["default"]
    if schema.get("enum"):
        return schema["enum"][0]
    if schema.get("examples"):
        return schema["examples"][0]
    if kind == "array":
        return [_plausible(document, schema.get("items", {}), known, "")]
    if kind in ("integer", "number"):
        number = schema.get("minimum", 1)
        step = schema.get("multipleOf", 1)
        return int(math.ceil(number / step) * step)
    if kind == "boolean":
        return True
    if schema.get("format") == "email":
        return f"probe-{secrets.token_hex(4)}@example.com"
    if schema.get("format") == "binary":
        return ""
    text = PLAIN_TEXT * (1 + schema.get("minLength", 0) // len(PLAIN_TEXT))
    return text[:schema.get("maxLength", len(text))]


def _string_slots(values: object, prefix: str = "") -> Iterator[tuple[str, object]]:
    """Every string in ``values`` as (dotted name, a function giving a copy with that string replaced)."""
    if isinstance(values, dict):
        items = list(values.items())
    elif isinstance(values, list):
        items = list(enumerate(values))
    else:
        return
    for key, item in items:
        name = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(item, str):
            yield name, _replacer(values, key)
        for inner, replace in _string_slots(item, name):
            yield inner, _nested(values, key, replace)


def _replacer(container, key):
    def replace(value):
        copy = container.copy()
        copy[key] = value
        return copy
    return replace


def _nested(container, key, replace_inner):
    def replace(value):
        copy = container.copy()
        copy[key] = replace_inner(value)
        return copy
    return replace
