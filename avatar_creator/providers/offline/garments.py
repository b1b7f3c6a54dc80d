"""Garments of our own, drawn over python_avatars' body where its parts library has none (kimono, saree, denim
jacket...), and the recolouring of its fixed-colour blazer and suit.

Parts are SVG templates in the clothing layer's units (264×110, shoulders 32–232, neckline 99–166); only colours
computed here are put into them, never request text.
"""

from __future__ import annotations

from xml.etree import ElementTree as ET

from avatar_creator.providers.offline import palette

_SVG = "http://www.w3.org/2000/svg"
# python_avatars' crew-neck torso, the shape every part fills.
BODY = ("M99,30.35 C99,42.21 114,51.83 132.5,51.83 C151,51.83 166,42.21 166,30.35 L165.96,29.3 C202.94,32.32 232,"
        "63.29 232,101.05 L232,110 L32,110 L32,101.05 C32,62.95 61.59,31.76 99.05,29.22 Z")
_GOLD = "#D4A63A"
_PANELS = ('<path d="M32,110 L32,101 C32,63 61.6,31.8 99,29.2 L108,58 L121,110 Z" fill="{c}"/>'
           '<path d="M232,110 L232,101 C232,63.3 202.9,32.3 166,29.3 L157,58 L143,110 Z" fill="{c}"/>')
_LAPELS = ('<path d="M99,29.2 L88,34 L104,84 L111,60 Z" fill="{d}"/>'
           '<path d="M166,29.3 L177,34 L161,84 L154,60 Z" fill="{d}"/>')
_UNDER = f'<path d="{BODY}" fill="{{i}}"/>'
_FILLED = f'<path d="{BODY}" fill="{{c}}"/>'

