"""Illustrated backdrops of our own, one per setting, in the flat palette of the figure.

Each is drawn in figure units over the frame ``(x, y, width, height)`` the picture shows (``svg.frame``): details sit
towards the edges, where the person does not cover them, and repeat across wide frames. Layouts are fixed per
setting (a seeded-by-name stream places windows, books and trees), so the same request draws the same picture.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from xml.etree import ElementTree as ET

_SVG = "http://www.w3.org/2000/svg"
_SQUARE = 300  # svg.FRAME: the height every layout is drawn for
Frame = tuple[float, float, float, float]


def draw(setting: str, frame: Frame) -> list[ET.Element]:
    """The backdrop of ``setting`` (a name of ``vocabulary.SETTINGS``) as SVG elements covering ``frame``."""
    x, y, width, height = frame
    # Laid out on the square that ends where the figure does, so the ground stays at the shoulders in a tall frame;
    # the first rectangle, the backdrop's sky or wall, then reaches up to the top of the frame.
    elements = _BACKDROPS[setting]((x, y + height - _SQUARE, width, _SQUARE), random.Random(setting))
    wall = next(element for element in elements if element.tag.endswith("rect"))
    wall.set("y", f"{y:g}")
    wall.set("height", f"{height:g}")
    return elements


def _el(tag: str, **attributes: float | str) -> ET.Element:
    return ET.Element(f"{{{_SVG}}}{tag}", {name.replace("_", "-"): f"{value:g}" if isinstance(value, float | int)
                                           else value for name, value in attributes.items()})


def _rect(x: float, y: float, width: float, height: float, fill: str, **more: float | str) -> ET.Element:
    return _el("rect", x=x, y=y, width=width, height=height, fill=fill, **more)


def _polygon(points: list[tuple[float, float]], fill: str) -> ET.Element:
    return _el("polygon", points=" ".join(f"{px:g},{py:g}" for px, py in points), fill=fill)


def _across(frame: Frame, step: float, start: float = 0) -> list[float]:
    """Positions every ``step`` units across the frame's width."""
    x, _, width, _ = frame
    count = int((width - start) // step) + 2
    return [x + start + step * index for index in range(count)]


def _buildings(frame: Frame, rng: random.Random, colours: tuple[str, ...], window: str, lit: float,
               low: float, high: float) -> list[ET.Element]:
    x, y, width, height = frame
    bottom, elements, left = y + height, [], x - 6
    while left < x + width:
        wide, tall = rng.uniform(28, 52), rng.uniform(low, high)
        top = bottom - tall
        elements.append(_rect(left, top, wide, tall, rng.choice(colours)))
        for row in range(int(top) + 8, int(bottom) - 8, 14):
            for column in range(int(left) + 6, int(left + wide) - 8, 11):
                if rng.random() < lit:
                    elements.append(_rect(column, row, 5, 7, window))
        left += wide + rng.uniform(2, 8)
    return elements


def _city(frame: Frame, rng: random.Random) -> list[ET.Element]:
    x, y, width, height = frame
    return [_rect(x, y, width, height, "#CFE6F5"), _rect(x, y + height * 0.55, width, height * 0.45, "#E4F1F9"),
            *_buildings(frame, rng, ("#AFC3D4", "#A3B9CC"), "#C9D9E6", 0.0, 150, 230),
            *_buildings(frame, rng, ("#7E96AD", "#6C849B", "#8AA0B5"), "#DCEAF5", 0.7, 70, 170)]


def _night_city(frame: Frame, rng: random.Random) -> list[ET.Element]:
    x, y, width, height = frame
    stars = [_el("circle", cx=rng.uniform(x, x + width), cy=rng.uniform(y, y + 110), r=rng.uniform(0.6, 1.4),
                 fill="#F3F1E4") for _ in range(int(width / 6))]
    return [_rect(x, y, width, height, "#141B33"), *stars,
            _el("circle", cx=x + width - 42, cy=y + 42, r=18, fill="#F3E9C6"),
            *_buildings(frame, rng, ("#232C4A", "#1C2340", "#2A3455"), "#F6C95A", 0.45, 80, 210)]


def _office(frame: Frame, rng: random.Random) -> list[ET.Element]:
    x, y, width, height = frame
    right = x + width
    window = [_rect(x + 10, y + 30, 92, 132, "#FFFFFF"), _rect(x + 16, y + 36, 80, 120, "#BFDDF2"),
              _rect(x + 54, y + 36, 4, 120, "#FFFFFF"), _rect(x + 16, y + 94, 80, 4, "#FFFFFF")]
    picture = [_rect(right - 78, y + 40, 56, 42, "#5B6B7D"), _rect(right - 73, y + 45, 46, 32, "#F4CF4A"),
               _polygon([(right - 73, y + 77), (right - 55, y + 58), (right - 40, y + 70), (right - 27, y + 62),
                         (right - 27, y + 77)], "#3FA56B")]
    plant = [_rect(right - 60, y + 222, 30, 40, "#C8765A"),
             *(_el("ellipse", cx=right - 45 + dx, cy=y + 205 + dy, rx=9, ry=20, fill=colour)
               for dx, dy, colour in ((-12, 4, "#3F8F5A"), (0, -8, "#4FA36A"), (12, 4, "#3F8F5A")))]
    return [_rect(x, y, width, height, "#E9EEF2"), _rect(x, y + 210, width, 70, "#D5DDE4"),
            _rect(x, y + 206, width, 4, "#C2CCD5"), *window, *picture, *plant]


def _coffee_shop(frame: Frame, rng: random.Random) -> list[ET.Element]:
    x, y, width, height = frame
    right = x + width
    board = [_rect(x + 12, y + 40, 80, 96, "#6B4A2E"), _rect(x + 16, y + 44, 72, 88, "#2F3A35"),
             *(_rect(x + 24, y + 56 + 14 * row, rng.uniform(30, 56), 3, "#E8E8E0") for row in range(5))]
    shelves = []
    for row in (y + 80, y + 140):
        shelves.append(_rect(right - 96, row, 90, 5, "#5A3A24"))
        for column in range(4):
            left = right - 90 + column * 22
            shelves += [_rect(left, row - 14, 14, 14, "#F5F1EA"), _rect(left + 14, row - 11, 4, 7, "#F5F1EA")]
    lamps = []
    for centre in _across(frame, 110, 30):
        lamps += [_rect(centre - 0.6, y, 1.2, 24, "#3A2A20"),
                  _el("path", d=f"M{centre - 14:g},{y + 38:g} A14,14 0 0 1 {centre + 14:g},{y + 38:g} Z",
                      fill="#E0A84A")]
    return [_rect(x, y, width, height, "#C89F7A"), _rect(x, y + 190, width, 90, "#7A5236"),
            _rect(x, y + 186, width, 5, "#5A3A24"), *board, *shelves, *lamps]


def _library(frame: Frame, rng: random.Random) -> list[ET.Element]:
    x, y, width, height = frame
    books = ("#7A2335", "#25385E", "#2E6B45", "#D9A521", "#8E6BBF", "#B7472A", "#1E8C8C", "#E6D3B3")
    elements = [_rect(x, y, width, height, "#7A4E2D")]
    for shelf in range(int(y) + 56, int(y + height), 58):
        left = x
        while left < x + width:
            wide, tall = rng.uniform(6, 12), rng.uniform(30, 46)
            elements.append(_rect(left, shelf - tall, wide, tall, rng.choice(books)))
            left += wide + rng.uniform(0.5, 2)
        elements.append(_rect(x, shelf, width, 7, "#5A3620"))
    return elements


def _studio(frame: Frame, rng: random.Random) -> list[ET.Element]:
    x, y, width, height = frame
    gradient = _el("radialGradient", id="studio-light", cx="50%", cy="40%", r="65%")
    gradient.extend([_el("stop", offset="0", stop_color="#D5DBE0"), _el("stop", offset="1", stop_color="#6F7C88")])
    defs = _el("defs")
    defs.append(gradient)
    return [defs, _rect(x, y, width, height, "url(#studio-light)")]


def _beach(frame: Frame, rng: random.Random) -> list[ET.Element]:
    x, y, width, height = frame
    waves = [_el("path", d=f"M{left:g},{y + 175:g} q8,-5 16,0 q8,5 16,0", stroke="#E4F6FB", stroke_width=2,
                 fill="none") for left in _across(frame, 46, 6)]
    return [_rect(x, y, width, height, "#9ED8F5"), _el("circle", cx=x + 46, cy=y + 48, r=22, fill="#FFE08A"),
            _rect(x, y + 150, width, 55, "#3FA7C9"), *waves, _rect(x, y + 200, width, 80, "#F2D8A7")]


def _forest(frame: Frame, rng: random.Random) -> list[ET.Element]:
    x, y, width, height = frame
    elements = [_rect(x, y, width, height, "#D8EFD3")]
    for colour, base, step in (("#8DBE96", y + 200, 34), ("#3E7D4F", y + 250, 52)):
        for left in _across(frame, step, -10):
            tall = rng.uniform(110, 190)
            elements += [_rect(left + step / 2 - 4, base - 10, 8, 30, "#6B4A2E"),
                         _polygon([(left, base), (left + step / 2, base - tall), (left + step, base)], colour)]
    return [*elements, _rect(x, y + 250, width, 30, "#5E8C4A")]


def _stadium(frame: Frame, rng: random.Random) -> list[ET.Element]:
    x, y, width, height = frame
    crowd = ("#D64045", "#F4CF4A", "#FFFFFF", "#3C78D8", "#F28C38")
    elements = [_rect(x, y, width, height, "#8FC6F0")]
    for row, top in enumerate(range(int(y) + 50, int(y) + 176, 14)):
        elements.append(_rect(x, top, width, 14, ("#5B6B7D", "#6E7F91")[row % 2]))
        elements += [_el("circle", cx=left, cy=top + 6, r=3, fill=rng.choice(crowd)) for left in _across(frame, 9, 3)]
    for pole in (x + 14, x + width - 20):
        elements += [_rect(pole + 2, y + 8, 3, 44, "#3A3F44"), _rect(pole - 6, y + 4, 20, 10, "#FFF6C9")]
    elements.append(_rect(x, y + 176, width, 104, "#4FA34A"))
    elements += [_rect(x, top, width, 13, "#5BB556") for top in range(int(y) + 189, int(y + height), 26)]
    return elements


def _mosque(frame: Frame, rng: random.Random) -> list[ET.Element]:
    x, y, width, height = frame
    elements = [_rect(x, y, width, height, "#F6D9A8"), _rect(x, y + 120, width, 160, "#F2C28A")]
    for centre in (x + 46, x + width - 46):
        elements += [_rect(centre - 34, y + 150, 68, 130, "#EFE7D6"),
                     _el("path", d=f"M{centre - 30:g},{y + 150:g} C{centre - 30:g},{y + 100:g} {centre:g},"
                                   f"{y + 104:g} {centre:g},{y + 82:g} C{centre:g},{y + 104:g} {centre + 30:g},"
                                   f"{y + 100:g} {centre + 30:g},{y + 150:g} Z", fill="#3E8E7E"),
                     _el("circle", cx=centre, cy=y + 74, r=6, fill="#D4A63A"),
                     _el("circle", cx=centre + 3, cy=y + 72, r=5, fill="#F6D9A8"),
                     _rect(centre - 14, y + 200, 28, 40, "#3E8E7E", rx=14)]
    for pole in (x + 4, x + width - 16):
        elements += [_rect(pole, y + 40, 12, 240, "#EFE7D6"),
                     _polygon([(pole - 2, y + 40), (pole + 6, y + 18), (pole + 14, y + 40)], "#3E8E7E")]
    return elements


def _temple(frame: Frame, rng: random.Random) -> list[ET.Element]:
    x, y, width, height = frame
    elements = [_rect(x, y, width, height, "#FBE3C4"), _rect(x, y + 240, width, 40, "#C9A27E")]
    for centre in (x + 44, x + width - 44):
        for tier, top in enumerate(range(int(y) + 60, int(y) + 240, 45)):
            half = 26 + tier * 8
            elements += [_rect(centre - half + 12, top + 10, 2 * half - 24, 35, "#F1E4CF"),
                         _polygon([(centre - half - 8, top + 14), (centre - half + 6, top), (centre + half - 6, top),
                                   (centre + half + 8, top + 14)], "#B8322A")]
        elements.append(_rect(centre - 2, y + 36, 4, 26, "#7A1F1A"))
    return elements


_BACKDROPS: dict[str, Callable[[Frame, random.Random], list[ET.Element]]] = {
    "city skyline": _city, "night city": _night_city, "office": _office, "coffee shop": _coffee_shop,
    "library": _library, "studio": _studio, "beach": _beach, "forest": _forest, "stadium": _stadium,
    "mosque": _mosque, "temple": _temple,
}
