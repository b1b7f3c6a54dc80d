"""Generations: created with their credit debit and idempotency key in one transaction; read, cancelled, retried.

Plain functions on a session; the caller commits. The doorbell rings and events go out only after that commit.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass
from datetime import timedelta

from pydantic.alias_generators import to_camel
from sqlalchemy import delete, func, select, tuple_, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased

from avatar_creator.credits import service as credits_service
from avatar_creator.db import after_commit, db_now, new_id, utcnow
from avatar_creator.errors import Conflict, NotFound, ValidationFailed
from avatar_creator.generation.models import ACTIVE_STATUSES, Generation, IdempotencyKey
from avatar_creator.generation.schemas import MAX_SEED, GenerateIn, GenerationRead
from avatar_creator.jobs import queue
from avatar_creator.projects import service as projects_service
from avatar_creator.providers.base import PROVIDER_BAD_REQUEST, AvatarAttributes, GenerationRequest, ProviderError
from avatar_creator.providers.prompts import build_prompt
from avatar_creator.settings import Settings
from avatar_creator.storage import KeyNotFound, Storage

IDEMPOTENCY_TTL = timedelta(hours=24)
_SOURCE_WORDS = {"text_to_image": "", "from_preset": " from a preset", "from_reference": " from a reference"}
RETRYABLE_STATUSES = ("failed", "cancelled")


@dataclass(frozen=True)
class Batch:
    """What a generate request answers: its generations (oldest first), what they cost and the balance after."""

    generations: list[Generation]
    credit_used: int
    credit_balance: int
    replayed: bool = False  # an earlier request's batch, answered again for its Idempotency-Key: nothing charged now


def price(settings: Settings, source_type: str) -> int:
    """Credits per image for a kind of generation."""
    return {"text_to_image": settings.cost_generate, "from_preset": settings.cost_from_preset,
            "from_reference": settings.cost_from_reference}[source_type]


def create(*, session: Session, settings: Settings, provider_names: set[str], user_id: str, project_id: str,
           body: GenerateIn, idempotency_key: str | None, signals: queue.Signals, source_type: str = "text_to_image",
           options: dict | None = None, reference_avatar_id: str | None = None) -> Batch:
    """Charge for ``body.count`` images and queue one generation per image, seeds counting up from one seed.

    ``options`` are kept with each generation beside the body's (a preset's category, a reference's storage key).
    """
    provider = body.provider or settings.provider
    if provider not in provider_names:
        raise ValidationFailed(f"provider: unknown provider {provider!r}; available: {', '.join(sorted(provider_names))}",
                               field="provider")
    projects_service.get_owned(session=session, user_id=user_id, project_id=project_id)
    batch_id = new_id()
    if idempotency_key is not None:
        request_hash = _request_hash(source_type, project_id, {**body.model_dump(mode="json"), **(options or {})})
        earlier_batch = _remember_key(session, user_id, idempotency_key, request_hash, batch_id)
        if earlier_batch is not None:
            return _replay(session, user_id, earlier_batch)
    cost = price(settings, source_type)
    credits_service.debit(session=session, user_id=user_id, cost=cost * body.count,
                          description=f"Generate {body.count} avatar{'s' if body.count > 1 else ''}"
                                      f"{_SOURCE_WORDS[source_type]}",
                          reference_type="generation_batch", reference_id=batch_id)
    first_seed = body.seed if body.seed is not None else secrets.randbelow(MAX_SEED + 1)
    attributes = body.attributes()
    built = build_prompt(body.prompt, _attributes(attributes), quality_terms=settings.prompt_quality_terms,
                         negative_terms=settings.prompt_negative_terms)
    generations = [
        _queue(session, user_id=user_id, project_id=project_id, batch_id=batch_id, batch_index=index,
               source_type=source_type, cost=cost, max_attempts=settings.max_attempts, name=body.name,
               prompt=body.prompt, full_prompt=built.prompt, negative_prompt=built.negative_prompt,
               seed=(first_seed + index) % (MAX_SEED + 1), provider=provider,
               options={"width": body.width, "height": body.height, **attributes, **(options or {})},
               reference_avatar_id=reference_avatar_id, signals=signals)
        for index in range(body.count)
    ]
    after_commit(session, lambda: signals.doorbell.ring(len(generations)))
    return Batch(generations, cost * body.count, credits_service.balance(session=session, user_id=user_id))


def get_owned(*, session: Session, user_id: str, generation_id: str) -> Generation:
    """The user's generation; someone else's looks missing."""
    generation = session.scalar(select(Generation).where(Generation.id == generation_id,
                                                         Generation.user_id == user_id))
    if generation is None:
        raise NotFound("Generation not found.")
    return generation


def list_for_user(*, session: Session, user_id: str, status: str | None = None, project_id: str | None = None,
                  limit: int = 50) -> list[Generation]:
    """The user's generations, newest first."""
    query = select(Generation).where(Generation.user_id == user_id)
    if status is not None:
        query = query.where(Generation.status == status)
    if project_id is not None:
        query = query.where(Generation.project_id == project_id)
    return list(session.scalars(query.order_by(Generation.created_at.desc(), Generation.batch_index.desc(),
                                               Generation.id).limit(limit)))


