"""Time the offline provider (whole generate() calls); print, and write the numbers to bench/results/offline.json.

Run from the repository root: ``python bench/offline.py [--runs 40]``. Every render is a different request (seed,
prompt and attributes change), so nothing can be reused from one render to the next. Then each art style at 1024²
(targets: flat under 100 ms, the slowest style under 250 ms at p50), with the CPU time per render beside the wall
time, and the load average, since a busy machine stretches wall time.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from avatar_creator.providers.base import AvatarAttributes, GenerationRequest  # noqa: E402
from avatar_creator.providers.offline import OfflineProvider, rasterise  # noqa: E402
from avatar_creator.providers.offline.vocabulary import ART_STYLES  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results" / "offline.json"
PROMPTS = ("a smiling woman with red hair and glasses", "a bearded man in a hoodie", "a nurse in a blue hijab",
           "an elderly professor with round glasses", "a Sikh man in a turban", "a fashion model with an afro")
STYLES = ("professional", "casual", "sports", "fashion", "traditional")
SETTINGS = ("office", "city skyline", "coffee shop", "beach", "library", "plain")


def _request(index: int, size: int, art_style: str | None = None) -> GenerationRequest:
    prompt = PROMPTS[index % len(PROMPTS)]
    if art_style:  # a setting too: the backdrops are the most detailed pictures to filter
        prompt = f"{prompt}, {SETTINGS[index % len(SETTINGS)]} background, {art_style}"
    return GenerationRequest(prompt=prompt, negative_prompt="", user_prompt=prompt, width=size, height=size,
                             seed=index * 7919, attributes=AvatarAttributes(style=STYLES[index % len(STYLES)],
                                                                            eye_color="green" if index % 2 else None))


def _time_renders(provider: OfflineProvider, size: int, runs: int, art_style: str | None = None) -> dict:
    provider.generate(_request(-1, size, art_style), on_progress=lambda _: None, should_cancel=lambda: False)  # warm
    timings, cpu = [], []
    for index in range(runs):
        started, started_cpu = time.perf_counter(), time.process_time()
        provider.generate(_request(index, size, art_style), on_progress=lambda _: None, should_cancel=lambda: False)
        timings.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
    return {**_summary(timings), "cpu_p50_ms": round(statistics.median(cpu), 3)}


def _summary(timings: list[float]) -> dict:
    ordered = sorted(timings)
    return {"runs": len(ordered), "p50_ms": round(statistics.median(ordered), 3),
            "p95_ms": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))], 3),
            "min_ms": round(ordered[0], 3)}


def _print(name: str, summary: dict) -> None:
    print(f"{name:38} p50 {summary['p50_ms']:9.3f} ms   p95 {summary['p95_ms']:9.3f} ms   "
          f"cpu p50 {summary['cpu_p50_ms']:8.3f} ms   ({summary['runs']} runs)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=40, help="renders per size")
    runs = parser.parse_args().runs
    provider = OfflineProvider()
    rasteriser = rasterise.default_rasteriser().name
    results: dict = {"rasteriser": rasteriser, "cpus": os.cpu_count(), "load_average_before": os.getloadavg(),
                     "render": {}, "style_1024x1024": {}}
    for size in (512, 1024, 2048):
        results["render"][f"{size}x{size}"] = _time_renders(provider, size, runs if size < 2048 else max(5, runs // 4))
    for style, _ in ART_STYLES:
        results["style_1024x1024"][style] = _time_renders(provider, 1024, runs, style)
    rasterise.default_rasteriser.cache_clear()
    sys.modules["cairosvg"] = None  # as where the cairo library is missing: the resvg fallback
    results["render_resvg_fallback"] = {"1024x1024": _time_renders(OfflineProvider(), 1024, max(5, runs // 4))}
    del sys.modules["cairosvg"]
    rasterise.default_rasteriser.cache_clear()
    results["load_average_after"] = os.getloadavg()
    for name, summary in [(f"render {size} ({rasteriser})", value) for size, value in results["render"].items()] + [
            ("render 1024x1024 (resvg fallback)", results["render_resvg_fallback"]["1024x1024"])]:
        _print(name, summary)
    for style, summary in results["style_1024x1024"].items():
        _print(f"style {style} 1024x1024", summary)
    slowest = max(results["style_1024x1024"].items(), key=lambda item: item[1]["p50_ms"])
    print(f"flat p50 {results['style_1024x1024']['flat']['p50_ms']:.1f} ms (target < 100); slowest style "
          f"{slowest[0]} p50 {slowest[1]['p50_ms']:.1f} ms (target < 250); load average "
          f"{results['load_average_before'][0]:.1f} -> {results['load_average_after'][0]:.1f} on {os.cpu_count()} CPUs")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    print(f"wrote {RESULTS.relative_to(RESULTS.parents[2])}")


if __name__ == "__main__":
    main()
