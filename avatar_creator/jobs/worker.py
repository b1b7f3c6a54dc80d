"""Worker threads: wait on the doorbell, claim, run the provider, finish with a fenced update.

A worker never sleeps on a job's behalf: a retry goes back to the table with ``available_at`` set and the thread is
free at once. The pool's heartbeat thread renews the leases of the jobs it runs and tells a job to stop when its row
says it is no longer this worker's (cancelled, or handed to another after a lost lease).
"""

from __future__ import annotations

import io
import logging
import os
import socket
import threading
import time
from dataclasses import dataclass, field

from PIL import Image
from sqlalchemy import delete, insert, update

from avatar_creator.db import Database, db_now, new_id
from avatar_creator.generation import service as generation_service
from avatar_creator.generation.models import Generation
from avatar_creator.imaging import face_centred_crop
from avatar_creator.imaging.upload import THUMBNAIL_QUALITY, THUMBNAIL_SIZE
from avatar_creator.jobs import liveness, queue
from avatar_creator.jobs.models import WorkerProcess
from avatar_creator.providers.base import (
    CONFIGURATION,
    INTERNAL,
    GenerationCancelled,
    GenerationResult,
    Provider,
    ProviderError,
)
from avatar_creator.settings import Settings
from avatar_creator.storage import Storage

log = logging.getLogger("avatar_creator.jobs")

PROGRESS_INTERVAL_S = 0.2  # at most one progress write per job this often


@dataclass
class Flight:
    """A job this process is running; ``lost`` is set when its row is no longer ours."""

    attempt: queue.Attempt
    lost: threading.Event = field(default_factory=threading.Event)
    progress: int = 0
    last_write: float = 0.0


