"""Generations as jobs: the ``JobHandler`` the worker pool and the reaper are handed, and the runtime built with it.

The handler runs the provider for a claimed generation (its request built from the row, the reference read from
storage, the thumbnail made) outside any transaction, translates the provider's errors into ``jobs``' classified
ones, and records every outcome through ``generation.lifecycle``. ``jobs`` never imports this package; it only calls
the handler it was given.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from sqlalchemy.orm import Session

from avatar_creator import retention
from avatar_creator.db import Database
from avatar_creator.events import EventSink, build_event_sink
from avatar_creator.generation import lifecycle, service
from avatar_creator.generation.models import Generation
from avatar_creator.imaging import thumbnail_of
from avatar_creator.jobs.doorbell import build_doorbell
from avatar_creator.jobs.handler import JobFailed, JobStopped
from avatar_creator.jobs.queue import Attempt, Backoff, JobQueue, Signals
from avatar_creator.jobs.runtime import JobRuntime
from avatar_creator.providers.base import (
    CONFIGURATION,
    PROVIDER_BAD_REQUEST,
    GenerationCancelled,
    GenerationRequest,
    GenerationResult,
    Provider,
    ProviderError,
)
from avatar_creator.providers.registry import build_providers
from avatar_creator.ratelimit import RateLimiter
from avatar_creator.settings import Settings
from avatar_creator.storage import KeyNotFound, Storage, build_storage


@dataclass(frozen=True)
class Drawn:
    """A finished drawing, ready to be recorded: the provider's image and its thumbnail."""

    result: GenerationResult
    thumbnail: bytes


class GenerationJobs:
    """The generation lifecycle as a ``jobs.handler.JobHandler``."""

    queue: JobQueue = lifecycle.JOBS

    def __init__(self, *, providers: dict[str, Provider], storage: Storage, signals: Signals):
        self.providers = providers
        self.storage = storage
        self.signals = signals

    def claimed(self, job: Generation) -> None:
        lifecycle.claimed(signals=self.signals, generation=job)

    def log_fields(self, job: Generation) -> dict[str, str | None]:
        return {"generation_id": job.id, "user_id": job.user_id,
                "request_id": job.options.get(service.REQUEST_ID_OPTION)}

    def run(self, job: Generation, *, on_progress: Callable[[float], None],
            should_stop: Callable[[], bool]) -> Drawn:
        provider = self.providers.get(job.provider)
        if provider is None:
            raise JobFailed(CONFIGURATION, f"The provider {job.provider!r} is not set up on this worker.")
        try:
            result = provider.generate(provider_request(job, self.storage), on_progress=on_progress,
                                       should_cancel=should_stop)
        except GenerationCancelled as stopped:
            raise JobStopped() from stopped
        except ProviderError as error:
            raise JobFailed(error.code, error.message, retryable=error.retryable,
                            retry_after=error.retry_after) from error
        return Drawn(result, thumbnail_of(result.image))

    def save_progress(self, *, session: Session, attempt: Attempt, progress: int) -> bool:
        return lifecycle.save_progress(session=session, attempt=attempt, progress=progress, signals=self.signals)

    def complete(self, *, session: Session, attempt: Attempt, result: Drawn) -> bool:
        return lifecycle.complete(session=session, attempt=attempt, storage=self.storage, result=result.result,
                                  thumbnail=result.thumbnail, signals=self.signals) is not None

    def fail(self, *, session: Session, attempt: Attempt, error: JobFailed) -> bool:
        return lifecycle.fail(session=session, attempt=attempt, error_code=error.code, error_message=error.message,
                              signals=self.signals)

    def retry_later(self, *, session: Session, attempt: Attempt, delay_seconds: float, error: JobFailed) -> bool:
        return lifecycle.retry_later(session=session, attempt=attempt, delay_seconds=delay_seconds,
                                     error_code=error.code, error_message=error.message, signals=self.signals)

    def release(self, *, session: Session, attempt: Attempt) -> bool:
        return lifecycle.release(session=session, attempt=attempt, signals=self.signals)

    def recover(self, *, session: Session, attempt: Attempt, dead_workers: list[str], backoff: Backoff) -> str | None:
        return lifecycle.recover(session=session, attempt=attempt, dead_workers=dead_workers, backoff=backoff,
                                 signals=self.signals)

    def fail_unclaimed(self, *, session: Session, job_id: str, waited_seconds: float) -> bool:
        return lifecycle.fail_unclaimed(session=session, generation_id=job_id, waited_seconds=waited_seconds,
                                        signals=self.signals)


def provider_request(generation: Generation, storage: Storage) -> GenerationRequest:
    """What the worker asks the provider for (with the reference's bytes, read from storage, for from-reference)."""
    options = generation.options
    return GenerationRequest(
        prompt=generation.full_prompt or generation.prompt, negative_prompt=generation.negative_prompt or "",
        user_prompt=generation.prompt, width=options["width"], height=options["height"], seed=generation.seed,
        attributes=service.provider_attributes(options), category=options.get("category"),
        strength=options.get("strength", 0.6), reference_image=_reference_image(options.get("reference_key"), storage))


def build_runtime(settings: Settings, database: Database, *, workers: int | None = None,
                  storage: Storage | None = None, events: EventSink | None = None,
                  providers: dict[str, Provider] | None = None, rate_limiter: RateLimiter | None = None) -> JobRuntime:
    """A process's jobs: Redis or in-process doorbell, the providers, the configured storage (unless given), the
    generation handler that the worker pool and the reaper run, and the retention rules the reaper runs hourly
    (with the process's in-memory rate-limit counts, when it has a ``rate_limiter``)."""
    events = events or build_event_sink(settings, database, queue_head=service.queue_head)
    signals = Signals(doorbell=build_doorbell(settings), events=events)
    providers = build_providers(settings) if providers is None else providers
    storage = storage or build_storage(settings)
    handler = GenerationJobs(providers=providers, storage=storage, signals=signals)
    return JobRuntime(settings=settings, database=database, workers=settings.workers if workers is None else workers,
                      signals=signals, handler=handler, providers=providers, storage=storage,
                      housekeeping=partial(retention.run, database=database, settings=settings,
                                           rate_limiter=rate_limiter))


def _reference_image(key: str | None, storage: Storage) -> bytes | None:
    if key is None:
        return None
    try:
        return storage.read(key)
    except KeyNotFound as error:  # the reference avatar was deleted before a retry ran
        raise JobFailed(PROVIDER_BAD_REQUEST, "The reference image is no longer stored.") from error