def cancel(*, session: Session, user_id: str, generation_id: str, signals: queue.Signals) -> Generation:
    """Cancel a pending or processing generation and refund it; a finished one is a conflict."""
    cancelled = queue.cancel(session=session, user_id=user_id, generation_id=generation_id, signals=signals)
    if cancelled is None:
        generation = get_owned(session=session, user_id=user_id, generation_id=generation_id)
        raise Conflict(f"This generation is {generation.status}; only pending or processing ones can be cancelled.")
    return cancelled


def retry(*, session: Session, settings: Settings, user_id: str, generation_id: str,
          signals: queue.Signals) -> Generation:
    """A new generation with the failed or cancelled one's parameters and seed, charged again."""
    original = get_owned(session=session, user_id=user_id, generation_id=generation_id)
    if original.status not in RETRYABLE_STATUSES:
        raise Conflict(f"This generation is {original.status}; only failed or cancelled ones can be retried.")
    batch_id = new_id()
    cost = price(settings, original.source_type)
    credits_service.debit(session=session, user_id=user_id, cost=cost, description="Retry an avatar generation",
                          reference_type="generation_batch", reference_id=batch_id)
    generation = _queue(session, user_id=user_id, project_id=original.project_id, batch_id=batch_id, batch_index=0,
                        source_type=original.source_type, cost=cost, max_attempts=settings.max_attempts,
                        name=original.name, prompt=original.prompt, full_prompt=original.full_prompt,
                        negative_prompt=original.negative_prompt, seed=original.seed, provider=original.provider,
                        options=dict(original.options), reference_avatar_id=original.reference_avatar_id,
                        signals=signals)
    after_commit(session, signals.doorbell.ring)
    return generation


def cancel_for_project(*, session: Session, user_id: str, project_id: str, signals: queue.Signals) -> int:
    """Before a project goes: cancel and refund its pending and processing generations. Returns how many."""
    return _cancel_all(session, user_id, signals, Generation.project_id == project_id)


def cancel_for_avatar(*, session: Session, user_id: str, avatar_id: str, signals: queue.Signals) -> int:
    """Before an avatar goes: cancel and refund work made from it, and mark the generation that made it."""
    session.execute(update(Generation).where(Generation.avatar_id == avatar_id, Generation.user_id == user_id)
                    .values(avatar_deleted=True))
    return _cancel_all(session, user_id, signals, Generation.reference_avatar_id == avatar_id)


def queue_positions(*, session: Session, generations: list[Generation]) -> dict[str, int]:
    """1-based places of the pending ones among pending generations ready to run, in claim order."""
    pending = [generation.id for generation in generations if generation.status == "pending"]
    if not pending:
        return {}
    ahead = aliased(Generation)
    count_ahead = (
        select(func.count()).select_from(ahead)
        .where(ahead.status == "pending", ahead.available_at <= db_now(),
               tuple_(ahead.created_at, ahead.id) < tuple_(Generation.created_at, Generation.id))
        .scalar_subquery()
    )
    return dict(session.execute(select(Generation.id, count_ahead + 1).where(Generation.id.in_(pending))).all())


