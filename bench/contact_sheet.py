"""Draw docs/offline-provider.png: 24 offline avatars for varied requests, each captioned with what was asked.

Run from the repository root: ``python bench/contact_sheet.py``.
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from avatar_creator.providers.base import AvatarAttributes, GenerationRequest  # noqa: E402
from avatar_creator.providers.offline import OfflineProvider  # noqa: E402

CELL, CAPTION, COLUMNS = 256, 44, 6
OUTPUT = Path(__file__).resolve().parents[1] / "docs" / "offline-provider.png"

# (caption, prompt, attributes, preset category)
REQUESTS = (
    ("professional, auburn bob", "Professional headshot for a law firm",
     AvatarAttributes(gender="female", hair_style="bob", hair_color="auburn", style="professional"), "professional"),
    ("smiling man with a beard", "A smiling man with a beard", AvatarAttributes(hair_color="dark brown"), None),
    ("mature, grey hair, glasses", "An elderly man with glasses",
     AvatarAttributes(gender="male", age_range="mature", style="professional"), None),
    ("hijab, traditional", "A young woman wearing a hijab",
     AvatarAttributes(gender="female", age_range="young", skin_tone="light medium"), "traditional"),
    ("turban, full beard", "Sikh man wearing a navy turban, full beard",
     AvatarAttributes(gender="male", skin_tone="brown"), None),
    ("teen, pink hair, hoodie", "Teenage girl with pink hair in a hoodie", AvatarAttributes(), "casual"),
    ("sports, buzz cut", "Athletic footballer", AvatarAttributes(
        gender="male", hair_style="buzz cut", skin_tone="dark brown", style="sports"), "sports"),
    ("fashion, blonde, sunglasses", "Fashion model with long wavy blonde hair and sunglasses",
     AvatarAttributes(gender="female"), "fashion"),
    ("nurse, curly hair", "A friendly nurse with curly hair", AvatarAttributes(gender="female", age_range="young"),
     None),
    ("grandmother, silver hair", "Grandmother with silver hair and a warm smile", AvatarAttributes(), None),
    ("artist, dreadlocks, green eyes", "Creative artist with dreadlocks and green eyes",
     AvatarAttributes(gender="male", skin_tone="deep"), None),
    ("East Asian, side part, serious", "Serious businessman with a side part",
     AvatarAttributes(ethnicity="East Asian", hair_color="black"), "professional"),
    ("afro, yellow background", "Nigerian woman with an afro on a yellow background",
     AvatarAttributes(gender="female"), None),
    ("chef with a moustache", "A chef with a moustache", AvatarAttributes(gender="male"), None),
    ("non-binary, mohawk, purple", "Non-binary punk with a purple mohawk", AvatarAttributes(), None),
    ("red curly hair, blue eyes", "Young man with red curly hair and blue eyes", AvatarAttributes(), "casual"),
    ("professor, round glasses", "A professor in a sweater with round glasses",
     AvatarAttributes(gender="female", age_range="mature"), None),
    ("braids, traditional", "Woman with long braids", AvatarAttributes(skin_tone="dark"), "traditional"),
    ("South Asian, clean-shaven, blazer", "Clean-shaven man in a blazer",
     AvatarAttributes(ethnicity="South Asian", age_range="adult"), "professional"),
    ("bald, big beard, laughing", "A laughing bald man with a big beard", AvatarAttributes(hair_color="brown"),
     None),
    ("beanie, casual", "Woman in a beanie", AvatarAttributes(style="casual"), "casual"),
    ("astronaut", "An astronaut", AvatarAttributes(gender="female"), None),
    ("Latina, bun, red top", "Latina woman with her hair in a bun, wearing a red top",
     AvatarAttributes(style="fashion"), "fashion"),
    ("winking, quiff, blue hoodie", "Winking guy with a quiff in a blue hoodie on an orange background",
     AvatarAttributes(hair_color="blonde"), None),
)


def main() -> None:
    provider = OfflineProvider()
    font = ImageFont.load_default(size=15)
    rows = -(-len(REQUESTS) // COLUMNS)
    sheet = Image.new("RGB", (COLUMNS * CELL, rows * (CELL + CAPTION)), "#FFFFFF")
    draw = ImageDraw.Draw(sheet)
    for index, (caption, prompt, attributes, category) in enumerate(REQUESTS):
        request = GenerationRequest(prompt=prompt, negative_prompt="", user_prompt=prompt, width=CELL, height=CELL,
                                    seed=1000 + index, attributes=attributes, category=category)
        result = provider.generate(request, on_progress=lambda _: None, should_cancel=lambda: False)
        left, top = (index % COLUMNS) * CELL, (index // COLUMNS) * (CELL + CAPTION)
        sheet.paste(Image.open(io.BytesIO(result.image)).convert("RGB"), (left, top))
        draw.text((left + CELL / 2, top + CELL + CAPTION / 2), caption, fill="#2B2D42", font=font, anchor="mm")
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    sheet.save(OUTPUT, optimize=True)
    print(f"wrote {OUTPUT.relative_to(Path.cwd()) if OUTPUT.is_relative_to(Path.cwd()) else OUTPUT}")


if __name__ == "__main__":
    main()
