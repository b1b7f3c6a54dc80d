"""Art styles: the flat drawing, re-rendered as watercolour, pencil sketch, anime, comic, pixel art or 3D clay, then
encoded as PNG.

Each style is an image filter (OpenCV and numpy) over the rasterised BGRA picture; sizes scale with the picture so a
style looks the same at 256² and 2048². The noise of the textured styles comes from the request's seed, so the same
request gives the same bytes.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import cv2
import numpy as np

from avatar_creator.providers.offline.vocabulary import FLAT

PIXEL_BLOCKS = 64  # pixel art: blocks along the picture's shorter side
_INK = np.array([40, 24, 27], np.uint8)  # outlines, BGR of #1B1828
_FIRM = np.array([255 * (level / 255) ** 2.4 for level in range(256)], np.uint8)  # pencil: firmer lines
_SIX_LEVELS = np.array([round(level / 51) * 51 for level in range(256)], np.uint8)  # comic: print colours
Filter = Callable[[np.ndarray, np.ndarray, np.random.Generator, float], tuple[np.ndarray, np.ndarray]]


def render(style: str, pixels: np.ndarray, seed: int) -> bytes:
    """BGRA ``pixels`` in ``style`` (a name of ``vocabulary.ART_STYLES``; flat leaves them as drawn), as PNG bytes."""
    opaque_alpha = np.full(pixels.shape[:2], 255, np.uint8)
    colour, alpha = pixels[..., :3], pixels[..., 3] if pixels.shape[2] == 4 else opaque_alpha
    if style != FLAT:
        colour, alpha = _FILTERS[style](np.ascontiguousarray(colour), np.ascontiguousarray(alpha),
                                        np.random.default_rng(seed % 2**64), min(pixels.shape[:2]) / 1024)
    opaque = bool(alpha.min() == 255)
    # Fast and small for both flat areas and texture; zlib's default strategy costs more than the whole render.
    ok, encoded = cv2.imencode(".png", colour if opaque else np.dstack([colour, alpha]),
                               [cv2.IMWRITE_PNG_COMPRESSION, 1, cv2.IMWRITE_PNG_STRATEGY, cv2.IMWRITE_PNG_STRATEGY_RLE])
    if not ok:
        raise ValueError(f"could not encode the {style} picture")
    return encoded.tobytes()


def _grey(colour: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(colour, cv2.COLOR_BGR2GRAY)


def _noise(rng: np.random.Generator, shape: tuple[int, ...], cell: float) -> np.ndarray:
    """Smooth seeded noise around 0 (about ±1), with features ``cell`` pixels across."""
    height, width = shape[:2]
    coarse = rng.standard_normal((max(2, int(height / cell) + 2), max(2, int(width / cell) + 2))).astype(np.float32)
    return cv2.resize(coarse, (width, height), interpolation=cv2.INTER_CUBIC)


def _edges(colour: np.ndarray, alpha: np.ndarray, thickness: float) -> np.ndarray:
    """Where colour regions (and the opaque shape) meet, as a mask ``thickness`` pixels wide."""
    edges = cv2.bitwise_or(cv2.Canny(colour, 40, 120), cv2.Canny(alpha, 40, 120))
    size = max(1, round(thickness))
    return cv2.dilate(edges, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (size, size))) > 0


def _ink(colour: np.ndarray, alpha: np.ndarray, lines: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    inked = colour.copy()
    inked[lines] = _INK
    alpha = alpha.copy()
    alpha[lines] = 255
    return inked, alpha


def _watercolour(colour, alpha, rng, scale):
    """Soft washes lighter than the drawing, pigment pooled at the edges, granulation and paper grain."""
    soft = cv2.GaussianBlur(colour, (0, 0), 2.0 * scale + 0.5).astype(np.float32)
    rims = cv2.GaussianBlur(_edges(colour, alpha, 3 * scale).astype(np.float32), (0, 0), 2.5 * scale + 0.5)
    grain = 1 + 0.035 * _noise(rng, colour.shape, 48 * scale + 4) + 0.02 * _noise(rng, colour.shape, 6 * scale + 2)
    # wash = (soft × (1 − 0.22 rims) × 0.84 + 0.16 paper) × grain, as one product and one sum over the channels
    pigment, paper = (1 - 0.22 * rims) * 0.84 * grain, np.float32(0.16 * 250) * grain
    return cv2.convertScaleAbs(soft * pigment[..., None] + paper[..., None]), alpha


def _pencil(colour, alpha, rng, scale):
    """Graphite on paper: the drawing's edges by colour dodge, hatching in the dark areas, paper grain."""
    grey = _grey(colour)
    blurred = cv2.GaussianBlur(255 - grey, (0, 0), 4 * scale + 1)
    sketch = cv2.LUT(cv2.divide(grey, 255 - blurred, scale=256), _FIRM).astype(np.float32)
    outlines = cv2.GaussianBlur(_edges(colour, alpha, 1.5 * scale + 1).astype(np.float32), (0, 0), 0.6 * scale + 0.3)
    sketch = np.minimum(sketch, 255 - 150 * outlines)  # edges the dodge misses, where both sides are alike in tone
    sketch -= 70 * (_pattern("hatch", grey.shape, scale) & (grey < 110))
    sketch += 6 * _noise(rng, grey.shape, 6 * scale + 2)
    # graphite grey, the blue channel a touch lighter than the red
    return cv2.merge([cv2.convertScaleAbs(sketch, alpha=tint) for tint in (1.0, 0.99, 0.98)]), alpha


