"""Where ``serve``'s start-up on a fresh database goes: the steps of ``cli._start`` timed one by one in this process.

    python -m bench.startup_phases [--postgres] [--profile bench/profiles/startup_cprofile.txt]

Imports (the CLI, then the app factory's modules), settings, storage, migrations, the catalogue's rows, building the app
and running its lifespan start (worker threads, reaper, events) until it would listen. Wall and CPU milliseconds per
step, with the load average: on a busy machine the CPU column is the steadier one. With ``--profile`` the steps after
the imports also run under cProfile and the report (cumulative) is written there.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import sys
import tempfile
import time
from contextlib import nullcontext
from pathlib import Path

sys.path[0] = str(Path(__file__).resolve().parents[1])  # bench/queue.py must not shadow the standard library's queue


class Steps:
    """Wall and CPU milliseconds of each named step, in order."""

    def __init__(self) -> None:
        self.rows: list[tuple[str, float, float]] = []

    def timed(self, name: str, function, *args, **kwargs):
        wall, cpu = time.perf_counter(), time.process_time()
        result = function(*args, **kwargs)
        self.rows.append((name, (time.perf_counter() - wall) * 1000, (time.process_time() - cpu) * 1000))
        return result


def start(steps: Steps, profiler: cProfile.Profile | None) -> None:
    """``cli._start`` up to listening: the same calls, in the same order."""
    steps.timed("import avatar_creator.cli", __import__, "avatar_creator.cli")
    steps.timed("import avatar_creator.app (+ uvicorn)", lambda: (__import__("avatar_creator.app"),
                                                                  __import__("uvicorn")))
    from fastapi.testclient import TestClient

    from avatar_creator import cli
    from avatar_creator.app import create_app

    if profiler:
        profiler.enable()
    settings = steps.timed("settings (read, validate, prepare)", cli._settings)
    storage = steps.timed("storage (build, verify)", cli._storage, settings)
    steps.timed("migrations", cli._migrate, settings)
    report = steps.timed("catalogue rows", cli._seed_rows, settings)
    on_started = cli._draw_previews_when_started(settings, report)
    app = steps.timed("create_app", create_app, settings, storage=storage, on_started=lambda _database: None)
    client = TestClient(app)
    steps.timed("lifespan start (workers, reaper, events)", client.__enter__)
    if profiler:
        profiler.disable()
    steps.timed("lifespan stop", client.__exit__, None, None, None)
    del on_started  # built as serve builds it; previews are drawn after listening, off the start path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", action="store_true", help="a fresh PostgreSQL database instead of SQLite")
    parser.add_argument("--profile", type=Path)
    args = parser.parse_args()
    from bench._harness import postgres_database

    load = os.getloadavg()
    steps, profiler = Steps(), cProfile.Profile() if args.profile else None
    with (postgres_database() if args.postgres else nullcontext(None)) as database_url, \
            tempfile.TemporaryDirectory(prefix="avatar-bench-") as data_dir:
        os.environ.update({"AVATAR_DATA_DIR": data_dir, "AVATAR_LOG_LEVEL": "WARNING"})
        if database_url:
            os.environ["AVATAR_DATABASE_URL"] = database_url
        start(steps, profiler)
    lines = [f"# python -m bench.startup_phases{' --postgres' if args.postgres else ''}: serve's start on a fresh "
             f"{'PostgreSQL' if args.postgres else 'SQLite'} database, load average {load[0]:.2f} -> "
             f"{os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs",
             f"{'step':45} {'wall ms':>8} {'cpu ms':>8}"]
    lines += [f"{name:45} {wall:8.1f} {cpu:8.1f}" for name, wall, cpu in steps.rows]
    to_listen = [row for row in steps.rows if row[0] != "lifespan stop"]
    lines.append(f"{'to listening (sum)':45} {sum(r[1] for r in to_listen):8.1f} {sum(r[2] for r in to_listen):8.1f}")
    text = "\n".join(lines) + "\n"
    print(text, end="")
    if profiler and args.profile:
        report = io.StringIO()
        pstats.Stats(profiler, stream=report).strip_dirs().sort_stats("cumulative").print_stats(45)
        args.profile.write_text(text + "\n# cProfile of the steps after the imports, cumulative\n" + report.getvalue())
        print(f"wrote {args.profile}")


if __name__ == "__main__":
    main()
