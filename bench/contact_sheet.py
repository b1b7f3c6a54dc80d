"""Draw docs/offline-provider.png: 24 offline avatars for varied prompts, each prompt written under its image (and
the words the avatar recorded as not drawn, where there are any).

Run from the repository root: ``python bench/contact_sheet.py``.
"""

from __future__ import annotations

import io
import sys
import textwrap
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from avatar_creator.providers.base import AvatarAttributes, GenerationRequest  # noqa: E402
from avatar_creator.providers.offline import OfflineProvider  # noqa: E402

CELL, CAPTION, COLUMNS, LINE = 256, 62, 6, 15
OUTPUT = Path(__file__).resolve().parents[1] / "docs" / "offline-provider.png"

# Garments and colours, settings, art styles, accessories, a transparent background and words it cannot draw.
PROMPTS = (
    "A confident architect in her forties, grey blazer, glasses, city skyline behind her",
    "A barista in a denim jacket, coffee shop",
    "A young woman in a navy hoodie with headphones, night city",
    "A scientist in a white lab coat with round glasses, library",
    "A Japanese woman in a red kimono, temple, watercolour",
    "An Indonesian woman in a burgundy kebaya and a hijab, mosque",
    "An Indian bride in a crimson saree with drop earrings, plain background",
    "A Korean woman in a lilac hanbok, forest",
    "A footballer in an orange sports jersey, stadium",
    "A smiling nurse in scrubs, photo studio",
    "A man in a charcoal suit and tie, office",
    "A surfer in a turquoise t-shirt at the beach, pixel art",
    "A girl with freckles and red curly hair in a yellow sweater, anime",
    "A biker in a black leather jacket with a full beard, comic book",
    "A grandmother with silver hair in a lavender cardigan, pencil sketch",
    "A boy in a red baseball cap and a green hoodie, 3D clay",
    "A Sikh man in a navy turban with a full beard, office",
    "A woman with an afro and hoop earrings on a yellow background",
    "A teenager in a mustard hoodie, transparent background",
    "A chef with a moustache in a coffee shop",
    "A serious man with a goatee in a dark green shirt, studio",
    "A woman in a white blouse and sunglasses at the beach, watercolour",
    "An astronaut in the night city, anime",
    "A wizard holding a coffee cup",
)


def _on_checkerboard(image: Image.Image) -> Image.Image:
    """The avatar over a grey checkerboard, so a transparent background shows as such."""
    board = Image.new("RGBA", image.size, "#FFFFFF")
    draw = ImageDraw.Draw(board)
    for top in range(0, image.height, 16):
        for left in range(0, image.width, 16):
            if (top + left) // 16 % 2:
                draw.rectangle((left, top, left + 15, top + 15), fill="#E3E6EA")
    board.alpha_composite(image)
    return board.convert("RGB")


def main() -> None:
    provider = OfflineProvider()
    font = ImageFont.load_default(size=13)
    rows = -(-len(PROMPTS) // COLUMNS)
    sheet = Image.new("RGB", (COLUMNS * CELL, rows * (CELL + CAPTION)), "#FFFFFF")
    draw = ImageDraw.Draw(sheet)
    for index, prompt in enumerate(PROMPTS):
        request = GenerationRequest(prompt=prompt, negative_prompt="", user_prompt=prompt, width=CELL, height=CELL,
                                    seed=2000 + index, attributes=AvatarAttributes())
        result = provider.generate(request, on_progress=lambda _: None, should_cancel=lambda: False)
        left, top = (index % COLUMNS) * CELL, (index // COLUMNS) * (CELL + CAPTION)
        sheet.paste(_on_checkerboard(Image.open(io.BytesIO(result.image)).convert("RGBA")), (left, top))
        lines = textwrap.wrap(prompt, 38)
        not_drawn = result.metadata["promptTerms"]["notDrawn"]
        for number, line in enumerate(lines[:3]):
            draw.text((left + 8, top + CELL + 4 + number * LINE), line, fill="#2B2D42", font=font)
        if not_drawn and len(lines) < 4:
            draw.text((left + 8, top + CELL + 4 + len(lines) * LINE), "not drawn: " + ", ".join(not_drawn),
                      fill="#B23A48", font=font)
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    sheet.save(OUTPUT, optimize=True)
    print(f"wrote {OUTPUT.relative_to(Path.cwd()) if OUTPUT.is_relative_to(Path.cwd()) else OUTPUT}")


if __name__ == "__main__":
    main()
