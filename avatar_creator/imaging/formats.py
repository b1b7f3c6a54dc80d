"""What an upload's first bytes say before anything is decoded: its type and the size it declares."""

from __future__ import annotations

import struct

JPEG = "image/jpeg"
PNG = "image/png"
WEBP = "image/webp"
HEIC = "image/heic"

SNIFF_BYTES = 64  # enough for every signature below, a HEIF file's compatible brands included

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_HEIF_BRANDS = {b"heic", b"heix", b"hevc", b"heim", b"heis", b"hevm", b"hevs", b"mif1", b"msf1"}
_GENERIC_HEIF_BRANDS = {b"mif1", b"msf1"}  # AVIF files use these too, and we cannot decode AV1
_AVIF_BRANDS = {b"avif", b"avis"}
# JPEG start-of-frame markers (they carry the size); C4, C8 and CC share the range but are not frames.
_JPEG_FRAME_MARKERS = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}
_JPEG_MARKERS_WITHOUT_LENGTH = {0x01, *range(0xD0, 0xD9)}  # TEM, RST0-7, SOI


def sniff(head: bytes) -> str | None:
    """The MIME type of an upload from its first ``SNIFF_BYTES`` bytes, or None when it is not one we accept."""
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(_PNG_SIGNATURE):
        return PNG
    if head[0:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    if head[4:8] == b"ftyp" and _is_heic(head):
        return HEIC
    return None


def _is_heic(head: bytes) -> bool:
    """True for an HEVC-coded HEIF file; AVIF shares the container but not the codec."""
    major = head[8:12]
    if major not in _HEIF_BRANDS:
        return False
    box_end = min(int.from_bytes(head[0:4], "big"), len(head))
    compatible = {head[i : i + 4] for i in range(16, box_end - 3, 4)}
    return major not in _GENERIC_HEIF_BRANDS or not compatible & _AVIF_BRANDS


def declared_size(data: bytes, mime_type: str) -> tuple[int, int] | None:
    """The (width, height) a JPEG, PNG or WebP header declares, or None when it cannot be read from the bytes."""
    try:
        if mime_type == PNG:
            return _png_size(data)
        if mime_type == JPEG:
            return _jpeg_size(data)
        if mime_type == WEBP:
            return _webp_size(data)
    except (struct.error, IndexError):
        return None
    return None  # HEIC: pillow-heif reads the size without decoding


def _png_size(data: bytes) -> tuple[int, int] | None:
    if data[12:16] != b"IHDR":
        return None
    return struct.unpack(">II", data[16:24])


def _jpeg_size(data: bytes) -> tuple[int, int] | None:
    position = 2
    while position + 4 <= len(data):
        if data[position] != 0xFF:
            return None
        marker = data[position + 1]
        if marker == 0xFF:  # fill byte
            position += 1
        elif marker in _JPEG_MARKERS_WITHOUT_LENGTH:
            position += 2
        elif marker in _JPEG_FRAME_MARKERS:
            height, width = struct.unpack(">HH", data[position + 5 : position + 9])
            return width, height
        elif marker in (0xDA, 0xD9):  # scan or end of image before any frame header
            return None
        else:
            position += 2 + struct.unpack(">H", data[position + 2 : position + 4])[0]
    return None


def _webp_size(data: bytes) -> tuple[int, int] | None:
    chunk = data[12:16]
    if chunk == b"VP8X":
        width = int.from_bytes(data[24:27], "little") + 1
        height = int.from_bytes(data[27:30], "little") + 1
        return width, height
    if chunk == b"VP8L":
        bits = int.from_bytes(data[21:25], "little")
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    if chunk == b"VP8 ":
        width, height = struct.unpack("<HH", data[26:30])
        return width & 0x3FFF, height & 0x3FFF
    return None


def webp_is_lossless(data: bytes) -> bool:
    """True when a WebP file's image data is VP8L (lossless), so re-encoding it lossy would lose detail."""
    position = 12
    while position + 8 <= len(data):
        chunk = data[position : position + 4]
        if chunk in (b"VP8 ", b"VP8L"):
            return chunk == b"VP8L"
        size = int.from_bytes(data[position + 4 : position + 8], "little")
        position += 8 + size + (size & 1)
    return False
