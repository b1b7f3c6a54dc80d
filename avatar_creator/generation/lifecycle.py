"""A generation's whole life: every transition, with its credits and events, in the transaction of its status change.

    create ─▶ pending ─claim (jobs.queue), claimed─▶ processing ─complete─▶ completed, with its avatar
    processing ─save_progress─▶ processing;  processing ─retry_later / release / recover─▶ pending
    processing ─fail, or recover after the last attempt─▶ failed, refunded
    pending ─fail_unclaimed─▶ failed (NO_WORKER), refunded
    pending or processing ─cancel─▶ cancelled, refunded;  failed or cancelled ─retry─▶ a new generation, charged
    (once: ``retry_of`` is unique, and retrying the same one again answers that first retry)

Plain functions on a session; the caller commits. A worker's changes go through ``jobs.queue``'s fence: they apply
only while the row is ``processing`` under that worker's attempt. Every end that is not a success refunds exactly
the generation's cost, once. Each transaction touches the generation rows first and the user's row (credits,
storage) last, always in that order, so two of them cannot deadlock and the user's row is held for the shortest
time. Events are stored with the change and sent after it commits; the doorbell rings after commit.
``generation.runner`` hands these rules to the worker pool and the reaper as their ``JobHandler``.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from avatar_creator import events as event_kinds
from avatar_creator import logs, metrics
from avatar_creator.auth.models import User
from avatar_creator.avatars import service as avatars_service
from avatar_creator.avatars.models import Avatar
from avatar_creator.credits import service as credits_service
from avatar_creator.db import after_commit, db_now, new_id, utcnow
from avatar_creator.errors import Conflict, ValidationFailed
from avatar_creator.generation import pricing, service
from avatar_creator.generation.models import ACTIVE_STATUSES, Generation, IdempotencyKey
from avatar_creator.generation.schemas import MAX_SEED, GenerateIn
from avatar_creator.jobs.handler import INTERNAL, NO_WORKER
from avatar_creator.jobs.queue import Attempt, Backoff, JobQueue, Signals
from avatar_creator.projects import service as projects_service
from avatar_creator.providers.base import GenerationResult
from avatar_creator.providers.prompts import build_prompt
from avatar_creator.settings import Settings
from avatar_creator.storage import Storage

JOBS = JobQueue(Generation)  # the generations table is the queue
RETRYABLE_STATUSES = ("failed", "cancelled")
NAME_LENGTH = Generation.__table__.c.name.type.length  # type: ignore[attr-defined]
_SOURCE_WORDS = {"text_to_image": "", "from_preset": " from a preset", "from_reference": " from a reference"}


@dataclass(frozen=True)
class Batch:
    """What a generate request answers: its generations (oldest first), what they cost and the balance after."""

    generations: list[Generation]
    credit_used: int
    credit_balance: int
    replayed: bool = False  # an earlier request's batch, answered again for its Idempotency-Key: nothing charged now


@dataclass(frozen=True)
class Retried:
    """What a retry answers: the new generation, or the one an earlier retry of the same generation made."""

    generation: Generation
    replayed: bool  # the earlier retry's, answered again: nothing charged now


def create(*, session: Session, settings: Settings, provider_names: set[str], user_id: str, project_id: str,
           body: GenerateIn, idempotency_key: str | None, signals: Signals, source_type: str = "text_to_image",
           options: dict | None = None, reference_avatar_id: str | None = None) -> Batch:
    """Charge for ``body.count`` images and queue one generation per image, seeds counting up from one seed.

    ``options`` are kept with each generation beside the body's (a preset's category, a reference's storage key).
    """
    provider = body.provider or settings.provider
    if provider not in provider_names:
        available = ", ".join(sorted(provider_names))
        raise ValidationFailed(f"provider: unknown provider {provider!r}; available: {available}", field="provider")
    projects_service.get_owned(session=session, user_id=user_id, project_id=project_id)
    batch_id = new_id()
    if idempotency_key is not None:
        request_hash = _request_hash(source_type, project_id, {**body.model_dump(mode="json"), **(options or {})})
        earlier_batch = _remember_key(session, user_id, idempotency_key, request_hash, batch_id)
        if earlier_batch is not None:
            return _replay(session, user_id, earlier_batch)
    cost = pricing.price(settings, source_type)
    first_seed = body.seed if body.seed is not None else secrets.randbelow(MAX_SEED + 1)
    attributes = body.attributes()
    built = build_prompt(body.prompt, service.provider_attributes(attributes),
                         quality_terms=settings.prompt_quality_terms, negative_terms=settings.prompt_negative_terms)
    with session.begin_nested():  # refused for credits: the rows go too, whatever the caller does next
        generations = [
            _queue(session, user_id=user_id, project_id=project_id, batch_id=batch_id, batch_index=index,
                   source_type=source_type, cost=cost, max_attempts=settings.max_attempts,
                   name=variation_name(body.name, index), prompt=body.prompt, full_prompt=built.prompt,
                   negative_prompt=built.negative_prompt,
                   seed=(first_seed + index) % (MAX_SEED + 1), provider=provider,
                   options={"width": body.width, "height": body.height, **attributes, **(options or {})},
                   reference_avatar_id=reference_avatar_id)
            for index in range(body.count)
        ]
        balance = _debit(session, user_id, cost * body.count, batch_id,
                         f"Generate {body.count} avatar{'s' if body.count > 1 else ''}{_SOURCE_WORDS[source_type]}")
    for generation in generations:
        publish(session, signals, generation)
    after_commit(session, lambda: signals.doorbell.ring(len(generations)))
    _count_created(session, provider, source_type, len(generations))
    return Batch(generations, cost * body.count, balance)


def variation_name(name: str, index: int) -> str:
    """The name of a batch's ``index``-th image: "Lena", "Lena 2", "Lena 3", so that look-alikes can be told apart."""
    if index == 0:
        return name
    suffix = f" {index + 1}"
    return name[:NAME_LENGTH - len(suffix)].rstrip() + suffix


