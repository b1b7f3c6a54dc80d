"""Full generations with the offline provider at 64²: throughput, our own time per job, and the worker's memory.

    python bench/generations.py [--quick] [--mode embedded|scaled|both] [--jobs 1000] [--profile bench/profiles/x.txt]

Prints and writes bench/results/generations.json:
- *split*: jobs run one after another in this process through the worker's own code (claim, the claimed event, the
  provider, the thumbnail, the file writes, the completing transaction and its commit), each phase timed per job;
  "own" is a job's whole time less the provider call (target ≤ 3 ms p50), "own_cpu" the same in CPU time (less
  stretched by other work on the machine). With ``--profile`` this part runs under cProfile and a report per mode
  (cumulative, then own time) is written there.
- *embedded*: the jobs of ``serve`` (SQLite, the in-process doorbell, events stored and delivered, 2 worker threads)
  in this process; generations/s from the first start to the last completion on the database's clock (target ≥ 200).
- *scaled*: 2 ``avatar-creator worker`` processes × 2 threads on PostgreSQL + Redis; generations/s (target ≥ 150)
  and each worker's RSS idle and after the run (targets ≤ 60 and ≤ 90 MiB).
The load average at start and end goes with the numbers: other work on the machine stretches them.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import signal
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

# bench/queue.py is named like the standard library's queue module: keep this folder off the path (see there).
_BENCH = Path(__file__).resolve().parent
sys.path[:] = [entry for entry in sys.path if Path(entry or ".").resolve() != _BENCH]
sys.path.insert(0, str(_BENCH.parent))
from sqlalchemy import func, select  # noqa: E402

from avatar_creator import events as event_kinds  # noqa: E402
from avatar_creator.events import build_event_sink  # noqa: E402
from avatar_creator.generation import runner, service  # noqa: E402
from avatar_creator.generation.models import Generation  # noqa: E402
from avatar_creator.jobs import queue  # noqa: E402
from avatar_creator.jobs.doorbell import build_doorbell  # noqa: E402
from avatar_creator.jobs.worker import Flight, WorkerPool  # noqa: E402
from avatar_creator.providers.offline import OfflineProvider  # noqa: E402
from avatar_creator.storage import LocalStorage  # noqa: E402
from bench._harness import rss_mib, summary, write_results  # noqa: E402
from bench.queue import Deployment, deployment, registered, spawn_worker  # noqa: E402

TARGETS = {"embedded_per_s": 200, "scaled_per_s": 150, "own_p50_ms": 3.0, "worker_idle_mib": 60,
           "worker_after_mib": 90}
PHASES = ("claim", "claimed_event", "provider", "thumbnail", "file_write", "complete_sql", "commit")


def _signals(built: Deployment) -> queue.Signals:
    return queue.Signals(doorbell=build_doorbell(built.settings),
                         events=build_event_sink(built.settings, built.database, queue_head=service.queue_head))


def _enqueue(built: Deployment, signals: queue.Signals, jobs: int) -> list[str]:
    return [built.enqueue(signals, seed=index) for index in range(jobs)]


class _Phases:
    """Per-job seconds spent in each phase, by wrapping the callables the worker's code calls."""

    def __init__(self) -> None:
        self.current: dict[str, float] = defaultdict(float)
        self.jobs: list[dict[str, float]] = []

    def wrap(self, phase: str, function: Callable) -> Callable:
        def timed(*args, **kwargs):
            started, started_cpu = time.perf_counter(), time.process_time()
            try:
                return function(*args, **kwargs)
            finally:
                self.current[phase] += time.perf_counter() - started
                self.current[f"{phase}_cpu"] += time.process_time() - started_cpu
        return timed

    def end_job(self, total: float, total_cpu: float) -> None:
        job = {phase: self.current[phase] * 1000 for phase in PHASES}
        # The completing transaction's own SQL is its time less the file writes inside it; its commit is the rest
        # of the block the worker opens around it.
        job["complete_sql"] = self.current["complete"] * 1000 - job["file_write"]
        job["commit"] = self.current["complete_block"] * 1000 - self.current["complete"] * 1000
        job["total"] = total * 1000
        job["own"] = job["total"] - job["provider"]
        # CPU seconds of this process (only this thread works here): less stretched than wall time on a busy machine.
        job["own_cpu"] = (total_cpu - self.current["provider_cpu"]) * 1000
        job["provider_cpu"] = self.current["provider_cpu"] * 1000
        self.jobs.append(job)
        self.current.clear()


