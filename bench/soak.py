"""A soak: 30 simulated users browse, upload, generate, cancel and delete for N minutes, from one asyncio client.

    python -m bench.soak [--minutes 5] [--users 30] [--topology serve|scaled|both]

``serve``: one ``avatar-creator serve`` on SQLite with its worker threads. ``scaled``: 2 ``serve --no-worker`` APIs
(the users split between them) and 2 ``worker --concurrency 2`` processes on PostgreSQL + Redis, one worker SIGKILLed
every 30 s and started again. At the end the load stops, the queue drains, and the database is checked user by user
(``tests.support.jobs.Ledger``): the ledger sums to the balance, generations were charged once in all, each failed or
cancelled one refunded exactly once and no other, one debit per accepted upload. Reports 5xx and transport errors
(must be 0), work lost (generations not finished after the drain) or charged wrongly (must be 0), p50/p95/p99 per
route and each process's peak RSS. Writes bench/results/soak.json; exits 1 when a must-be-0 is not.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import secrets
import tempfile
import time
from collections import defaultdict
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from sqlalchemy import func, select

from avatar_creator.credits.models import CreditTransaction
from bench._harness import REDIS_URL, postgres_database, summary, write_results
from bench.serve_memory import peak_rss_mib
from tests.support.jobs import Ledger
from tests.support.load import _this_checkout_first, sign_up
from tests.support.processes import ServiceProcess, free_port, serve, service_env, wait_until_serving
from tests.support.uploads import jpeg, multipart

API = "/api/apps/avatar-creator"
KILL_EVERY_S = 30
DRAIN_S = 120
WELCOME_BONUS = 1_000_000
TERMINAL = {"completed", "failed", "cancelled"}
_ID = re.compile(r"/[A-Za-z0-9_-]{16,}")  # ids in paths, so that answers group by route


@dataclass
class Stats:
    answers: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    statuses: dict[str, dict[int, int]] = field(default_factory=lambda: defaultdict(lambda: defaultdict(int)))
    transport_errors: list[str] = field(default_factory=list)
    stale_connections_retried: int = 0

    def record(self, route: str, status: int, seconds: float) -> None:
        self.answers[route].append(seconds * 1000)
        self.statuses[route][status] += 1

    def server_errors(self) -> int:
        return sum(count for by_status in self.statuses.values() for status, count in by_status.items()
                   if status >= 500)


class SimulatedUser:
    """One user's session: a weighted random walk over the app's actions with a short think time between them."""

    def __init__(self, client: httpx.AsyncClient, base_url: str, user, stats: Stats, rng: random.Random,
                 photos: list[bytes]):
        self.client, self.base_url, self.user, self.stats, self.rng = client, base_url, user, stats, rng
        self.photos = photos
        self.generations: list[str] = []
        self.avatars: list[str] = []

    async def call(self, method: str, path: str, *, headers: dict | None = None, **kwargs) -> httpx.Response | None:
        route = f"{method} {_ID.sub('/{id}', path)}"
        started = time.perf_counter()
        for attempt in (1, 2):
            try:
                response = await self.client.request(method, self.base_url + path,
                                                     headers={**self.user.headers, **(headers or {})}, **kwargs)
                break
            except (httpx.ReadError, httpx.RemoteProtocolError) as error:
                # A kept-alive connection the server closed as its idle timeout ran out, just as this request went
                # out on it: a browser sends a GET again on a new connection (RFC 9112, 9.3.1), and so does this.
                if method == "GET" and attempt == 1:
                    self.stats.stale_connections_retried += 1
                    continue
                self.stats.transport_errors.append(f"{route}: {error!r}")
                return None
            except httpx.TransportError as error:
                self.stats.transport_errors.append(f"{route}: {error!r}")
                return None
        self.stats.record(route, response.status_code, time.perf_counter() - started)
        return response

    async def browse(self) -> None:
        await self.call("GET", f"{API}/projects")
        listed = await self.call("GET", f"{API}/avatars", params={"projectId": self.user.project_id, "limit": 20})
        if listed is not None and listed.status_code == 200:
            self.avatars = [avatar["id"] for avatar in listed.json()["avatars"]]
        await self.call("GET", "/api/credits/balance")

    async def upload(self) -> None:
        body, content_type = multipart([("image", "photo.jpg", self.rng.choice(self.photos)), ("name", None, "Soak")])
        await self.call("POST", f"{API}/projects/{self.user.project_id}/avatars/upload", content=body,
                        headers={"Content-Type": content_type})

    async def generate(self) -> None:
        response = await self.call("POST", f"{API}/projects/{self.user.project_id}/avatars/generate",
                                   json={"name": "Soak", "prompt": "a friendly soak test portrait",
                                         "width": 256, "height": 256})
        if response is not None and response.status_code == 202:
            self.generations.append(response.json()["generation"]["id"])

    async def cancel(self) -> None:
        if self.generations:
            await self.call("POST", f"{API}/generations/{self.generations[-1]}/cancel")

    async def delete(self) -> None:
        if self.avatars:
            await self.call("DELETE", f"{API}/avatars/{self.avatars.pop(self.rng.randrange(len(self.avatars)))}")

    async def run(self, until: float) -> None:
        actions = [self.browse] * 5 + [self.generate] * 2 + [self.upload, self.cancel, self.delete]
        while time.monotonic() < until:
            await self.rng.choice(actions)()
            await asyncio.sleep(self.rng.uniform(0.2, 1.0))


@dataclass
class Topology:
    base_urls: list[str]
    apis: list[ServiceProcess]
    workers: list[ServiceProcess]
    database_url: str
    peaks: dict[str, float] = field(default_factory=dict)  # process name -> peak RSS (MiB), killed ones included

    def sample_peaks(self) -> None:
        for name, process in self.named():
            if process.process is not None and process.process.poll() is None:
                self.peaks[name] = max(self.peaks.get(name, 0.0), peak_rss_mib(process.pid))

    def named(self) -> list[tuple[str, ServiceProcess]]:
        return [*((f"api-{i}", p) for i, p in enumerate(self.apis)),
                *((f"worker-{i}", p) for i, p in enumerate(self.workers))]


def start(topology: str, stack: ExitStack, data_dir: Path) -> Topology:
    if topology == "serve":
        database_url = f"sqlite:///{data_dir / 'avatar-creator.db'}"
        env = _this_checkout_first(service_env(data_dir, database_url, welcome_bonus=WELCOME_BONUS))
        api_count, worker_count, extra = 1, 0, ()
    else:
        database_url = stack.enter_context(postgres_database())
        env = _this_checkout_first(service_env(data_dir, database_url, welcome_bonus=WELCOME_BONUS,
                                               redis_url=REDIS_URL, redis_prefix=f"soak-{secrets.token_hex(4)}"))
        api_count, worker_count, extra = 2, 2, ("--no-worker",)
    ports = [free_port() for _ in range(api_count)]
    apis, workers = [], []
    stack.callback(lambda: [process.stop() for process in [*apis, *workers]])
    for port in ports:
        apis.append(serve(env, data_dir, port, *extra))
        wait_until_serving(f"http://127.0.0.1:{port}", apis[-1])
    for index in range(worker_count):
        workers.append(ServiceProcess(["worker", "--concurrency", "2"], env, data_dir / f"worker-{index}.log").start())
    return Topology([f"http://127.0.0.1:{port}" for port in ports], apis, workers, database_url)


async def kill_workers(topology: Topology, until: float) -> int:
    """SIGKILL one worker every ``KILL_EVERY_S`` seconds, in turn, and start it again at once."""
    kills = 0
    while topology.workers and time.monotonic() + KILL_EVERY_S < until:
        await asyncio.sleep(KILL_EVERY_S)
        index = kills % len(topology.workers)
        topology.sample_peaks()
        topology.workers[index].kill()
        topology.workers[index] = topology.workers[index].start()
        kills += 1
    return kills


async def sample(topology: Topology, until: float) -> None:
    while time.monotonic() < until:
        topology.sample_peaks()
        await asyncio.sleep(0.5)


async def load(topology: Topology, users: int, minutes: float, seed: int) -> tuple[Stats, list, int]:
    signed_up = [sign_up(topology.base_urls[index % len(topology.base_urls)], f"soak{index}@example.com")
                 for index in range(users)]
    photos = [jpeg(640, 480, seed=index) for index in range(3)]
    stats = Stats()
    until = time.monotonic() + minutes * 60
    limits = httpx.Limits(max_connections=None, max_keepalive_connections=None)
    async with httpx.AsyncClient(timeout=60, limits=limits) as client:
        simulated = [SimulatedUser(client, topology.base_urls[index % len(topology.base_urls)], user, stats,
                                   random.Random(seed + index), photos) for index, user in enumerate(signed_up)]
        sampler = asyncio.create_task(sample(topology, until + DRAIN_S))
        killer = asyncio.create_task(kill_workers(topology, until))
        await asyncio.gather(*(user.run(until) for user in simulated))
        kills = await killer
        sampler.cancel()
    return stats, signed_up, kills


def check(database_url: str, users: list, uploads_accepted: int) -> dict:
    """After the drain: generations not finished (lost), and every user's credits against their work."""
    ledger = Ledger(database_url)
    try:
        deadline = time.monotonic() + DRAIN_S
        while True:
            unfinished = [g.id for user in users for g in ledger.generations(user.user_id) if g.status not in TERMINAL]
            if not unfinished or time.monotonic() > deadline:
                break
            time.sleep(1)
        wrong = [problem for user in users for problem in _credit_problems(ledger, user.user_id)]
        with ledger.database.session(write=False) as session:
            upload_debits = session.scalar(select(func.count()).select_from(CreditTransaction).where(
                CreditTransaction.user_id.in_([user.user_id for user in users]),
                CreditTransaction.reference_type == "avatar"))
        if upload_debits != uploads_accepted:
            wrong.append(f"{upload_debits} upload debits for {uploads_accepted} uploads answered 201")
        by_status: dict[str, int] = defaultdict(int)
        for user in users:
            for generation in ledger.generations(user.user_id):
                by_status[generation.status] += 1
        return {"generations": dict(by_status), "lost": unfinished, "ledger_problems": wrong}
    finally:
        ledger.close()