def cancel(*, session: Session, user_id: str, generation_id: str, signals: Signals) -> Generation:
    """Cancel a pending or processing generation and refund it; a finished one is a conflict."""
    cancelled = _cancel(session, user_id, generation_id, signals)
    if cancelled is None:
        generation = service.get_owned(session=session, user_id=user_id, generation_id=generation_id)
        raise Conflict(f"This generation is {generation.status}; only pending or processing ones can be cancelled.")
    return cancelled


def retry(*, session: Session, settings: Settings, user_id: str, generation_id: str, signals: Signals) -> Retried:
    """A new generation with the failed or cancelled one's parameters and seed, charged again; retrying the same one
    again answers that first retry, charged once.

    The new row's unique ``retry_of`` is the guard, not a look first: of two racing retries one inserts, the other's
    insert fails (on PostgreSQL once the first commits) and it answers the first one's generation.
    """
    original = service.get_owned(session=session, user_id=user_id, generation_id=generation_id)
    if original.status not in RETRYABLE_STATUSES:
        raise Conflict(f"This generation is {original.status}; only failed or cancelled ones can be retried.")
    batch_id = new_id()
    cost = pricing.price(settings, original.source_type)
    try:
        with session.begin_nested():  # refused for credits, or retried already: the row goes too
            generation = _queue(session, user_id=user_id, project_id=original.project_id, batch_id=batch_id,
                                batch_index=0, source_type=original.source_type, cost=cost,
                                max_attempts=settings.max_attempts, name=original.name, prompt=original.prompt,
                                full_prompt=original.full_prompt, negative_prompt=original.negative_prompt,
                                seed=original.seed, provider=original.provider, options=dict(original.options),
                                reference_avatar_id=original.reference_avatar_id, retry_of=original.id)
            _debit(session, user_id, cost, batch_id, "Retry an avatar generation")
    except IntegrityError:
        earlier = session.scalars(select(Generation).where(Generation.retry_of == original.id)).one_or_none()
        if earlier is None:  # another constraint (the project went meanwhile): not a repeat
            raise
        return Retried(earlier, replayed=True)
    publish(session, signals, generation)
    after_commit(session, signals.doorbell.ring)
    _count_created(session, generation.provider, generation.source_type, 1)
    return Retried(generation, replayed=False)


