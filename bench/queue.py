"""The job queue's speed, embedded (SQLite + in-process doorbell) and scaled out (PostgreSQL + Redis doorbell).

    python bench/queue.py [--mode embedded|scaled|both] [--samples 200] [--rounds 3] [--jobs 300] [--idle-only]

Prints and writes bench/results/queue.json:
- enqueue-to-start p50/p95: from the commit of the request's transaction to the provider being called, measured in
  one process (the enqueuer and 4 worker threads; on Redis every wake-up goes through the Redis server). *Idle*: the
  workers wait for work. *Busy*: 20,000 finished and 2,000 backing-off rows in the table, and 20 other generations
  a second arriving and running meanwhile.
- recovery after SIGKILL: two real `avatar-creator worker` processes; the one running a job is SIGKILLed; seconds
  until the job runs again (its first retry waits 2 s ± 20 %, by design; the rest is detection and pickup).
- full generations per second with the offline provider at 64×64, run by real worker processes (``--jobs 0``: not
  run; bench/generations.py measures them too, with the split of our own time).
- worker RSS: a worker process's resident memory after those generations.
``--idle-only`` leaves out the busy queue (``bench.run --quick`` does: the figures next to the peers are idle ones).
Targets: p50 ≤ 5 ms embedded, ≤ 2 ms on Redis (BullMQ: 1.97 ms here); recovery ≤ 5 s.
"""

from __future__ import annotations

import argparse
import os
import platform
import secrets
import signal
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import ExitStack, contextmanager
from pathlib import Path

# This file is named like the standard library's queue module: take its folder off the path before anything imports
# that, and reach the shared helpers as bench._harness from the repository root.
_BENCH = Path(__file__).resolve().parent
sys.path[:] = [entry for entry in sys.path if Path(entry or ".").resolve() != _BENCH]
sys.path.insert(0, str(_BENCH.parent))
from sqlalchemy import func, insert, select  # noqa: E402

from avatar_creator.auth.models import User  # noqa: E402
from avatar_creator.db import Database, after_commit, db_now, utcnow  # noqa: E402
from avatar_creator.events import EventSink  # noqa: E402
from avatar_creator.generation import lifecycle  # noqa: E402
from avatar_creator.generation.models import Generation  # noqa: E402
from avatar_creator.generation.runner import GenerationJobs  # noqa: E402
from avatar_creator.generation.schemas import GenerateIn  # noqa: E402
from avatar_creator.jobs import queue  # noqa: E402
from avatar_creator.jobs.doorbell import build_doorbell  # noqa: E402
from avatar_creator.jobs.models import WorkerProcess  # noqa: E402
from avatar_creator.jobs.runtime import JobRuntime  # noqa: E402
from avatar_creator.migrations import upgrade  # noqa: E402
from avatar_creator.projects.models import Project  # noqa: E402
from avatar_creator.providers.base import Provider, ProviderCheck  # noqa: E402
from avatar_creator.providers.offline import OfflineProvider  # noqa: E402
from avatar_creator.settings import Settings  # noqa: E402
from avatar_creator.storage import LocalStorage  # noqa: E402
from bench._harness import REDIS_URL, postgres_database, rss_mib, summary, write_results  # noqa: E402

TARGET_P50_MS = {"embedded": 5.0, "scaled": 2.0}
RECOVERY_TARGET_S = 5.0
SIDE = 64
BUSY_RATE = 20  # other generations a second while the busy queue is measured


class StartClock(Provider):
    """The offline provider, noting when each job (told apart by its seed) reached it."""

    name = "offline"

    def __init__(self) -> None:
        self.started: dict[int, float] = {}
        self._offline = OfflineProvider()

    def check(self) -> ProviderCheck:
        return ProviderCheck(ok=True, detail="bench")

    def generate(self, request, *, on_progress, should_cancel):
        self.started[request.seed] = time.perf_counter()
        return self._offline.generate(request, on_progress=on_progress, should_cancel=should_cancel)


