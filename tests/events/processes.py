"""The service as real processes (``serve``, ``worker``) for tests that need several of them, or a signal."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.conftest import TEST_SECRET

REPO_ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def service_env(data_dir: Path, database_url: str, **settings: object) -> dict[str, str]:
    """Environment for a service process: its own data folder and database, cheap hashing, no rate limits."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("AVATAR_")}
    env.update(PYTHONPATH=str(REPO_ROOT), PYTHONUNBUFFERED="1", AVATAR_DATA_DIR=str(data_dir),
               AVATAR_DATABASE_URL=database_url, AVATAR_SECRET_KEY=TEST_SECRET, AVATAR_RATE_LIMITS="off",
               AVATAR_ARGON2_TIME_COST="1", AVATAR_ARGON2_MEMORY_KIB="8", AVATAR_ARGON2_PARALLELISM="1")
    env.update({f"AVATAR_{key.upper()}": str(value) for key, value in settings.items()})
    return env


class ServiceProcess:
    """``python -m avatar_creator.cli ARGS``, its output kept in a file."""

    def __init__(self, args: list[str], env: dict[str, str], log_path: Path):
        self.log_path = log_path
        self._log = open(log_path, "wb")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen([sys.executable, "-m", "avatar_creator.cli", *args], env=env,
                                        cwd=log_path.parent, stdout=self._log, stderr=subprocess.STDOUT)

    @property
    def output(self) -> str:
        return self.log_path.read_text(errors="replace")

    def wait_for_output(self, text: str, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while text not in self.output:
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{self.process.args} did not print {text!r}:\n{self.output}")
            time.sleep(0.05)

    def terminate(self, timeout: float) -> float:
        """Send SIGTERM; the seconds the process took to exit (it is killed after ``timeout``)."""
        started = time.monotonic()
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        return time.monotonic() - started

    def stop(self) -> None:
        if self.process.poll() is None:
            self.terminate(timeout=15)
        self._log.close()


class ApiProcess(ServiceProcess):
    """``serve`` on a free port, ready when ``/health`` answers."""

    def __init__(self, env: dict[str, str], log_path: Path, *extra_args: str):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        super().__init__(["serve", "--port", str(self.port), *extra_args], env, log_path)
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{self.url}/health", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"serve did not start:\n{self.output}")
            time.sleep(0.1)
