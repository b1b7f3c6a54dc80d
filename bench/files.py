"""Serving files: `/uploads/…` from the local folder, streamed from an S3 bucket, and answered with a 302 to a presigned
URL (AVATAR_S3_REDIRECT=on), each against a real `serve` (SQLite) and, for S3, moto's server over HTTP.

    .venv/bin/python bench/files.py [--requests 200] [--concurrent 64]

Prints a table and writes bench/results/files.json: round-trip p50/p95 of whole GETs (a ~0.5 MB JPEG) and 64 KiB ranged
GETs one after another (one connection to the API, one to the bucket), the time `serve` spends on each until its
headers (Server-Timing; for the redirect, the 302 alone), MB/s with
``--concurrent`` GETs at once from one asyncio client, and the server's RSS afterwards. moto is a Python server on the
same machine: its numbers show what the API adds around S3 and that bodies stream, not what AWS or MinIO would give.
"""

from __future__ import annotations

import sys  # noqa: I001 - must run before any import that could load the standard library's queue
from pathlib import Path

# Run as a script, sys.path[0] is bench/, whose queue.py would shadow the standard library's queue module.
sys.path[0] = str(Path(__file__).resolve().parents[1])

import argparse
import asyncio
import os
import secrets
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx

from bench._harness import rss_mib, serve, server_ms, summary, write_results  # noqa: E402
from tests.support.processes import free_port  # noqa: E402
from tests.support.s3 import CREDENTIALS, MotoServer, S3Bucket  # noqa: E402
from tests.support.uploads import jpeg, multipart, upload_path  # noqa: E402

MODES = ("local", "s3", "s3-redirect")
RANGE = "bytes=65536-131071"


@contextmanager
def storage_env(mode: str) -> Iterator[dict[str, str]]:
    """The settings of one mode; for S3, a moto server and a bucket that live as long as the block."""
    if mode == "local":
        yield {"AVATAR_STORAGE": "local"}
        return
    os.environ.update(CREDENTIALS)
    with tempfile.TemporaryDirectory(prefix="avatar-bench-moto-") as logs:
        server = MotoServer(Path(logs))
        try:
            bucket = S3Bucket(server.url, f"bench-{secrets.token_hex(4)}")
            bucket.client().create_bucket(Bucket=bucket.name)
            settings = {**bucket.settings, "s3_redirect": "on" if mode == "s3-redirect" else "off"}
            yield {f"AVATAR_{name.upper()}": value for name, value in settings.items()}
        finally:
            server.stop()


def uploaded_file(http: httpx.Client) -> str:
    """A signed URL of a fresh user's ~0.5 MB upload."""
    token = http.post("/api/auth/register", json={"email": "files@example.com", "password": "bench password 1"}
                      ).json()["data"]["token"]
    headers = {"Authorization": f"Bearer {token}"}
    project = http.post("/api/apps/avatar-creator/projects", json={"name": "Files"}, headers=headers).json()
    body, content_type = multipart([("image", "photo.jpg", jpeg(1400, 1000, quality=95)), ("name", None, "Bench")])
    reply = http.post(upload_path(project["project"]["id"]), content=body,
                      headers={**headers, "Content-Type": content_type})
    reply.raise_for_status()
    return reply.json()["avatar"]["baseImageUrl"]


def timed(http: httpx.Client, bucket: httpx.Client, url: str, count: int, headers: dict[str, str]
          ) -> tuple[list[float], list[float], int]:
    """Round trips and server times (ms, until the headers) of ``count`` GETs, following a redirect to ``bucket``;
    the bytes of the last one."""
    trips, servers, size = [], [], 0
    for _ in range(count):
        started = time.perf_counter()
        answer = http.get(url, headers=headers)
        servers.append(server_ms(answer))
        if answer.status_code == 302:
            answer = bucket.get(answer.headers["location"], headers=headers)
        assert answer.status_code in (200, 206), answer.status_code
        trips.append((time.perf_counter() - started) * 1000)
        size = len(answer.content)
    return trips, servers, size


async def concurrent_mb_per_s(base_url: str, url: str, count: int) -> float:
    limits = httpx.Limits(max_connections=None, max_keepalive_connections=None)
    async with httpx.AsyncClient(base_url=base_url, timeout=120, limits=limits, follow_redirects=True) as client:
        started = time.perf_counter()
        answers = await asyncio.gather(*(client.get(url) for _ in range(count)))
        seconds = time.perf_counter() - started
    assert all(answer.status_code == 200 for answer in answers)
    return sum(len(answer.content) for answer in answers) / seconds / 1e6


def measure(mode: str, requests: int, concurrent: int) -> dict:
    with storage_env(mode) as env, serve(None, port=free_port(), extra_env={
            **env, "AVATAR_MAX_REQUESTS_PER_CLIENT": str(concurrent * 2)}) as (process, base_url, _startup):
        with httpx.Client(base_url=base_url, timeout=60) as http, httpx.Client(timeout=60) as bucket:
            url = uploaded_file(http)
            timed(http, bucket, url, 5, {})  # warm up: connections, imports
            whole, whole_server, size = timed(http, bucket, url, requests, {})
            ranged, ranged_server, _ = timed(http, bucket, url, requests, {"Range": RANGE})
        throughput = asyncio.run(concurrent_mb_per_s(base_url, url, concurrent))
        return {"file_bytes": size, "whole": summary(whole), "whole_server": summary(whole_server),
                "range_64k": summary(ranged), "range_64k_server": summary(ranged_server),
                f"concurrent_{concurrent}_mb_per_s": round(throughput, 1), "serve_rss_mib": round(rss_mib(process.pid))}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--concurrent", type=int, default=64)
    arguments = parser.parse_args()
    results = {mode: measure(mode, arguments.requests, arguments.concurrent) for mode in MODES}
    print(f"{'mode':<12} {'whole p50/p95 ms':>17} {'server p50':>10} {'64K range p50':>13} {'server p50':>10} "
          f"{'MB/s':>7} {'RSS MiB':>8}")
    for mode, row in results.items():
        print(f"{mode:<12} {row['whole']['p50_ms']:>8.2f}/{row['whole']['p95_ms']:<8.2f} "
              f"{row['whole_server']['p50_ms']:>10.2f} {row['range_64k']['p50_ms']:>13.2f} "
              f"{row['range_64k_server']['p50_ms']:>10.2f} {row[f'concurrent_{arguments.concurrent}_mb_per_s']:>7} "
              f"{row['serve_rss_mib']:>8}")
    print(f"written to {write_results('files', {'requests': arguments.requests, 'modes': results})}")


if __name__ == "__main__":
    main()
