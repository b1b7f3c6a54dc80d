"""SVG to pixels: CairoSVG where the system cairo library loads (about 5× faster here), resvg where it does not.

The pixels are BGRA (OpenCV's order), 8 bits, with straight alpha; ``styles.render`` filters and encodes them.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

import cv2
import numpy as np


class NoRasteriserError(RuntimeError):
    """Neither CairoSVG (with the cairo library) nor resvg-py can be imported."""


@dataclass(frozen=True)
class Rasteriser:
    """One way to turn an SVG document (with its own width and height) into BGRA pixels."""

    name: str
    to_pixels: Callable[[str], np.ndarray]
    note: str = ""  # why this one was chosen, when it is the fallback


def cairo_rasteriser() -> Rasteriser:
    """CairoSVG; raises ImportError or OSError where the package or the system cairo library is missing."""
    import cairosvg  # the package itself, which its submodules (cached in sys.modules) would not re-check

    def to_pixels(svg: str) -> np.ndarray:
        # Drawn on cairo's image surface and read from memory: cairo's own PNG writer took two thirds of a 1024² render.
        tree = cairosvg.parser.Tree(bytestring=svg.encode("utf-8"))
        image = cairosvg.surface.PNGSurface(tree, None, 96).cairo
        image.flush()
        rows = np.frombuffer(image.get_data(), np.uint8).reshape(image.get_height(), image.get_stride() // 4, 4)
        return _unpremultiplied(rows[:, :image.get_width()])

    return Rasteriser("cairosvg", to_pixels)


def resvg_rasteriser() -> Rasteriser:
    """resvg (self-contained wheels); raises ImportError where resvg-py is not installed."""
    import resvg_py

    def to_pixels(svg: str) -> np.ndarray:
        # The avatars draw no text, so skip the system font scan resvg would otherwise do on every call.
        png = bytes(resvg_py.svg_to_bytes(svg_string=svg, skip_system_fonts=True))
        pixels = cv2.imdecode(np.frombuffer(png, np.uint8), cv2.IMREAD_UNCHANGED)
        if pixels is None:
            raise ValueError("resvg returned a PNG that cannot be read")
        return pixels

    return Rasteriser("resvg", to_pixels)


def _unpremultiplied(bgra: np.ndarray) -> np.ndarray:
    """Cairo's premultiplied BGRA with straight alpha, rounded as cairo's PNG writer rounds."""
    pixels = bgra.copy()
    alpha = bgra[..., 3]
    partial = (alpha > 0) & (alpha < 255)
    if partial.any():
        weights = alpha[partial].astype(np.uint32)[:, None]
        pixels[partial, :3] = ((bgra[partial, :3] * 255 + weights // 2) // weights).clip(0, 255)
    return pixels


@functools.cache
def default_rasteriser() -> Rasteriser:
    """The fastest rasteriser that works here, chosen once per process."""
    try:
        return cairo_rasteriser()
    except (ImportError, OSError) as cairo_error:
        try:
            fallback = resvg_rasteriser()
        except ImportError as resvg_error:
            raise NoRasteriserError(f"CairoSVG: {cairo_error}; resvg-py: {resvg_error}") from resvg_error
        return Rasteriser(fallback.name, fallback.to_pixels, note=f"CairoSVG unavailable ({cairo_error})")
