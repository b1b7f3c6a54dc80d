"""What every process of the service runs for jobs: the reaper always, worker threads when asked.

``serve`` builds one in the app factory (``--workers N``, none with ``--no-worker``); ``avatar-creator worker``
builds one with worker threads only; both through ``generation.runner.build_runtime``, which hands it the generation
handler. The same doorbell, events, providers and storage serve the routes.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from avatar_creator.db import Database
from avatar_creator.jobs import queue
from avatar_creator.jobs.handler import JobHandler
from avatar_creator.jobs.reaper import Reaper
from avatar_creator.jobs.worker import WorkerPool
from avatar_creator.providers.base import Provider
from avatar_creator.providers.registry import selectable
from avatar_creator.settings import Settings
from avatar_creator.storage import Storage


class JobRuntime:
    """The reaper and, when ``workers`` > 0, a pool of worker threads; started and stopped together.

    Counted: an app whose lifespan runs twice at once (a test client beside a live server) starts it once and stops
    it when the last one ends.
    """

    def __init__(self, *, settings: Settings, database: Database, workers: int, signals: queue.Signals,
                 handler: JobHandler, providers: dict[str, Provider], storage: Storage,
                 housekeeping: Callable[[], object] | None = None):
        self.settings = settings
        self.signals = signals
        self.handler = handler
        self.providers = providers
        self.storage = storage
        self.reaper = Reaper(database=database, settings=settings, handler=handler, housekeeping=housekeeping)
        self.pool = WorkerPool(database=database, settings=settings, handler=handler, doorbell=signals.doorbell,
                               concurrency=workers) if workers > 0 else None
        self._users = 0
        self._lock = threading.Lock()

    def provider_names(self) -> set[str]:
        """The providers a request may name (the configured ones and the default)."""
        return set(selectable(self.providers, self.settings.provider))

    def start(self) -> None:
        with self._lock:
            self._users += 1
            if self._users > 1:
                return
            self.reaper.start()
            if self.pool is not None:
                self.pool.start()

    def stop(self) -> None:
        """Give running jobs back (bounded by ``AVATAR_SHUTDOWN_GRACE_SECONDS``), then stop the reaper."""
        with self._lock:
            self._users -= 1
            if self._users > 0:
                return
            if self.pool is not None:
                self.pool.stop(self.settings.shutdown_grace_seconds)
            self.reaper.stop()
            self.signals.doorbell.close()
            self.signals.events.close()