def _credit_problems(ledger: Ledger, user_id: str) -> list[str]:
    """The ledger sums to the balance; the generations were charged once in all (their batches' debits), and each
    failed or cancelled one was refunded exactly once, the others never. (Uploads and deletes make ``assert_exact``'s
    avatar-for-avatar check inapplicable here.)"""
    problems = []
    if ledger.ledger_sum(user_id) != ledger.balance(user_id):
        problems.append(f"{user_id}: ledger sums to {ledger.ledger_sum(user_id)}, balance {ledger.balance(user_id)}")
    generations = ledger.generations(user_id)
    with ledger.database.session(write=False) as session:
        charged = -(session.scalar(select(func.coalesce(func.sum(CreditTransaction.amount), 0)).where(
            CreditTransaction.user_id == user_id, CreditTransaction.reference_type == "generation_batch")) or 0)
    if charged != sum(generation.cost for generation in generations):
        problems.append(f"{user_id}: generations charged {charged}, cost {sum(g.cost for g in generations)}")
    for generation in generations:
        expected = [generation.cost] if generation.status in ("failed", "cancelled") else []
        if ledger.refunds(generation.id) != expected or generation.refunded != sum(expected):
            problems.append(f"{generation.id} ({generation.status}): refunds {ledger.refunds(generation.id)}")
    return problems


