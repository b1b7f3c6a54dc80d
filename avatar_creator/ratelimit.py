"""Rate limits in ``limits`` notation: counters in memory embedded, in Redis when ``AVATAR_REDIS_URL`` is set.

While Redis is away, ``AVATAR_RATE_LIMITS_WITHOUT_REDIS`` says what a limited request gets: ``memory`` (the default)
counts it in this process, so sign-in and generating keep working and each process still enforces the limits on its
own; ``refuse`` answers 503 with ``Retry-After``. Either way never a 500. Redis is tried again every
``redis_outage.RETRY_S``, so the shared counters are back within that of Redis returning.
"""

from __future__ import annotations

import logging
import math
import time
from typing import Literal

from limits import parse_many, storage, strategies
from limits.errors import StorageError

from avatar_creator.errors import RateLimited, ServiceUnavailable
from avatar_creator.redis_outage import REQUEST_TIMEOUT_S, RETRY_S, Outage

log = logging.getLogger("avatar_creator.ratelimit")

WithoutRedis = Literal["memory", "refuse"]


class RateLimiter:
    def __init__(self, *, limits_by_name: dict[str, str], enabled: bool, redis_url: str | None = None,
                 key_prefix: str = "avatar", without_redis: WithoutRedis = "memory"):
        self.enabled = enabled
        self.without_redis = without_redis
        self._memory_storage = storage.MemoryStorage()
        self._memory = strategies.MovingWindowRateLimiter(self._memory_storage)
        self._redis = strategies.FixedWindowRateLimiter(storage.storage_from_string(
            redis_url, wrap_exceptions=True, socket_connect_timeout=REQUEST_TIMEOUT_S,
            socket_timeout=REQUEST_TIMEOUT_S)) if redis_url else None
        self._limits = {name: parse_many(value) for name, value in limits_by_name.items()}
        self._prefix = key_prefix
        meanwhile = "counting in this process" if without_redis == "memory" else "answering 503"
        self._outage = Outage(log, "rate limits", meanwhile)

    def hit(self, name: str, key: str) -> dict[str, str]:
        """Count one request; raise ``RateLimited`` when over, else return the ``X-RateLimit-*`` headers.

        Raises ``ServiceUnavailable`` while Redis is away and ``without_redis`` is ``refuse``.
        """
        if not self.enabled:
            return {}
        if self._redis is not None and self._outage.due():
            try:
                headers = self._count(self._redis, name, key)
            except StorageError as error:
                self._outage.failed(error.storage_error)
            else:
                self._outage.answered()
                return headers
        if self._redis is not None and self.without_redis == "refuse":
            raise ServiceUnavailable("Rate limits cannot be checked while Redis is unreachable; try again shortly.",
                                     headers={"Retry-After": str(math.ceil(RETRY_S))})
        return self._count(self._memory, name, key)

    def _count(self, limiter: strategies.RateLimiter, name: str, key: str) -> dict[str, str]:
        headers: dict[str, str] = {}
        for item in self._limits[name]:
            allowed = limiter.hit(item, self._prefix, name, key)
            reset_at, remaining = limiter.get_window_stats(item, self._prefix, name, key)
            headers = {
                "X-RateLimit-Limit": str(item.amount),
                "X-RateLimit-Remaining": str(max(0, remaining)),
                "X-RateLimit-Reset": str(math.ceil(reset_at)),
            }
            if not allowed:
                retry_after = max(1, math.ceil(reset_at - time.time()))
                raise RateLimited(f"Too many requests; try again in {retry_after} s.",
                                  headers={**headers, "Retry-After": str(retry_after)})
        return headers

    def forget_stale(self, *, now: float) -> int:
        """Drop the in-memory counts whose every hit has expired by ``now`` (a Unix time); returns how many keys.

        The memory storage trims expired hits only while hits keep coming, and keeps an empty list per key (per
        address, per user) for ever: without this, a long-running process grows with every client it has seen.
        """
        memory = self._memory_storage
        forgotten = 0
        for key in list(memory.events):
            with memory.locks[key]:
                hits = memory.events.get(key)
                if hits is not None and all(hit.expiry <= now for hit in hits):
                    del memory.events[key]
                    memory.locks.pop(key, None)  # as the storage's own expiry does
                    forgotten += 1
        return forgotten

    def clear(self, name: str, key: str) -> None:
        """Forget what ``key`` has counted against the named limit: in this process, and in Redis when it answers."""
        if not self.enabled:
            return
        for item in self._limits[name]:
            self._memory.clear(item, self._prefix, name, key)
        if self._redis is not None and self._outage.due():
            try:
                for item in self._limits[name]:
                    self._redis.clear(item, self._prefix, name, key)
            except StorageError as error:
                self._outage.failed(error.storage_error)
            else:
                self._outage.answered()
