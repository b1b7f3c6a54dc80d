"""The PNG compression level for uploads that must be re-encoded (16-bit, palette, rotated, ICC-converted): time and
size per level and zlib strategy, on a photo-like and a flat-graphic 2048² picture.

    python -m bench.png_levels [--repeat 3]

Prints the table and writes bench/results/png_levels.json; ``imaging.upload.PNG_COMPRESS_LEVEL`` and
``PNG_COMPRESS_TYPE`` come from it.
"""

from __future__ import annotations

import argparse
import io
import os
import time

from PIL import Image, ImageDraw

from bench._harness import write_results
from bench.upload import photo_like

LEVELS = (1, 2, 3, 6)
STRATEGIES = {"default": -1, "rle": 3}  # zlib strategies; Z_RLE only matches runs, which filtered rows are full of


def graphic(side: int) -> Image.Image:
    """Flat colours and hard edges: a logo or an illustration, where LZ77 matches pay off."""
    image = Image.new("RGB", (side, side), (240, 240, 235))
    draw = ImageDraw.Draw(image)
    for index in range(40):
        offset = index * side // 40
        draw.rectangle((offset, offset // 2, offset + side // 8, offset // 2 + side // 6),
                       fill=(index * 6 % 256, 120, 255 - index * 6 % 256))
        draw.ellipse((side - offset - side // 10, offset, side - offset, offset + side // 10), fill=(30, 30, 30))
    return image


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    pictures = {"photo": photo_like(2048, 2048, 3), "graphic": graphic(2048)}
    rows = []
    print(f"{'picture':8} {'level':>5} {'strategy':>8} {'ms (best)':>10} {'KiB':>8}")
    for name, picture in pictures.items():
        for level in LEVELS:
            for strategy, compress_type in STRATEGIES.items():
                times, size = [], 0
                for _ in range(args.repeat):
                    buffer = io.BytesIO()
                    started = time.perf_counter()
                    picture.save(buffer, "PNG", compress_level=level, compress_type=compress_type)
                    times.append((time.perf_counter() - started) * 1000)
                    size = len(buffer.getvalue())
                rows.append({"picture": name, "level": level, "strategy": strategy, "ms": round(min(times), 1),
                             "kib": size // 1024})
                print(f"{name:8} {level:5} {strategy:>8} {min(times):10.1f} {size // 1024:8}")
    result = {"rows": rows, "load_average": os.getloadavg()}
    print(f"load average {result['load_average'][0]:.2f}; wrote {write_results('png_levels', result)}")
    return result


if __name__ == "__main__":
    main()
