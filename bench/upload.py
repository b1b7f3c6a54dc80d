"""Upload processing speed: p50/p95 per image, throughput with several threads, peak memory.

    python bench/upload.py [--repeat 30] [--threads 4] [--rounds 1]

Prints a table and writes bench/results/upload.json. Target: a 12-megapixel JPEG (~4 MB) in under 200 ms p50.

Mode ``inprocess`` times ``process_upload`` alone. Mode ``http`` starts ``avatar-creator serve`` (SQLite, or
PostgreSQL with ``--database postgres``) and times real uploads by the server's own ``Server-Timing`` (streaming the
body, decoding, storing, charging, committing), several clients at once for the throughput, and reports the server
process's peak RSS. ``--rounds N`` times each latency N times in this one process, to show the spread.
"""

from __future__ import annotations

import sys  # noqa: I001 - must run before any import that could load the standard library's queue
from pathlib import Path

# Run as a script, sys.path[0] is bench/, whose queue.py would shadow the standard library's queue module.
sys.path[0] = str(Path(__file__).resolve().parents[1])

import argparse
import io
import json
import os
import platform
import resource
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from pathlib import Path

import httpx
from PIL import Image, ImageChops

from avatar_creator.imaging import process_upload

RESULTS = Path(__file__).parent / "results"
JPEG_P50_TARGET_MS = 200

Runner = Callable[[bytes], float]  # processes one upload, returns the server's seconds for it


@dataclass(frozen=True)
class Mode:
    run: Runner
    peak_rss_mib: Callable[[], float]  # of the process that does the work


def run_inprocess(data: bytes) -> float:
    started = time.perf_counter()
    process_upload(data)
    return time.perf_counter() - started


@contextmanager
def inprocess(_database: str) -> Iterator[Mode]:
    yield Mode(run_inprocess, peak_rss_mib)


@contextmanager
def http(database: str) -> Iterator[Mode]:
    """A real server with a user who can afford every upload; each call uploads once and returns the server time."""
    from bench._harness import postgres_database, serve, server_ms

    env = {"AVATAR_WELCOME_BONUS": "1000000", "AVATAR_STORAGE_QUOTA_BYTES": str(1 << 40)}
    with (postgres_database() if database == "postgres" else nullcontext(None)) as url, \
            serve(url, port=8741, extra_env=env, args=("--no-worker",)) as (process, base_url, _startup), \
            httpx.Client(base_url=base_url, timeout=120) as client:
        token = client.post("/api/auth/register", json={"email": "bench@example.com", "password": "bench password 1"}
                            ).json()["data"]["token"]
        client.cookies.clear()
        headers = {"Authorization": f"Bearer {token}"}
        project = client.post("/api/apps/avatar-creator/projects", json={"name": "Bench"}, headers=headers).json()
        path = f"/api/apps/avatar-creator/projects/{project['project']['id']}/avatars/upload"

        def run(data: bytes) -> float:
            body, content_type = _multipart(data)
            response = client.post(path, content=body, headers={**headers, "Content-Type": content_type})
            if response.status_code != 201:
                raise RuntimeError(f"upload failed: {response.status_code} {response.text[:300]}")
            return server_ms(response) / 1000

        yield Mode(run, lambda: _process_peak_rss_mib(process.pid))


MODES = {"inprocess": inprocess, "http": http}


def _multipart(image: bytes) -> tuple[bytes, str]:
    """The upload form as one buffer, so the client sends it in one go instead of competing for the CPU."""
    boundary = "bench-boundary-7d1f0c"
    body = (f'--{boundary}\r\nContent-Disposition: form-data; name="image"; filename="photo"\r\n\r\n'.encode()
            + image + f'\r\n--{boundary}\r\nContent-Disposition: form-data; name="name"\r\n\r\nBench\r\n'
            f"--{boundary}--\r\n".encode())
    return body, f"multipart/form-data; boundary={boundary}"


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


def _process_peak_rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):  # the process's peak resident set size
            return round(int(line.split()[1]) / 1024, 1)
    return float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mode", choices=sorted(MODES), default="inprocess")
    parser.add_argument("--database", choices=("sqlite", "postgres"), default="sqlite", help="for --mode http")
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=1, help="latency timed this many times, to show the spread")
    arguments = parser.parse_args()
    with MODES[arguments.mode](arguments.database) as mode:
        results = measure(mode, arguments)
    name = "upload" if arguments.mode == "inprocess" else f"upload-http-{arguments.database}"
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"{name}.json").write_text(json.dumps(results, indent=2) + "\n")


def measure(mode: Mode, arguments: argparse.Namespace) -> dict:
    run = mode.run
    inputs = cases()
    results: dict = {
        "mode": arguments.mode,
        "database": arguments.database if arguments.mode == "http" else None,
        "machine": {"cpus": _cpu_count(), "python": platform.python_version(), "pillow": Image.__version__},
        "load_average_before": os.getloadavg()[0],  # other work on the machine skews every number below
        "rss_before_mib": mode.peak_rss_mib(),
        "cases": {},
    }
    for name, data in inputs.items():
        width, height = Image.open(io.BytesIO(data)).size
        rounds = [latency(run, data, arguments.repeat) for _ in range(arguments.rounds)]
        case = {"bytes": len(data), "size": f"{width}x{height}", **rounds[0],
                **({"rounds": rounds} if arguments.rounds > 1 else {})}
        case[f"throughput_{arguments.threads}_threads_per_s"] = throughput(
            run, data, arguments.threads, arguments.threads * 4
        )
        case["throughput_1_thread_per_s"] = round(1000 / case["p50_ms"], 2)
        results["cases"][name] = case
        print(
            f"{name:10} {len(data) / 1e6:5.1f} MB  p50 {case['p50_ms']:7.1f} ms  p95 {case['p95_ms']:7.1f} ms  "
            f"{arguments.threads} threads {case[f'throughput_{arguments.threads}_threads_per_s']:5.2f}/s"
            + "".join(f"; round {index} p50 {figures['p50_ms']:.1f} ms" for index, figures in enumerate(rounds[1:], 2))
        )
    results["peak_rss_mib"] = mode.peak_rss_mib()
    results["load_average_after"] = os.getloadavg()[0]
    jpeg_p50 = results["cases"]["jpeg_12mp"]["p50_ms"]
    results["target"] = {"jpeg_p50_ms": JPEG_P50_TARGET_MS, "met": jpeg_p50 < JPEG_P50_TARGET_MS}
    print(f"peak RSS {results['peak_rss_mib']} MiB (before processing {results['rss_before_mib']} MiB)")
    print(f"load average {results['load_average_before']:.2f} before, {results['load_average_after']:.2f} after")
    print(f"target: JPEG p50 < {JPEG_P50_TARGET_MS} ms: {'met' if results['target']['met'] else 'NOT met'}")
    return results


def _cpu_count() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


if __name__ == "__main__":
    main()
