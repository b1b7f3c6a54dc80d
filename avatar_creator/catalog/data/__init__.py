"""The catalogue's content, as plain data: presets in ``presets.py``, persona examples in ``personas.py``.

Written in our own words. Visual attributes use the words the prompt builder and the offline provider understand
(see ``providers/prompts.py`` and the offline provider's palettes); a hijab is ``hair_style="hijab"``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

VISUAL_FIELDS = ("gender", "age_range", "ethnicity", "body_type", "hair_style", "hair_color", "eye_color", "skin_tone",
                 "style")


@dataclass(frozen=True)
class Look:
    """The nine visual attributes of an avatar (None where one makes no sense, e.g. hair colour under a hijab)."""

    gender: str
    age_range: str
    ethnicity: str | None
    body_type: str | None
    hair_style: str | None
    hair_color: str | None
    eye_color: str | None
    skin_tone: str | None
    style: str | None

    def as_dict(self) -> dict[str, str | None]:
        return asdict(self)


@dataclass(frozen=True)
class Persona:
    name: str
    age: int
    personality: tuple[str, str, str]
    background: str

    def as_dict(self) -> dict:
        return {"name": self.name, "age": self.age, "personality": list(self.personality),
                "background": self.background}


@dataclass(frozen=True)
class PresetSpec:
    slug: str
    name: str
    category: str
    description: str
    prompt: str
    persona: Persona
    look: Look


@dataclass(frozen=True)
class PersonaExampleSpec:
    slug: str
    name: str
    category: str
    persona: Persona
    look: Look
