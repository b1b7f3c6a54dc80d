"""Read what a request says about the picture beyond the person's features: garment and colour, setting, art style,
accessories. Each reader returns what it found and notes in a ``terms.Record`` which words it drew or passed over.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from avatar_creator.providers.offline import palette, vocabulary
from avatar_creator.providers.offline.terms import Found, Record, find
from avatar_creator.providers.offline.vocabulary import GARMENTS, Garment

_GARMENT_TABLE = tuple((garment.name, garment.pattern) for garment in GARMENTS)
_BY_NAME = {garment.name: garment for garment in GARMENTS}
_BACKGROUND_NOUN = r"[\s-]+(?:background|backdrop)"
# A colour, then at most one more word ("navy wool blazer", "red polka-dot dress"), right before what it colours.
_COLOUR_BEFORE = rf"\b({palette.fabric_pattern()})(?:[\s-]+(?!and\b|or\b|with\b)[a-z]+(?:-[a-z]+)*)?[\s-]+$"


@dataclass(frozen=True)
class Clothes:
    """The garment asked (None: the outfit decides), its colour, the colour of what it is worn over, and the garments
    refused ("no tie")."""

    garment: Garment | None = None
    colour: str | None = None
    inner_colour: str | None = None
    refused: tuple[str, ...] = ()


def read_clothes(prompt: str, style: str, record: Record) -> Clothes:
    """The garment named in the prompt (else in the style attribute) and the colour said right before it."""
    found = find(prompt, _GARMENT_TABLE)
    refused = tuple(name for item in found if item.negated for name in _BY_NAME[item.name].clothes)
    record.use(*(item for item in found if item.negated))
    named = [item for item in found if not item.negated]
    if not named:
        from_style = [item for item in find(style, _GARMENT_TABLE) if not item.negated]
        record.extra_used.extend(style[item.start:item.end] for item in from_style[:1])
        if not from_style:
            return Clothes(refused=refused)
        return Clothes(_BY_NAME[from_style[0].name], _colour_of(style, from_style[0]), refused=refused)
    outer = [item for item in named if _BY_NAME[item.name].outer]
    chosen = (outer or named)[0]
    inner = next((item for item in named if not _BY_NAME[item.name].outer), None) if outer else None
    for item in (chosen, inner):
        if item is not None:
            colour = re.search(_COLOUR_BEFORE, prompt[:item.start])
            record.use(item, *([(colour.start(), item.start)] if colour else []))
    record.skip(*(item for item in named if item not in (chosen, inner)))
    return Clothes(_BY_NAME[chosen.name], _colour_of(prompt, chosen), _colour_of(prompt, inner) if inner else None,
                   refused)


def _colour_of(text: str, item: Found) -> str | None:
    """The colour said right before a garment ("a navy hoodie"), if any."""
    match = re.search(_COLOUR_BEFORE, text[:item.start])
    return palette.fabric(match.group(1)) if match else None


@dataclass(frozen=True)
class Backdrop:
    """The setting (a name of ``vocabulary.SETTINGS``, ``PLAIN`` or ``TRANSPARENT``) and a colour asked for it."""

    setting: str | None = None
    colour: str | None = None


def read_backdrop(prompt: str, setting: str, record: Record) -> Backdrop:
    """The setting attribute wins; else a scene, "plain/transparent background" or "a teal background" in the
    prompt. An attribute naming nothing drawable is recorded as not drawn."""
    if setting:
        backdrop = _setting_attribute(setting)
        (record.extra_used if backdrop.setting or backdrop.colour else record.extra_not_drawn).append(setting)
        if backdrop.setting or backdrop.colour:
            return backdrop
    kinds = [item for item in find(prompt, tuple((name, f"(?:{pattern}){_BACKGROUND_NOUN}")
                                                 for name, pattern in vocabulary.BACKGROUND_KINDS))]
    scenes = [item for item in find(prompt, vocabulary.SETTINGS) if not item.negated]
    coloured = re.search(rf"\b({palette.fabric_pattern()})(?:[\s-]+[a-z]+)?{_BACKGROUND_NOUN}\b", prompt)
    chosen = (kinds + scenes)[:1]
    record.use(*chosen)
    record.skip(*[item for item in kinds + scenes if item not in chosen])
    if coloured and not kinds:
        record.use(coloured.span())
    colour = palette.fabric(coloured.group(1)) if coloured else None
    return Backdrop(chosen[0].name if chosen else None, colour)


def _setting_attribute(setting: str) -> Backdrop:
    for name, pattern in (*vocabulary.SETTINGS, *vocabulary.BACKGROUND_KINDS):
        if re.search(rf"\b(?:{pattern})\b", setting):
            return Backdrop(name)
    literal = re.search(r"#[0-9a-fA-F]{6}\b", setting)
    if literal:
        return Backdrop(colour=literal.group(0).upper())
    coloured = re.search(rf"\b{palette.fabric_pattern()}\b", setting)
    return Backdrop(colour=palette.fabric(coloured.group(0)) if coloured else None)


def read_art_style(prompt: str, style: str, record: Record) -> str | None:
    """The art style named by the style attribute, else by the prompt; the first one named wins."""
    from_style = [item for item in find(style, vocabulary.ART_STYLES) if not item.negated]
    if from_style:
        record.extra_used.append(style[from_style[0].start:from_style[0].end])
    named = [item for item in find(prompt, vocabulary.ART_STYLES) if not item.negated]
    name = (from_style or named)[0].name if from_style or named else None
    record.use(*(item for item in named if item.name == name))  # "anime, anime style": both drawn
    record.skip(*(item for item in named if item.name != name))
    return name


@dataclass(frozen=True)
class Details:
    """Accessories and details: each None where not asked, False where refused."""

    earrings: str | bool | None = None  # a kind of ``vocabulary.EARRINGS``
    headphones: bool | None = None
    cap: bool | None = None
    freckles: bool | None = None


def read_details(prompt: str, record: Record) -> Details:
    """Earrings (by kind), headphones, a cap and freckles, each asked or refused in the prompt."""
    earrings = find(prompt, vocabulary.EARRINGS)
    said = {name: find(prompt, ((name, pattern),)) for name, pattern in (
        ("headphones", vocabulary.HEADPHONES), ("cap", vocabulary.CAP), ("freckles", vocabulary.FRECKLES))}
    record.use(*earrings[:1], *(found[0] for found in said.values() if found))
    return Details(
        earrings=(False if earrings[0].negated else earrings[0].name) if earrings else None,
        **{name: (not found[0].negated) if found else None for name, found in said.items()},
    )
