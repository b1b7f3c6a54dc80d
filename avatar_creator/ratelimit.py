"""Rate limits in ``limits`` notation: counters in memory embedded, in Redis when ``AVATAR_REDIS_URL`` is set.

While Redis is away, ``AVATAR_RATE_LIMITS_WITHOUT_REDIS`` says what a limited request gets: ``memory`` (the default)
counts it in this process, so sign-in and generating keep working and each process still enforces the limits on its
own; ``refuse`` answers 503 with ``Retry-After``. Either way never a 500. Redis is tried again every
``REDIS_RETRY_S``, so the shared counters are back within that of Redis returning.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from typing import Literal

from limits import parse_many, storage, strategies
from limits.errors import StorageError

from avatar_creator.errors import RateLimited, ServiceUnavailable

log = logging.getLogger("avatar_creator.ratelimit")

REDIS_RETRY_S = 0.5  # after a failed call, how long requests skip Redis before one tries it again
REDIS_TIMEOUT_S = 1.0  # a Redis that does not answer (not only one that refuses) costs a request at most this
WithoutRedis = Literal["memory", "refuse"]


class RateLimiter:
    def __init__(self, *, limits_by_name: dict[str, str], enabled: bool, redis_url: str | None = None,
                 key_prefix: str = "avatar", without_redis: WithoutRedis = "memory"):
        self.enabled = enabled
        self.without_redis = without_redis
        self._memory = strategies.MovingWindowRateLimiter(storage.MemoryStorage())
        self._redis = strategies.FixedWindowRateLimiter(storage.storage_from_string(
            redis_url, wrap_exceptions=True, socket_connect_timeout=REDIS_TIMEOUT_S, socket_timeout=REDIS_TIMEOUT_S,
        )) if redis_url else None
        self._limits = {name: parse_many(value) for name, value in limits_by_name.items()}
        self._prefix = key_prefix
        self._lock = threading.Lock()
        self._redis_away_until: float | None = None  # monotonic; None while Redis answers

    def hit(self, name: str, key: str) -> dict[str, str]:
        """Count one request; raise ``RateLimited`` when over, else return the ``X-RateLimit-*`` headers.

        Raises ``ServiceUnavailable`` while Redis is away and ``without_redis`` is ``refuse``.
        """
        if not self.enabled:
            return {}
        if self._redis is not None and self._redis_due():
            try:
                headers = self._count(self._redis, name, key)
            except StorageError as error:
                self._redis_lost(error.storage_error)
            else:
                self._redis_back()
                return headers
        if self._redis is not None and self.without_redis == "refuse":
            raise ServiceUnavailable("Rate limits cannot be checked while Redis is unreachable; try again shortly.",
                                     headers={"Retry-After": str(math.ceil(REDIS_RETRY_S))})
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

    def _redis_due(self) -> bool:
        with self._lock:
            return self._redis_away_until is None or time.monotonic() >= self._redis_away_until

    def _redis_lost(self, error: Exception) -> None:
        with self._lock:
            first = self._redis_away_until is None
            self._redis_away_until = time.monotonic() + REDIS_RETRY_S
        if first:
            outcome = "counting in this process" if self.without_redis == "memory" else "answering 503"
            log.warning("rate limits: Redis is unreachable (%s); %s until it is back", type(error).__name__, outcome)

    def _redis_back(self) -> None:
        if self._redis_away_until is None:  # the usual case, without taking the lock
            return
        with self._lock:
            was_away, self._redis_away_until = self._redis_away_until is not None, None
        if was_away:
            log.info("rate limits: Redis is back")