def cancel_for_project(*, session: Session, user_id: str, project_id: str, signals: Signals) -> int:
    """Before a project goes: cancel and refund its pending and processing generations. Returns how many."""
    return _cancel_all(session, user_id, signals, Generation.project_id == project_id)


def cancel_for_avatar(*, session: Session, user_id: str, avatar_id: str, signals: Signals) -> int:
    """Before an avatar goes: cancel and refund work made from it, and mark the generation that made it."""
    session.execute(update(Generation).where(Generation.avatar_id == avatar_id, Generation.user_id == user_id)
                    .values(avatar_deleted=True))
    return _cancel_all(session, user_id, signals, Generation.reference_avatar_id == avatar_id)


def claimed(*, signals: Signals, generation: Generation) -> None:
    """Tell the owner a worker took the generation (the claim committed on its own, without a session)."""
    signals.events.publish(generation.user_id, event_kinds.GENERATION, _event(generation))
    if generation.started_at is not None:
        metrics.GENERATION_QUEUE_WAIT.labels(generation.provider).observe(
            max(0.0, (generation.started_at - generation.available_at).total_seconds()))


def save_progress(*, session: Session, attempt: Attempt, progress: int, signals: Signals) -> bool:
    """Record progress (0–99); False when the attempt is no longer current and its work should stop."""
    current, generation = JOBS.save_progress(session=session, attempt=attempt, progress=progress)
    if generation is not None:
        publish(session, signals, generation)
    return current


def complete(*, session: Session, attempt: Attempt, storage: Storage, result: GenerationResult, thumbnail: bytes,
             signals: Signals) -> Avatar | None:
    """Mark the attempt completed and create its avatar, in one transaction; None (nothing written) if fenced out."""
    generation = JOBS.finish(session=session, conditions=JOBS.current(attempt), status="completed", progress=100,
                             error_code=None, error_message=None)
    if generation is None:
        return None
    avatar = avatars_service.add_avatar(
        session=session, storage=storage, user_id=generation.user_id, project_id=generation.project_id,
        image=result.image, mime_type=result.mime_type, width=result.width, height=result.height,
        thumbnail=thumbnail, fields=_avatar_fields(generation), source_type=generation.source_type,
        generation_prompt=generation.full_prompt or generation.prompt, seed_used=result.seed,
        provider=generation.provider,
        generation_params={"model": result.model, "negativePrompt": generation.negative_prompt,
                           "generationId": generation.id, **result.metadata})
    generation.avatar_id = avatar.id
    session.flush()
    provider, seconds = generation.provider, _seconds(generation.started_at, generation.completed_at)
    metrics.on_commit(session, metrics.GENERATIONS_FINISHED.labels("completed", provider).inc)
    metrics.on_commit(session, lambda: metrics.GENERATION_DURATION.labels(provider).observe(seconds))
    publish(session, signals, generation)
    signals.events.record(session, generation.user_id, event_kinds.AVATAR,
                          {"action": "created", "id": avatar.id, "projectId": avatar.project_id,
                           "generationId": generation.id})
    return avatar


def fail(*, session: Session, attempt: Attempt, error_code: str, error_message: str, signals: Signals,
         only_if: tuple = ()) -> bool:
    """End the attempt's generation as failed and refund it; False if fenced out (or ``only_if`` does not hold)."""
    return _end(session, (*JOBS.current(attempt), *only_if), status="failed", error_code=error_code,
                error_message=error_message, signals=signals) is not None


def retry_later(*, session: Session, attempt: Attempt, delay_seconds: float, error_code: str, error_message: str,
                signals: Signals, only_if: tuple = ()) -> bool:
    """Send the generation back to pending, ready after ``delay_seconds``; the worker is free at once."""
    generation = JOBS.send_back(session=session, conditions=(*JOBS.current(attempt), *only_if),
                                delay_seconds=delay_seconds, error_code=error_code, error_message=error_message)
    if generation is None:
        return False
    publish(session, signals, generation)
    after_commit(session, lambda: signals.doorbell.ring_later(delay_seconds))
    metrics.on_commit(session, metrics.GENERATION_RETRIES.labels(error_code).inc)
    return True


