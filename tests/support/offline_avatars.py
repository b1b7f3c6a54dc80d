"""Where the offline provider draws what, and how much of a region of its picture is one colour."""

from __future__ import annotations

import numpy as np

from avatar_creator.providers.offline import palette
from avatar_creator.providers.offline.svg import to_pixel

# Regions of the figure (python_avatars units; the head spans x 76–188, the eyes sit at y 112).
TOP_OF_HEAD = (112, 22, 152, 40)
LEFT_CHEEK, RIGHT_CHEEK = (90, 130, 102, 142), (162, 130, 174, 142)


def share(pixels: np.ndarray, box, colour: str, tolerance: int = 6) -> float:
    """The fraction of the figure box ``box`` painted ``colour``."""
    height, width, _ = pixels.shape
    (left, top), (right, bottom) = to_pixel(*box[:2], width, height), to_pixel(*box[2:], width, height)
    region = pixels[top:bottom, left:right]
    return float((np.abs(region - palette.to_rgb(colour)).max(axis=2) <= tolerance).mean())
