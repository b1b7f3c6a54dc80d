"""``serve``'s memory idle and under uploads, and the uploads' server time.

    python -m bench.serve_memory [--quick] [--uploads 8]

Starts ``avatar-creator serve`` (SQLite, its worker threads on), reads its RSS once it is up and idle, then 4 clients
(one asyncio client, 4 users) upload 12-megapixel JPEGs at once while a thread samples the RSS every 50 ms; then one
client uploads 2048² PNGs, then 12-megapixel JPEGs whose EXIF says to rotate them (what phones send: these must be
decoded in full and re-encoded). Server times are the server's own (``Server-Timing``). Prints the numbers and writes
bench/results/serve_memory.json (the RSS samples included, for the plot).
Targets: RSS idle ≤ 90 MiB, peak ≤ 200 MiB; 12 MP JPEG p50 ≤ 100 ms; 2048² PNG p50 ≤ 200 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import threading
import time

import httpx
from PIL import ExifTags, Image

from bench._harness import rss_mib, serve, server_ms, summary, write_results
from bench.upload import _multipart, encoded, photo_like

API = "/api/apps/avatar-creator"
CLIENTS = 4
TARGETS = {"rss_idle_mib": 90, "rss_peak_mib": 200, "jpeg_12mp_p50_ms": 100, "png_2048_p50_ms": 200}


def images() -> dict[str, bytes]:
    photo = photo_like(4000, 3000, 12)
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6
    return {"jpeg_12mp": encoded(photo, "JPEG", quality=90),
            "jpeg_12mp_rotated": encoded(photo, "JPEG", quality=90, exif=exif),
            "png_2048": encoded(photo_like(2048, 2048, 3), "PNG")}


class RssSampler:
    """The RSS of ``pid`` every ``interval`` seconds, from a thread, as (seconds since start, MiB)."""

    def __init__(self, pid: int, interval: float = 0.05):
        self.pid, self.interval, self.samples = pid, interval, []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._started = time.perf_counter()

    def _run(self) -> None:
        while not self._stop.is_set():
            self.samples.append((round(time.perf_counter() - self._started, 3), round(rss_mib(self.pid), 1)))
            self._stop.wait(self.interval)

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *_exc) -> None:
        self._stop.set()
        self._thread.join()


def peak_rss_mib(pid: int) -> float:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    return float("nan")


async def sign_up(client: httpx.AsyncClient) -> tuple[dict, str]:
    email = f"bench-{secrets.token_hex(6)}@example.com"
    data = (await client.post("/api/auth/register", json={"email": email, "password": "bench password 1"})).json()
    headers = {"Authorization": f"Bearer {data['data']['token']}"}
    project = (await client.post(f"{API}/projects", json={"name": "Bench"}, headers=headers)).json()["project"]
    return headers, f"{API}/projects/{project['id']}/avatars/upload"


async def upload_many(client: httpx.AsyncClient, user: tuple[dict, str], image: bytes, count: int) -> list[float]:
    headers, path = user
    body, content_type = _multipart(image)
    times = []
    for _ in range(count):
        response = await client.post(path, content=body, headers={**headers, "Content-Type": content_type})
        if response.status_code != 201:
            raise RuntimeError(f"upload failed: {response.status_code} {response.text[:300]}")
        times.append(server_ms(response))
    return times


async def measure(base_url: str, pid: int, uploads: int) -> dict:
    inputs = images()
    limits = httpx.Limits(max_connections=None, max_keepalive_connections=None)
    async with httpx.AsyncClient(base_url=base_url, timeout=120, limits=limits) as client:
        users = [await sign_up(client) for _ in range(CLIENTS)]
        await asyncio.sleep(2)  # let start-up's work (catalogue, first requests) settle
        idle = round(rss_mib(pid), 1)
        with RssSampler(pid) as sampler:
            concurrent = await asyncio.gather(*(upload_many(client, user, inputs["jpeg_12mp"], uploads)
                                                for user in users))
        peak = peak_rss_mib(pid)
        series = {"jpeg_12mp_4_clients": [ms for times in zip(*concurrent, strict=True) for ms in times]}
        for name in ("jpeg_12mp", "png_2048", "jpeg_12mp_rotated"):
            await upload_many(client, users[0], inputs[name], 1)  # warm-up
            series[name] = await upload_many(client, users[0], inputs[name], uploads)
        cases = {name: summary(times) for name, times in series.items()}
        await asyncio.sleep(2)
        idle_after = round(rss_mib(pid), 1)
    return {"rss_idle_mib": idle, "rss_peak_mib": peak, "rss_idle_after_mib": idle_after,
            "rss_peak_final_mib": peak_rss_mib(pid), "rss_samples": sampler.samples, "uploads": cases,
            "upload_series_ms": series,
            "image_bytes": {name: len(data) for name, data in inputs.items()}}


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer uploads")
    parser.add_argument("--uploads", type=int, default=8, help="uploads per client and per case")
    parser.add_argument("--port", type=int, default=8751)
    args = parser.parse_args(argv)
    uploads = 3 if args.quick else args.uploads
    load_before = os.getloadavg()
    with serve(None, port=args.port) as (process, base_url, startup):
        result = asyncio.run(measure(base_url, process.pid, uploads))
    result.update(startup_s=round(startup, 3), uploads_per_case=uploads, load_average_before=load_before,
                  load_average_after=os.getloadavg(), targets=TARGETS)
    uploads_seen = result["uploads"]
    print(f"serve RSS: idle {result['rss_idle_mib']} MiB, peak {result['rss_peak_mib']} MiB with {CLIENTS} clients "
          f"uploading 12 MP JPEGs, idle after {result['rss_idle_after_mib']} MiB "
          f"(targets ≤ {TARGETS['rss_idle_mib']} / ≤ {TARGETS['rss_peak_mib']})")
    for name, figures in uploads_seen.items():
        print(f"  {name:22} server time p50 {figures['p50_ms']:7.1f} ms  p95 {figures['p95_ms']:7.1f} ms  "
              f"({figures['n']} uploads)")
    print(f"load average {load_before[0]:.2f} before, {result['load_average_after'][0]:.2f} after")
    print(f"wrote {write_results('serve_memory', result)}")
    return result


if __name__ == "__main__":
    main()
