"""Text in PNG files: insert an ``iTXt`` chunk into the bytes (no re-encoding) and read text chunks back."""

from __future__ import annotations

import struct
import zlib

SIGNATURE = b"\x89PNG\r\n\x1a\n"
_IHDR_END = len(SIGNATURE) + 8 + 13 + 4  # length, type, 13 bytes of header, CRC


def insert_text(png: bytes, key: str, text: str) -> bytes:
    """``png`` with an uncompressed UTF-8 ``iTXt`` chunk ``key``: ``text`` placed right after the header chunk.

    Raises:
        ValueError: ``png`` is not a PNG, ``text`` holds a NUL, or ``key`` is not a PNG keyword (1–79 printable
            Latin-1 characters, no leading, trailing or double spaces).
    """
    _check_header(png)
    _check_keyword(key)
    if "\x00" in text:
        raise ValueError("PNG text cannot contain NUL characters")
    # keyword, NUL, compression flag 0, compression method 0, empty language tag + NUL, empty translation + NUL
    data = key.encode("latin-1") + b"\x00\x00\x00\x00\x00" + text.encode("utf-8")
    return png[:_IHDR_END] + _chunk(b"iTXt", data) + png[_IHDR_END:]


def read_text(png: bytes) -> dict[str, str]:
    """Every ``tEXt``, ``zTXt`` and ``iTXt`` entry of ``png`` (a later entry wins over an earlier one of its key).

    Raises:
        ValueError: ``png`` is not a PNG, or a text chunk is malformed.
    """
    _check_header(png)
    entries: dict[str, str] = {}
    for kind, data in _chunks(png):
        if kind == b"tEXt":
            key, _, value = data.partition(b"\x00")
            entries[key.decode("latin-1")] = value.decode("latin-1")
        elif kind == b"zTXt":
            key, _, rest = data.partition(b"\x00")
            entries[key.decode("latin-1")] = _inflate(rest[1:]).decode("latin-1")
        elif kind == b"iTXt":
            key, value = _parse_itxt(data)
            entries[key] = value
    return entries


def _check_header(png: bytes) -> None:
    if not png.startswith(SIGNATURE) or png[len(SIGNATURE) + 4:len(SIGNATURE) + 8] != b"IHDR" or len(png) < _IHDR_END:
        raise ValueError("not a PNG image")


def _check_keyword(key: str) -> None:
    try:
        encoded = key.encode("latin-1")
    except UnicodeEncodeError:
        raise ValueError(f"PNG keyword must be Latin-1: {key!r}") from None
    printable = all(32 <= byte <= 126 or 161 <= byte <= 255 for byte in encoded)
    if not (1 <= len(encoded) <= 79 and printable and key == key.strip() and "  " not in key):
        raise ValueError(f"not a valid PNG keyword: {key!r}")


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def _chunks(png: bytes):
    """(type, data) of each chunk after the signature, up to IEND."""
    offset = len(SIGNATURE)
    while offset + 8 <= len(png):
        (length,) = struct.unpack_from(">I", png, offset)
        kind = png[offset + 4:offset + 8]
        end = offset + 8 + length + 4
        if end > len(png):
            break
        yield kind, png[offset + 8:offset + 8 + length]
        if kind == b"IEND":
            return
        offset = end
    raise ValueError("truncated PNG: it ends before its IEND chunk")


def _parse_itxt(data: bytes) -> tuple[str, str]:
    try:
        key, rest = data.split(b"\x00", 1)
        compressed, rest = rest[0], rest[2:]  # skip the compression method
        _language, _translated, value = rest.split(b"\x00", 2)
    except (ValueError, IndexError):
        raise ValueError("malformed iTXt chunk") from None
    return key.decode("latin-1"), (_inflate(value) if compressed else value).decode("utf-8")


def _inflate(data: bytes) -> bytes:
    try:
        return zlib.decompress(data)
    except zlib.error as error:
        raise ValueError(f"malformed compressed text chunk: {error}") from error
