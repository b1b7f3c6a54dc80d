"""SVG to PNG: CairoSVG where the system cairo library loads (about 5× faster here), resvg where it does not."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass


class NoRasteriserError(RuntimeError):
    """Neither CairoSVG (with the cairo library) nor resvg-py can be imported."""


@dataclass(frozen=True)
class Rasteriser:
    """One way to turn an SVG document (with its own width and height) into PNG bytes."""

    name: str
    to_png: Callable[[str], bytes]
    note: str = ""  # why this one was chosen, when it is the fallback


def cairo_rasteriser() -> Rasteriser:
    """CairoSVG; raises ImportError or OSError where the package or the system cairo library is missing."""
    import cairosvg

    return Rasteriser("cairosvg", lambda svg: cairosvg.svg2png(bytestring=svg.encode("utf-8")))


def resvg_rasteriser() -> Rasteriser:
    """resvg (self-contained wheels); raises ImportError where resvg-py is not installed."""
    import resvg_py

    # The avatars draw no text, so skip the system font scan resvg would otherwise do on every call.
    return Rasteriser("resvg", lambda svg: bytes(resvg_py.svg_to_bytes(svg_string=svg, skip_system_fonts=True)))


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
        return Rasteriser(fallback.name, fallback.to_png, note=f"CairoSVG unavailable ({cairo_error})")
