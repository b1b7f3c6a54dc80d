"""Sniffing types and reading declared sizes from headers, without decoding."""

from __future__ import annotations

import io
import struct

import pytest
from PIL import Image

from avatar_creator.imaging.formats import declared_size, sniff, webp_is_lossless


def ftyp(major: bytes, *compatible: bytes) -> bytes:
    body = major + b"\x00\x00\x00\x00" + b"".join(compatible)
    return struct.pack(">I", 8 + len(body)) + b"ftyp" + body + b"\x00\x00\x00\x08meta"


@pytest.mark.parametrize("brand", [b"heic", b"heix", b"hevc", b"heim", b"heis", b"hevm", b"hevs", b"mif1", b"msf1"])
def test_heif_brands_are_heic(brand):
    assert sniff(ftyp(brand, b"mif1", b"heic")) == "image/heic"


@pytest.mark.parametrize(
    "head",
    [
        ftyp(b"avif", b"mif1", b"avif"),
        ftyp(b"mif1", b"mif1", b"avif", b"miaf"),  # AVIF with a generic major brand
        ftyp(b"msf1", b"avis"),
        ftyp(b"isom", b"mp41"),  # an MP4 video
        ftyp(b"qt  "),
    ],
)
def test_other_iso_media_files_are_refused(head):
    assert sniff(head) is None


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", "image/jpeg"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "image/png"),
        (b"RIFF\x00\x00\x00\x00WEBPVP8 ", "image/webp"),
        (b"RIFF\x00\x00\x00\x00WAVEfmt ", None),
        (b"GIF89a", None),
        (b"\xff\xd8", None),
        (b"", None),
    ],
)
def test_signatures(head, expected):
    assert sniff(head) == expected


def encoded(image: Image.Image, fmt: str, **params) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **params)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("data", "mime_type"),
    [
        (encoded(Image.new("RGB", (321, 123)), "JPEG"), "image/jpeg"),
        (encoded(Image.new("RGB", (321, 123)), "JPEG", progressive=True, exif=Image.Exif().tobytes()), "image/jpeg"),
        (encoded(Image.new("CMYK", (321, 123)), "JPEG"), "image/jpeg"),
        (encoded(Image.new("RGB", (321, 123)), "PNG"), "image/png"),
        (encoded(Image.new("RGB", (321, 123)), "WEBP"), "image/webp"),  # VP8
        (encoded(Image.new("RGB", (321, 123)), "WEBP", lossless=True), "image/webp"),  # VP8L
        (encoded(Image.new("RGBA", (321, 123)), "WEBP"), "image/webp"),  # VP8X
    ],
)
def test_declared_size_matches_pillow(data, mime_type):
    assert declared_size(data, mime_type) == Image.open(io.BytesIO(data)).size == (321, 123)


@pytest.mark.parametrize(
    "data", [b"\xff\xd8\xff", b"\xff\xd8\xff\xe0\x00\x10", b"\xff\xd8\xff\xda\x00\x08", b"\x89PNG\r\n\x1a\n"]
)
def test_unreadable_headers_declare_nothing(data):
    assert declared_size(data, "image/jpeg" if data[0] == 0xFF else "image/png") is None


def test_lossless_webp_is_told_apart():
    assert webp_is_lossless(encoded(Image.new("RGBA", (64, 64)), "WEBP", lossless=True))
    assert not webp_is_lossless(encoded(Image.new("RGBA", (64, 64)), "WEBP", quality=80))
    assert not webp_is_lossless(encoded(Image.new("RGB", (64, 64)), "WEBP", quality=80))
