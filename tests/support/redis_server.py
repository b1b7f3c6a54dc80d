"""A Redis server of the test's own, on a free port: killed like a crash would, and started again on that port."""

from __future__ import annotations

import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import redis

from tests.support.processes import free_port
from tests.support.settings import unavailable


class RedisServer:
    def __init__(self, binary: str, log_dir: Path):
        self.binary = binary
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.log_path = log_dir / f"redis-{self.port}.log"
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 10) -> None:
        """Start it (again) on its port; returns once it answers PING."""
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen([self.binary, "--port", str(self.port), "--bind", "127.0.0.1",
                                             "--save", "", "--appendonly", "no"], stdout=log, stderr=subprocess.STDOUT)
        client = redis.Redis.from_url(self.url, socket_connect_timeout=0.2)
        deadline = time.monotonic() + timeout
        try:
            while True:
                try:
                    client.ping()
                    return
                except redis.ConnectionError:
                    if time.monotonic() > deadline or self.process.poll() is not None:
                        raise AssertionError(f"redis-server did not start:\n{self.log_path.read_text()}") from None
                    time.sleep(0.02)
        finally:
            client.close()

    def pause(self) -> None:
        """SIGSTOP: connections stay open and nothing answers, like a frozen VM or a network cut."""
        self.process.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        self.process.send_signal(signal.SIGCONT)

    def kill(self) -> None:
        """SIGKILL, as a crash or the OOM killer would; reaped so the port is free."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)  # a stopped process dies of it too
            self.process.wait()


@contextmanager
def redis_server(log_dir: Path) -> Iterator[RedisServer]:
    """A started ``redis-server`` (no persistence), killed at the end; skipped where none is installed."""
    binary = shutil.which("redis-server") or "/usr/bin/redis-server"
    if not Path(binary).exists():
        unavailable("redis", "no redis-server binary")
    server = RedisServer(binary, log_dir)
    server.start()
    try:
        yield server
    finally:
        server.kill()
