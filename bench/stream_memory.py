"""What one open SSE stream holds in ``serve``: tracemalloc in the server, before and after opening streams.

    python -m bench.stream_memory [--streams 500] [--out bench/profiles/stream_memory.txt]

Starts ``avatar-creator serve`` (SQLite) with tracemalloc on and a SIGUSR1 handler that dumps a snapshot, opens
``--streams`` streams for a few users, and compares the snapshots taken before and after (Python allocations only;
the RSS per stream also counts the C side: sockets' buffers in uvicorn, the allocator's slack). Prints the RSS per
stream, the traced bytes per stream and the allocation sites that grew the most, per stream; writes it with ``--out``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import pickle
import signal
import socket
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import httpx

from bench._harness import rss_mib, wait_until_up
from bench.events import hold_stream, sign_up
from bench.streams import raise_file_limit

SERVER = """
import signal, sys, tracemalloc
tracemalloc.start(1)
path, port = sys.argv[1:3]
signal.signal(signal.SIGUSR1, lambda *_: tracemalloc.take_snapshot().dump(path))
from avatar_creator import cli
sys.argv = ["avatar-creator", "serve", "--port", port]
cli.main()
"""


def snapshot(process: subprocess.Popen, path: Path) -> tracemalloc.Snapshot:
    path.unlink(missing_ok=True)
    process.send_signal(signal.SIGUSR1)
    deadline = time.monotonic() + 60
    while True:  # the dump is written in one go after the snapshot, which takes a while
        time.sleep(0.5)
        try:
            return tracemalloc.Snapshot.load(str(path))
        except (FileNotFoundError, EOFError, ValueError, pickle.UnpicklingError):
            if time.monotonic() > deadline:
                raise


async def open_streams(url: str, users: list[dict], count: int) -> tuple[list[asyncio.Task], int]:
    limits = httpx.Limits(max_connections=None, max_keepalive_connections=None)
    client = httpx.AsyncClient(base_url=url, timeout=httpx.Timeout(60, read=None), limits=limits)
    held = [(users[index % len(users)], [], asyncio.Event()) for index in range(count)]
    tasks = [asyncio.create_task(hold_stream(client, user, seen, ready)) for user, seen, ready in held]
    await asyncio.wait([asyncio.create_task(ready.wait()) for _, _, ready in held], timeout=120)
    return tasks, sum(ready.is_set() for _, _, ready in held)


async def measure(url: str, process: subprocess.Popen, folder: Path, count: int) -> list[str]:
    with httpx.Client(base_url=url, timeout=30) as http:
        users = sign_up(http, 5)
    await asyncio.sleep(1)
    before, rss_before = await asyncio.to_thread(snapshot, process, folder / "snapshot"), rss_mib(process.pid)
    tasks, opened = await open_streams(url, users, count)
    await asyncio.sleep(2)
    after, rss_after = await asyncio.to_thread(snapshot, process, folder / "snapshot"), rss_mib(process.pid)
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    traced = sum(stat.size_diff for stat in after.compare_to(before, "filename"))
    lines = [f"{opened}/{count} streams open; serve RSS {rss_before:.1f} -> {rss_after:.1f} MiB: "
             f"{(rss_after - rss_before) * 1024 / count:.1f} KiB per stream (tracemalloc's own overhead included), "
             f"of which Python objects traced {traced / 1024 / count:.1f} KiB", "",
             "## Growth per stream by file (bytes, blocks)"]
    lines += [f"{stat.size_diff / count:9.0f} B {stat.count_diff / count:6.1f}  {_short(stat.traceback[0].filename)}"
              for stat in after.compare_to(before, "filename")[:15]]
    lines += ["", "## Growth per stream by line"]
    lines += [f"{stat.size_diff / count:9.0f} B {stat.count_diff / count:6.1f}  {_short(stat.traceback[0].filename)}"
              f":{stat.traceback[0].lineno}" for stat in after.compare_to(before, "lineno")[:25]]
    return lines


def _short(filename: str) -> str:
    return filename.split("site-packages/")[-1].split("python3.11/")[-1].split("wt-profile/")[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--streams", type=int, default=500)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    raise_file_limit()
    load = os.getloadavg()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with tempfile.TemporaryDirectory(prefix="avatar-bench-") as data_dir:
        env = {**os.environ, "AVATAR_DATA_DIR": data_dir, "AVATAR_RATE_LIMITS": "off", "AVATAR_LOG_LEVEL": "WARNING",
               "AVATAR_ARGON2_TIME_COST": "1", "AVATAR_ARGON2_MEMORY_KIB": "8", "AVATAR_ARGON2_PARALLELISM": "1"}
        started = time.perf_counter()
        process = subprocess.Popen([sys.executable, "-c", SERVER, f"{data_dir}/snapshot", str(port)], env=env,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            url = f"http://127.0.0.1:{port}"
            wait_until_up(url, process, started)
            lines = asyncio.run(measure(url, process, Path(data_dir), args.streams))
        finally:
            process.terminate()
            process.wait(timeout=30)
    text = "\n".join([f"# python -m bench.stream_memory --streams {args.streams}: load average {load[0]:.2f} -> "
                      f"{os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs", *lines]) + "\n"
    print(text, end="")
    if args.out:
        args.out.write_text(text)
        print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
