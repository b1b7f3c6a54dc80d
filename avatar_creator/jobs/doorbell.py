"""Wake-ups for idle workers. A ring says "there may be work"; the table says what. So a lost ring costs one wait
(``AVATAR_WORKER_POLL_SECONDS``), never a job."""

from __future__ import annotations

import abc
import logging
import threading
import time

from avatar_creator.redis_outage import REQUEST_TIMEOUT_S, Outage
from avatar_creator.settings import Settings

log = logging.getLogger("avatar_creator.jobs")

MAX_QUEUED_RINGS = 256  # rings nobody waits for (no worker running) must not pile up in Redis


class Doorbell(abc.ABC):
    """Rung after a commit that made work available; waited on by idle workers."""

    @abc.abstractmethod
    def ring(self, count: int = 1) -> None:
        """Wake up to ``count`` waiting workers. Never raises: a lost ring only costs a poll interval."""

    @abc.abstractmethod
    def wait(self, timeout: float) -> bool:
        """Block until a ring or ``timeout`` seconds; True when woken by a ring."""

    def ring_later(self, delay: float, count: int = 1) -> None:
        """Ring after ``delay`` seconds: when a job that was put back with a backoff becomes ready."""
        if delay <= 0:
            self.ring(count)
            return
        timer = threading.Timer(delay, self.ring, args=(count,))
        timer.daemon = True
        timer.start()

    def close(self) -> None:
        """Release connections; waiting threads return within their timeout. Here nothing: no connection to release."""
        return None


class LocalDoorbell(Doorbell):
    """Embedded mode: workers in this process wait on an event."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def ring(self, count: int = 1) -> None:
        self._event.set()

    def wait(self, timeout: float) -> bool:
        woken = self._event.wait(timeout)
        # Cleared before the worker claims: a ring that comes after this is seen by the next wait.
        self._event.clear()
        return woken

    def close(self) -> None:
        self._event.set()  # let waiting threads notice a shutdown at once


class RedisDoorbell(Doorbell):
    """Scaled out: LPUSH after commit, BLPOP in the workers, which wakes exactly one worker per ring, on any host.

    A ring runs in the request that committed: it has its own client with short timeouts, and is skipped for a
    moment after a failure (``redis_outage``), so a Redis that is down or hung costs a request little, and no ring
    is worth more than a poll interval anyway.
    """

    def __init__(self, url: str, *, prefix: str, poll_seconds: float):
        import redis

        self.key = f"{prefix}:jobs:doorbell"
        self._ringer = redis.Redis.from_url(url, socket_connect_timeout=REQUEST_TIMEOUT_S,
                                            socket_timeout=REQUEST_TIMEOUT_S)
        # The socket timeout must outlast a BLPOP, or every idle wait would end in a timeout error.
        self._client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=poll_seconds + 5)
        self._outage = Outage(log, "jobs doorbell", "workers poll the table")

    def ring(self, count: int = 1) -> None:
        if not self._outage.due():
            return
        try:
            pipeline = self._ringer.pipeline(transaction=False)
            pipeline.lpush(self.key, *["1"] * count)
            pipeline.ltrim(self.key, 0, MAX_QUEUED_RINGS - 1)
            pipeline.execute()
            self._outage.answered()
        except Exception as error:
            self._outage.failed(error)

    def wait(self, timeout: float) -> bool:
        try:
            woken = self._client.blpop([self.key], timeout=timeout) is not None
            self._outage.answered()
            return woken
        except Exception as error:
            self._outage.failed(error)
            time.sleep(timeout)  # Redis is down: fall back to polling the table
            return False

    def close(self) -> None:
        self._ringer.close()
        self._client.close()


def build_doorbell(settings: Settings) -> Doorbell:
    """Redis when ``AVATAR_REDIS_URL`` is set, else an in-process event."""
    if settings.redis_url:
        return RedisDoorbell(settings.redis_url, prefix=settings.redis_prefix,
                             poll_seconds=settings.worker_poll_seconds)
    return LocalDoorbell()