def release(*, session: Session, attempt: Attempt, signals: Signals) -> bool:
    """Give a job back at shutdown: pending and ready now, and the attempt does not count."""
    generation = JOBS.release(session=session, attempt=attempt)
    if generation is None:
        return False
    publish(session, signals, generation)
    after_commit(session, signals.doorbell.ring)
    return True


def recover(*, session: Session, attempt: Attempt, dead_workers: list[str], backoff: Backoff,
            signals: Signals) -> str | None:
    """A lost attempt (its lease ran out, or its worker is one of ``dead_workers``): back to pending with backoff, or
    failed and refunded after the last attempt. Returns the new status, or None if the attempt is no longer current
    or no longer lost (a slow worker renewed its lease in the meantime), or another transaction holds the row (a
    worker's finish under way: the next pass sees it again)."""
    still_lost = JOBS.still_lost(dead_workers)
    generation = JOBS.lock(session=session, conditions=(*JOBS.current(attempt), *still_lost))
    if generation is None:
        return None
    if generation.attempt < generation.max_attempts:
        done = retry_later(session=session, attempt=attempt, delay_seconds=backoff.seconds(attempt.number),
                           error_code=INTERNAL, error_message="The worker running it stopped; it will run again.",
                           signals=signals, only_if=still_lost)
        return "pending" if done else None
    message = f"The worker running it stopped, {generation.attempt} times."
    done = fail(session=session, attempt=attempt, error_code=INTERNAL, error_message=message, signals=signals,
                only_if=still_lost)
    return "failed" if done else None


def fail_unclaimed(*, session: Session, generation_id: str, waited_seconds: float, signals: Signals) -> bool:
    """Fail and refund a pending generation no worker claimed in ``waited_seconds`` (``NO_WORKER``); False if it was
    claimed meanwhile, or another transaction holds it (the next pass sees it again)."""
    conditions = JOBS.unclaimed_conditions(waited_seconds, generation_id)
    if JOBS.lock(session=session, conditions=conditions) is None:
        return False
    message = f"No worker picked it up within {waited_seconds:g} s; your credits were refunded."
    return _end(session, conditions, status="failed", error_code=NO_WORKER, error_message=message,
                signals=signals) is not None


def publish(session: Session, signals: Signals, generation: Generation, **extra) -> None:
    """Tell the generation's owner about its new state: stored in this transaction, sent once it has committed."""
    signals.events.record(session, generation.user_id, event_kinds.GENERATION, {**_event(generation), **extra})


def _event(generation: Generation) -> dict:
    return {"id": generation.id, "projectId": generation.project_id, "batchId": generation.batch_id,
            "status": generation.status, "progress": generation.progress, "attempt": generation.attempt,
            "avatarId": generation.avatar_id, "errorCode": generation.error_code}


def _avatar_fields(generation: Generation) -> dict:
    """The name and the persona and visual attributes the avatar it makes will carry."""
    return {"name": generation.name, **service.attribute_values(generation.options)}


def _queue(session: Session, **fields) -> Generation:
    # The request that queued it, kept in its options (no migration) so the worker's log lines carry its id.
    request_id = logs.context_value("request_id")
    if request_id is not None:
        fields["options"] = {**fields["options"], service.REQUEST_ID_OPTION: request_id}
    generation = Generation(status="pending", attempt=0, progress=0, available_at=db_now(), **fields)
    session.add(generation)
    session.flush()
    return generation


def _debit(session: Session, user_id: str, cost: int, batch_id: str, description: str) -> int:
    """Charge for a batch, after its rows are written (the user's row last); returns the balance after."""
    credits_service.debit(session=session, user_id=user_id, cost=cost, description=description,
                          reference_type="generation_batch", reference_id=batch_id)
    return credits_service.balance(session=session, user_id=user_id)