def soak(topology_name: str, users: int, minutes: float, seed: int) -> dict:
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="avatar-soak-") as folder, ExitStack() as stack:
        topology = start(topology_name, stack, Path(folder))
        stats, signed_up, kills = asyncio.run(load(topology, users, minutes, seed))
        uploads = sum(count for route, by_status in stats.statuses.items() if route.endswith("/upload")
                      for status, count in by_status.items() if status == 201)
        checked = check(topology.database_url, signed_up, uploads)
        topology.sample_peaks()
    routes = {route: {**summary(times), "statuses": {str(k): v for k, v in sorted(stats.statuses[route].items())}}
              for route, times in sorted(stats.answers.items())}
    return {"topology": topology_name, "users": users, "minutes": minutes, "worker_kills": kills,
            "requests": sum(len(times) for times in stats.answers.values()), "server_errors": stats.server_errors(),
            "transport_errors": stats.transport_errors[:20],
            "stale_connections_retried": stats.stale_connections_retried, **checked, "routes": routes,
            "peak_rss_mib": topology.peaks, "load_average_before": load_before, "load_average_after": os.getloadavg()}


def report(result: dict) -> bool:
    ok = not (result["server_errors"] or result["transport_errors"] or result["lost"] or result["ledger_problems"])
    print(f"[{result['topology']}] {result['users']} users × {result['minutes']:g} min: {result['requests']} requests, "
          f"5xx {result['server_errors']}, transport errors {len(result['transport_errors'])} (GETs sent again on a "
          f"new connection after a stale one: {result.get('stale_connections_retried', 0)}), worker SIGKILLs "
          f"{result['worker_kills']}; generations {result['generations']}; lost {len(result['lost'])}, ledger "
          f"problems {len(result['ledger_problems'])} -> {'OK' if ok else 'FAILED'}")
    for route, figures in result["routes"].items():
        print(f"  {route:52} n {figures['n']:5}  p50 {figures['p50_ms']:8.1f}  p95 {figures['p95_ms']:8.1f}  "
              f"p99 {figures['p99_ms']:8.1f} ms  {figures['statuses']}")
    print(f"  peak RSS (MiB): {result['peak_rss_mib']}; load average {result['load_average_before'][0]:.2f} → "
          f"{result['load_average_after'][0]:.2f}")
    for problem in [*result["transport_errors"][:3], *result["ledger_problems"][:3]]:
        print(f"  {problem}")
    return ok


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=5)
    parser.add_argument("--users", type=int, default=30)
    parser.add_argument("--topology", choices=("serve", "scaled", "both"), default="both")
    parser.add_argument("--seed", type=int, default=18)
    args = parser.parse_args(argv)
    names = ("serve", "scaled") if args.topology == "both" else (args.topology,)
    results = [soak(name, args.users, args.minutes, args.seed) for name in names]
    verdicts = [report(result) for result in results]
    print(f"wrote {write_results('soak', {'runs': results})}")
    if not all(verdicts):
        raise SystemExit(1)
    return {"runs": results}


if __name__ == "__main__":
    main()
