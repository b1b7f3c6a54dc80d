"""Pillow steps shared by the image providers: decode a reference, encode the result as PNG at the requested size."""

from __future__ import annotations

import io

from PIL import Image, ImageOps


def fit(image: Image.Image, width: int, height: int) -> Image.Image:
    """``image`` as RGB(A) at exactly ``width``×``height``, cover-cropped around the centre when the shape differs."""
    if image.mode not in ("RGB", "RGBA"):
        image = image.convert("RGBA" if "A" in image.getbands() else "RGB")
    if image.size != (width, height):
        image = ImageOps.fit(image, (width, height), Image.Resampling.LANCZOS)
    return image


def encode_png(image: Image.Image, width: int, height: int) -> bytes:
    """PNG bytes of ``image`` at the requested size (providers may round sizes or ignore them)."""
    buffer = io.BytesIO()
    # zlib level 1: a 1024² photo encodes in ~65 ms instead of ~250 ms at the default 6, for ~11 % more bytes.
    fit(image, width, height).save(buffer, format="PNG", compress_level=1)
    return buffer.getvalue()


def decode_reference(data: bytes, width: int, height: int) -> Image.Image:
    """A reference image as upright RGB at the output size, ready for image-to-image."""
    with Image.open(io.BytesIO(data)) as opened:
        upright = ImageOps.exif_transpose(opened)
        return fit(upright.convert("RGB"), width, height)
