"""Image files for the upload tests, built here: photo-like images, PNGs written by hand, HEIC, and API.md's table of
refusals row by row (each case: a name, a builder, the error and the start of its message)."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib

import numpy
from PIL import Image

from avatar_creator.imaging import InvalidImage, UnsupportedImageType, sniff

BLUE = (20, 40, 200)
RED = (230, 20, 20)


# --- builders -------------------------------------------------------------------------------------------------------


def encode(image: Image.Image, fmt: str, **params) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **params)
    return buffer.getvalue()


def photo(width: int = 640, height: int = 480, seed: int = 0) -> Image.Image:
    """Gradients plus noise: compresses like a photo, so truncation really cuts image data."""
    rng = numpy.random.default_rng(seed)
    y, x = numpy.mgrid[0:height, 0:width]
    base = numpy.stack([x / width * 200 + 30, y / height * 180 + 40, (x + y) / (width + height) * 150 + 60], -1)
    return Image.fromarray(numpy.clip(base + rng.normal(0, 12, base.shape), 0, 255).astype(numpy.uint8))


def png_chunk(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))


def png_by_hand(width: int, height: int, *, bit_depth: int, colour_type: int, rows: bytes) -> bytes:
    """A PNG whose header says exactly what we want, whatever the pixel data is."""
    header = struct.pack(">IIBBBBB", width, height, bit_depth, colour_type, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", header)
        + png_chunk(b"IDAT", zlib.compress(rows))
        + png_chunk(b"IEND", b"")
    )


def huge_png_header() -> bytes:
    """30000×30000 declared in 60-odd bytes: a decoder that trusts it allocates 3.6 GB."""
    return png_by_hand(30000, 30000, bit_depth=8, colour_type=2, rows=b"\x00" * 64)


def rgb16_png(width: int = 300, height: int = 300) -> bytes:
    """16-bit RGB (Pillow cannot write it): every pixel 0x8080, 0x4040, 0xC0C0."""
    row = b"\x00" + b"\x80\x80\x40\x40\xc0\xc0" * width
    return png_by_hand(width, height, bit_depth=16, colour_type=2, rows=row * height)


def jpeg_with_declared_size(width: int, height: int) -> bytes:
    """A valid small JPEG whose frame header is rewritten to declare another size."""
    data = bytearray(encode(Image.new("RGB", (16, 16), BLUE), "JPEG"))
    frame = data.index(b"\xff\xc0")
    data[frame + 5 : frame + 9] = struct.pack(">HH", height, width)
    return bytes(data)


def webp_with_declared_canvas(width: int, height: int) -> bytes:
    """An extended (VP8X) WebP whose canvas claims another size: Pillow would allocate it on open."""
    data = bytearray(encode(Image.new("RGBA", (16, 16), (*BLUE, 128)), "WEBP"))
    assert data[12:16] == b"VP8X"
    data[24:27] = (width - 1).to_bytes(3, "little")
    data[27:30] = (height - 1).to_bytes(3, "little")
    return bytes(data)


def animated(fmt: str) -> bytes:
    frames = [Image.new("RGB", (300, 300), colour) for colour in (BLUE, RED)]
    return encode(frames[0], fmt, save_all=True, append_images=frames[1:], duration=100, loop=0)


def zip_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("payload.txt", "not an image " * 100)
    return buffer.getvalue()


def avif_like_header() -> bytes:
    """An ISO-BMFF file branded AVIF (mif1 + avif): HEIF's container, a codec we do not decode."""
    return struct.pack(">I", 28) + b"ftypavif" + b"\x00\x00\x00\x00" + b"mif1avifmiaf" + b"\x00" * 200


# --- refusals: API.md's table row by row ----------------------------------------------------------------------------