def to_api(generation: Generation, queue_position: int | None = None) -> dict:
    """The API's generation object."""
    options = {"name": generation.name, "seed": generation.seed, "sourceType": generation.source_type,
               "fullPrompt": generation.full_prompt, "negativePrompt": generation.negative_prompt,
               **{to_camel(key): value for key, value in generation.options.items()}}
    return GenerationRead(
        id=generation.id, project_id=generation.project_id, batch_id=generation.batch_id, status=generation.status,
        progress=generation.progress, queue_position=queue_position if generation.status == "pending" else None,
        attempt=generation.attempt, max_attempts=generation.max_attempts, avatar_id=generation.avatar_id,
        avatar_deleted=generation.avatar_deleted, error_code=generation.error_code,
        error_message=generation.error_message, prompt=generation.prompt, options=options,
        provider=generation.provider, credit_charged=generation.cost, credit_refunded=generation.refunded,
        created_at=generation.created_at, started_at=generation.started_at, completed_at=generation.completed_at,
    ).dump()


def provider_request(generation: Generation, storage: Storage) -> GenerationRequest:
    """What the worker asks the provider for (with the reference's bytes, read from storage, for from-reference)."""
    options = generation.options
    return GenerationRequest(
        prompt=generation.full_prompt or generation.prompt, negative_prompt=generation.negative_prompt or "",
        user_prompt=generation.prompt, width=options["width"], height=options["height"], seed=generation.seed,
        attributes=_attributes(options), category=options.get("category"), strength=options.get("strength", 0.6),
        reference_image=_reference_image(options.get("reference_key"), storage))


def _reference_image(key: str | None, storage: Storage) -> bytes | None:
    if key is None:
        return None
    try:
        return storage.read(key)
    except KeyNotFound as error:  # the reference avatar was deleted before a retry ran
        raise ProviderError(PROVIDER_BAD_REQUEST, "The reference image is no longer stored.") from error


def avatar_fields(generation: Generation) -> dict:
    """The name and the persona and visual attributes the avatar it makes will carry."""
    return {"name": generation.name, **{key: value for key, value in generation.options.items()
                                        if key in AvatarAttributes.__dataclass_fields__}}


def prune_idempotency_keys(*, session: Session) -> int:
    """Forget keys older than a day."""
    return session.execute(delete(IdempotencyKey).where(IdempotencyKey.created_at < utcnow() - IDEMPOTENCY_TTL)
                           ).rowcount


def _queue(session: Session, *, signals: queue.Signals, **fields) -> Generation:
    generation = Generation(status="pending", attempt=0, progress=0, available_at=db_now(), **fields)
    session.add(generation)
    session.flush()
    queue.publish(session, signals, generation)
    return generation


def _cancel_all(session: Session, user_id: str, signals: queue.Signals, condition) -> int:
    # Lock every row first: each cancel then locks only the user's balance, in the order a worker's finish does
    # (generation, then user), so the two cannot deadlock.
    ids = session.scalars(select(Generation.id).where(condition, Generation.user_id == user_id,
                                                      Generation.status.in_(ACTIVE_STATUSES))
                          .order_by(Generation.id).with_for_update()).all()
    return sum(queue.cancel(session=session, user_id=user_id, generation_id=generation_id, signals=signals)
               is not None for generation_id in ids)


def _attributes(values: dict) -> AvatarAttributes:
    known = {key: value for key, value in values.items() if key in AvatarAttributes.__dataclass_fields__}
    return AvatarAttributes(**{**known, "persona_personality": tuple(known.get("persona_personality", ()))})


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
        earlier = session.scalar(select(IdempotencyKey).where(IdempotencyKey.user_id == user_id,
                                                              IdempotencyKey.key == key))
        if earlier.created_at < utcnow() - IDEMPOTENCY_TTL:  # expired but not yet pruned: the key is free again
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
