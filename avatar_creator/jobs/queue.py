"""The generations table as a queue: claim, lease, fenced finish (ARCHITECTURE.md, "Durable jobs").

Every change a worker makes is *fenced*: it applies only while the row is still ``processing`` under the attempt
that worker claimed. A worker whose job was cancelled, or whose lease was taken away and the job handed to another,
changes nothing. Every end that is not a success refunds exactly the generation's cost in the same transaction.
Times come from the database's clock (``db_now``), never a worker's.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from avatar_creator import events as event_kinds
from avatar_creator.avatars import service as avatars_service
from avatar_creator.avatars.models import Avatar
from avatar_creator.credits import service as credits_service
from avatar_creator.db import after_commit, db_now
from avatar_creator.events import EventSink
from avatar_creator.generation.models import ACTIVE_STATUSES, Generation
from avatar_creator.jobs.doorbell import Doorbell
from avatar_creator.providers.base import GenerationResult
from avatar_creator.storage import Storage

NO_WORKER = "NO_WORKER"
INTERNAL = "INTERNAL"


@dataclass(frozen=True)
class Signals:
    """What a committed change tells the rest of the system: idle workers (doorbell) and live clients (events)."""

    doorbell: Doorbell
    events: EventSink


@dataclass(frozen=True)
class Attempt:
    """One claimed attempt at a generation: the fence every change of its worker is conditional on."""

    generation_id: str
    number: int


def claim(*, session: Session, worker_id: str, lease_seconds: float, signals: Signals) -> Generation | None:
    """Move the oldest (first created) ready pending generation to processing under a new lease and attempt; None
    if none is ready."""
    oldest_ready = (
        select(Generation.id)
        .where(Generation.status == "pending", Generation.available_at <= db_now())
        .order_by(Generation.created_at, Generation.id)
        .limit(1)
        .with_for_update(skip_locked=True)  # PostgreSQL; SQLite's BEGIN IMMEDIATE already serialises claims
        .scalar_subquery()
    )
    generation = session.scalars(
        update(Generation).where(Generation.id == oldest_ready)
        .values(status="processing", attempt=Generation.attempt + 1, progress=0, worker_id=worker_id,
                lease_until=db_now(lease_seconds), heartbeat_at=db_now(), started_at=db_now())
        .returning(Generation)
    ).one_or_none()
    if generation is not None:
        publish(session, signals, generation)
    return generation


def extend_leases(*, session: Session, worker_id: str, attempts: list[Attempt], lease_seconds: float) -> set[Attempt]:
    """Renew the leases of ``attempts``; returns those still this worker's (the others were cancelled or lost)."""
    if not attempts:
        return set()
    rows = session.execute(
        update(Generation)
        .where(Generation.id.in_([attempt.generation_id for attempt in attempts]),
               Generation.status == "processing", Generation.worker_id == worker_id)
        .values(lease_until=db_now(lease_seconds), heartbeat_at=db_now())
        .returning(Generation.id, Generation.attempt)
    ).all()
    return {Attempt(generation_id, number) for generation_id, number in rows} & set(attempts)


def save_progress(*, session: Session, attempt: Attempt, progress: int, signals: Signals) -> bool:
    """Record progress (0–99); False when the attempt is no longer current and its work should stop."""
    generation = session.scalars(
        update(Generation).where(*_current(attempt)).values(progress=progress, heartbeat_at=db_now())
        .returning(Generation)
    ).one_or_none()
    if generation is None:
        return False
    publish(session, signals, generation)
    return True


def complete(*, session: Session, attempt: Attempt, storage: Storage, result: GenerationResult, thumbnail: bytes,
             avatar_fields: dict, signals: Signals) -> Avatar | None:
    """Mark the attempt completed and create its avatar, in one transaction; None (nothing written) if fenced out."""
    generation = session.scalars(
        update(Generation).where(*_current(attempt))
        .values(status="completed", progress=100, completed_at=db_now(), lease_until=None, error_code=None,
                error_message=None)
        .returning(Generation)
    ).one_or_none()
    if generation is None:
        return None
    avatar = avatars_service.add_avatar(
        session=session, storage=storage, user_id=generation.user_id, project_id=generation.project_id,
        image=result.image, mime_type=result.mime_type, width=result.width, height=result.height,
        thumbnail=thumbnail, fields=avatar_fields, source_type=generation.source_type,
        generation_prompt=generation.full_prompt or generation.prompt, seed_used=result.seed,
        provider=generation.provider,
        generation_params={"model": result.model, "negativePrompt": generation.negative_prompt,
                           "generationId": generation.id, **result.metadata})
    generation.avatar_id = avatar.id
    session.flush()
    publish(session, signals, generation)
    after_commit(session, lambda: signals.events.publish(
        generation.user_id, event_kinds.AVATAR, {"action": "created", "id": avatar.id,
                                                 "projectId": avatar.project_id, "generationId": generation.id}))
    return avatar


def fail(*, session: Session, attempt: Attempt, error_code: str, error_message: str, signals: Signals) -> bool:
    """End the attempt's generation as failed and refund it; False if fenced out."""
    return _end(session, _current(attempt), status="failed", error_code=error_code, error_message=error_message,
                signals=signals) is not None