class Deployment:
    """One database (and Redis prefix) with a paying user and a project, and the settings every process shares."""

    def __init__(self, mode: str, database_url: str, data_dir: Path):
        self.mode = mode
        self.database_url = database_url
        self.data_dir = data_dir
        self.redis_prefix = f"avatar_bench_{secrets.token_hex(4)}"
        self.env = {"AVATAR_DATA_DIR": str(data_dir), "AVATAR_DATABASE_URL": database_url,
                    "AVATAR_LOG_LEVEL": "WARNING", "AVATAR_SECRET_KEY": "bench-" + "x" * 40}
        if mode == "scaled":
            self.env |= {"AVATAR_REDIS_URL": REDIS_URL, "AVATAR_REDIS_PREFIX": self.redis_prefix}
        self.settings = Settings(_env_file=None, **{key[len("AVATAR_"):].lower(): value
                                                   for key, value in self.env.items()})
        self.database = Database(database_url, pool_size=20)
        upgrade(self.database.engine, lock_dir=data_dir)
        with self.database.session() as session:
            user = User(email="bench@example.com", password_hash="x", credit_balance=10**9, storage_used=0,
                        storage_quota=10**12)
            session.add(user)
            session.flush()
            project = Project(user_id=user.id, name="Bench")
            session.add(project)
            session.flush()
            self.user_id, self.project_id = user.id, project.id

    def enqueue(self, signals: queue.Signals, *, seed: int, side: int = SIDE, on_commit=None) -> str:
        body = GenerateIn(name="Bench", prompt="a benchmark portrait", seed=seed).model_copy(
            update={"width": side, "height": side})  # below the API's 256: the queue, not the pixels, is measured
        with self.database.session() as session:
            if on_commit is not None:
                after_commit(session, on_commit)  # before the doorbell's callback: the clock starts at the commit
            batch = lifecycle.create(
                session=session, settings=self.settings, provider_names={"offline"}, user_id=self.user_id,
                project_id=self.project_id, body=body, idempotency_key=None, signals=signals)
            return batch.generations[0].id

    def close(self) -> None:
        if self.mode == "scaled":
            import redis

            client = redis.Redis.from_url(REDIS_URL)
            for key in client.scan_iter(f"{self.redis_prefix}*"):
                client.delete(key)
            client.close()
        self.database.dispose()


@contextmanager
def deployment(mode: str):
    with ExitStack() as stack:
        data_dir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="avatar-bench-queue-")))
        url = stack.enter_context(postgres_database()) if mode == "scaled" else f"sqlite:///{data_dir}/bench.db"
        built = Deployment(mode, url, data_dir)
        try:
            yield built
        finally:
            built.close()


def pickup_latencies(deployment: Deployment, samples: int, *, busy: bool) -> list[float]:
    """Seconds from commit to provider start for ``samples`` jobs, one at a time."""
    clock = StartClock()
    settings = deployment.settings.model_copy(update={"workers": 4})
    signals = queue.Signals(doorbell=build_doorbell(settings), events=EventSink())
    providers, storage = {"offline": clock}, LocalStorage(deployment.data_dir / "files")
    runtime = JobRuntime(settings=settings, database=deployment.database, workers=4, signals=signals,
                         handler=GenerationJobs(providers=providers, storage=storage, signals=signals),
                         providers=providers, storage=storage)
    if busy:
        fill_table(deployment)
    committed: dict[int, float] = {}
    completed: set[str] = set()
    signals.events.subscribe(lambda _user, kind, payload: completed.add(payload["generationId"])
                             if kind == "avatar" else None)
    runtime.start()
    stop = threading.Event()
    background = threading.Thread(target=keep_busy, args=(deployment, signals, stop), daemon=True)
    try:
        time.sleep(0.5)
        if busy:
            background.start()
            time.sleep(1.0)
        for seed in range(samples):
            generation_id = deployment.enqueue(
                signals, seed=seed, on_commit=lambda s=seed: committed.__setitem__(s, time.perf_counter()))
            deadline = time.monotonic() + 10
            while generation_id not in completed and time.monotonic() < deadline:  # one at a time
                time.sleep(0.0005)
    finally:
        stop.set()
        if busy:
            background.join()
        runtime.stop()
    return [clock.started[seed] - committed[seed] for seed in range(samples) if seed in clock.started]


