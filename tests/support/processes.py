"""Real service processes for the multi-process tests and the queue benchmark: ``python -m avatar_creator.cli``
started, SIGKILLed and restarted like an operator (or a crash) would."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

CHEAP_HASHING = {"AVATAR_ARGON2_TIME_COST": "1", "AVATAR_ARGON2_MEMORY_KIB": "8", "AVATAR_ARGON2_PARALLELISM": "1"}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def service_env(data_dir: Path, database_url: str, **settings: str) -> dict[str, str]:
    """The environment of every process of one deployment: same database, data folder and secret."""
    environment = {key: value for key, value in os.environ.items() if not key.startswith("AVATAR_")}
    environment.update(CHEAP_HASHING)
    environment.update({"AVATAR_DATA_DIR": str(data_dir), "AVATAR_DATABASE_URL": database_url,
                        "AVATAR_SECRET_KEY": "process-test-secret-" + "x" * 40, "AVATAR_RATE_LIMITS": "off",
                        "AVATAR_LOG_LEVEL": os.environ.get("AVATAR_TEST_SERVICE_LOG_LEVEL", "WARNING")})
    environment.update({f"AVATAR_{key.upper()}": str(value) for key, value in settings.items()})
    return environment


class ServiceProcess:
    """One ``avatar-creator`` command; its output goes to a log file kept for failure reports."""

    def __init__(self, args: list[str], env: dict[str, str], log_path: Path):
        self.args = args
        self.env = env
        self.log_path = log_path
        self.process: subprocess.Popen | None = None

    def start(self) -> ServiceProcess:
        log = open(self.log_path, "ab")  # noqa: SIM115 - the child owns it while it runs
        self.process = subprocess.Popen([sys.executable, "-m", "avatar_creator.cli", *self.args], env=self.env,
                                        stdout=log, stderr=subprocess.STDOUT)
        log.close()
        return self

    @property
    def pid(self) -> int:
        return self.process.pid

    def kill(self) -> None:
        """SIGKILL, as a crash or the OOM killer would; reaped so the PID is gone."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def terminate(self, timeout: float = 30) -> int:
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    def log_tail(self, lines: int = 30) -> str:
        text = self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
        return "\n".join(text.splitlines()[-lines:])


def serve(env: dict[str, str], log_dir: Path, port: int, *extra: str) -> ServiceProcess:
    return ServiceProcess(["serve", "--port", str(port), *extra], env, log_dir / f"serve-{port}.log").start()


def wait_until_serving(base_url: str, process: ServiceProcess, timeout: float = 60) -> float:
    """Block until the API answers; returns the moment it did (``time.monotonic``)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.process.poll() is not None:
            raise AssertionError(f"the service exited:\n{process.log_tail()}")
        try:
            if httpx.get(f"{base_url}/health", timeout=1).status_code == 200:
                return time.monotonic()
        except httpx.HTTPError:
            pass
        time.sleep(0.05)
    raise AssertionError(f"the service did not start in {timeout} s:\n{process.log_tail()}")
