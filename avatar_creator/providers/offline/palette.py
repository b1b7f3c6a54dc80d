"""Named colours for the offline provider: the words people use for hair, skin, eyes, clothes and backgrounds."""

from __future__ import annotations

import re

# Hair shades, as people name them; several names share a shade on purpose.
HAIR = {
    "salt and pepper": "#8C8680",
    "strawberry blonde": "#D98C5F",
    "dark brown": "#3B2219",
    "light brown": "#8B5A3C",
    "jet black": "#1A1414",
    "golden": "#D6B370",
    "platinum": "#ECDCBF",
    "blonde": "#E0B86C",
    "blond": "#E0B86C",
    "brunette": "#5A3825",
    "chestnut": "#6F3B22",
    "auburn": "#A55728",
    "copper": "#B9551E",
    "ginger": "#C4511B",
    "red": "#B8330F",
    "black": "#2C1B18",
    "brown": "#724133",
    "grey": "#B4B0AD",
    "gray": "#B4B0AD",
    "silver": "#D9D6D3",
    "white": "#F0EEEA",
    "pink": "#F08CA8",
    "blue": "#3F7DD8",
    "green": "#3FA56B",
    "purple": "#8B4FC7",
    "lavender": "#B79CE0",
    "teal": "#1E9C9C",
}
FANTASY_HAIR = {HAIR[name] for name in ("pink", "blue", "green", "purple", "lavender", "teal")}
NATURAL_HAIR = ("#2C1B18", "#3B2219", "#5A3825", "#724133", "#8B5A3C", "#A55728", "#E0B86C", "#B8330F")
DARK_HAIR = ("#1A1414", "#2C1B18", "#3B2219", "#5A3825")
GREY_HAIR = ("#B4B0AD", "#D9D6D3", "#8C8680", "#F0EEEA")

SKIN = {
    "very fair": "#FFE3CC",
    "porcelain": "#FFE3CC",
    "light medium": "#E3A77A",
    "light brown": "#D9A06F",
    "medium brown": "#B86F43",
    "dark brown": "#8A4B2A",
    "very dark": "#4E3428",
    "pale": "#FFDBB4",
    "fair": "#FBD2AE",
    "light": "#EDB98A",
    "beige": "#E8B48A",
    "olive": "#C99A6B",
    "medium": "#D6976A",
    "tan": "#C98955",
    "tanned": "#C98955",
    "caramel": "#BC7A49",
    "brown": "#A5643A",
    "dark": "#6B442E",
    "deep": "#5A3A2A",
    "ebony": "#4E3428",
    "black": "#5A3A2A",
}
SKIN_SHADES = ("#FFE3CC", "#FBD2AE", "#EDB98A", "#E3A77A", "#D6976A",  # lightest to darkest
               "#C98955", "#A5643A", "#8A4B2A", "#6B442E", "#4E3428")

EYES = {
    "light blue": "#7DB8E8",
    "dark brown": "#4A2C17",
    "blue": "#3C7FC4",
    "green": "#3E8E4E",
    "hazel": "#8E6B2E",
    "amber": "#C1812C",
    "brown": "#6B4226",
    "grey": "#7D8A94",
    "gray": "#7D8A94",
    "violet": "#7A4FB0",
    "black": "#241A14",
}

