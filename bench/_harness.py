"""Shared bench plumbing: start `avatar-creator serve` as a real process, time requests, write JSON results."""

from __future__ import annotations

import json
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "bench" / "results"
POSTGRES_ADMIN_URL = os.environ.get("AVATAR_TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("AVATAR_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def summary(values: list[float]) -> dict:
    return {"n": len(values), "p50_ms": round(percentile(values, 0.50), 3),
            "p95_ms": round(percentile(values, 0.95), 3), "p99_ms": round(percentile(values, 0.99), 3),
            "mean_ms": round(statistics.fmean(values), 3)}


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def server_ms(response: httpx.Response) -> float:
    """The server's own time from the Server-Timing header."""
    return float(response.headers["server-timing"].split("dur=")[1])


@contextmanager
def postgres_database():
    """A throwaway PostgreSQL database; yields its SQLAlchemy URL."""
    import psycopg
    from sqlalchemy.engine import make_url

    admin = make_url(POSTGRES_ADMIN_URL)
    name = f"avatar_bench_{secrets.token_hex(4)}"
    conn = psycopg.connect(admin.set(drivername="postgresql").render_as_string(hide_password=False), autocommit=True)
    conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield admin.set(database=name).render_as_string(hide_password=False)
    finally:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.close()


@contextmanager
def serve(database_url: str | None, *, port: int, extra_env: dict | None = None, args: tuple[str, ...] = ()):
    """Run `avatar-creator serve` in a fresh data folder; yields (process, base_url, seconds until /health answered)."""
    with tempfile.TemporaryDirectory(prefix="avatar-bench-") as data_dir:
        env = {**os.environ, "AVATAR_DATA_DIR": data_dir, "AVATAR_RATE_LIMITS": "off", "AVATAR_LOG_LEVEL": "WARNING",
               **(extra_env or {})}
        if database_url:
            env["AVATAR_DATABASE_URL"] = database_url
        started = time.perf_counter()
        process = subprocess.Popen([sys.executable, "-m", "avatar_creator.cli", "serve", "--port", str(port), *args],
                                   env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        base_url = f"http://127.0.0.1:{port}"
        try:
            startup = wait_until_up(base_url, process, started)
            yield process, base_url, startup
        finally:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()


def wait_until_up(base_url: str, process: subprocess.Popen, started: float, timeout: float = 60) -> float:
    while time.perf_counter() - started < timeout:
        if process.poll() is not None:
            raise RuntimeError(f"serve exited: {process.stderr.read().decode()[-2000:]}")
        try:
            if httpx.get(f"{base_url}/health", timeout=1).status_code == 200:
                return time.perf_counter() - started
        except httpx.TransportError:
            pass
        time.sleep(0.02)
    raise RuntimeError("serve did not answer /health in time")


def write_results(name: str, results: dict) -> Path:
    """Write bench/results/<name>.json; its path relative to the repository, which is what the reports print."""
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps(results, indent=2))
    return path.relative_to(REPO)