@functools.lru_cache(maxsize=8)
def _pattern(kind: str, shape: tuple[int, int], scale: float) -> np.ndarray:
    """The pencil's diagonal hatching or the comic's halftone dots, as a mask of ``shape``."""
    rows, columns = np.indices(shape, dtype=np.float32)
    pitch = 9 * scale + 3
    if kind == "hatch":
        mask = ((rows + columns) % pitch) < (1.6 * scale + 0.8)
    else:
        mask = ((rows % pitch - pitch / 2) ** 2 + (columns % pitch - pitch / 2) ** 2) < (pitch * 0.3) ** 2
    mask.flags.writeable = False  # shared by every render of this size, in every thread
    return mask


def _anime(colour, alpha, rng, scale):
    """Cel shading: brighter, more saturated flat colour and bold dark outlines."""
    hsv = cv2.cvtColor(colour, cv2.COLOR_BGR2HSV).astype(np.float32)
    hsv[..., 1] = np.minimum(255, hsv[..., 1] * 1.3)
    hsv[..., 2] = np.minimum(255, hsv[..., 2] * 1.06)
    vivid = cv2.cvtColor(hsv.astype(np.uint8), cv2.COLOR_HSV2BGR)
    return _ink(vivid, alpha, _edges(colour, alpha, 3.5 * scale + 1))


def _comic(colour, alpha, rng, scale):
    """Print colours in six levels a channel, halftone dots in the shadows, heavy ink outlines."""
    posterised = cv2.LUT(colour, _SIX_LEVELS)
    shaded = _pattern("dots", colour.shape[:2], scale) & (_grey(colour) < 150)
    posterised[shaded] = (posterised[shaded] * 0.6).astype(np.uint8)
    return _ink(posterised, alpha, _edges(colour, alpha, 5 * scale + 1))


def _pixel_art(colour, alpha, rng, scale):
    """Square blocks, 64 along the shorter side, in a palette of sixteen levels a channel; alpha is on or off."""
    height, width = colour.shape[:2]
    block = max(2, round(min(height, width) / PIXEL_BLOCKS))
    padded = np.dstack([colour, alpha])
    padded = cv2.copyMakeBorder(padded, 0, -height % block, 0, -width % block, cv2.BORDER_REPLICATE)
    small = cv2.resize(padded, (padded.shape[1] // block, padded.shape[0] // block), interpolation=cv2.INTER_AREA)
    small[..., :3] = np.round(small[..., :3] / 17.0).astype(np.uint8) * 17
    small[..., 3] = np.where(small[..., 3] >= 128, 255, 0)
    big = np.repeat(np.repeat(small, block, axis=0), block, axis=1)[:height, :width]
    return np.ascontiguousarray(big[..., :3]), np.ascontiguousarray(big[..., 3])


def _clay(colour, alpha, rng, scale):
    """Soft 3D shading: each flat region bulges like modelling clay, darker at its rims, lit from the top left."""
    radius = 30 * scale + 3
    inside = (~_edges(colour, alpha, 1)).astype(np.uint8)
    depth = np.minimum(cv2.distanceTransform(inside, cv2.DIST_L2, 3), radius) / radius
    height = cv2.GaussianBlur(np.sqrt(1 - (1 - depth) ** 2), (0, 0), 1.5 * scale + 0.5)
    slope_x = cv2.Sobel(height, cv2.CV_32F, 1, 0, ksize=3)
    slope_y = cv2.Sobel(height, cv2.CV_32F, 0, 1, ksize=3)
    light = 0.74 + 0.26 * height + np.clip(-0.6 * slope_x - 0.8 * slope_y, -0.14, 0.1)
    return cv2.convertScaleAbs(colour.astype(np.float32) * light[..., None]), alpha


_FILTERS: dict[str, Filter] = {"watercolour": _watercolour, "pencil sketch": _pencil, "anime": _anime,
                               "comic": _comic, "pixel art": _pixel_art, "3d clay": _clay}
