"""Rate limits in ``limits`` notation: counters in memory embedded, in Redis when ``AVATAR_REDIS_URL`` is set."""

from __future__ import annotations

import math
import time

from limits import parse_many, storage, strategies

from avatar_creator.errors import RateLimited


class RateLimiter:
    def __init__(self, *, limits_by_name: dict[str, str], enabled: bool, redis_url: str | None = None,
                 key_prefix: str = "avatar"):
        self.enabled = enabled
        backend = storage.storage_from_string(redis_url) if redis_url else storage.MemoryStorage()
        self._limiter = strategies.MovingWindowRateLimiter(backend) if not redis_url \
            else strategies.FixedWindowRateLimiter(backend)
        self._limits = {name: parse_many(value) for name, value in limits_by_name.items()}
        self._prefix = key_prefix

    def hit(self, name: str, key: str) -> dict[str, str]:
        """Count one request; raise ``RateLimited`` when over, else return the ``X-RateLimit-*`` headers."""
        if not self.enabled:
            return {}
        headers: dict[str, str] = {}
        for item in self._limits[name]:
            allowed = self._limiter.hit(item, self._prefix, name, key)
            reset_at, remaining = self._limiter.get_window_stats(item, self._prefix, name, key)
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

    def clear(self, name: str, key: str) -> None:
        """Forget what ``key`` has counted against the named limit."""
        if self.enabled:
            for item in self._limits[name]:
                self._limiter.clear(item, self._prefix, name, key)

    def reset(self) -> None:
        self._limiter.storage.reset()
