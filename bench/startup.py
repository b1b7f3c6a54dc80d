"""`serve`'s start-up on a fresh data folder (migrations, the catalogue's rows seeded; its previews are drawn in the
background) and on a second start of the same folder (nothing to do), on SQLite and PostgreSQL: seconds from the
process's start until `/health` answers. Prints, and writes bench/results/startup.json.

Also, in this process, what seeding adds to the start path (the catalogue's rows, fresh and already there) and what
the background thread then spends drawing the previews: these hold their meaning on a busy machine, where the wall
times above mostly measure the machine.

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


def seeding_seconds(data_dir: str) -> dict[str, float]:
    """Seeding's own cost on a fresh SQLite database: rows (start path), rows again, previews (background)."""
    from avatar_creator.catalog.seeding import draw_previews, seed_rows
    from avatar_creator.db import Database, make_engine
    from avatar_creator.migrations import upgrade
    from avatar_creator.providers.offline import OfflineProvider

    url = f"sqlite:///{data_dir}/seed.db"
    engine = make_engine(url, pool_size=1)
    upgrade(engine)
    engine.dispose()
    database = Database(url, pool_size=2)
    try:
        started = time.perf_counter()
        report = seed_rows(database)
        rows_fresh = time.perf_counter() - started
        started = time.perf_counter()
        seed_rows(database)
        rows_again = time.perf_counter() - started
        started = time.perf_counter()
        draw_previews(database, report, previews_dir=Path(data_dir) / "previews", provider=OfflineProvider())
        drawing = time.perf_counter() - started
    finally:
        database.dispose()
    return {"rows_fresh_s": round(rows_fresh, 3), "rows_again_s": round(rows_again, 3),
            "previews_drawn_in_background_s": round(drawing, 3), "previews": len(report.drawn)}


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
    with tempfile.TemporaryDirectory(prefix="avatar-bench-") as data_dir:
        results["seeding"] = seeding_seconds(data_dir)
    seeding = results["seeding"]
    print(f"seeding  rows on the start path {seeding['rows_fresh_s'] * 1000:.0f} ms fresh, "
          f"{seeding['rows_again_s'] * 1000:.0f} ms when already seeded; {seeding['previews']} previews drawn in the "
          f"background in {seeding['previews_drawn_in_background_s']:.2f} s")
    print(f"wrote {write_results('startup', results)}")


if __name__ == "__main__":
    main()