PARTS = {
    "denim_jacket": _UNDER + _PANELS + _LAPELS + (
        '<path d="M58,64 h28 v14 h-28 Z M178,64 h28 v14 h-28 Z" fill="{d}"/>'
        '<path d="M40,96 C60,90 90,90 118,96 M146,96 C174,90 204,90 224,96" stroke="{l}" stroke-width="1.6" '
        'stroke-dasharray="3 2" fill="none"/>'
        '<circle cx="72" cy="71" r="2" fill="{a}"/><circle cx="192" cy="71" r="2" fill="{a}"/>'),
    "leather_jacket": _UNDER + _PANELS + (
        '<path d="M99,29.2 L84,36 L100,92 L110,60 Z" fill="{d}"/><path d="M166,29.3 L181,36 L165,92 L155,60 Z" '
        'fill="{d}"/><path d="M150,62 L141,110" stroke="#C0C4C8" stroke-width="2.2"/>'
        '<path d="M50,60 C58,50 70,44 82,42" stroke="{l}" stroke-width="3" fill="none" stroke-linecap="round"/>'),
    "lab_coat": _UNDER + _PANELS + _LAPELS + (
        '<path d="M172,70 h26 v24 h-26 Z" fill="{d}"/><path d="M178,60 h3 v16 h-3 Z" fill="#3C78D8"/>'
        '<circle cx="116" cy="92" r="2.2" fill="{d}"/>'),
    "jacket": _UNDER + _PANELS + ('<path d="M99,29.2 L92,31 L110,74 L112,60 Z M166,29.3 L173,31 L155,74 L153,60 Z" '
                                  'fill="{d}"/><path d="M121,110 L108,58 M143,110 L157,58" stroke="{d}" '
                                  'stroke-width="2" fill="none"/>'),
    "shirt": _FILLED + (
        '<path d="M100,27 L112,58 L131,47 Z M165,27 L153,58 L134,47 Z" fill="{l}" stroke="{d}" stroke-width="1"/>'
        '<path d="M132.5,50 L132.5,110" stroke="{d}" stroke-width="1.5"/>'
        '<circle cx="132.5" cy="66" r="2" fill="{d}"/><circle cx="132.5" cy="84" r="2" fill="{d}"/>'
        '<circle cx="132.5" cy="102" r="2" fill="{d}"/>'),
    "kimono": _FILLED + (
        '<circle cx="62" cy="72" r="5" fill="{l}"/><circle cx="204" cy="66" r="5" fill="{l}"/>'
        '<circle cx="190" cy="88" r="4" fill="{l}"/><circle cx="74" cy="50" r="4" fill="{l}"/>'
        '<path d="M99,29.2 L140,92 L152,92 L111,29 Z" fill="#F5F1EA"/>'
        '<path d="M166,29.3 L106,110 L124,110 L178,34 Z" fill="{d}"/>'
        '<path d="M0,92 H264 V110 H0 Z" fill="{a}"/><path d="M0,99 H264" stroke="{d}" stroke-width="2"/>'),
    "hanbok": _FILLED + (
        '<path d="M166,30 L120,84" stroke="{d}" stroke-width="12" fill="none"/>'
        '<path d="M166,30 L120,84" stroke="#F5F1EA" stroke-width="4" fill="none"/>'
        '<path d="M140,78 L150,110 L158,110 L146,78 Z M146,78 L168,110 L176,110 L152,76 Z" fill="{a}"/>'
        '<ellipse cx="145" cy="77" rx="9" ry="5" fill="{a}"/>'),
    "saree": f'<path d="{BODY}" fill="{{d}}"/>' + (
        '<path d="M168,29 L216,48 L152,110 L96,110 Z" fill="{c}"/>'
        '<path d="M168,29 L96,110 M216,48 L152,110" stroke="{a}" stroke-width="5" fill="none"/>'
        '<circle cx="160" cy="66" r="2.2" fill="{a}"/><circle cx="176" cy="80" r="2.2" fill="{a}"/>'
        '<circle cx="142" cy="92" r="2.2" fill="{a}"/><circle cx="188" cy="60" r="2.2" fill="{a}"/>'),
    "kebaya": _FILLED + (
        '<path d="M104,31 L132.5,92 L161,31 C150,42 115,42 104,31 Z" fill="{i}"/>'
        '<path d="M104,31 L132.5,92 L161,31" stroke="{l}" stroke-width="3" stroke-dasharray="2 2" fill="none"/>'
        '<circle cx="132.5" cy="92" r="5" fill="{a}"/><circle cx="60" cy="80" r="3" fill="{l}"/>'
        '<circle cx="204" cy="80" r="3" fill="{l}"/><circle cx="78" cy="96" r="3" fill="{l}"/>'
        '<circle cx="186" cy="98" r="3" fill="{l}"/>'),
    "jersey": _FILLED + (
        '<path d="M99,30 L132.5,64 L166,30" stroke="{a}" stroke-width="7" fill="none"/>'
        '<path d="M84,34 L46,72 M181,34 L219,72" stroke="{a}" stroke-width="7" fill="none"/>'
        '<path d="M120,78 h25 v26 h-25 Z" fill="{a}"/>'),
    "scrubs": '<path d="M172,64 h24 v22 h-24 Z" fill="{d}"/>',
}
# python_avatars' fixed fills of the garments we recolour (jacket, lapels), as the shade of ours they become; its
# fabric colour is then the shirt under the blazer, and the suit's tie.
RECOLOURED = {"blazer": {"#3A4C5A": "c", "#2F4351": "d"}, "suit": {"#191919": "c", "#2B2B2B": "l"}}
TIE = "#7A2335"


def shades(colour: str, inner: str) -> dict[str, str]:
    """The colours a part uses: c the garment, d darker, l lighter, i the garment worn under it, a an accent."""
    dark = sum(palette.to_rgb(colour)) < 300
    return {"c": colour, "d": palette.mix(colour, "#000000", 0.3), "l": palette.mix(colour, "#FFFFFF", 0.35),
            "i": inner, "a": _GOLD if palette.distance(colour, _GOLD) > 120 else ("#F5F1EA" if dark else "#7A2335")}


def part(name: str, colour: str, inner: str) -> ET.Element:
    """Our SVG part ``name`` in ``colour``, as a group in the clothing layer's units."""
    return ET.fromstring(f'<g xmlns="{_SVG}">{PARTS[name].format(**shades(colour, inner))}</g>')


def recolour(clothing: ET.Element, name: str, colour: str) -> None:
    """Paint python_avatars' fixed-colour garment (``RECOLOURED``) in ``colour``."""
    mapping = {fixed: shades(colour, colour)[shade] for fixed, shade in RECOLOURED[name].items()}
    for element in clothing.iter():
        fill = (element.get("fill") or "").upper()
        if fill in mapping:
            element.set("fill", mapping[fill])
