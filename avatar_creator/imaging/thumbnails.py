"""Every avatar's thumbnail, uploaded or generated: a face-centred square JPEG of one size and quality."""

from __future__ import annotations

import io

from PIL import Image

from .colour import flatten
from .faces import face_centred_crop
from .formats import JPEG

THUMBNAIL_SIZE = 300
THUMBNAIL_MIME = JPEG
THUMBNAIL_QUALITY = 85


def encode_thumbnail(pixels: Image.Image) -> bytes:
    """The JPEG thumbnail of decoded pixels (RGB, or RGBA flattened like an upload's stored JPEG)."""
    if pixels.mode not in ("RGB", "RGBA"):
        pixels = pixels.convert("RGB")
    crop = face_centred_crop(pixels, THUMBNAIL_SIZE)
    if crop.mode == "RGBA":
        crop = flatten(crop.convert("RGB"), crop.getchannel("A"))
    buffer = io.BytesIO()
    crop.save(buffer, "JPEG", quality=THUMBNAIL_QUALITY)
    return buffer.getvalue()


def thumbnail_of(image: bytes) -> bytes:
    """The JPEG thumbnail of encoded image bytes (a provider's result)."""
    with Image.open(io.BytesIO(image)) as opened:
        return encode_thumbnail(opened.convert("RGB"))
