"""The catalogue's content, as plain data: presets in ``presets.py``, persona examples in ``personas.py``.

Written in our own words. Visual attributes use the words the prompt builder and the offline provider understand
(see ``providers/prompts.py`` and the offline provider's palettes); a hijab is ``hair_style="hijab"``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from avatar_creator.avatars.attributes import VISUAL_NAMES, PersonaFields, VisualFields


class Look(VisualFields):
    """The visual attributes of an entry, in ``VISUAL_NAMES`` order (None where one makes no sense, e.g. hair colour
    under a hijab); checked against the API's limits as the catalogue loads."""

    def __init__(self, *values: str | None):
        named: dict[str, Any] = dict(zip(VISUAL_NAMES, values, strict=True))  # validated as they are set
        super().__init__(**named)

    def as_dict(self) -> dict[str, str | None]:
        return self.model_dump()


@dataclass(frozen=True)
class Persona:
    """Who an entry is; checked against the API's persona fields as the catalogue loads."""

    name: str
    age: int
    personality: tuple[str, str, str]
    background: str

    def __post_init__(self) -> None:
        PersonaFields(persona_name=self.name, persona_age=self.age, persona_personality=list(self.personality),
                      persona_background=self.background)

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