NOT_AN_IMAGE = "image is not JPEG, PNG, WebP or HEIC"
CORRUPT = "image could not be decoded: it is truncated or corrupt"
REFUSED = [
    ("zero bytes", lambda: b"", InvalidImage, "image is empty"),
    ("gif", lambda: encode(Image.new("RGB", (300, 300), BLUE), "GIF"), UnsupportedImageType, NOT_AN_IMAGE),
    ("bmp", lambda: encode(Image.new("RGB", (300, 300), BLUE), "BMP"), UnsupportedImageType, NOT_AN_IMAGE),
    ("tiff", lambda: encode(Image.new("RGB", (300, 300), BLUE), "TIFF"), UnsupportedImageType, NOT_AN_IMAGE),
    (
        "svg with a script",
        lambda: b'<svg xmlns="http://www.w3.org/2000/svg" width="300" height="300"><script>alert(1)</script></svg>',
        UnsupportedImageType,
        NOT_AN_IMAGE,
    ),
    (
        "html named .png",
        lambda: b"<!DOCTYPE html><html><body><script>fetch('/api/auth/me')</script></body></html>",
        UnsupportedImageType,
        NOT_AN_IMAGE,
    ),
    (
        "pdf",
        lambda: b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF",
        UnsupportedImageType,
        NOT_AN_IMAGE,
    ),
    ("random bytes", lambda: numpy.random.default_rng(7).bytes(4096), UnsupportedImageType, NOT_AN_IMAGE),
    ("zip", zip_bytes, UnsupportedImageType, NOT_AN_IMAGE),
    ("avif", avif_like_header, UnsupportedImageType, NOT_AN_IMAGE),
    (
        "png declaring 30000x30000",
        huge_png_header,
        InvalidImage,
        "image is 30000×30000; at most 4096 pixels on a side and 40 megapixels",
    ),
    (
        "jpeg declaring 8000x6000",
        lambda: jpeg_with_declared_size(8000, 6000),
        InvalidImage,
        "image is 8000×6000; at most 4096 pixels on a side and 40 megapixels",
    ),
    (
        "webp declaring 16383x16383",
        lambda: webp_with_declared_canvas(16383, 16383),
        InvalidImage,
        "image is 16383×16383; at most 4096 pixels on a side",
    ),
    (
        "4097x300",
        lambda: encode(Image.new("RGB", (4097, 300), BLUE), "PNG"),
        InvalidImage,
        "image is 4097×300; at most 4096 pixels on a side",
    ),
    (
        "255x4096",
        lambda: encode(Image.new("RGB", (255, 4096), BLUE), "PNG"),
        InvalidImage,
        "image is 255×4096; at least 256 pixels on a side",
    ),
    (
        "100x100 webp",
        lambda: encode(Image.new("RGB", (100, 100), BLUE), "WEBP"),
        InvalidImage,
        "image is 100×100; at least 256 pixels on a side",
    ),
    (
        "truncated jpeg",
        lambda: encode(photo(), "JPEG", quality=90)[:20000],
        InvalidImage,
        CORRUPT,
    ),
    ("truncated png", lambda: encode(photo(), "PNG")[:30000], InvalidImage, CORRUPT),
    ("jpeg signature then garbage", lambda: b"\xff\xd8\xff\xe0" + b"\x13" * 2000, InvalidImage, CORRUPT),
    (
        "png with a broken IDAT checksum",
        lambda: encode(photo(300, 300), "PNG").replace(b"IDAT", b"IDAT\x00", 1),
        InvalidImage,
        CORRUPT,
    ),
    ("animated webp", lambda: animated("WEBP"), InvalidImage, "image is animated; only still images are accepted"),
    ("animated png", lambda: animated("PNG"), InvalidImage, "image is animated; only still images are accepted"),
]


def heic(image: Image.Image) -> bytes:
    # pillow_heif's own writer: registering its Pillow plugin here would change the options the code under test set.
    import pillow_heif

    buffer = io.BytesIO()
    pillow_heif.from_pillow(image).save(buffer, quality=95)
    assert sniff(buffer.getvalue()[:64]) == "image/heic"
    return buffer.getvalue()