# Colours for clothes, headscarves and backgrounds.
FABRIC = {
    "navy": "#25385E",
    "dark blue": "#25385E",
    "light blue": "#8CC8F0",
    "sky blue": "#8CC8F0",
    "dark green": "#2E6B45",
    "maroon": "#7A2335",
    "burgundy": "#7A2335",
    "charcoal": "#3A3F44",
    "turquoise": "#2EC4B6",
    "lavender": "#C7B5F0",
    "mustard": "#D9A521",
    "olive": "#7A7F3A",
    "beige": "#E6D3B3",
    "cream": "#F5ECD7",
    "coral": "#FF7F6B",
    "mint": "#A7F0C8",
    "teal": "#1E8C8C",
    "gold": "#D4A63A",
    "red": "#D64045",
    "blue": "#3C78D8",
    "green": "#3FA56B",
    "yellow": "#F4CF4A",
    "orange": "#F28C38",
    "pink": "#F28CB1",
    "purple": "#7D4FB8",
    "white": "#F7F7F7",
    "black": "#262E33",
    "grey": "#8A9198",
    "gray": "#8A9198",
    "brown": "#7A5136",
    "denim": "#4A6FA5",
    "khaki": "#C3B091",
    "camel": "#C19A6B",
    "tan": "#C9A27E",
    "ivory": "#FFFBEF",
    "silver": "#C0C4C8",
    "emerald": "#2E8B57",
    "forest green": "#2E5E3A",
    "sage": "#9CAF88",
    "crimson": "#B0203A",
    "wine": "#6E1E2E",
    "rust": "#B7472A",
    "peach": "#FFC3A0",
    "lilac": "#C8A2C8",
    "magenta": "#C2187A",
    "indigo": "#3F3D8F",
    "royal blue": "#2F55C4",
}
# A word before a colour shifts it: "dark green", "pale pink", "muted red" (towards this colour, by this much).
MODIFIERS = {"dark": ("#000000", 0.35), "deep": ("#000000", 0.2), "light": ("#FFFFFF", 0.45),
             "pale": ("#FFFFFF", 0.55), "pastel": ("#FFFFFF", 0.5), "muted": ("#8A9198", 0.4),
             "bright": ("#FFFFFF", 0.0)}

_HEX = re.compile(r"#[0-9a-fA-F]{6}\b")


def colour_pattern(table: dict[str, str]) -> str:
    """A regex alternation of a table's names, longest first so "dark brown" wins over "brown"."""
    names = sorted(table, key=len, reverse=True)
    return "|".join(re.escape(name).replace(r"\ ", r"[\s-]+") for name in names)


def lookup(name: str, table: dict[str, str]) -> str | None:
    """The shade for a colour name (or a literal ``#rrggbb``) found anywhere in ``name``, else None."""
    literal = _HEX.search(name)
    if literal:
        return literal.group(0).upper()
    match = re.search(rf"\b({colour_pattern(table)})\b", name.lower())
    return table[_normalise(match.group(1))] if match else None


def fabric_pattern() -> str:
    """A regex for a fabric colour with an optional modifier ("dark green", "pale pink", "navy")."""
    return rf"(?:(?:{'|'.join(MODIFIERS)})[\s-]+)?(?:{colour_pattern(FABRIC)})"


def fabric(phrase: str) -> str:
    """The shade of a phrase matched by ``fabric_pattern``: the named colour (a compound name such as "dark blue"
    first), moved by its modifier."""
    phrase = _normalise(phrase.lower())
    if phrase in FABRIC:
        return FABRIC[phrase]
    modifier, _, name = phrase.partition(" ")
    towards, weight = MODIFIERS[modifier]
    return mix(FABRIC[name], towards, weight)


def _normalise(name: str) -> str:
    return re.sub(r"[\s-]+", " ", name)


def to_rgb(hex_colour: str) -> tuple[int, int, int]:
    """``#rrggbb`` as an (r, g, b) tuple."""
    return int(hex_colour[1:3], 16), int(hex_colour[3:5], 16), int(hex_colour[5:7], 16)


def to_hex(rgb: tuple[float, float, float]) -> str:
    """An (r, g, b) tuple as ``#RRGGBB``."""
    return "#" + "".join(f"{max(0, min(255, round(channel))):02X}" for channel in rgb)


def mix(first: str, second: str, weight: float) -> str:
    """``first`` moved ``weight`` (0–1) of the way towards ``second``."""
    a, b = to_rgb(first), to_rgb(second)
    red, green, blue = (x + (y - x) * weight for x, y in zip(a, b, strict=True))
    return to_hex((red, green, blue))


def distance(first: str, second: str) -> float:
    """Euclidean distance between two colours in RGB (0–441)."""
    return sum((x - y) ** 2 for x, y in zip(to_rgb(first), to_rgb(second), strict=True)) ** 0.5
