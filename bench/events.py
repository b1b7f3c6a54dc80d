"""Live events under load: many open SSE streams on one ``serve`` while generations run.

    python bench/events.py [--mode embedded|scaled|both] [--streams 200] [--users 20] [--generations 50]
                           [--workers 4] [--step-delay-ms 150]

Starts ``avatar-creator serve`` (embedded: a fresh SQLite file; scaled: a throwaway PostgreSQL database and Redis),
opens the streams (spread over the users), asks for the generations (offline provider, 256², slowed by a step delay),
and meanwhile times ``GET /health`` from another process. Checks that every stream saw each of its user's events, in
order, once, and no other user's. Prints the numbers and writes bench/results/events.json.
Target: ``/health`` p99 under 50 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import platform
import secrets
import socket
import sys
import time
from contextlib import ExitStack
from pathlib import Path

# bench/queue.py is named like the standard library's queue module: take this folder off the path before anything
# imports that, and reach the shared helpers as bench._harness from the repository root.
_BENCH = Path(__file__).resolve().parent
sys.path[:] = [entry for entry in sys.path if Path(entry or ".").resolve() != _BENCH]
sys.path.insert(0, str(_BENCH.parent))
import httpx  # noqa: E402

from bench._harness import REDIS_URL, postgres_database, serve, summary, write_results  # noqa: E402

API = "/api/apps/avatar-creator"
HEALTH_P99_TARGET_MS = 50
TIME_LIMIT_S = 300


def sign_up(http: httpx.Client, count: int) -> list[dict]:
    users = []
    for _ in range(count):
        email = f"bench-{secrets.token_hex(6)}@example.com"
        data = http.post("/api/auth/register", json={"email": email, "password": "bench password 123"}).json()["data"]
        headers = {"Authorization": f"Bearer {data['token']}"}
        project = http.post(f"{API}/projects", json={"name": "Bench"}, headers=headers).json()["project"]
        users.append({"id": data["user"]["id"], "headers": headers, "project": project["id"], "generations": []})
    return users


async def hold_stream(client: httpx.AsyncClient, user: dict, seen: list, ready: asyncio.Event) -> None:
    """Record (event, id, data) until cancelled; ``ready`` once the stream is subscribed."""
    async with client.stream("GET", f"{API}/events", headers=user["headers"]) as stream:
        fields: dict[str, str] = {}
        async for line in stream.aiter_lines():
            if line:
                if not line.startswith(":"):
                    name, _, value = line.partition(":")
                    fields[name] = value.lstrip(" ")
                continue
            if fields.get("event") == "queue":
                ready.set()
            elif "data" in fields:
                seen.append((fields["event"], int(fields["id"]), json.loads(fields["data"])))
            fields = {}


def probe_health(url: str, stop, results) -> None:
    """Time ``GET /health`` every 20 ms until ``stop``; runs in its own process so that the streams' parsing here
    does not slow the measurement."""
    latencies = []
    with httpx.Client(base_url=url, timeout=5) as http:
        while not stop.is_set():
            started = time.perf_counter()
            http.get("/health").raise_for_status()
            latencies.append((time.perf_counter() - started) * 1000)
            stop.wait(0.02)
    results.put(latencies)


def check_stream(user: dict, seen: list, all_generation_ids: set[str]) -> list[str]:
    """What is wrong with one stream's events (empty when all is well)."""
    problems = []
    ids = [event_id for _, event_id, _ in seen]
    if ids != sorted(set(ids)):
        problems.append("ids out of order or repeated")
    own = set(user["generations"])
    mentioned = {data.get("generationId", data.get("id")) for _, _, data in seen}
    if mentioned & (all_generation_ids - own):
        problems.append("saw another user's events")
    for generation_id in own:
        statuses = [data["status"] for kind, _, data in seen if kind == "generation" and data["id"] == generation_id]
        if not statuses or statuses[0] != "pending" or statuses[-1] != "completed":
            problems.append(f"incomplete life for {generation_id}: {statuses[:1]}…{statuses[-1:]}")
        if not any(kind == "avatar" and data["generationId"] == generation_id for kind, _, data in seen):
            problems.append(f"no avatar event for {generation_id}")
    return problems