def keep_busy(deployment: Deployment, signals: queue.Signals, stop: threading.Event) -> None:
    """A steady stream of other jobs, BUSY_RATE a second, with seeds far from the measured ones."""
    seed = 10**6
    next_at = time.monotonic()
    while not stop.is_set():
        deployment.enqueue(signals, seed=seed)
        seed += 1
        next_at += 1 / BUSY_RATE
        stop.wait(max(0.0, next_at - time.monotonic()))


def fill_table(deployment: Deployment) -> None:
    """20,000 finished generations and 2,000 waiting on a backoff: what a claim must not slow down for."""
    now = utcnow()
    base = {"user_id": deployment.user_id, "project_id": deployment.project_id, "batch_id": "fill",
            "batch_index": 0, "source_type": "text_to_image", "progress": 0, "attempt": 1, "max_attempts": 3,
            "cost": 0, "refunded": 0, "name": "Fill", "prompt": "filler row", "seed": 0, "provider": "offline",
            "options": {"width": SIDE, "height": SIDE}, "avatar_deleted": False, "created_at": now,
            "available_at": now}
    with deployment.database.session() as session:
        for chunk in range(22):
            status = "completed" if chunk < 20 else "pending"
            rows = [{**base, "id": secrets.token_urlsafe(16), "status": status} for _ in range(1000)]
            session.execute(insert(Generation), rows)
        session.execute(Generation.__table__.update().where(Generation.status == "pending",
                                                            Generation.batch_id == "fill")
                        .values(available_at=db_now(3600)))


def spawn_worker(deployment: Deployment, concurrency: int, **env: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "avatar_creator.cli", "worker", "--concurrency", str(concurrency)],
                            env={**os.environ, **deployment.env, **env}, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)


def registered(deployment: Deployment, pid: int, timeout: float = 60) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with deployment.database.session(write=False) as session:
            worker_id = session.scalar(select(WorkerProcess.id).where(WorkerProcess.pid == pid))
        if worker_id:
            return worker_id
        time.sleep(0.05)
    raise RuntimeError(f"worker {pid} did not start")


def wait_for(deployment: Deployment, generation_id: str, predicate, timeout: float = 30) -> Generation:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with deployment.database.session(write=False) as session:
            generation = session.get(Generation, generation_id)
        if predicate(generation):
            return generation
        time.sleep(0.005)
    raise RuntimeError(f"generation {generation_id} did not get there in {timeout} s")


def recovery_times(deployment: Deployment, rounds: int) -> list[float]:
    """SIGKILL the worker process running a job; seconds until another worker process runs it again."""
    slow = {"AVATAR_OFFLINE_STEP_DELAY_MS": "500"}
    workers = [spawn_worker(deployment, 1, **slow) for _ in range(2)]
    signals = queue.Signals(doorbell=build_doorbell(deployment.settings), events=EventSink())
    times = []
    try:
        for process in workers:
            registered(deployment, process.pid)
        for round_number in range(rounds):
            generation_id = deployment.enqueue(signals, seed=round_number)
            running = wait_for(deployment, generation_id, lambda g: g.status == "processing")
            holder = next(p for p in workers if registered(deployment, p.pid) == running.worker_id)
            holder.send_signal(signal.SIGKILL)
            killed_at = time.perf_counter()
            holder.wait()
            wait_for(deployment, generation_id, lambda g: g.status != "pending" and g.attempt == 2)
            times.append(time.perf_counter() - killed_at)
            workers[workers.index(holder)] = spawn_worker(deployment, 1, **slow)
            wait_for(deployment, generation_id, lambda g: g.status == "completed")
            for process in workers:
                registered(deployment, process.pid)
    finally:
        for process in workers:
            process.kill()
            process.wait()
    return times


