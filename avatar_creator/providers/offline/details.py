"""Accessories and details of our own, in figure units (the head spans x 76–188, ears at 66–76 and 188–198, the
eyes at y 112): freckles, earrings, headphones and a cap.
"""

from __future__ import annotations

from xml.etree import ElementTree as ET

from avatar_creator.providers.offline import palette

_SVG = "http://www.w3.org/2000/svg"
_FRECKLES = ((-9, -4), (-3, -7), (3, -3), (9, -6), (-6, 3), (2, 4), (8, 2), (-1, -1))
_EARRINGS = {
    "hoops": '<circle cx="{x}" cy="142" r="6" stroke="#D4A63A" stroke-width="2.4" fill="none"/>',
    "studs": '<circle cx="{x}" cy="137" r="3.4" fill="#E9EEF2" stroke="#C0C4C8" stroke-width="0.8"/>',
    "drops": '<path d="M{x},136 v6" stroke="#D4A63A" stroke-width="1.2"/><circle cx="{x}" cy="145" r="3.6" '
             'fill="#F3EFE6" stroke="#D9CFBF" stroke-width="0.6"/>',
}
_EARLOBES = (70, 194)


def _group(markup: str) -> ET.Element:
    return ET.fromstring(f'<g xmlns="{_SVG}">{markup}</g>')


def freckles(skin: str) -> ET.Element:
    """Dots across both cheeks and the nose, a darker brown of the skin."""
    colour = palette.mix(skin, "#2A140A", 0.45)
    dots = "".join(f'<circle cx="{cx + dx}" cy="{132 + dy}" r="1.7" fill="{colour}"/>'
                   for cx in (100, 164) for dx, dy in _FRECKLES)
    return _group(dots + "".join(f'<circle cx="{132 + dx}" cy="{124 + dy}" r="1.3" fill="{colour}"/>'
                                 for dx, dy in ((-5, 0), (4, 1), (0, 4))))


def earrings(kind: str) -> ET.Element:
    """A pair of earrings of ``kind`` (a kind of ``vocabulary.EARRINGS``) at the lobes."""
    return _group("".join(_EARRINGS[kind].format(x=x) for x in _EARLOBES))


def headphones(colour: str) -> ET.Element:
    """Over-ear headphones: a band over the head and a cup on each ear."""
    dark = palette.mix(colour, "#000000", 0.35)
    cups = "".join(f'<rect x="{x}" y="100" width="22" height="44" rx="9" fill="{colour}"/>'
                   f'<rect x="{x + (14 if x < 132 else 0)}" y="106" width="8" height="32" rx="3" fill="{dark}"/>'
                   for x in (52, 190))
    return _group(f'<path d="M62,112 C56,-6 208,-6 202,112" stroke="{colour}" stroke-width="8" fill="none"/>'
                  f'<path d="M62,112 C56,-6 208,-6 202,112" stroke="{dark}" stroke-width="2" fill="none"/>' + cups)


def cap(colour: str) -> ET.Element:
    """A baseball cap seen from the front: the crown, a seam, its button and the brim."""
    dark = palette.mix(colour, "#000000", 0.3)
    return _group(f'<path d="M70,68 C68,4 196,4 194,68 Z" fill="{colour}"/>'
                  f'<path d="M132,12 V66" stroke="{dark}" stroke-width="1.5"/>'
                  f'<circle cx="132" cy="12" r="4" fill="{dark}"/>'
                  f'<path d="M62,68 Q132,92 202,68 Q132,76 62,68 Z" fill="{dark}"/>')