def _cancel(session: Session, user_id: str, generation_id: str, signals: Signals) -> Generation | None:
    """Cancel and refund the user's generation if it is pending or processing; None otherwise."""
    conditions = (Generation.id == generation_id, Generation.user_id == user_id,
                  Generation.status.in_(ACTIVE_STATUSES))
    return _end(session, conditions, status="cancelled", error_code=None, error_message=None, signals=signals)


def _cancel_all(session: Session, user_id: str, signals: Signals, condition) -> int:
    # Lock every generation first: each cancel then locks only the user's row, in the order a worker's finish does
    # (generation, then user), so the two cannot deadlock.
    ids = session.scalars(select(Generation.id).where(condition, Generation.user_id == user_id,
                                                      Generation.status.in_(ACTIVE_STATUSES))
                          .order_by(Generation.id).with_for_update()).all()
    return sum(_cancel(session, user_id, generation_id, signals) is not None for generation_id in ids)


def _end(session: Session, conditions: tuple, *, status: str, error_code: str | None, error_message: str | None,
         signals: Signals) -> Generation | None:
    """Move one generation to failed or cancelled, if ``conditions`` still hold, and refund its cost in this
    transaction (the user's row last)."""
    generation = JOBS.finish(session=session, conditions=conditions, status=status, error_code=error_code,
                             error_message=error_message, refunded=Generation.cost)
    if generation is None:
        return None
    reason = "cancelled" if status == "cancelled" else f"failed ({error_code})"
    credits_service.refund(session=session, user_id=generation.user_id, amount=generation.cost,
                           description=f"Refund: generation {reason}", reference_type="generation",
                           reference_id=generation.id)
    balance = session.scalar(select(User.credit_balance).where(User.id == generation.user_id))
    publish(session, signals, generation, creditRefunded=generation.refunded, creditBalance=balance)
    metrics.on_commit(session, metrics.GENERATIONS_FINISHED.labels(status, generation.provider).inc)
    if status == "failed":
        metrics.on_commit(session, metrics.GENERATION_FAILURES.labels(error_code or INTERNAL).inc)
    return generation


def _count_created(session: Session, provider: str, source_type: str, count: int) -> None:
    metrics.on_commit(session, lambda: metrics.GENERATIONS_CREATED.labels(provider, source_type).inc(count))


def _seconds(started_at, completed_at) -> float:
    """The span of an attempt: both ends come from the database's clock."""
    return max(0.0, (completed_at - started_at).total_seconds()) if started_at and completed_at else 0.0


def _request_hash(endpoint: str, project_id: str, body: dict) -> str:
    canonical = json.dumps({"endpoint": endpoint, "projectId": project_id, "body": body}, sort_keys=True)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _remember_key(session: Session, user_id: str, key: str, request_hash: str, batch_id: str) -> str | None:
    """Record ``key`` for this request, or return the batch an earlier identical request made (409 if different).

    The unique (user, key) row is inserted in the transaction that charges, so two racing requests cannot both pay.
    """
    try:
        with session.begin_nested():
            session.add(IdempotencyKey(user_id=user_id, key=key, request_hash=request_hash, batch_id=batch_id))
    except IntegrityError:
        earlier = session.scalars(select(IdempotencyKey).where(IdempotencyKey.user_id == user_id,
                                                               IdempotencyKey.key == key)).one()
        if earlier.created_at < utcnow() - service.IDEMPOTENCY_TTL:  # expired, not yet pruned: the key is free again
            earlier.request_hash, earlier.batch_id, earlier.created_at = request_hash, batch_id, utcnow()
            session.flush()
            return None
        if earlier.request_hash != request_hash:
            raise Conflict("This Idempotency-Key was used with a different request.", field="Idempotency-Key") from None
        return earlier.batch_id
    return None


def _replay(session: Session, user_id: str, batch_id: str) -> Batch:
    generations = list(session.scalars(select(Generation).where(Generation.batch_id == batch_id,
                                                                Generation.user_id == user_id)
                                       .order_by(Generation.batch_index)))
    return Batch(generations, sum(generation.cost for generation in generations),
                 credits_service.balance(session=session, user_id=user_id), replayed=True)
