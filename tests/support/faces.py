"""Flat cartoon faces that OpenCV's frontal-face cascade detects, pasted on plain canvases where a test wants them."""

from __future__ import annotations

import numpy
from PIL import Image, ImageDraw, ImageFilter

BACKGROUND = (40, 60, 90)
SKIN = (225, 180, 150)


def drawn_face(width: int) -> Image.Image:
    """A flat cartoon face (head, brows, eyes, nose, mouth) that OpenCV's frontal-face cascade detects."""
    image = Image.new("RGB", (width, width * 5 // 4), BACKGROUND)
    draw = ImageDraw.Draw(image)
    s = width / 200

    def box(*coordinates: float) -> list[float]:
        return [c * s for c in coordinates]

    draw.ellipse(box(20, 20, 180, 230), fill=SKIN)
    for left in (40, 115):
        draw.rectangle(box(left, 70, left + 45, 78), fill=(60, 40, 30))
        draw.ellipse(box(left + 5, 90, left + 45, 110), fill=(255, 255, 255))
        draw.ellipse(box(left + 17, 91, left + 33, 109), fill=(40, 30, 30))
    draw.polygon([(100 * s, 105 * s), (88 * s, 150 * s), (112 * s, 150 * s)], fill=(200, 150, 120))
    draw.ellipse(box(65, 170, 135, 190), fill=(150, 60, 60))
    return image.filter(ImageFilter.GaussianBlur(2 * s))


def scene(size: tuple[int, int], faces: list[tuple[int, int, int]]) -> Image.Image:
    """A plain canvas with faces of the given widths pasted at the given top-left corners."""
    canvas = Image.new("RGB", size, BACKGROUND)
    for left, top, width in faces:
        canvas.paste(drawn_face(width), (left, top))
    return canvas


def mean_colour(image: Image.Image, box: tuple[int, int, int, int]) -> tuple[float, ...]:
    return tuple(numpy.asarray(image.crop(box), dtype=float).mean(axis=(0, 1)))
