"""API latency: p50/p99 server time of GET …/projects and GET /api/auth/me for a user with 100 projects, on SQLite
and PostgreSQL, plus `serve`'s start-up time and idle RSS. Run: .venv/bin/python bench/api.py [--requests N]
[--rounds N] [--metrics off|on|both] (--rounds: the latency figures timed N times on the same servers, to show their
spread without starting the servers again; --metrics both: each backend served with AVATAR_METRICS off, then on, to
show the HTTP metrics middleware's cost in the round trip; Server-Timing is measured inside that middleware and does
not include it)."""

from __future__ import annotations

import sys  # noqa: I001 - must run before any import that could load the standard library's queue
from pathlib import Path

# Run as a script, sys.path[0] is bench/, whose queue.py would shadow the standard library's queue module.
sys.path[0] = str(Path(__file__).resolve().parents[1])

import argparse
import sys
import time
from pathlib import Path

import httpx

from bench._harness import postgres_database, rss_mib, serve, server_ms, summary, write_results  # noqa: E402

PROJECTS = "/api/apps/avatar-creator/projects"


def measure(base_url: str, requests: int, rounds: int) -> dict:
    with httpx.Client(base_url=base_url, timeout=10) as client:
        registered = client.post("/api/auth/register", json={"email": "bench@example.com",
                                                              "password": "bench password 1"})
        headers = {"Authorization": f"Bearer {registered.json()['data']['token']}"}
        client.cookies.clear()
        for index in range(100):
            client.post(PROJECTS, json={"name": f"Project {index}"}, headers=headers).raise_for_status()
        for path in (PROJECTS, "/api/auth/me"):
            for _ in range(50):  # warm-up
                client.get(path, headers=headers)
        timed = [{label: timings(client, path, headers, requests)
                  for label, path in (("projects", PROJECTS), ("me", "/api/auth/me"))} for _ in range(rounds)]
        return {**timed[0], **({"rounds": timed} if rounds > 1 else {})}


def timings(client: httpx.Client, path: str, headers: dict, requests: int) -> dict:
    server, round_trip = [], []
    for _ in range(requests):
        started = time.perf_counter()
        response = client.get(path, headers=headers)
        round_trip.append((time.perf_counter() - started) * 1000)
        response.raise_for_status()
        server.append(server_ms(response))
    return {"server": summary(server), "round_trip": summary(round_trip)}


def middleware_overhead(calls: int = 20_000) -> dict:
    """The HTTP metrics middleware's own cost per request, in process: a bare ASGI app against the same app wrapped,
    alternating rounds so that drift on a busy machine hits both alike."""
    import asyncio

    from avatar_creator.metrics import HttpMetrics

    async def bare(scope, receive, send):
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"{}"})

    async def ignore(message):
        return None

    async def receive():
        return {"type": "http.request", "body": b""}

    scope = {"type": "http", "method": "GET", "path": "/api/auth/me", "headers": []}

    async def timed(app) -> float:
        started = time.perf_counter()
        for _ in range(calls):
            await app(dict(scope), receive, ignore)
        return (time.perf_counter() - started) / calls * 1e6

    async def rounds() -> dict:
        wrapped = HttpMetrics(bare)
        off, on = [], []
        for _ in range(5):
            off.append(await timed(bare))
            on.append(await timed(wrapped))
        return {"bare_us": round(min(off), 2), "with_metrics_us": round(min(on), 2),
                "overhead_us": round(min(on) - min(off), 2)}

    return asyncio.run(rounds())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--metrics", choices=("off", "on", "both"), default="off")
    args = parser.parse_args()
    results = {}
    modes = ("off", "on") if args.metrics == "both" else (args.metrics,)
    runs = [(backend, port, mode) for backend, port in (("sqlite", 8731), ("postgres", 8732)) for mode in modes]
    for backend, port, mode in runs:
        label = backend if args.metrics == "off" else f"{backend}-metrics-{mode}"
        if backend == "postgres":
            context = postgres_database()
        else:
            from contextlib import nullcontext
            context = nullcontext(None)
        with context as database_url, serve(database_url, port=port, args=("--no-worker",),
                                            extra_env={"AVATAR_METRICS": mode}) as (process, url, startup):
            time.sleep(1.0)
            idle_rss = rss_mib(process.pid)
            results[label] = {"startup_s": round(startup, 3), "idle_rss_mib": round(idle_rss, 1),
                              **measure(url, args.requests, args.rounds)}
        row = results[label]
        print(f"{label:9} start-up {row['startup_s']:.2f} s (fresh database, migrations included), "
              f"idle RSS {row['idle_rss_mib']:.0f} MiB")
        for index, timed in enumerate(row.get("rounds", [row]), 1):
            for label in ("projects", "me"):
                server = timed[label]["server"]
                print(f"          GET {label:9} server p50 {server['p50_ms']:.2f} ms  p99 {server['p99_ms']:.2f} ms  "
                      f"(round trip p50 {timed[label]['round_trip']['p50_ms']:.2f} ms)"
                      + (f"  round {index}" if "rounds" in row else ""))
    if args.metrics != "off":
        results["middleware"] = middleware_overhead()
        print(f"HTTP metrics middleware in process: {results['middleware']['overhead_us']:.1f} µs per request "
              f"(bare app {results['middleware']['bare_us']:.1f} µs, wrapped "
              f"{results['middleware']['with_metrics_us']:.1f} µs; best of 5 rounds of 20,000)")
    path = write_results("api" if args.metrics == "off" else f"api-metrics-{args.metrics}", results)
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
