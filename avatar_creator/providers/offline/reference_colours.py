"""Read skin, hair and background colours from a reference photo, so an illustrated avatar can keep its look."""

from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageOps

from avatar_creator.imaging.faces import find_largest_face
from avatar_creator.providers.offline.palette import to_hex, to_rgb

_WORKING_SIDE = 512  # faces are found as well at this size, and a 12 MP photo decodes in milliseconds
_SAME_COLOUR = 40  # largest channel difference still counted as the same colour (lighting, compression)


@dataclass(frozen=True)
class ReferenceColours:
    """Colours read from a photo as ``#RRGGBB``; ``hair`` is None when the head looked bald or was not found."""

    skin: str
    hair: str | None
    background: str
    face_found: bool


def read_reference_colours(image: bytes) -> ReferenceColours:
    """Sample skin inside the largest face, hair just above it and the background in the top corners.

    Without a face, skin comes from the centre of the picture and hair is left unknown.

    Raises:
        ValueError: ``image`` is not a picture Pillow can read.
    """
    picture = _decode(image)
    pixels = np.asarray(picture)
    height, width, _ = pixels.shape
    background = _median(np.concatenate([_region(pixels, 0, 0, 0.12, 0.12).reshape(-1, 3),
                                         _region(pixels, 0.88, 0, 1, 0.12).reshape(-1, 3)]))
    face = find_largest_face(picture)
    if face is None:
        return ReferenceColours(skin=_median(_region(pixels, 0.4, 0.4, 0.6, 0.6)), hair=None,
                                background=background, face_found=False)
    x, y, w, h = (value / size for value, size in zip(face, (width, height, width, height), strict=True))
    skin = _median(_region(pixels, x + 0.25 * w, y + 0.5 * h, x + 0.75 * w, y + 0.65 * h))
    above = _region(pixels, x + 0.35 * w, y - 0.18 * h, x + 0.65 * w, y - 0.03 * h)
    return ReferenceColours(skin=skin, hair=_hair(above, skin, background), background=background, face_found=True)


def _hair(above_face: np.ndarray, skin: str, background: str) -> str | None:
    """The colour of what is above the face that is neither skin (forehead, bald head) nor background."""
    pixels = above_face.reshape(-1, 3).astype(int)
    unlike = np.ones(len(pixels), dtype=bool)
    for colour in (skin, background):
        unlike &= np.abs(pixels - to_rgb(colour)).max(axis=1) > _SAME_COLOUR
    if unlike.sum() < 0.3 * len(pixels) or not len(pixels):
        return None
    return _median(pixels[unlike])


def _decode(image: bytes) -> Image.Image:
    try:
        with Image.open(io.BytesIO(image)) as picture:
            picture.draft("RGB", (_WORKING_SIDE, _WORKING_SIDE))
            upright = ImageOps.exif_transpose(picture).convert("RGB")
    except (OSError, ValueError, Image.DecompressionBombError) as error:
        raise ValueError(f"the reference image cannot be read: {error}") from error
    upright.thumbnail((_WORKING_SIDE, _WORKING_SIDE))
    return upright


def _region(pixels: np.ndarray, left: float, top: float, right: float, bottom: float) -> np.ndarray:
    """The pixels between fractional coordinates, clipped to the picture (possibly empty)."""
    height, width, _ = pixels.shape
    x0, x1 = (max(0, min(width, round(value * width))) for value in (left, right))
    y0, y1 = (max(0, min(height, round(value * height))) for value in (top, bottom))
    return pixels[y0:y1, x0:x1]


def _median(pixels: np.ndarray) -> str:
    return to_hex(tuple(np.median(pixels.reshape(-1, 3), axis=0)))
