"""Time seeding the catalogue (first run draws every preview offline; a second run changes nothing) and serving it:
the preset list, one preset, and a preview image (full and 304). Prints, and writes bench/results/catalog.json.

Run from the repository root: ``python bench/catalog.py [--requests 200]`` (SQLite, a real ``serve`` process).
"""

from __future__ import annotations

import sys  # noqa: I001 - must run before any import that could load the standard library's queue
from pathlib import Path

# Run as a script, sys.path[0] is bench/, whose queue.py would shadow the standard library's queue module.
sys.path[0] = str(Path(__file__).resolve().parents[1])

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from bench._harness import serve, summary, write_results  # noqa: E402


def seed_seconds(data_dir: str) -> float:
    env = {**os.environ, "AVATAR_DATA_DIR": data_dir, "AVATAR_LOG_LEVEL": "WARNING"}
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "avatar_creator.cli", "seed"], env=env, check=True,
                   stdout=subprocess.DEVNULL)
    return round(time.perf_counter() - started, 3)


def timed(client: httpx.Client, url: str, requests: int, headers: dict | None = None, expect: int = 200) -> dict:
    timings = []
    for _ in range(requests):
        started = time.perf_counter()
        response = client.get(url, headers=headers)
        timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == expect, (url, response.status_code)
    return summary(timings)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="avatar-bench-catalog-") as data_dir:
        results = {"seed_first_s": seed_seconds(data_dir), "seed_again_s": seed_seconds(data_dir)}
        results["previews"] = len(list((Path(data_dir) / "previews").glob("*.png")))
        with serve(None, port=8741, extra_env={"AVATAR_DATA_DIR": data_dir}, args=("--no-worker",)) as (_, url, _s):
            with httpx.Client(base_url=url) as client:
                presets = client.get("/api/apps/avatar-creator/presets").json()["presets"]
                preview = presets[0]["previewImageUrl"]
                etag = client.get(preview).headers["etag"]
                client.get("/api/apps/avatar-creator/presets")  # warm
                results["list_presets"] = timed(client, "/api/apps/avatar-creator/presets", args.requests)
                results["list_presets_bytes"] = len(client.get("/api/apps/avatar-creator/presets").content)
                results["one_preset"] = timed(client, f"/api/apps/avatar-creator/presets/{presets[5]['slug']}",
                                              args.requests)
                results["persona_examples"] = timed(client, "/api/apps/avatar-creator/persona-examples",
                                                    args.requests)
                results["preview_full"] = timed(client, preview, args.requests)
                results["preview_304"] = timed(client, preview, args.requests, {"If-None-Match": etag}, expect=304)
    for name, value in results.items():
        print(f"{name:18} {value}")
    print(f"wrote {write_results('catalog', results)}")


if __name__ == "__main__":
    main()
