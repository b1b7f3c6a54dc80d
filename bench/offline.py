"""Time the offline provider (whole generate() calls) and PNG text insertion; print, and write the numbers to
bench/results/offline.json.

Run from the repository root: ``python bench/offline.py [--runs 40]``. Every render is a different request (seed,
prompt and attributes change), so nothing can be reused from one render to the next.
"""

from __future__ import annotations

import argparse
import io
import json
import statistics
import sys
import time
from pathlib import Path

from PIL import Image, PngImagePlugin

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from avatar_creator import pngmeta  # noqa: E402
from avatar_creator.providers import _rasterise  # noqa: E402
from avatar_creator.providers.base import AvatarAttributes, GenerationRequest  # noqa: E402
from avatar_creator.providers.offline import OfflineProvider  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results" / "offline.json"
PROMPTS = ("a smiling woman with red hair and glasses", "a bearded man in a hoodie", "a nurse in a blue hijab",
           "an elderly professor with round glasses", "a Sikh man in a turban", "a fashion model with an afro")
STYLES = ("professional", "casual", "sports", "fashion", "traditional")


def _request(index: int, size: int) -> GenerationRequest:
    prompt = PROMPTS[index % len(PROMPTS)]
    return GenerationRequest(prompt=prompt, negative_prompt="", user_prompt=prompt, width=size, height=size,
                             seed=index * 7919, attributes=AvatarAttributes(style=STYLES[index % len(STYLES)],
                                                                            eye_color="green" if index % 2 else None))


def _time_renders(provider: OfflineProvider, size: int, runs: int) -> dict:
    provider.generate(_request(-1, size), on_progress=lambda _: None, should_cancel=lambda: False)  # warm imports
    timings = []
    for index in range(runs):
        started = time.perf_counter()
        provider.generate(_request(index, size), on_progress=lambda _: None, should_cancel=lambda: False)
        timings.append((time.perf_counter() - started) * 1000)
    return _summary(timings)


def _time_metadata(png: bytes, runs: int) -> dict:
    text = json.dumps({"prompt": PROMPTS[0] * 8, "seed": 123456789, "width": 1024, "height": 1024,
                       "provider": "offline", "model": "offline-illustrated-v1"})
    inserted, read = [], []
    for _ in range(runs):
        started = time.perf_counter()
        tagged = pngmeta.insert_text(png, "parameters", text)
        inserted.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        pngmeta.read_text(tagged)
        read.append((time.perf_counter() - started) * 1000)
    reencoded = []
    for _ in range(5):  # the alternative: decode and re-encode with Pillow
        started = time.perf_counter()
        info = PngImagePlugin.PngInfo()
        info.add_itxt("parameters", text)
        Image.open(io.BytesIO(png)).save(io.BytesIO(), format="PNG", pnginfo=info)
        reencoded.append((time.perf_counter() - started) * 1000)
    return {"png_bytes": len(png), "insert_text": _summary(inserted), "read_text": _summary(read),
            "pillow_reencode": _summary(reencoded)}


def _summary(timings: list[float]) -> dict:
    ordered = sorted(timings)
    return {"runs": len(ordered), "p50_ms": round(statistics.median(ordered), 3),
            "p95_ms": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))], 3),
            "min_ms": round(ordered[0], 3)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=40, help="renders per size")
    runs = parser.parse_args().runs
    provider = OfflineProvider()
    rasteriser = _rasterise.default_rasteriser().name
    results = {"rasteriser": rasteriser, "render": {}}
    for size in (512, 1024, 2048):
        results["render"][f"{size}x{size}"] = _time_renders(provider, size, runs if size < 2048 else max(5, runs // 4))
    _rasterise.default_rasteriser.cache_clear()
    sys.modules["cairosvg"] = None  # as where the cairo library is missing: the resvg fallback
    results["render_resvg_fallback"] = {"1024x1024": _time_renders(OfflineProvider(), 1024, max(5, runs // 4))}
    del sys.modules["cairosvg"]
    _rasterise.default_rasteriser.cache_clear()
    png = provider.generate(_request(0, 1024), on_progress=lambda _: None, should_cancel=lambda: False).image
    results["png_metadata"] = _time_metadata(png, 1000)
    for name, summary in [(f"render {size} ({rasteriser})", value) for size, value in results["render"].items()] + [
            ("render 1024x1024 (resvg fallback)", results["render_resvg_fallback"]["1024x1024"]),
            ("png insert_text (1024² avatar)", results["png_metadata"]["insert_text"]),
            ("png read_text", results["png_metadata"]["read_text"]),
            ("pillow re-encode with text", results["png_metadata"]["pillow_reencode"])]:
        print(f"{name:38} p50 {summary['p50_ms']:9.3f} ms   p95 {summary['p95_ms']:9.3f} ms   ({summary['runs']} runs)")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
