"""From what the user asked for to what the provider is sent (a first version; richer wording comes later)."""

from __future__ import annotations

from dataclasses import dataclass

from avatar_creator.providers.base import AvatarAttributes

DEFAULT_QUALITY_TERMS = "portrait, centred, high quality"
NEGATIVE_PROMPT = "blurry, deformed, extra limbs, watermark, text"


@dataclass(frozen=True)
class BuiltPrompt:
    prompt: str
    negative_prompt: str


def build_prompt(user_prompt: str, attributes: AvatarAttributes, *,
                 quality_terms: str | None = DEFAULT_QUALITY_TERMS) -> BuiltPrompt:
    """The user's prompt followed by the visual attributes they set and the quality terms."""
    described = [
        attributes.age_range and f"{attributes.age_range} age",
        attributes.gender,
        attributes.ethnicity,
        attributes.body_type and f"{attributes.body_type} build",
        attributes.hair_style and f"{attributes.hair_style} hair",
        attributes.hair_color and f"{attributes.hair_color} hair colour",
        attributes.eye_color and f"{attributes.eye_color} eyes",
        attributes.skin_tone and f"{attributes.skin_tone} skin",
        attributes.style and f"{attributes.style} style",
    ]
    parts = [user_prompt.strip(), *(item for item in described if item), quality_terms or ""]
    return BuiltPrompt(prompt=", ".join(part for part in parts if part), negative_prompt=NEGATIVE_PROMPT)
