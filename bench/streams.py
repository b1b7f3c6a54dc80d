"""Open SSE streams on one ``serve``: how many, the memory each costs, and ``/health`` meanwhile.

    python -m bench.streams [--quick] [--streams 2000] [--users 20] [--hold-seconds 15]

Starts ``avatar-creator serve`` (SQLite), opens the streams from one asyncio client (spread over the users; each counts
once its first event arrives), holds them while another process times ``GET /health`` every 20 ms, and reads the
server's RSS before and after opening them. At most 100 streams are being opened at any moment. One generation per user
runs meanwhile, and every stream of its user must see it complete. Raises this process's open-file limit to its hard
limit first (the server inherits it): each stream is a socket at both ends. Prints the numbers and writes
bench/results/streams.json.
Targets: 2,000 streams, ≤ 50 KiB each, /health p99 < 50 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import resource
import socket
import time

import httpx

from bench._harness import rss_mib, serve, summary, write_results
from bench.events import API, hold_stream, probe_health, sign_up

TARGETS = {"streams": 2000, "kib_per_stream": 50, "health_p99_ms": 50}
OPEN_TIMEOUT_S = 240
OPENING_AT_ONCE = 100


def raise_file_limit() -> tuple[int, int]:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return soft, hard


async def open_and_hold(client: httpx.AsyncClient, user: dict, seen: list, ready: asyncio.Event,
                        gate: asyncio.Semaphore) -> None:
    """``hold_stream`` once one of ``gate``'s places is free, giving the place back when the stream is open (or has
    failed): clients arrive in waves, not all in the same millisecond, which only measures the listen backlog."""
    async with gate:
        stream = asyncio.ensure_future(hold_stream(client, user, seen, ready))
        opened = asyncio.ensure_future(ready.wait())
        await asyncio.wait({stream, opened}, return_when=asyncio.FIRST_COMPLETED)
        opened.cancel()
    await stream


async def measure(url: str, pid: int, streams: int, users_count: int, hold_seconds: float) -> dict:
    with httpx.Client(base_url=url, timeout=30) as http:
        users = sign_up(http, users_count)
        await asyncio.sleep(1)
        rss_before = rss_mib(pid)
        limits = httpx.Limits(max_connections=None, max_keepalive_connections=None)
        async with httpx.AsyncClient(base_url=url, timeout=httpx.Timeout(60, read=None), limits=limits) as client:
            held = [(users[index % len(users)], [], asyncio.Event()) for index in range(streams)]
            opening = time.perf_counter()
            gate = asyncio.Semaphore(OPENING_AT_ONCE)
            tasks = [asyncio.create_task(open_and_hold(client, user, seen, ready, gate)) for user, seen, ready in held]
            # Until each stream is open or has failed: one that failed never opens, so waiting on it would only wait
            # out the timeout.
            while time.perf_counter() - opening < OPEN_TIMEOUT_S and not all(
                    ready.is_set() or task.done() for (_, _, ready), task in zip(held, tasks, strict=True)):
                await asyncio.sleep(0.05)
            opened = sum(ready.is_set() for _, _, ready in held)
            open_seconds = time.perf_counter() - opening
            spawn = multiprocessing.get_context("spawn")
            stop_probe, probe_results = spawn.Event(), spawn.Queue()
            prober = spawn.Process(target=probe_health, args=(url, stop_probe, probe_results))
            prober.start()
            for user in users:
                response = await asyncio.to_thread(
                    http.post, f"{API}/projects/{user['project']}/avatars/generate", headers=user["headers"],
                    json={"name": "Bench", "prompt": "a calm bench portrait", "width": 256, "height": 256})
                response.raise_for_status()
                user["generations"].append(response.json()["generation"]["id"])
            await asyncio.sleep(hold_seconds)
            rss_open = rss_mib(pid)
            stop_probe.set()
            latencies = probe_results.get(timeout=30)
            prober.join()
            alive = sum(not task.done() for task in tasks)
            errors = sorted({repr(task.exception()) for task in tasks if task.done() and task.exception()})
            completed = sum(any(kind == "avatar" for kind, _, _ in seen) for _, seen, _ in held)
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
    per_stream_kib = (rss_open - rss_before) * 1024 / streams
    return {"streams": streams, "users": users_count, "streams_opened": opened, "streams_alive_at_end": alive,
            "stream_errors": errors[:5],
            "streams_that_saw_their_avatar": completed, "open_seconds": round(open_seconds, 2),
            "rss_before_mib": round(rss_before, 1), "rss_open_mib": round(rss_open, 1),
            "kib_per_stream": round(per_stream_kib, 1), "health": summary(latencies),
            "health_max_ms": round(max(latencies), 3)}


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="hold the streams 5 s")
    parser.add_argument("--streams", type=int, default=2000)
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--hold-seconds", type=float, default=15)
    args = parser.parse_args(argv)
    streams, hold = args.streams, (5.0 if args.quick else args.hold_seconds)
    soft, hard = raise_file_limit()
    load_before = os.getloadavg()
    env = {"AVATAR_ARGON2_TIME_COST": "1", "AVATAR_ARGON2_MEMORY_KIB": "8", "AVATAR_ARGON2_PARALLELISM": "1"}
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with serve(None, port=port, extra_env=env) as (process, url, _startup):
        result = asyncio.run(measure(url, process.pid, streams, args.users, hold))
    result.update(file_limit={"soft_before": soft, "hard": hard}, hold_seconds=hold, targets=TARGETS,
                  load_average_before=load_before, load_average_after=os.getloadavg())
    health = result["health"]
    print(f"{result['streams_opened']}/{streams} streams opened, {result['streams_alive_at_end']} still open after "
          f"{hold:g} s (opened in "
          f"{result['open_seconds']} s; {result['streams_that_saw_their_avatar']} saw their user's new avatar); "
          f"serve RSS {result['rss_before_mib']} → {result['rss_open_mib']} MiB: {result['kib_per_stream']} KiB "
          f"per stream (target ≤ {TARGETS['kib_per_stream']})")
    print(f"  GET /health meanwhile ({health['n']}): p50 {health['p50_ms']} ms, p99 {health['p99_ms']} ms, max "
          f"{result['health_max_ms']} ms (target p99 < {TARGETS['health_p99_ms']}); open files {soft} → {hard}")
    print(f"load average {load_before[0]:.2f} before, {result['load_average_after'][0]:.2f} after")
    print(f"wrote {write_results('streams', result)}")
    return result


if __name__ == "__main__":
    main()
