"""What an upload's bytes say before anything is decoded: its type, the size it declares, and the file without its
metadata when that can be had without decoding it."""

from __future__ import annotations

import re
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


# Segments a JPEG keeps when its metadata is dropped: every one but APP0-APP15 (EXIF, XMP, ICC, MPF, JFIF density,
# Photoshop...) and COM, except APP14 "Adobe", which says whether the three channels are YCbCr or RGB.
_JPEG_APP_MARKERS = range(0xE0, 0xF0)
_JPEG_KEPT_APP = 0xEE
_JPEG_COMMENT = 0xFE
_JPEG_SCAN_END = re.compile(rb"\xff[^\x00\xd0-\xd7\xff]")  # in a scan, FF 00 is a stuffed byte and FF D0-D7 a restart
# Chunks a PNG keeps: the critical ones. Every ancillary chunk (text, EXIF, ICC, gamma, pHYs, time...) is metadata.
_PNG_KEPT_CHUNKS = {b"IHDR", b"PLTE", b"IDAT", b"IEND"}


def jpeg_without_metadata(data: bytes) -> bytes | None:
    """The first picture of a JPEG, its entropy-coded data untouched, without metadata segments or trailing bytes; None
    when its structure is not one this reads (the caller then decodes and re-encodes it)."""
    view = memoryview(data)  # kept segments are views: the join below is the only copy of the picture's data
    kept: list[bytes | memoryview] = [b"\xff\xd8"]
    position = 2
    while position + 2 <= len(data):
        if data[position] != 0xFF:
            return None
        marker = data[position + 1]
        if marker == 0xFF:  # fill byte
            position += 1
            continue
        if marker == 0xD9:
            kept.append(b"\xff\xd9")
            return b"".join(kept)
        if marker in _JPEG_MARKERS_WITHOUT_LENGTH:
            return None  # a restart marker or SOI outside a scan: not a plain file
        if position + 4 > len(data):
            return None
        end = position + 2 + struct.unpack(">H", data[position + 2 : position + 4])[0]
        if marker == 0xDA:  # start of scan: its coded data runs to the next marker
            found = _JPEG_SCAN_END.search(data, end)
            if found is None:
                return None
            end = found.start()
        if end > len(data):
            return None
        if marker == _JPEG_KEPT_APP or (marker not in _JPEG_APP_MARKERS and marker != _JPEG_COMMENT):
            kept.append(view[position:end])
        position = end
    return None


def png_without_metadata(data: bytes) -> bytes | None:
    """An 8-bit RGB or RGBA PNG's critical chunks, copied as they are, without metadata chunks or trailing bytes; None
    for other pixel formats or when its chunks do not read to an IEND."""
    if data[12:16] != b"IHDR" or data[24:26] not in (b"\x08\x02", b"\x08\x06"):  # bit depth 8, RGB or RGBA
        return None
    view = memoryview(data)  # as in jpeg_without_metadata: views, one copy in the join
    kept = [view[:8]]
    position = 8
    while position + 12 <= len(data):
        length = int.from_bytes(data[position : position + 4], "big")
        kind = data[position + 4 : position + 8]
        end = position + 12 + length
        if end > len(data):
            return None
        if kind in _PNG_KEPT_CHUNKS:
            kept.append(view[position:end])
        if kind == b"IEND":
            return b"".join(kept)
        position = end
    return None