def split(built: Deployment, jobs: int, profile: Path | None) -> dict:
    """Run ``jobs`` generations one at a time through the worker's code in this thread, timing each phase."""
    signals = _signals(built)
    provider = OfflineProvider()
    storage = LocalStorage(built.data_dir / "files")
    handler = runner.GenerationJobs(providers={"offline": provider}, storage=storage, signals=signals)
    pool = WorkerPool(database=built.database, settings=built.settings, handler=handler, doorbell=signals.doorbell,
                      concurrency=1)
    pool.worker_id = "bench-split"
    pool._register()
    phases = _Phases()
    claim = phases.wrap("claim", handler.queue.claim)
    claimed = phases.wrap("claimed_event", handler.claimed)
    provider.generate = phases.wrap("provider", provider.generate)  # type: ignore[method-assign]
    thumbnail_of = runner.thumbnail_of
    runner.thumbnail_of = phases.wrap("thumbnail", thumbnail_of)
    storage.put = phases.wrap("file_write", storage.put)  # type: ignore[method-assign]
    handler.complete = phases.wrap("complete", handler.complete)  # type: ignore[method-assign]
    pool._complete = phases.wrap("complete_block", pool._complete)  # type: ignore[method-assign]
    _enqueue(built, signals, jobs + 5)
    for _ in range(5):  # warm: the first jobs load code and fill caches
        _one(pool, handler, claim, claimed, built)
    phases.current.clear()
    profiler = cProfile.Profile() if profile else None
    if profiler:
        profiler.enable()
    for _ in range(jobs):
        started, started_cpu = time.perf_counter(), time.process_time()
        _one(pool, handler, claim, claimed, built)
        phases.end_job(time.perf_counter() - started, time.process_time() - started_cpu)
    if profiler:
        profiler.disable()
        _write_profile(profiler, profile, jobs)
    signals.events.close()
    runner.thumbnail_of = thumbnail_of
    return {phase: summary([job[phase] for job in phases.jobs])
            for phase in (*PHASES, "own", "total", "own_cpu", "provider_cpu")}


def _one(pool: WorkerPool, handler: runner.GenerationJobs, claim: Callable, claimed: Callable,
         built: Deployment) -> None:
    job = claim(database=built.database, worker_id=pool.worker_id, lease_seconds=built.settings.lease_seconds)
    assert job is not None, "the queue ran dry"
    claimed(job)
    flight = Flight(queue.Attempt(job.id, job.attempt))
    pool._run(job, flight)


def _write_profile(profiler: cProfile.Profile, path: Path, jobs: int) -> None:
    text = io.StringIO()
    stats = pstats.Stats(profiler, stream=text).strip_dirs().sort_stats("cumulative")
    stats.print_stats(60)
    stats.sort_stats("tottime").print_stats(30)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"# cProfile of {jobs} generations at 64x64 run one after another (bench/generations.py),\n"
                    f"# load average {os.getloadavg()[0]:.2f}\n" + text.getvalue())
    print(f"wrote {path}")


def _rate(built: Deployment, ids: list[str], timeout: float = 600) -> float:
    """Generations/s once every one of ``ids`` completed: first start to last completion, database clock."""
    deadline = time.monotonic() + timeout
    while True:
        with built.database.session(write=False) as session:
            unfinished, first, last = session.execute(
                select(func.count().filter(Generation.status != "completed"), func.min(Generation.started_at),
                       func.max(Generation.completed_at)).where(Generation.id.in_(ids))).one()
        if not unfinished:
            return len(ids) / (last - first).total_seconds()
        if time.monotonic() > deadline:
            raise RuntimeError(f"{unfinished} generations did not complete")
        time.sleep(0.05)


