"""An uploaded file to a stored image and its thumbnail: every check of API.md's upload table, one decode."""

from __future__ import annotations

import functools
import io
import struct
from dataclasses import dataclass

from PIL import ExifTags, Image, ImageFile

from .colour import to_srgb
from .errors import InvalidImage, UnsupportedImageType
from .formats import HEIC, JPEG, PNG, SNIFF_BYTES, WEBP, declared_size, sniff, webp_is_lossless
from .thumbnails import THUMBNAIL_MIME, encode_thumbnail

JPEG_QUALITY = 90
PNG_COMPRESS_LEVEL = 3  # 2048² photo: level 6 takes ~2× as long for ~10% smaller files

_PILLOW_FORMATS = {JPEG: "JPEG", PNG: "PNG", WEBP: "WEBP", HEIC: "HEIF"}
_EXTENSIONS = {JPEG: "jpg", PNG: "png", WEBP: "webp"}
_ANIMATABLE = {"PNG", "WEBP"}  # a multi-picture JPEG (MPO) or a multi-image HEIC keeps its primary picture instead
# EXIF orientation -> the transposition that shows the picture upright.
_ORIENTATIONS = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
# What Pillow's decoders raise for truncated or corrupt data; anything else is a bug and should surface as one.
_DECODE_ERRORS = (OSError, SyntaxError, ValueError, EOFError, IndexError, struct.error)


@dataclass(frozen=True)
class ProcessedImage:
    """A normalised upload: the bytes to store, what they are, and a JPEG thumbnail."""

    data: bytes
    mime_type: str
    extension: str
    width: int
    height: int
    thumbnail: bytes
    thumbnail_mime: str = THUMBNAIL_MIME


def process_upload(
    data: bytes, *, max_side: int = 4096, min_side: int = 256, max_pixels: int = 40_000_000
) -> ProcessedImage:
    """Check ``data`` in API.md's order and normalise it (upright, 8-bit sRGB, no metadata, no trailing bytes).

    Raises ``UnsupportedImageType`` (415) or ``InvalidImage`` (400) with a message for the client.
    """
    if not data:
        raise InvalidImage("image is empty")
    mime_type = sniff(data[:SNIFF_BYTES])
    if mime_type is None:
        raise UnsupportedImageType("image is not JPEG, PNG, WebP or HEIC")
    declared = declared_size(data, mime_type)
    if declared is not None:  # before Pillow: its WebP reader allocates the whole canvas when it opens a file
        _check_not_too_large(declared, max_side, max_pixels)
    try:
        image: Image.Image = _open(data, mime_type)
    except Image.DecompressionBombError as error:  # Pillow's own limit, reached only by HEIC (size not read above)
        bomb_pixels = (Image.MAX_IMAGE_PIXELS or 0) * 2  # never None here: Pillow raises this only under a limit
        raise InvalidImage(
            f"image is over {bomb_pixels / 1e6:.0f} megapixels; {_limits(max_side, max_pixels)}"
        ) from error
    _check_not_too_large(image.size, max_side, max_pixels)
    if image.format in _ANIMATABLE and getattr(image, "is_animated", False):
        raise InvalidImage("image is animated; only still images are accepted")
    try:
        image.load()
    except _DECODE_ERRORS as error:
        raise InvalidImage("image could not be decoded: it is truncated or corrupt") from error
    image = _upright(image)
    _check_sides(image.size, min_side, max_side, max_pixels)

    stored_mime = JPEG if mime_type == HEIC else mime_type
    pixels = to_srgb(image, keep_alpha=stored_mime != JPEG)
    stored = _encode(pixels, stored_mime, lossless=mime_type == WEBP and webp_is_lossless(data))
    return ProcessedImage(
        data=stored,
        mime_type=stored_mime,
        extension=_EXTENSIONS[stored_mime],
        width=pixels.width,
        height=pixels.height,
        thumbnail=encode_thumbnail(pixels),
    )


def _open(data: bytes, mime_type: str) -> ImageFile.ImageFile:
    """Read the header only, with the one Pillow plugin the bytes were sniffed as."""
    if mime_type == HEIC:
        _register_heif_opener()
    try:
        return Image.open(io.BytesIO(data), formats=[_PILLOW_FORMATS[mime_type]])
    except _DECODE_ERRORS as error:
        raise InvalidImage("image could not be decoded: it is truncated or corrupt") from error


def _upright(image: Image.Image) -> Image.Image:
    """``image`` turned as its EXIF orientation says (pillow-heif has already turned HEIC pictures).

    Not ``ImageOps.exif_transpose``: it writes the EXIF back, which raises on corrupt tags we are about to drop anyway.
    """
    try:
        orientation = image.getexif().get(ExifTags.Base.Orientation)
    except _DECODE_ERRORS:
        return image  # unreadable EXIF: show the picture as stored, as browsers do
    method = _ORIENTATIONS.get(orientation) if isinstance(orientation, int) else None
    if method is None:
        return image
    return image.transpose(method)  # keeps ``info``, so the ICC profile still reaches the colour conversion


@functools.cache
def _register_heif_opener() -> None:
    try:
        import pillow_heif
    except ImportError as error:
        raise RuntimeError("HEIC uploads need pillow-heif: pip install pillow-heif") from error
    # Thumbnails, depth maps and auxiliary images are never used: do not even parse them.
    pillow_heif.register_heif_opener(thumbnails=False, depth_images=False, aux_images=False)


def _check_not_too_large(size: tuple[int, int], max_side: int, max_pixels: int) -> None:
    width, height = size
    if max(width, height) > max_side or width * height > max_pixels:
        raise InvalidImage(f"image is {width}×{height}; {_limits(max_side, max_pixels)}")


def _limits(max_side: int, max_pixels: int) -> str:
    return f"at most {max_side} pixels on a side and {max_pixels / 1e6:g} megapixels"


def _check_sides(size: tuple[int, int], min_side: int, max_side: int, max_pixels: int) -> None:
    _check_not_too_large(size, max_side, max_pixels)
    width, height = size
    if min(width, height) < min_side:
        raise InvalidImage(f"image is {width}×{height}; at least {min_side} pixels on a side")


def _encode(pixels: Image.Image, mime_type: str, *, lossless: bool) -> bytes:
    """Fresh bytes with no metadata: Pillow writes ``info``'s comment and ICC profile back unless told otherwise."""
    pixels.info.clear()
    buffer = io.BytesIO()
    if mime_type == JPEG:
        pixels.save(buffer, "JPEG", quality=JPEG_QUALITY)
    elif mime_type == PNG:
        pixels.save(buffer, "PNG", compress_level=PNG_COMPRESS_LEVEL)
    elif lossless:
        pixels.save(buffer, "WEBP", lossless=True)
    else:
        pixels.save(buffer, "WEBP", quality=JPEG_QUALITY)
    return buffer.getvalue()

