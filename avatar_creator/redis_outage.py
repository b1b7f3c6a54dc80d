"""How the calls a request makes to Redis (rate limits, doorbell rings, event publishes) ride out an outage.

After a failed call, Redis is skipped for ``RETRY_S`` instead of every request paying a refused connection or, when
Redis hangs, a socket timeout; then one call tries it again. Each caller has its own answer meanwhile (in-process
counters or a 503, polling the table, the events table). The outage is logged once when it starts and once when it
ends, never per request.
"""

from __future__ import annotations

import logging
import threading
import time

RETRY_S = 0.5  # after a failed call, how long Redis is skipped before one call tries it again
REQUEST_TIMEOUT_S = 0.5  # the most one such call may cost a request when Redis does not answer at all


class Outage:
    def __init__(self, log: logging.Logger, what: str, meanwhile: str):
        self._log, self._what, self._meanwhile = log, what, meanwhile
        self._lock = threading.Lock()
        self._away_until: float | None = None  # monotonic; None while Redis answers

    def due(self) -> bool:
        """Whether to call Redis now: while it answers, or once ``RETRY_S`` has passed since the last failure."""
        with self._lock:
            return self._away_until is None or time.monotonic() >= self._away_until

    def failed(self, error: Exception) -> None:
        with self._lock:
            first = self._away_until is None
            self._away_until = time.monotonic() + RETRY_S
        if first:
            self._log.warning("%s: Redis is unreachable (%s); %s until it is back", self._what,
                              type(error).__name__, self._meanwhile)

    def answered(self) -> None:
        if self._away_until is None:  # the usual case, without taking the lock
            return
        with self._lock:
            was_away, self._away_until = self._away_until is not None, None
        if was_away:
            self._log.info("%s: Redis is back", self._what)
