"""What a worker's memory holds after generations: RSS and tracemalloc's largest growth over a run of jobs.

    python -m bench.worker_memory [--jobs 1000] [--mode scaled|embedded] [--out bench/profiles/worker_memory.txt]

Runs ``--jobs`` generations one after another through the worker's own code in this process (``bench.generations``'
split: claim, provider, thumbnail, files, completing transaction), with tracemalloc on. It reports the RSS before the
first job, after 20 (code loaded, caches warm) and after all; tracemalloc's top allocation sites still alive after the
warm-up and their growth over the rest; and the offline provider's caches. Prints, and writes the report with
``--out``; the load average goes with it.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import tracemalloc
from pathlib import Path

_BENCH = Path(__file__).resolve().parent
sys.path[:] = [entry for entry in sys.path if Path(entry or ".").resolve() != _BENCH]
sys.path.insert(0, str(_BENCH.parent))

from bench._harness import rss_mib  # noqa: E402
from bench.generations import split  # noqa: E402
from bench.queue import deployment  # noqa: E402

WARM = 20


def _top(snapshot: tracemalloc.Snapshot, count: int) -> list[str]:
    stats = snapshot.filter_traces([tracemalloc.Filter(False, tracemalloc.__file__)]).statistics("lineno")
    return [f"{stat.size / 1024:9.1f} KiB {stat.count:7} blocks  {_site(stat.traceback[0])}" for stat in stats[:count]]


def _growth(before: tracemalloc.Snapshot, after: tracemalloc.Snapshot, count: int) -> list[str]:
    stats = after.compare_to(before, "lineno")
    return [f"{stat.size_diff / 1024:+9.1f} KiB {stat.count_diff:+7} blocks  {_site(stat.traceback[0])}"
            for stat in stats[:count]]


def _site(frame: tracemalloc.Frame) -> str:
    return f"{frame.filename.split('site-packages/')[-1]}:{frame.lineno}"


def _caches() -> list[str]:
    from avatar_creator.imaging import colour
    from avatar_creator.providers.offline import styles

    return [f"{module.__name__}.{name}: {getattr(module, name).cache_info()}"
            for module, name in ((styles, "_pattern"), (colour, "_transform"))
            if hasattr(getattr(module, name, None), "cache_info")]


def _unregister(built) -> None:
    """The split registers its worker once: remove it so a second split (the same process, database) can."""
    from sqlalchemy import delete

    from avatar_creator.jobs.models import WorkerProcess

    with built.database.session() as session:
        session.execute(delete(WorkerProcess).where(WorkerProcess.id == "bench-split"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=1000)
    parser.add_argument("--mode", choices=("scaled", "embedded"), default="scaled")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    load = os.getloadavg()
    pid = os.getpid()
    rss = {"start": rss_mib(pid)}
    tracemalloc.start(1)
    with deployment(args.mode) as built:
        rss["deployment built"] = rss_mib(pid)
        split(built, WARM, None)
        _unregister(built)
        gc.collect()
        rss[f"after {WARM} jobs"] = rss_mib(pid)
        warm = tracemalloc.take_snapshot()
        split(built, args.jobs, None)
        gc.collect()
        rss[f"after {WARM + args.jobs} jobs"] = rss_mib(pid)
        done = tracemalloc.take_snapshot()
    traced, peak = tracemalloc.get_traced_memory()
    lines = [f"# python -m bench.worker_memory --mode {args.mode} --jobs {args.jobs}: load average {load[0]:.2f} -> "
             f"{os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs (tracemalloc on: RSS includes its own overhead)",
             "", "## RSS (MiB)", *[f"{name:24} {value:7.1f}" for name, value in rss.items()],
             f"python objects traced now {traced / 2**20:.1f} MiB, peak {peak / 2**20:.1f} MiB",
             "", f"## Largest live allocation sites after {WARM + args.jobs} jobs", *_top(done, 20),
             "", f"## Growth from job {WARM} to job {WARM + args.jobs}", *_growth(warm, done, 15),
             "", "## The offline provider's and imaging's caches", *_caches()]
    text = "\n".join(lines) + "\n"
    print(text, end="")
    if args.out:
        args.out.write_text(text)
        print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