def throughput(deployment: Deployment, jobs: int, processes: int, concurrency: int) -> tuple[float, float]:
    """Generations per second at 64² by worker processes (first start to last completion, on the database's clock),
    and the largest worker RSS (MiB) afterwards."""
    signals = queue.Signals(doorbell=build_doorbell(deployment.settings), events=EventSink())
    workers = [spawn_worker(deployment, concurrency) for _ in range(processes)]
    try:
        for process in workers:
            registered(deployment, process.pid)
        ids = [deployment.enqueue(signals, seed=10**7 + index) for index in range(jobs)]
        deadline = time.monotonic() + 600
        while True:
            with deployment.database.session(write=False) as session:
                unfinished, first, last = session.execute(
                    select(func.count().filter(Generation.status != "completed"), func.min(Generation.started_at),
                           func.max(Generation.completed_at)).where(Generation.id.in_(ids))).one()
            if not unfinished:
                break
            assert time.monotonic() < deadline, "the throughput run did not finish"
            time.sleep(0.05)
        return jobs / (last - first).total_seconds(), max(rss_mib(process.pid) for process in workers)
    finally:
        for process in workers:
            process.send_signal(signal.SIGTERM)
            process.wait()


def run_mode(mode: str, samples: int, rounds: int, jobs: int, idle_only: bool) -> dict:
    results: dict = {"mode": mode}
    with deployment(mode) as built:
        for label, busy in (("idle", False),) + ((("busy", True),) if not idle_only else ()):
            results[f"pickup_{label}"] = summary([seconds * 1000 for seconds in
                                                  pickup_latencies(built, samples, busy=busy)])
            print(f"{mode:9} enqueue-to-start, {label} queue: p50 {results[f'pickup_{label}']['p50_ms']:.2f} ms, "
                  f"p95 {results[f'pickup_{label}']['p95_ms']:.2f} ms", flush=True)
    with deployment(mode) as built:
        recoveries = recovery_times(built, rounds)
        results["recovery_s"] = [round(value, 2) for value in recoveries]
        print(f"{mode:9} recovery after SIGKILL: {', '.join(f'{v:.2f}' for v in recoveries)} s "
              f"(max {max(recoveries):.2f} s)", flush=True)
    if jobs:
        with deployment(mode) as built:
            processes, concurrency = (1, 2) if mode == "embedded" else (2, 2)
            rate, rss = throughput(built, jobs, processes, concurrency)
            results |= {"generations_per_s": round(rate, 1), "worker_rss_mib": round(rss, 1),
                        "throughput_workers": f"{processes} process(es) x {concurrency} threads"}
            print(f"{mode:9} {rate:.1f} generations/s at {SIDE}x{SIDE} ({processes} process(es) x {concurrency} "
                  f"threads); worker RSS {rss:.0f} MiB", flush=True)
    results["targets"] = {"pickup_p50_ms": TARGET_P50_MS[mode], "recovery_s": RECOVERY_TARGET_S,
                          "pickup_met": results["pickup_idle"]["p50_ms"] <= TARGET_P50_MS[mode],
                          "recovery_met": max(recoveries) <= RECOVERY_TARGET_S}
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mode", choices=("embedded", "scaled", "both"), default="both")
    parser.add_argument("--samples", type=int, default=200, help="jobs timed per latency scenario")
    parser.add_argument("--rounds", type=int, default=3, help="SIGKILLs timed")
    parser.add_argument("--jobs", type=int, default=300, help="generations in the throughput run (0: none)")
    parser.add_argument("--idle-only", action="store_true", help="time the pickup on an idle queue only")
    args = parser.parse_args()
    modes = ("embedded", "scaled") if args.mode == "both" else (args.mode,)
    results = {"machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
               "modes": {mode: run_mode(mode, args.samples, args.rounds, args.jobs, args.idle_only)
                         for mode in modes}}
    print(f"wrote {write_results('queue', results)}")


if __name__ == "__main__":
    main()
