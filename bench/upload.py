"""Upload processing speed: p50/p95 per image, throughput with several threads, peak memory.

    python bench/upload.py [--repeat 30] [--threads 4]

Prints a table and writes bench/results/upload.json. Target: a 12-megapixel JPEG (~4 MB) in under 200 ms p50.

Mode ``inprocess`` times ``process_upload`` alone. Another mode (HTTP uploads against a running server, timed by the
server) plugs in as one more entry of ``RUNNERS``: a function that takes the file's bytes and returns the seconds the
server spent on it.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import resource
import statistics
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from PIL import Image, ImageChops

from avatar_creator.imaging import process_upload

RESULTS = Path(__file__).parent / "results" / "upload.json"
JPEG_P50_TARGET_MS = 200

Runner = Callable[[bytes], float]  # processes one upload, returns the server's seconds for it


def run_inprocess(data: bytes) -> float:
    started = time.perf_counter()
    process_upload(data)
    return time.perf_counter() - started


RUNNERS: dict[str, Runner] = {"inprocess": run_inprocess}


def photo_like(width: int, height: int, noise_sigma: float) -> Image.Image:
    """Smooth gradients plus per-channel sensor-like noise: compresses like a photo, built without much memory."""
    base = Image.merge(
        "RGB",
        [
            Image.linear_gradient("L").rotate(90).resize((width, height)),
            Image.linear_gradient("L").resize((width, height)),
            Image.radial_gradient("L").resize((width, height)),
        ],
    )
    noise = Image.merge("RGB", [Image.effect_noise((width, height), noise_sigma) for _ in range(3)])
    return ImageChops.add(base, noise, 1.0, -128)


def encoded(image: Image.Image, fmt: str, **params) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **params)
    return buffer.getvalue()


def cases() -> dict[str, bytes]:
    return {
        "jpeg_12mp": encoded(photo_like(4000, 3000, 12), "JPEG", quality=90),
        "png_2048": encoded(photo_like(2048, 2048, 3), "PNG"),
    }


def latency(run: Runner, data: bytes, repeat: int) -> dict:
    run(data)  # warm-up: imports, the face cascade, caches
    seconds = [run(data) for _ in range(repeat)]
    percentiles = statistics.quantiles(seconds, n=100, method="inclusive")
    return {
        "p50_ms": round(percentiles[49] * 1000, 1),
        "p95_ms": round(percentiles[94] * 1000, 1),
        "min_ms": round(min(seconds) * 1000, 1),
        "runs": repeat,
    }


def throughput(run: Runner, data: bytes, threads: int, uploads: int) -> float:
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=threads) as pool:
        list(pool.map(run, [data] * uploads))
    return round(uploads / (time.perf_counter() - started), 2)


def peak_rss_mib() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)  # KiB on Linux


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mode", choices=sorted(RUNNERS), default="inprocess")
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--threads", type=int, default=4)
    arguments = parser.parse_args()
    run = RUNNERS[arguments.mode]

    inputs = cases()
    results: dict = {
        "mode": arguments.mode,
        "machine": {"cpus": _cpu_count(), "python": platform.python_version(), "pillow": Image.__version__},
        "load_average_before": os.getloadavg()[0],  # other work on the machine skews every number below
        "rss_before_mib": peak_rss_mib(),
        "cases": {},
    }
    for name, data in inputs.items():
        width, height = Image.open(io.BytesIO(data)).size
        case = {"bytes": len(data), "size": f"{width}x{height}", **latency(run, data, arguments.repeat)}
        case[f"throughput_{arguments.threads}_threads_per_s"] = throughput(
            run, data, arguments.threads, arguments.threads * 4
        )
        case["throughput_1_thread_per_s"] = round(1000 / case["p50_ms"], 2)
        results["cases"][name] = case
        print(
            f"{name:10} {len(data) / 1e6:5.1f} MB  p50 {case['p50_ms']:7.1f} ms  p95 {case['p95_ms']:7.1f} ms  "
            f"{arguments.threads} threads {case[f'throughput_{arguments.threads}_threads_per_s']:5.2f}/s"
        )
    results["peak_rss_mib"] = peak_rss_mib()
    results["load_average_after"] = os.getloadavg()[0]
    jpeg_p50 = results["cases"]["jpeg_12mp"]["p50_ms"]
    results["target"] = {"jpeg_p50_ms": JPEG_P50_TARGET_MS, "met": jpeg_p50 < JPEG_P50_TARGET_MS}
    print(f"peak RSS {results['peak_rss_mib']} MiB (before processing {results['rss_before_mib']} MiB)")
    print(f"load average {results['load_average_before']:.2f} before, {results['load_average_after']:.2f} after")
    print(f"target: JPEG p50 < {JPEG_P50_TARGET_MS} ms: {'met' if results['target']['met'] else 'NOT met'}")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")


def _cpu_count() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


if __name__ == "__main__":
    main()
