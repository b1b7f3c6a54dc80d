"""Time the offline provider (whole generate() calls); print, and write the numbers to bench/results/offline.json.

Run from the repository root: ``python bench/offline.py [--runs 40]``. Every render is a different request (seed,
prompt and attributes change), so nothing can be reused from one render to the next.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from avatar_creator.providers.base import AvatarAttributes, GenerationRequest  # noqa: E402
from avatar_creator.providers.offline import OfflineProvider, rasterise  # noqa: E402

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
    rasteriser = rasterise.default_rasteriser().name
    results = {"rasteriser": rasteriser, "render": {}}
    for size in (512, 1024, 2048):
        results["render"][f"{size}x{size}"] = _time_renders(provider, size, runs if size < 2048 else max(5, runs // 4))
    rasterise.default_rasteriser.cache_clear()
    sys.modules["cairosvg"] = None  # as where the cairo library is missing: the resvg fallback
    results["render_resvg_fallback"] = {"1024x1024": _time_renders(OfflineProvider(), 1024, max(5, runs // 4))}
    del sys.modules["cairosvg"]
    rasterise.default_rasteriser.cache_clear()
    for name, summary in [(f"render {size} ({rasteriser})", value) for size, value in results["render"].items()] + [
            ("render 1024x1024 (resvg fallback)", results["render_resvg_fallback"]["1024x1024"])]:
        print(f"{name:38} p50 {summary['p50_ms']:9.3f} ms   p95 {summary['p95_ms']:9.3f} ms   ({summary['runs']} runs)")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
