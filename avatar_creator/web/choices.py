"""What the forms offer: the attribute choices and suggestions (from ``avatars.attributes``), sizes, filters."""

from __future__ import annotations

from avatar_creator.avatars import attributes
from avatar_creator.avatars.attributes import AvatarFields, VisualFields
from avatar_creator.providers.offline import palette


def _options(name: str) -> tuple[tuple[str, str], ...]:
    return (("", "Any"), *((value, value.capitalize()) for value in attributes.choices(name)))


GENDERS = _options("gender")
AGE_RANGES = _options("age_range")
# (form field, label, suggestions, max length): the free-text visual attributes, in the order the form shows them.
VISUAL_TEXT_FIELDS = tuple(
    (field.alias, field.title, tuple(field.examples or ()), attributes.max_length(name))
    for name, field in VisualFields.model_fields.items() if not attributes.choices(name)
)
# Fields whose common values the Generate page offers as one-click picks: colours as swatches (in the shades the
# offline provider draws them), the rest as chips. Typing another value stays possible.
_SHADES = {"skin_tone": palette.SKIN, "hair_color": palette.HAIR, "eye_color": palette.EYES}
PICKS = {VisualFields.model_fields[name].alias: tuple(
    (value, palette.lookup(value, _SHADES[name]) if name in _SHADES else None)
    for value in VisualFields.model_fields[name].examples or ())
    for name in ("skin_tone", "hair_color", "eye_color", "hair_style", "style")}
_SETTING = AvatarFields.model_fields["setting"]
SETTING = ("setting", _SETTING.title, tuple(_SETTING.examples or ()), attributes.max_length("setting"))

# Image sizes the form offers (multiples of 16, as the API requires).
SIZES = (("1024x1024", "Square, 1024 × 1024"), ("768x768", "Square, 768 × 768"), ("512x512", "Square, 512 × 512"),
         ("832x1216", "Portrait, 832 × 1216"), ("1216x832", "Landscape, 1216 × 832"))
DEFAULT_SIZE = "1024x1024"
VARIATIONS = (1, 2, 3, 4)

SOURCE_FILTERS = (("", "All"), ("uploaded", "Uploaded"), ("text_to_image", "Generated"),
                  ("from_preset", "From presets"), ("from_reference", "From references"))
SOURCE_LABELS = {"uploaded": "Uploaded", "text_to_image": "Generated", "from_preset": "From a preset",
                 "from_reference": "From a reference"}
SORTS = (("newest", "Newest"), ("oldest", "Oldest"), ("name", "Name"), ("favorites", "Favourites first"))
