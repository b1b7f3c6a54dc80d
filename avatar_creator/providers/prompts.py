"""The one prompt builder every provider uses: user prompt + persona + visual attributes → prompt and negative prompt.

The built prompt is what is stored on the generation, so it reads as plain English.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from avatar_creator.providers.base import AvatarAttributes
from avatar_creator.settings import DEFAULT_NEGATIVE_TERMS, DEFAULT_QUALITY_TERMS

MAX_PROMPT_CHARS = 3000
MAX_NEGATIVE_CHARS = 1000
_MAX_FIELD_CHARS = 300  # one persona or attribute field, so a long backstory cannot crowd out the rest

_GENDER_NOUNS = {"male": "man", "female": "woman", "unisex": "person"}
_HAIR_NOUNS = r"hair|hairstyle|haircut|hairdo|bald|hijab|turban|headscarf|braids|dreadlocks|locs|bun|bob|afro|mohawk"

# Segments are kept in this order of importance when the prompt would grow past its bound.
_USER, _VISUAL, _PERSONA, _QUALITY = range(4)


@dataclass(frozen=True)
class BuiltPrompt:
    """What a provider is given: the prompt to draw and what to avoid."""

    prompt: str
    negative_prompt: str


def build_prompt(
    user_prompt: str,
    attributes: AvatarAttributes,
    *,
    quality_terms: str = DEFAULT_QUALITY_TERMS,
    negative_terms: str = DEFAULT_NEGATIVE_TERMS,
) -> BuiltPrompt:
    """Combine the user's words, every filled persona and visual field, and the quality terms into one prompt.

    A phrase already said (by the user prompt or an earlier phrase, ignoring case) is not repeated; empty fields are
    left out; the least important phrases are dropped when the prompt would pass ``MAX_PROMPT_CHARS``.
    """
    user = _clean(user_prompt, MAX_PROMPT_CHARS)
    name, age, traits, background = _persona_phrases(attributes)
    subject, *looks = _visual_phrases(attributes)
    segments = [(_USER, user), (_VISUAL, subject), (_PERSONA, name), (_PERSONA, age)]
    segments += [(_VISUAL, phrase) for phrase in looks]
    segments += [(_PERSONA, traits), (_PERSONA, background)]
    segments += [(_QUALITY, term) for term in _terms(quality_terms)]
    fresh: list[tuple[int, str]] = []
    said: list[str] = []
    for importance, phrase in segments:
        if phrase and not any(_contains(earlier, phrase) for earlier in said):
            fresh.append((importance, phrase))
            said.append(phrase)
    negative = _within([(_QUALITY, term) for term in _unique(_terms(negative_terms))], MAX_NEGATIVE_CHARS)
    return BuiltPrompt(prompt=_within(fresh, MAX_PROMPT_CHARS), negative_prompt=negative)


def _visual_phrases(attributes: AvatarAttributes) -> list[str]:
    hair_style, hair_colour = _clean(attributes.hair_style), _clean(attributes.hair_color)
    phrases = [_subject(_clean(attributes.gender), _clean(attributes.age_range), _clean(attributes.ethnicity)),
               _hair(hair_style, hair_colour)]
    for value, noun, already in (
        (attributes.eye_color, "eyes", r"eyes?|eyed"),
        (attributes.skin_tone, "skin", r"skin|skinned|complexion"),
        (attributes.body_type, "build", r"build|body|figure|physique|frame"),
        (attributes.style, "outfit", r"outfit|attire|clothes|clothing|wear|style"),
        (attributes.setting, "background", r"background|backdrop|setting|scene|behind"),
    ):
        value = _clean(value)
        if value:
            phrases.append(value if re.search(rf"\b(?:{already})\b", value, re.IGNORECASE) else f"{value} {noun}")
    return phrases


def _subject(gender: str, age_range: str, ethnicity: str) -> str:
    """"a young East Asian woman", from whichever of the three fields are set."""
    noun = _GENDER_NOUNS.get(gender.lower(), f"{gender} person" if gender else "person")
    if not (gender or age_range or ethnicity):
        return ""
    words = " ".join(word for word in (age_range, ethnicity, noun) if word)
    return f"{'an' if words[0].lower() in 'aeiou' else 'a'} {words}"


def _hair(style: str, colour: str) -> str:
    style_is_a_noun = bool(re.search(rf"\b(?:{_HAIR_NOUNS})\b", style, re.IGNORECASE))
    colour_phrase = colour if re.search(r"\bhair\b", colour, re.IGNORECASE) else f"{colour} hair" if colour else ""
    if style and colour:
        return f"{colour_phrase}, {style}" if style_is_a_noun else f"{style} {colour_phrase}"
    if style:
        return style if style_is_a_noun else f"{style} hair"
    return colour_phrase


def _persona_phrases(attributes: AvatarAttributes) -> list[str]:
    traits = ", ".join(_clean(trait) for trait in attributes.persona_personality if _clean(trait))
    return [
        f"named {_clean(attributes.persona_name)}" if _clean(attributes.persona_name) else "",
        f"{attributes.persona_age} years old" if attributes.persona_age is not None else "",
        f"{traits} personality" if traits else "",
        f"persona: {_clean(attributes.persona_background)}" if _clean(attributes.persona_background) else "",
    ]


def _within(segments: list[tuple[int, str]], limit: int) -> str:
    """Join the phrases with commas, dropping the least important ones that would take the text past ``limit``."""
    by_importance = sorted(range(len(segments)), key=lambda index: segments[index][0])  # stable within a rank
    kept, length = set(), -len(", ")
    for index in by_importance:
        phrase = segments[index][1]
        if length + len(", ") + len(phrase) <= limit:
            kept.add(index)
            length += len(", ") + len(phrase)
    return ", ".join(phrase for index, (_, phrase) in enumerate(segments) if index in kept)


def _terms(text: str) -> list[str]:
    return [term for term in (_clean(part) for part in text.split(",")) if term]


def _unique(items: list[str]) -> list[str]:
    firsts: dict[str, str] = {}
    for item in items:
        firsts.setdefault(item.lower(), item)
    return list(firsts.values())


def _contains(text: str, phrase: str) -> bool:
    """True when ``phrase`` appears in ``text`` as whole words, ignoring case."""
    return re.search(rf"(?<!\w){re.escape(phrase)}(?!\w)", text, re.IGNORECASE) is not None


def _clean(text: str | None, limit: int = _MAX_FIELD_CHARS) -> str:
    return re.sub(r"\s+", " ", text or "").strip()[:limit].strip()