def retry_later(*, session: Session, attempt: Attempt, delay_seconds: float, error_code: str, error_message: str,
                signals: Signals) -> bool:
    """Send the generation back to pending, ready after ``delay_seconds``; the worker is free at once."""
    generation = session.scalars(
        update(Generation).where(*_current(attempt))
        .values(status="pending", available_at=db_now(delay_seconds), lease_until=None, worker_id=None,
                error_code=error_code, error_message=error_message[:1000])
        .returning(Generation)
    ).one_or_none()
    if generation is None:
        return False
    publish(session, signals, generation)
    after_commit(session, lambda: signals.doorbell.ring_later(delay_seconds))
    return True


def release(*, session: Session, attempt: Attempt, signals: Signals) -> bool:
    """Give a job back at shutdown: pending and ready now, and the attempt does not count."""
    generation = session.scalars(
        update(Generation).where(*_current(attempt))
        .values(status="pending", attempt=Generation.attempt - 1, available_at=db_now(), lease_until=None,
                worker_id=None, progress=0)
        .returning(Generation)
    ).one_or_none()
    if generation is None:
        return False
    publish(session, signals, generation)
    after_commit(session, signals.doorbell.ring)
    return True


def recover(*, session: Session, attempt: Attempt, backoff: Backoff, signals: Signals) -> str | None:
    """A lost attempt (lease expired, worker dead): back to pending with backoff, or failed and refunded after the
    last attempt. Returns the new status, or None if the attempt was no longer current."""
    generation = session.get(Generation, attempt.generation_id)
    if generation is None or generation.attempt < generation.max_attempts:
        delay = backoff.seconds(attempt.number)
        message = "The worker running it stopped; it will run again."
        done = retry_later(session=session, attempt=attempt, delay_seconds=delay, error_code=INTERNAL,
                           error_message=message, signals=signals)
        return "pending" if done else None
    message = f"The worker running it stopped, {generation.attempt} times."
    done = fail(session=session, attempt=attempt, error_code=INTERNAL, error_message=message, signals=signals)
    return "failed" if done else None


def fail_unclaimed(*, session: Session, generation_id: str, waited_seconds: float, signals: Signals) -> bool:
    """Fail and refund a pending generation no worker claimed in ``waited_seconds`` (``NO_WORKER``)."""
    conditions = (Generation.id == generation_id, Generation.status == "pending",
                  Generation.available_at < db_now(-waited_seconds))
    message = f"No worker picked it up within {waited_seconds:g} s; your credits were refunded."
    return _end(session, conditions, status="failed", error_code=NO_WORKER, error_message=message,
                signals=signals) is not None


def cancel(*, session: Session, user_id: str, generation_id: str, signals: Signals) -> Generation | None:
    """Cancel a pending or processing generation and refund it; None if it is not active (or not the user's)."""
    conditions = (Generation.id == generation_id, Generation.user_id == user_id,
                  Generation.status.in_(ACTIVE_STATUSES))
    return _end(session, conditions, status="cancelled", error_code=None, error_message=None, signals=signals)


class Backoff:
    """Retry delays: ``base`` × 2^(n−1) before the n-th retry, ±20 % jitter, capped."""

    def __init__(self, *, base_seconds: float, max_seconds: float, rng: random.Random | None = None):
        self.base_seconds = base_seconds
        self.max_seconds = max_seconds
        self._rng = rng or random.Random()

    def seconds(self, attempts_made: int, *, at_least: float | None = None) -> float:
        delay = self.base_seconds * 2 ** max(0, attempts_made - 1) * self._rng.uniform(0.8, 1.2)
        return max(min(delay, self.max_seconds), at_least or 0.0)


def publish(session: Session, signals: Signals, generation: Generation) -> None:
    """Tell the generation's owner about its new state once the transaction has committed."""
    payload = {"id": generation.id, "projectId": generation.project_id, "batchId": generation.batch_id,
               "status": generation.status, "progress": generation.progress, "attempt": generation.attempt,
               "avatarId": generation.avatar_id, "errorCode": generation.error_code}
    after_commit(session, lambda: signals.events.publish(generation.user_id, event_kinds.GENERATION, payload))


def _current(attempt: Attempt) -> tuple:
    return (Generation.id == attempt.generation_id, Generation.status == "processing",
            Generation.attempt == attempt.number)


def _end(session: Session, conditions: tuple, *, status: str, error_code: str | None, error_message: str | None,
         signals: Signals) -> Generation | None:
    """Move one generation to failed or cancelled, if ``conditions`` still hold, and refund its cost in this
    transaction."""
    generation = session.scalars(
        update(Generation).where(*conditions)
        .values(status=status, error_code=error_code, error_message=error_message and error_message[:1000],
                completed_at=db_now(), lease_until=None, refunded=Generation.cost)
        .returning(Generation)
    ).one_or_none()
    if generation is None:
        return None
    reason = "cancelled" if status == "cancelled" else f"failed ({error_code})"
    credits_service.refund(session=session, user_id=generation.user_id, amount=generation.cost,
                           description=f"Refund: generation {reason}", reference_type="generation",
                           reference_id=generation.id)
    publish(session, signals, generation)
    return generation
