"""Common values the forms offer for persona and visual fields; free text stays allowed (inputs with datalists)."""

from __future__ import annotations

GENDERS = (("", "Any"), ("female", "Female"), ("male", "Male"), ("unisex", "Unisex"))
AGE_RANGES = (("", "Any"), ("young", "Young"), ("adult", "Adult"), ("mature", "Mature"))

# (form field, label, suggestions): the seven free-text visual attributes, in the order the form shows them.
VISUAL_TEXT_FIELDS = (
    ("ethnicity", "Ethnicity", ("African", "East Asian", "South Asian", "Southeast Asian", "Middle Eastern",
                                "Hispanic or Latino", "White or European", "Indigenous", "Pacific Islander",
                                "Mixed")),
    ("bodyType", "Body type", ("slim", "athletic", "average", "curvy", "muscular", "broad", "heavyset")),
    ("hairStyle", "Hair style", ("short", "long", "curly", "wavy", "straight", "bob", "pixie cut", "buzz cut",
                                 "braids", "bun", "ponytail", "afro", "dreadlocks", "bald")),
    ("hairColor", "Hair colour", ("black", "dark brown", "brown", "light brown", "auburn", "red", "ginger",
                                  "blonde", "platinum", "grey", "white", "pink", "blue", "purple")),
    ("eyeColor", "Eye colour", ("brown", "dark brown", "hazel", "amber", "green", "blue", "light blue", "grey")),
    ("skinTone", "Skin tone", ("very fair", "fair", "light", "medium", "olive", "tan", "brown", "dark brown",
                               "deep")),
    ("style", "Style", ("photorealistic", "professional headshot", "illustration", "cartoon", "anime",
                        "3D render", "watercolour", "oil painting", "pixel art", "minimalist")),
)

# Image sizes the form offers (multiples of 16, as the API requires).
SIZES = (("1024x1024", "Square, 1024 × 1024"), ("768x768", "Square, 768 × 768"), ("512x512", "Square, 512 × 512"),
         ("832x1216", "Portrait, 832 × 1216"), ("1216x832", "Landscape, 1216 × 832"))
DEFAULT_SIZE = "1024x1024"
VARIATIONS = (1, 2, 3, 4)

SOURCE_FILTERS = (("", "All"), ("uploaded", "Uploaded"), ("text_to_image", "Generated"),
                  ("from_preset", "From presets"), ("from_reference", "From references"))
SOURCE_LABELS = {"uploaded": "Uploaded", "text_to_image": "Generated", "from_preset": "From a preset",
                 "from_reference": "From a reference"}
