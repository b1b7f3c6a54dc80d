"""Live events under load: many open SSE streams on one ``serve`` while generations run.

    python bench/events.py [--streams 200] [--users 20] [--generations 50] [--workers 4] [--step-delay-ms 150]
                           [--database-url postgresql+psycopg://…] [--redis-url redis://…]

Starts ``avatar-creator serve`` (a fresh SQLite file by default), opens the streams (spread over the users), asks for
the generations (offline provider, 256², slowed by a step delay), and meanwhile times ``GET /health`` from another
process.
Checks that every stream saw each of its user's events, in order, once, and no other user's. Prints the numbers and
writes bench/results/events.json. Target: ``/health`` p99 under 50 ms.
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
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

API = "/api/apps/avatar-creator"
RESULTS = Path(__file__).parent / "results" / "events.json"
HEALTH_P99_TARGET_MS = 50
TIME_LIMIT_S = 300


def start_server(args, folder: Path) -> tuple[subprocess.Popen, str]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {key: value for key, value in os.environ.items() if not key.startswith("AVATAR_")}
    env.update(PYTHONPATH=str(Path(__file__).resolve().parents[1]), AVATAR_DATA_DIR=str(folder / "data"),
               AVATAR_DATABASE_URL=args.database_url or f"sqlite:///{folder / 'bench.db'}",
               AVATAR_SECRET_KEY=secrets.token_urlsafe(40), AVATAR_RATE_LIMITS="off", AVATAR_LOG_LEVEL="WARNING",
               AVATAR_ARGON2_TIME_COST="1", AVATAR_ARGON2_MEMORY_KIB="8", AVATAR_ARGON2_PARALLELISM="1",
               AVATAR_OFFLINE_STEP_DELAY_MS=str(args.step_delay_ms))
    if args.redis_url:
        env.update(AVATAR_REDIS_URL=args.redis_url, AVATAR_REDIS_PREFIX=f"bench-{secrets.token_hex(4)}")
    server = subprocess.Popen([sys.executable, "-m", "avatar_creator.cli", "serve", "--port", str(port),
                               "--workers", str(args.workers)], env=env, cwd=folder,
                              stdout=open(folder / "serve.log", "wb"), stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                return server, url
        except httpx.TransportError:
            time.sleep(0.1)
    server.kill()
    raise SystemExit(f"serve did not start:\n{(folder / 'serve.log').read_text()[-3000:]}")


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


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


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
        "step_delay_ms": args.step_delay_ms, "database": "postgresql" if args.database_url else "sqlite",
        "redis": bool(args.redis_url), "seconds_until_all_done": round(elapsed, 2),
        "events_delivered": sum(len(seen) for _, seen, _ in streams),
        "streams_correct": args.streams - len([key for key in problems if key.startswith("stream ")]),
        "problems": problems,
        "streams_of_a_user_identical": same_per_user,
        "health_requests": len(latencies),
        "health_ms": {"p50": round(statistics.median(latencies), 2), "p99": round(percentile(latencies, 0.99), 2),
                      "max": round(max(latencies), 2)},
        "health_p99_target_ms": HEALTH_P99_TARGET_MS,
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count()},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--streams", type=int, default=200)
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--generations", type=int, default=50)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--step-delay-ms", type=int, default=150)
    parser.add_argument("--database-url")
    parser.add_argument("--redis-url")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-events-") as folder:
        server, url = start_server(args, Path(folder))
        try:
            result = asyncio.run(run(args, url))
        finally:
            server.terminate()
            server.wait(30)
        if result["problems"]:
            print("serve's log ends with:\n" + "\n".join((Path(folder) / "serve.log").read_text().splitlines()[-30:]))
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2))
    health = result["health_ms"]
    print(f"{result['streams']} streams / {result['users']} users, {result['generations']} generations "
          f"({result['database']}{', redis' if result['redis'] else ''}): all done in "
          f"{result['seconds_until_all_done']} s, {result['events_delivered']} events delivered")
    print(f"streams correct: {result['streams_correct']}/{result['streams']}; "
          f"streams of a user identical: {result['streams_of_a_user_identical']}")
    print(f"GET /health while streaming ({result['health_requests']} requests): p50 {health['p50']} ms, "
          f"p99 {health['p99']} ms, max {health['max']} ms (target p99 < {HEALTH_P99_TARGET_MS} ms)")
    for name, found in list(result["problems"].items())[:5]:
        print(f"  {name}: {'; '.join(found)}")
    print(f"wrote {RESULTS}")
    if result["problems"] or not result["streams_of_a_user_identical"]:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
