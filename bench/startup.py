"""`serve`'s start-up on a fresh data folder (migrations, the catalogue's rows seeded; its previews are drawn in the
background) and on a second start of the same folder (nothing to do), on SQLite and PostgreSQL: seconds from the
process's start until `/health` answers. Prints, and writes bench/results/startup.json.

Run from the repository root: ``python bench/startup.py [--runs 3]``.
"""

from __future__ import annotations

import sys  # noqa: I001 - must run before any import that could load the standard library's queue
from pathlib import Path

# Run as a script, sys.path[0] is bench/, whose queue.py would shadow the standard library's queue module.
sys.path[0] = str(Path(__file__).resolve().parents[1])

import argparse
import os
import statistics
import subprocess
import tempfile
import time
from contextlib import nullcontext

from bench._harness import postgres_database, wait_until_up, write_results  # noqa: E402


def start_seconds(data_dir: str, database_url: str | None, port: int) -> float:
    env = {**os.environ, "AVATAR_DATA_DIR": data_dir, "AVATAR_LOG_LEVEL": "WARNING",
           **({"AVATAR_DATABASE_URL": database_url} if database_url else {})}
    started = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-m", "avatar_creator.cli", "serve", "--port", str(port)],
                               env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        return wait_until_up(f"http://127.0.0.1:{port}", process, started)
    finally:
        process.terminate()
        process.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    results: dict[str, dict] = {}
    for backend, port in (("sqlite", 8741), ("postgres", 8742)):
        fresh, again = [], []
        for _ in range(args.runs):
            context = postgres_database() if backend == "postgres" else nullcontext(None)
            with context as database_url, tempfile.TemporaryDirectory(prefix="avatar-bench-") as data_dir:
                fresh.append(start_seconds(data_dir, database_url, port))
                again.append(start_seconds(data_dir, database_url, port))
        results[backend] = {"fresh_s": [round(value, 3) for value in fresh],
                            "second_start_s": [round(value, 3) for value in again],
                            "fresh_median_s": round(statistics.median(fresh), 3),
                            "second_start_median_s": round(statistics.median(again), 3)}
        print(f"{backend:9} fresh data folder {results[backend]['fresh_median_s']:.2f} s (median of {args.runs}: "
              f"migrate, seed), second start {results[backend]['second_start_median_s']:.2f} s")
    print(f"wrote {write_results('startup', results)}")


if __name__ == "__main__":
    main()
