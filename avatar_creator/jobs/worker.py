"""Worker threads: wait on the doorbell, claim, run the handler's work, record its outcome through the handler.

A worker never sleeps on a job's behalf: a retry goes back to the table with ``available_at`` set and the thread is
free at once. The pool's heartbeat thread renews the leases of the jobs it runs and tells a job to stop when its row
says it is no longer this worker's (cancelled, or handed to another after a lost lease).
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import CursorResult, delete, insert, update

from avatar_creator import logs, metrics
from avatar_creator.db import Database, commit_lazily, db_now, new_id
from avatar_creator.jobs import liveness, queue
from avatar_creator.jobs.doorbell import Doorbell
from avatar_creator.jobs.handler import INTERNAL, JobFailed, JobHandler, JobStopped
from avatar_creator.jobs.models import WorkerProcess
from avatar_creator.settings import Settings

log = logging.getLogger("avatar_creator.jobs")

PROGRESS_INTERVAL_S = 0.2  # at most one progress write per job this often


@dataclass
class Flight:
    """A job this process is running; ``lost`` is set when its row is no longer ours."""

    attempt: queue.Attempt
    lost: threading.Event = field(default_factory=threading.Event)
    progress: int = 0
    # Counted from the claim: a job done within PROGRESS_INTERVAL_S writes no progress at all, only its end.
    last_write: float = field(default_factory=time.monotonic)


class WorkerPool:
    """``concurrency`` worker threads and one heartbeat thread, registered as one worker process."""

    def __init__(self, *, database: Database, settings: Settings, handler: JobHandler, doorbell: Doorbell,
                 concurrency: int):
        self.worker_id = ""
        self._database = database
        self._settings = settings
        self._handler = handler
        self._doorbell = doorbell
        self._concurrency = concurrency
        self._backoff = queue.Backoff(base_seconds=settings.retry_base_seconds,
                                      max_seconds=settings.retry_max_seconds)
        self._stopping = threading.Event()
        self._flights: dict[queue.Attempt, Flight] = {}
        self._threads: list[threading.Thread] = []

    def start(self) -> None:
        """Register as a new worker process and start the threads (again, after a ``stop``)."""
        self.worker_id = new_id()
        self._stopping = threading.Event()
        self._register()
        self._threads = [threading.Thread(target=self._beat_forever, name="avatar-heartbeat", daemon=True)]
        self._threads += [threading.Thread(target=self._work, name=f"avatar-worker-{index}", daemon=True)
                          for index in range(self._concurrency)]
        for thread in self._threads:
            thread.start()
        log.info("worker %s: %d threads", self.worker_id, self._concurrency)

    def stop(self, timeout: float) -> None:
        """Stop claiming; running jobs stop at their next step and go back to pending, uncounted. Jobs still
        running after ``timeout`` seconds are given back anyway (their late result is fenced out)."""
        self._stopping.set()
        # Wake this process's idle threads (on Redis this may wake another process's worker instead: it finds the
        # queue as it was, and its own threads here return within a poll interval anyway).
        self._doorbell.ring(self._concurrency)
        deadline = time.monotonic() + timeout
        for thread in self._threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        for flight in list(self._flights.values()):
            self._give_back(flight.attempt)
        try:
            with self._database.session() as session:
                session.execute(delete(WorkerProcess).where(WorkerProcess.id == self.worker_id))
        except Exception:
            log.warning("worker %s: could not unregister; its row expires by itself", self.worker_id)

    def _work(self) -> None:
        failing = False
        while not self._stopping.is_set():
            try:
                job = self._handler.queue.claim(database=self._database, worker_id=self.worker_id,
                                                lease_seconds=self._settings.lease_seconds)
                failing = False
            except Exception as error:  # the database is down: say so once, keep trying
                if not failing:
                    log.warning("worker %s cannot claim (%s); retrying", self.worker_id, type(error).__name__)
                failing = True
                self._stopping.wait(self._settings.worker_poll_seconds)
                continue
            if job is None:
                self._doorbell.wait(self._settings.worker_poll_seconds)
                continue
            with logs.log_context(**self._handler.log_fields(job)):
                self._handler.claimed(job)
                flight = Flight(queue.Attempt(job.id, job.attempt))
                self._flights[flight.attempt] = flight
                log.info("job %s: attempt %d started", job.id, job.attempt)
                try:
                    self._run(job, flight)
                finally:
                    del self._flights[flight.attempt]

    def _run(self, job: Any, flight: Flight) -> None:
        try:
            result = self._handler.run(job, on_progress=lambda fraction: self._report_progress(flight, fraction),
                                       should_stop=lambda: flight.lost.is_set() or self._stopping.is_set())
        except JobStopped:
            if not flight.lost.is_set():  # stopped for shutdown, not cancelled: let another worker run it
                self._give_back(flight.attempt)
            return
        except JobFailed as error:
            self._finish_with_error(job, flight, error)
            return
        except Exception as error:
            log.exception("job %s: unexpected error", job.id)
            self._finish_with_error(job, flight, JobFailed(INTERNAL, f"Unexpected error: {type(error).__name__}.",
                                                           retryable=True))
            return
        self._complete(job, flight, result)

    def _complete(self, job: Any, flight: Flight, result: Any) -> None:
        try:
            with self._database.session() as session:
                done = self._handler.complete(session=session, attempt=flight.attempt, result=result)
        except Exception as error:
            log.exception("job %s: could not save the result", job.id)
            self._finish_with_error(job, flight, JobFailed(
                INTERNAL, f"Could not save the result: {type(error).__name__}.", retryable=True))
            return
        if done:
            log.info("job %s: attempt %d completed", job.id, flight.attempt.number)
        else:
            log.info("job %s: no longer this worker's (cancelled or reassigned); result discarded", job.id)

    def _finish_with_error(self, job: Any, flight: Flight, error: JobFailed) -> None:
        """Retry later if the error is transient and attempts remain, else fail."""
        try:
            with self._database.session() as session:
                if error.retryable and flight.attempt.number < job.max_attempts:
                    delay = self._backoff.seconds(flight.attempt.number, at_least=error.retry_after)
                    self._handler.retry_later(session=session, attempt=flight.attempt, delay_seconds=delay,
                                              error=error)
                    log.info("job %s: attempt %d failed (%s); retrying in %.1f s", job.id, flight.attempt.number,
                             error.code, delay)
                else:
                    self._handler.fail(session=session, attempt=flight.attempt, error=error)
                    log.info("job %s: attempt %d failed (%s)", job.id, flight.attempt.number, error.code)
        except Exception:  # the lease will run out and the reaper will finish the job
            log.exception("job %s: could not record the failure %s", job.id, error.code)

    def _report_progress(self, flight: Flight, fraction: float) -> None:
        progress = max(0, min(99, int(fraction * 100)))
        now = time.monotonic()
        if progress <= flight.progress or now - flight.last_write < PROGRESS_INTERVAL_S:
            return
        flight.progress, flight.last_write = progress, now
        try:
            with self._database.session() as session:
                queue.give_up_waiting_after(session)  # a progress write is skippable, the next one lands
                commit_lazily(session)
                current = self._handler.save_progress(session=session, attempt=flight.attempt, progress=progress)
        except Exception as error:
            log.warning("job %s: could not save progress (%s)", flight.attempt.job_id, type(error).__name__)
            return
        if not current:
            flight.lost.set()

    def _give_back(self, attempt: queue.Attempt) -> None:
        try:
            with self._database.session() as session:
                self._handler.release(session=session, attempt=attempt)
        except Exception:
            log.warning("job %s: could not give it back; its lease will run out", attempt.job_id)

    def _register(self) -> None:
        with self._database.session() as session:
            session.execute(insert(WorkerProcess).values(
                id=self.worker_id, hostname=socket.gethostname()[:255], host_key=liveness.host_key(), pid=os.getpid(),
                pid_started=liveness.process_started(os.getpid()), concurrency=self._concurrency,
                started_at=db_now(), heartbeat_at=db_now()))

    def _beat_forever(self) -> None:
        while not self._stopping.wait(self._settings.heartbeat_seconds):
            try:
                self._beat()
            except Exception as error:
                log.warning("worker %s: heartbeat failed (%s)", self.worker_id, type(error).__name__)

    def _beat(self) -> None:
        flights = list(self._flights.values())
        with self._database.session() as session:
            queue.give_up_waiting_after(session)  # a missed beat is made up 2 s later; a stalled one costs leases
            commit_lazily(session)
            known = cast(CursorResult, session.execute(update(WorkerProcess).where(WorkerProcess.id == self.worker_id)
                                                       .values(heartbeat_at=db_now()))).rowcount
            still_ours = self._handler.queue.extend_leases(session=session, worker_id=self.worker_id,
                                                           attempts=[flight.attempt for flight in flights],
                                                           lease_seconds=self._settings.lease_seconds)
        metrics.WORKER_HEARTBEATS.inc()  # committed: the session block above has ended
        metrics.WORKER_LAST_HEARTBEAT.set_to_current_time()
        if not known:  # pruned while this process was stalled: come back
            self._register()
        for flight in flights:
            if flight.attempt not in still_ours:
                flight.lost.set()

