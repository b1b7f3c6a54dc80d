"""The reaper: a thread in every process of the service (API and workers) that ends what nobody else will.

Each pass: jobs whose lease ran out, or whose worker process on this host is gone, go back to pending with backoff
(or fail and are refunded after their last attempt); pending jobs that no live worker claimed within
``AVATAR_MAX_QUEUE_WAIT`` fail with ``NO_WORKER`` and are refunded. What each outcome means is the handler's
(``jobs.handler.JobHandler``). Every change is conditional, so any number of reapers can run at once without doubling
anything, and a row another transaction holds is skipped until the next pass, never waited for.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import TypeVar

from sqlalchemy import delete, func, select
from sqlalchemy.exc import OperationalError

from avatar_creator.db import Database, db_now
from avatar_creator.jobs import liveness, queue
from avatar_creator.jobs.handler import JobHandler
from avatar_creator.jobs.models import WorkerProcess
from avatar_creator.settings import Settings

log = logging.getLogger("avatar_creator.jobs")
T = TypeVar("T")

HOUSEKEEPING_EVERY_S = 3600.0  # retention (what the service keeps only a while) runs this often, not every pass


@dataclass
class ReapReport:
    recovered: int = 0
    failed: int = 0
    unclaimed: int = 0


def live_worker_count(*, session, settings: Settings, known_dead: Sequence[str] = ()) -> int:
    """Worker processes that heartbeated within a lease (less those known to be gone)."""
    return session.scalar(select(func.count()).select_from(WorkerProcess)
                          .where(WorkerProcess.heartbeat_at > db_now(-settings.lease_seconds),
                                 WorkerProcess.id.not_in(known_dead)))


def reap_once(*, database: Database, settings: Settings, handler: JobHandler, backoff: queue.Backoff) -> ReapReport:
    """One pass of every rule; returns what it changed. A job whose change would wait on a lock (its row, its user's
    row) is left for the next pass; the others go on."""
    report = ReapReport()
    with database.session(write=False) as session:
        dead_workers = _dead_local_workers(session)
        lost = handler.queue.lost(session=session, dead_workers=dead_workers)
        no_live_worker = live_worker_count(session=session, settings=settings, known_dead=dead_workers) == 0
        unclaimed = handler.queue.unclaimed(session=session, waited_seconds=settings.max_queue_wait) \
            if no_live_worker else []
    for attempt in lost:
        outcome = _without_waiting(database, attempt.job_id, partial(
            handler.recover, attempt=attempt, dead_workers=dead_workers, backoff=backoff))
        report.recovered += outcome == "pending"
        report.failed += outcome == "failed"
    for job_id in unclaimed:
        report.unclaimed += bool(_without_waiting(database, job_id, partial(
            handler.fail_unclaimed, job_id=job_id, waited_seconds=settings.max_queue_wait)))
    if dead_workers:
        with database.session() as session:
            session.execute(delete(WorkerProcess).where(WorkerProcess.id.in_(dead_workers)))
    if report.recovered or report.failed or report.unclaimed:
        log.info("reaper: %d lost jobs back to pending, %d failed after their last attempt, %d failed with NO_WORKER",
                 report.recovered, report.failed, report.unclaimed)
    return report


class Reaper:
    """Runs ``reap_once`` every ``AVATAR_REAPER_INTERVAL_SECONDS`` in a daemon thread, and ``housekeeping`` (the
    retention rules, ``avatar_creator.retention``) at start and then hourly."""

    def __init__(self, *, database: Database, settings: Settings, handler: JobHandler,
                 housekeeping: Callable[[], object] | None = None):
        self._housekeeping = housekeeping
        self._database = database
        self._settings = settings
        self._handler = handler
        self._backoff = queue.Backoff(base_seconds=settings.retry_base_seconds,
                                      max_seconds=settings.retry_max_seconds)
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(self._stopping,), name="avatar-reaper", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _run(self, stopping: threading.Event) -> None:
        last_housekeeping: float | None = None
        failing = False
        while not stopping.is_set():
            try:
                reap_once(database=self._database, settings=self._settings, handler=self._handler,
                          backoff=self._backoff)
                due = last_housekeeping is None or time.monotonic() - last_housekeeping > HOUSEKEEPING_EVERY_S
                if self._housekeeping is not None and due:
                    self._housekeeping()
                    last_housekeeping = time.monotonic()
                failing = False
            except Exception as error:  # the database may be down: say so once, keep trying
                if not failing:
                    log.warning("reaper cannot reach the database (%s); retrying", type(error).__name__)
                failing = True
            stopping.wait(self._settings.reaper_interval_seconds)


def _without_waiting(database: Database, job_id: str, change: Callable[..., T]) -> T | None:
    """``change(session=...)`` in a transaction that gives up waiting for locks; None when it did (this job is left
    for the next pass, the others go on)."""
    try:
        with database.session() as session:
            queue.give_up_waiting_after(session)
            return change(session=session)
    except OperationalError as error:  # a lock timeout, most likely
        log.warning("reaper: job %s left for the next pass (%s)", job_id, type(error.orig).__name__)
        return None


def _dead_local_workers(session) -> list[str]:
    """Registered worker processes on this host whose process is certainly gone."""
    rows = session.execute(select(WorkerProcess.id, WorkerProcess.pid, WorkerProcess.pid_started)
                           .where(WorkerProcess.host_key == liveness.host_key())).all()
    return [worker_id for worker_id, pid, started in rows if liveness.is_dead(pid, started)]