class WorkerPool:
    """``concurrency`` worker threads and one heartbeat thread, registered as one worker process."""

    def __init__(self, *, database: Database, settings: Settings, providers: dict[str, Provider], storage: Storage,
                 signals: queue.Signals, concurrency: int):
        self.worker_id = ""
        self._database = database
        self._settings = settings
        self._providers = providers
        self._storage = storage
        self._signals = signals
        self._concurrency = concurrency
        self._backoff = queue.Backoff(base_seconds=settings.retry_base_seconds,
                                      max_seconds=settings.retry_max_seconds)
        self._stopping = threading.Event()
        self._flights: dict[queue.Attempt, Flight] = {}
        self._threads: list[threading.Thread] = []

    def start(self) -> None:
        """Register as a new worker process and start the threads (again, after a ``stop``)."""
        # The first thumbnail loads OpenCV, whose first import is not thread-safe: load it here, before the threads.
        make_thumbnail(_BLANK_PNG)
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
        self._signals.doorbell.ring(self._concurrency)
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
                generation = queue.claim(database=self._database, worker_id=self.worker_id,
                                         lease_seconds=self._settings.lease_seconds, signals=self._signals)
                failing = False
            except Exception as error:  # the database is down: say so once, keep trying
                if not failing:
                    log.warning("worker %s cannot claim (%s); retrying", self.worker_id, type(error).__name__)
                failing = True
                self._stopping.wait(self._settings.worker_poll_seconds)
                continue
            if generation is None:
                self._signals.doorbell.wait(self._settings.worker_poll_seconds)
                continue
            flight = Flight(queue.Attempt(generation.id, generation.attempt))
            self._flights[flight.attempt] = flight
            try:
                self._run(generation, flight)
            finally:
                del self._flights[flight.attempt]

    def _run(self, generation: Generation, flight: Flight) -> None:
        provider = self._providers.get(generation.provider)
        if provider is None:
            self._finish_with_error(generation, flight, ProviderError(
                CONFIGURATION, f"The provider {generation.provider!r} is not set up on this worker."))
            return
        try:
            result = provider.generate(
                generation_service.provider_request(generation, self._storage),
                on_progress=lambda fraction: self._report_progress(generation, flight, fraction),
                should_cancel=lambda: flight.lost.is_set() or self._stopping.is_set())
            thumbnail = make_thumbnail(result.image)
        except GenerationCancelled:
            if not flight.lost.is_set():  # stopped for shutdown, not cancelled: let another worker run it
                self._give_back(flight.attempt)
            return
        except ProviderError as error:
            self._finish_with_error(generation, flight, error)
            return
        except Exception as error:
            log.exception("generation %s: unexpected error in provider %s", generation.id, generation.provider)
            self._finish_with_error(generation, flight, ProviderError(
                INTERNAL, f"Unexpected error: {type(error).__name__}.", retryable=True))
            return
        self._complete(generation, flight, result, thumbnail)

    def _complete(self, generation: Generation, flight: Flight, result: GenerationResult, thumbnail: bytes) -> None:
        try:
            with self._database.session() as session:
                avatar = queue.complete(session=session, attempt=flight.attempt, storage=self._storage,
                                        result=result, thumbnail=thumbnail,
                                        avatar_fields=generation_service.avatar_fields(generation),
                                        signals=self._signals)
        except Exception as error:
            log.exception("generation %s: could not save the result", generation.id)
            self._finish_with_error(generation, flight, ProviderError(
                INTERNAL, f"Could not save the image: {type(error).__name__}.", retryable=True))
            return
        if avatar is None:
            log.info("generation %s: no longer this worker's (cancelled or reassigned); result discarded",
                     generation.id)

    def _finish_with_error(self, generation: Generation, flight: Flight, error: ProviderError) -> None:
        """Retry later if the error is transient and attempts remain, else fail and refund."""
        try:
            with self._database.session() as session:
                if error.retryable and flight.attempt.number < generation.max_attempts:
                    delay = self._backoff.seconds(flight.attempt.number, at_least=error.retry_after)
                    queue.retry_later(session=session, attempt=flight.attempt, delay_seconds=delay,
                                      error_code=error.code, error_message=error.message, signals=self._signals)
                else:
                    queue.fail(session=session, attempt=flight.attempt, error_code=error.code,
                               error_message=error.message, signals=self._signals)
        except Exception:  # the lease will run out and the reaper will finish the job
            log.exception("generation %s: could not record the failure %s", generation.id, error.code)

    def _report_progress(self, generation: Generation, flight: Flight, fraction: float) -> None:
        progress = max(0, min(99, int(fraction * 100)))
        now = time.monotonic()
        if progress <= flight.progress or now - flight.last_write < PROGRESS_INTERVAL_S:
            return
        flight.progress, flight.last_write = progress, now
        try:
            with self._database.session() as session:
                current = queue.save_progress(session=session, attempt=flight.attempt, progress=progress,
                                              signals=self._signals)
        except Exception as error:
            log.warning("generation %s: could not save progress (%s)", generation.id, type(error).__name__)
            return
        if not current:
            flight.lost.set()

    def _give_back(self, attempt: queue.Attempt) -> None:
        try:
            with self._database.session() as session:
                queue.release(session=session, attempt=attempt, signals=self._signals)
        except Exception:
            log.warning("generation %s: could not give it back; its lease will run out", attempt.generation_id)

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
            known = session.execute(update(WorkerProcess).where(WorkerProcess.id == self.worker_id)
                                    .values(heartbeat_at=db_now())).rowcount
            still_ours = queue.extend_leases(session=session, worker_id=self.worker_id,
                                             attempts=[flight.attempt for flight in flights],
                                             lease_seconds=self._settings.lease_seconds)
        if not known:  # pruned while this process was stalled: come back
            self._register()
        for flight in flights:
            if flight.attempt not in still_ours:
                flight.lost.set()


def _blank_png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 64)).save(buffer, "PNG")
    return buffer.getvalue()


_BLANK_PNG = _blank_png()


def make_thumbnail(image: bytes) -> bytes:
    """A JPEG thumbnail of a generated image, cropped around its face like an upload's (same size and quality)."""
    with Image.open(io.BytesIO(image)) as opened:
        crop = face_centred_crop(opened.convert("RGB"), THUMBNAIL_SIZE)
    buffer = io.BytesIO()
    crop.save(buffer, "JPEG", quality=THUMBNAIL_QUALITY)
    return buffer.getvalue()
