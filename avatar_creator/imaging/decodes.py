"""A cap on uploads decoded at once: a 12-megapixel photo that must be re-encoded holds ~40-110 MiB of pixels while it
is, so the cap bounds a process's peak memory as ``max_concurrent_hashes`` bounds password hashing's.

Waiting happens on the event loop (no thread is held, as in ``admission.py``); past ``wait_seconds`` the request gets
503 with ``Retry-After`` rather than queueing without end.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from avatar_creator.errors import ServiceUnavailable

RETRY_AFTER_SECONDS = 1


class DecodeSlots:
    """At most ``max_concurrent`` holders at once; the rest wait ``wait_seconds`` for a slot, then 503."""

    def __init__(self, *, max_concurrent: int, wait_seconds: float):
        self._slots = asyncio.Semaphore(max_concurrent)
        self._wait_seconds = wait_seconds

    @asynccontextmanager
    async def held(self) -> AsyncIterator[None]:
        try:
            async with asyncio.timeout(self._wait_seconds):
                await self._slots.acquire()
        except TimeoutError:
            raise ServiceUnavailable("Too many images are being processed at once; try again shortly.",
                                     headers={"Retry-After": str(RETRY_AFTER_SECONDS)}) from None
        try:
            yield
        finally:
            self._slots.release()
