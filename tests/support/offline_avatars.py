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

# More regions: the garment's left side (below shoulder details, above a kimono's sash), a saree's drape across the
# chest, the ear lobes, an ear cup of headphones, the chin, and the strip of wall above the left shoulder.
TORSO = (50, 250, 90, 262)
SAREE_DRAPE = (145, 240, 170, 248)
LEFT_EARLOBE, RIGHT_EARLOBE = (62, 134, 78, 150), (186, 134, 202, 150)
EAR_CUP = (55, 108, 70, 136)
CHIN = (116, 170, 148, 182)
MOUTH = (112, 142, 152, 162)
INK = "#1B1828"  # the outlines of the anime and comic styles


def region(pixels: np.ndarray, box) -> np.ndarray:
    """The pixels of the figure box ``box``."""
    height, width = pixels.shape[:2]
    (left, top), (right, bottom) = to_pixel(*box[:2], width, height), to_pixel(*box[2:], width, height)
    return pixels[top:bottom, left:right]


def colour_share(pixels: np.ndarray, colour: str, tolerance: int = 10) -> float:
    """The fraction of the whole picture painted ``colour``."""
    return float((np.abs(pixels[..., :3] - palette.to_rgb(colour)).max(axis=-1) <= tolerance).mean())


def uniform_blocks(pixels: np.ndarray, block: int) -> bool:
    """True when the picture is made of ``block``-pixel squares of one colour each (the last row and column may be
    cut short)."""
    height, width = pixels.shape[:2]
    tiles = [pixels[top:top + block, left:left + block] for top in range(0, height, block)
             for left in range(0, width, block)]
    return all((tile == tile[0, 0]).all() for tile in tiles)
