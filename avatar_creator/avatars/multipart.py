"""Reading a request body as it streams, stopping the moment it passes the size limit: the one reader of the upload,
from-reference and web upload forms (and of from-reference's JSON).

Starlette's ``request.form()`` spools a file of any size to disk before the route sees it; this reads
``request.stream()`` itself, counts every byte (a missing or lying Content-Length changes nothing) and parses with
``python-multipart``'s streaming parser, so an oversized upload costs at most the limit in memory and time.
"""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

from python_multipart.exceptions import FormParserError
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.requests import ClientDisconnect, Request

from avatar_creator.errors import PayloadTooLarge, ValidationFailed
from avatar_creator.request_limits import file_too_large, reject_unstorable

if TYPE_CHECKING:  # python-multipart defines it for type checkers only
    from python_multipart.multipart import MultipartCallbacks

FILE_FIELD = "image"
TEXT_BYTES_LIMIT = 64 * 1024  # every text field together; the longest real one is 500 characters


@dataclass(frozen=True)
class UploadedFile:
    """A file part's bytes and, where the reader was asked to hash it, their SHA-256 taken chunk by chunk as they
    arrived (no second pass over them); a file that arrived whole is hashed when first asked."""

    data: bytes
    streamed_sha256: str | None = None

    @cached_property
    def sha256(self) -> str:
        return self.streamed_sha256 or hashlib.sha256(self.data).hexdigest()


@dataclass
class UploadForm:
    """The expected text fields (first value of each), the file (None when no ``image`` part came) and the names of
    the other parts, which are read past but not kept."""

    fields: dict[str, str] = field(default_factory=dict)
    image: UploadedFile | None = None
    ignored: list[str] = field(default_factory=list)


class _Collector:
    """python-multipart callbacks that gather the parts, enforcing the limits as data arrives."""

    def __init__(self, max_file_bytes: int, text_fields: frozenset[str], declared_bytes: int | None,
                 hash_file: bool):
        self.max_file_bytes = max_file_bytes
        self.declared_bytes = declared_bytes
        self.text_fields = text_fields
        self.form = UploadForm()
        self.finished = False
        self._image = bytearray()
        self._image_digest = hashlib.sha256() if hash_file else None
        self._image_seen = False
        self._text_bytes = 0
        self._header_name = bytearray()
        self._header_value = bytearray()
        self._disposition = b""
        self._name = ""
        self._value = bytearray()

    def callbacks(self) -> MultipartCallbacks:
        return {"on_part_begin": self._part_begin, "on_header_field": self._header_field,
                "on_header_value": self._header_value_data, "on_header_end": self._header_end,
                "on_headers_finished": self._headers_finished, "on_part_data": self._part_data,
                "on_part_end": self._part_end, "on_end": self._end}

    def _part_begin(self) -> None:
        self._disposition, self._name, self._value = b"", "", bytearray()

    def _header_field(self, data: bytes, start: int, end: int) -> None:
        self._header_name += data[start:end]

    def _header_value_data(self, data: bytes, start: int, end: int) -> None:
        self._header_value += data[start:end]

    def _header_end(self) -> None:
        if bytes(self._header_name).lower() == b"content-disposition":
            self._disposition = bytes(self._header_value)
        self._header_name, self._header_value = bytearray(), bytearray()

    def _headers_finished(self) -> None:
        # Only the field name is read: the client's filename and Content-Type are never used for anything.
        _, options = parse_options_header(self._disposition)
        self._name = options.get(b"name", b"").decode("utf-8", "replace")
        if self._name == FILE_FIELD:
            if self._image_seen:
                raise ValidationFailed("image: send exactly one file", field=FILE_FIELD)
            self._image_seen = True

    def _part_data(self, data: bytes, start: int, end: int) -> None:
        if self._name == FILE_FIELD:
            chunk = memoryview(data)[start:end]  # a view: the chunk is appended (and hashed), never copied
            self._image += chunk
            if self._image_digest is not None:
                self._image_digest.update(chunk)
            if len(self._image) > self.max_file_bytes:
                raise PayloadTooLarge(file_too_large(self.declared_bytes, self.max_file_bytes), field=FILE_FIELD)
            return
        self._text_bytes += end - start
        if self._text_bytes > TEXT_BYTES_LIMIT:
            raise PayloadTooLarge(f"the form's other fields are larger than {TEXT_BYTES_LIMIT:,} bytes")
        if self._name in self.text_fields:
            self._value += data[start:end]

    def _part_end(self) -> None:
        if self._name == FILE_FIELD:
            digest = self._image_digest.hexdigest() if self._image_digest is not None else None
            self.form.image = UploadedFile(bytes(self._image), digest)
            self._image = bytearray()
            return
        if self._name not in self.text_fields:
            if self._name:
                self.form.ignored.append(self._name)
            return
        if self._name in self.form.fields:
            return
        try:
            text = self._value.decode("utf-8")
        except UnicodeDecodeError:
            raise ValidationFailed(f"{self._name}: not UTF-8 text", field=self._name) from None
        reject_unstorable(self._name, text)
        self.form.fields[self._name] = text

    def _end(self) -> None:
        self.finished = True


async def read_upload_form(request: Request, *, max_file_bytes: int, text_fields: frozenset[str],
                           hash_file: bool = False) -> UploadForm:
    """The multipart body's ``image`` and ``text_fields``; ``PayloadTooLarge`` as soon as the file or the body passes
    its limit. ``hash_file``: take the image's SHA-256 as it streams in, for a caller that names the file by it."""
    media_type, options = parse_options_header(request.headers.get("content-type", ""))
    boundary = options.get(b"boundary")
    if media_type != b"multipart/form-data" or not boundary:
        raise ValidationFailed("image: send the image and fields as multipart/form-data", field=FILE_FIELD)
    declared = request.headers.get("content-length", "")
    # The body's declared length stands for the file's size: the other fields add less than 0.1 MB.
    declared_bytes = int(declared) if declared.isdigit() else None
    too_large = file_too_large(declared_bytes, max_file_bytes)
    collector = _Collector(max_file_bytes, text_fields, declared_bytes, hash_file)
    try:
        parser = MultipartParser(boundary, collector.callbacks())
        async for chunk in _limited(request, max_file_bytes + TEXT_BYTES_LIMIT, too_large, FILE_FIELD):
            parser.write(chunk)
    except FormParserError as error:
        raise ValidationFailed("image: the multipart body is malformed", field=FILE_FIELD) from error
    except ClientDisconnect as error:
        raise ValidationFailed("image: the upload was interrupted", field=FILE_FIELD) from error
    if not collector.finished:
        raise ValidationFailed("image: the multipart body ended before its closing boundary", field=FILE_FIELD)
    return collector.form


async def read_limited_body(request: Request, limit: int) -> bytes:
    """The whole body (a small JSON document), ``PayloadTooLarge`` as soon as it passes ``limit`` bytes."""
    try:
        return b"".join([chunk async for chunk in _limited(request, limit, f"The request body is over {limit} bytes.")])
    except ClientDisconnect as error:
        raise ValidationFailed("The request body was interrupted.") from error


async def _limited(request: Request, limit: int, too_large: str, field: str | None = None) -> AsyncIterator[bytes]:
    """The body's chunks, stopped with ``PayloadTooLarge(too_large)`` once more than ``limit`` bytes arrived."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:  # honest and too large: refuse before reading
        raise PayloadTooLarge(too_large, field=field)
    received = 0
    async for chunk in request.stream():
        received += len(chunk)
        if received > limit:
            raise PayloadTooLarge(too_large, field=field)
        yield chunk