async def run(args, url: str) -> dict:
    with httpx.Client(base_url=url, timeout=30) as http:
        users = sign_up(http, args.users)
        limits = httpx.Limits(max_connections=args.streams + 10, max_keepalive_connections=args.streams + 10)
        async with httpx.AsyncClient(base_url=url, timeout=30, limits=limits) as client:
            streams = []
            for index in range(args.streams):
                user = users[index % len(users)]
                streams.append((user, [], asyncio.Event()))
            tasks = [asyncio.create_task(hold_stream(client, user, seen, ready))
                     for user, seen, ready in streams]
            await asyncio.wait_for(asyncio.gather(*(ready.wait() for _, _, ready in streams)), 60)

            spawn = multiprocessing.get_context("spawn")
            stop_probe, probe_results = spawn.Event(), spawn.Queue()
            prober = spawn.Process(target=probe_health, args=(url, stop_probe, probe_results))
            prober.start()
            started = time.monotonic()
            for index in range(args.generations):
                user = users[index % len(users)]
                response = await asyncio.to_thread(http.post, f"{API}/projects/{user['project']}/avatars/generate",
                                                   json={"name": "Bench", "prompt": "a cheerful bench astronaut",
                                                         "width": 256, "height": 256}, headers=user["headers"])
                response.raise_for_status()
                user["generations"].append(response.json()["generation"]["id"])

            def all_done() -> bool:
                return all(sum(kind == "avatar" for kind, _, _ in seen) >= len(user["generations"])
                           for user, seen, _ in streams)

            while not all_done() and time.monotonic() - started < TIME_LIMIT_S:
                await asyncio.sleep(0.2)
            elapsed = time.monotonic() - started
            stop_probe.set()
            latencies = probe_results.get(timeout=30)
            prober.join()
            await asyncio.sleep(0.5)  # anything still in flight
            for task in tasks:
                task.cancel()
            failed = [r for r in await asyncio.gather(*tasks, return_exceptions=True)
                      if not isinstance(r, asyncio.CancelledError)]

    all_ids = {generation_id for user in users for generation_id in user["generations"]}
    problems = {f"stream {index}": found for index, (user, seen, _) in enumerate(streams)
                if (found := check_stream(user, seen, all_ids))}
    problems.update({f"failure {index}": [repr(error)] for index, error in enumerate(failed)})
    same_per_user = all(
        len({tuple(event_id for _, event_id, _ in seen) for owner, seen, _ in streams if owner is user}) == 1
        for user in users)
    return {
        "streams": args.streams, "users": args.users, "generations": args.generations, "workers": args.workers,
        "step_delay_ms": args.step_delay_ms, "seconds_until_all_done": round(elapsed, 2),
        "events_delivered": sum(len(seen) for _, seen, _ in streams),
        "streams_correct": args.streams - len([key for key in problems if key.startswith("stream ")]),
        "problems": problems, "streams_of_a_user_identical": same_per_user,
        "health": summary(latencies), "health_max_ms": round(max(latencies), 3),
    }


def run_mode(args, mode: str) -> dict:
    """One bench run against a fresh ``serve`` in ``mode``."""
    env = {"AVATAR_OFFLINE_STEP_DELAY_MS": str(args.step_delay_ms), "AVATAR_ARGON2_TIME_COST": "1",
           "AVATAR_ARGON2_MEMORY_KIB": "8", "AVATAR_ARGON2_PARALLELISM": "1"}
    with ExitStack() as stack:
        database_url = None
        if mode == "scaled":
            database_url = stack.enter_context(postgres_database())
            env.update(AVATAR_REDIS_URL=REDIS_URL, AVATAR_REDIS_PREFIX=f"bench-{secrets.token_hex(4)}")
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        _, url, _ = stack.enter_context(serve(database_url, port=port, extra_env=env,
                                              args=("--workers", str(args.workers))))
        return {"mode": mode, **asyncio.run(run(args, url))}


def report(result: dict) -> None:
    health = result["health"]
    print(f"[{result['mode']}] {result['streams']} streams / {result['users']} users, {result['generations']} "
          f"generations: all done in {result['seconds_until_all_done']} s, {result['events_delivered']} events")
    print(f"  streams correct: {result['streams_correct']}/{result['streams']}; "
          f"streams of a user identical: {result['streams_of_a_user_identical']}")
    print(f"  GET /health meanwhile ({health['n']} requests): p50 {health['p50_ms']} ms, p99 {health['p99_ms']} ms, "
          f"max {result['health_max_ms']} ms (target p99 < {HEALTH_P99_TARGET_MS} ms)")
    for name, found in list(result["problems"].items())[:5]:
        print(f"  {name}: {'; '.join(found)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mode", choices=("embedded", "scaled", "both"), default="both")
    parser.add_argument("--streams", type=int, default=200)
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--generations", type=int, default=50)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--step-delay-ms", type=int, default=150)
    args = parser.parse_args()
    modes = ("embedded", "scaled") if args.mode == "both" else (args.mode,)
    results = []
    for mode in modes:
        results.append(run_mode(args, mode))
        report(results[-1])
    path = write_results("events", {"runs": results, "health_p99_target_ms": HEALTH_P99_TARGET_MS,
                                    "machine": {"python": platform.python_version(), "cpus": os.cpu_count(),
                                                "load_average": os.getloadavg()}})
    print(f"wrote {path}")
    if any(result["problems"] or not result["streams_of_a_user_identical"] for result in results):
        raise SystemExit(1)


if __name__ == "__main__":
    main()
