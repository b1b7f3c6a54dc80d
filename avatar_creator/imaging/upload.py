"""An uploaded file to a stored image and its thumbnail: every check of API.md's upload table, one decode."""

from __future__ import annotations

import functools
import io
import math
import struct
from dataclasses import dataclass

from PIL import ExifTags, Image, ImageFile

from .colour import is_srgb, to_srgb
from .errors import InvalidImage, UnsupportedImageType
from .formats import (
    HEIC,
    JPEG,
    PNG,
    SNIFF_BYTES,
    WEBP,
    declared_size,
    jpeg_without_metadata,
    png_without_metadata,
    sniff,
    webp_is_lossless,
)
from .thumbnails import THUMBNAIL_MIME, THUMBNAIL_SIZE, encode_thumbnail

JPEG_QUALITY = 90
# Measured by bench/png_levels.py on 2048² pictures: zlib's run-length strategy is 2-3× faster than level 3's default
# on a photo and smaller on both a photo (-12%) and a flat graphic (-64%); the level barely matters with it.
PNG_COMPRESS_LEVEL = 1
PNG_COMPRESS_TYPE = 3  # Z_RLE

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
    if mime_type != JPEG:  # decoded now, so that no later read of it (PNG's EXIF) decodes it and hides an error
        _load(image)
    unchanged = _without_metadata(image, data, mime_type)
    if unchanged is not None:
        return _kept(image, unchanged, mime_type, min_side, max_side, max_pixels)
    _load(image)
    image = _upright(image)
    _check_sides(image.size, min_side, max_side, max_pixels)

    stored_mime = JPEG if mime_type == HEIC else mime_type
    pixels = to_srgb(image, keep_alpha=stored_mime != JPEG)
    del image  # the decoded original, when ``pixels`` is a converted copy: one full-size picture alive, not two
    stored = _encode(pixels, stored_mime, lossless=mime_type == WEBP and webp_is_lossless(data))
    return ProcessedImage(
        data=stored,
        mime_type=stored_mime,
        extension=_EXTENSIONS[stored_mime],
        width=pixels.width,
        height=pixels.height,
        thumbnail=encode_thumbnail(pixels),
    )


def _without_metadata(image: Image.Image, data: bytes, mime_type: str) -> bytes | None:
    """The upload's own bytes less its metadata when its pixels need no change (upright, 8-bit sRGB), else None.

    Storing them skips a full-size re-encode (most of an upload's time) and keeps a JPEG's quality as it came.
    """
    if mime_type not in (JPEG, PNG) or not is_srgb(image) or _orientation(image) != 1:
        return None
    return jpeg_without_metadata(data) if mime_type == JPEG else png_without_metadata(data)


def _kept(image: Image.Image, data: bytes, mime_type: str, min_side: int, max_side: int,
          max_pixels: int) -> ProcessedImage:
    """``data`` stored as it is; the pixels are decoded only to check them and for the thumbnail, a JPEG's at the
    smallest scale that still gives the thumbnail twice its size (``draft``: a 12-megapixel photo decodes at 1/4)."""
    width, height = image.size
    if mime_type == JPEG:
        scale = min(1.0, 2 * THUMBNAIL_SIZE / min(width, height))
        image.draft("RGB", (math.ceil(width * scale), math.ceil(height * scale)))
    _load(image)
    _check_sides((width, height), min_side, max_side, max_pixels)
    image.info.clear()  # nothing of the upload's metadata reaches the thumbnail either
    return ProcessedImage(data=data, mime_type=mime_type, extension=_EXTENSIONS[mime_type], width=width,
                          height=height, thumbnail=encode_thumbnail(image))


def _load(image: Image.Image) -> None:
    try:
        image.load()
    except _DECODE_ERRORS as error:
        raise InvalidImage("image could not be decoded: it is truncated or corrupt") from error


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
    method = _ORIENTATIONS.get(_orientation(image))
    if method is None:
        return image
    return image.transpose(method)  # keeps ``info``, so the ICC profile still reaches the colour conversion


def _orientation(image: Image.Image) -> int:
    """The EXIF orientation; 1 (as stored) when there is none or the EXIF is unreadable, as browsers show it."""
    try:
        orientation = image.getexif().get(ExifTags.Base.Orientation)
    except _DECODE_ERRORS:
        return 1
    return orientation if isinstance(orientation, int) else 1


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
        pixels.save(buffer, "PNG", compress_level=PNG_COMPRESS_LEVEL, compress_type=PNG_COMPRESS_TYPE)
    elif lossless:
        pixels.save(buffer, "WEBP", lossless=True)
    else:
        pixels.save(buffer, "WEBP", quality=JPEG_QUALITY)
    return buffer.getvalue()