def embedded(built: Deployment, jobs: int) -> dict:
    """``serve``'s jobs: this process, 2 worker threads, the events stored and delivered to a listener."""
    settings = built.settings.model_copy(update={"workers": 2})
    runtime = runner.build_runtime(settings, built.database, workers=2, providers={"offline": OfflineProvider()},
                                   storage=LocalStorage(built.data_dir / "files"))
    avatars: list[str] = []
    runtime.signals.events.subscribe(lambda _user, kind, _payload: avatars.append(kind)
                                     if kind == event_kinds.AVATAR else None)
    ids = _enqueue(built, runtime.signals, jobs)
    runtime.start()
    try:
        rate = _rate(built, ids)
    finally:
        runtime.stop()
    return {"generations_per_s": round(rate, 1), "avatar_events": len(avatars), "jobs": jobs}


def scaled(built: Deployment, jobs: int) -> dict:
    """2 worker processes × 2 threads; their RSS idle (registered, nothing to do) and after ``jobs`` generations."""
    workers = [spawn_worker(built, 2) for _ in range(2)]
    try:
        for process in workers:
            registered(built, process.pid)
        time.sleep(1.0)
        idle = [round(rss_mib(process.pid), 1) for process in workers]
        ids = _enqueue(built, _signals(built), jobs)
        rate = _rate(built, ids)
        after = [round(rss_mib(process.pid), 1) for process in workers]
    finally:
        for process in workers:
            process.send_signal(signal.SIGTERM)
            process.wait()
    return {"generations_per_s": round(rate, 1), "worker_rss_idle_mib": idle, "worker_rss_after_mib": after,
            "jobs": jobs, "workers": "2 processes x 2 threads"}


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mode", choices=("embedded", "scaled", "both"), default="both")
    parser.add_argument("--jobs", type=int, default=1000, help="generations per throughput run")
    parser.add_argument("--split-jobs", type=int, default=300, help="generations timed one at a time")
    parser.add_argument("--profile", type=Path, help="write cProfile reports of the timed splits here (the mode is "
                        "added to the name); profiling slows the split, so its times are not comparable")
    parser.add_argument("--quick", action="store_true", help="100 generations per run, 50 timed: about 30 s")
    args = parser.parse_args(argv)
    if args.quick:
        args.jobs, args.split_jobs = 100, 50
    modes = ("embedded", "scaled") if args.mode == "both" else (args.mode,)
    results: dict = {"cpus": os.cpu_count(), "load_average_before": os.getloadavg(), "side": 64,
                     "targets": TARGETS}
    for mode in modes:
        profile = args.profile and args.profile.with_name(f"{args.profile.stem}_{mode}{args.profile.suffix}")
        with deployment(mode) as built:
            results[f"{mode}_split_ms"] = split_ms = split(built, args.split_jobs, profile)
        print(f"{mode:9} own time per generation p50 {split_ms['own']['p50_ms']:.2f} ms (p95 "
              f"{split_ms['own']['p95_ms']:.2f}; CPU p50 {split_ms['own_cpu']['p50_ms']:.2f}, the provider's "
              f"{split_ms['provider_cpu']['p50_ms']:.2f}); " + ", ".join(
                  f"{phase} {split_ms[phase]['p50_ms']:.2f}" for phase in PHASES), flush=True)
        with deployment(mode) as built:
            results[mode] = (embedded if mode == "embedded" else scaled)(built, args.jobs)
        print(f"{mode:9} {results[mode]}", flush=True)
    results["load_average_after"] = os.getloadavg()
    print(f"load average {results['load_average_before'][0]:.2f} -> {results['load_average_after'][0]:.2f} "
          f"on {os.cpu_count()} CPUs")
    print(f"wrote {write_results('generations', results)}")
    return results


if __name__ == "__main__":
    main()
