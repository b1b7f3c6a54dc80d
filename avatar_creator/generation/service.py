"""Reading generations: one, a user's list, places in the queue, the queue's head, counts by status, the Generating
panel; the API's shape of one. Every change of a generation is in ``generation.lifecycle``.

Plain functions on a session.
"""

from __future__ import annotations

from datetime import timedelta

from pydantic.alias_generators import to_camel
from sqlalchemy import func, select, tuple_
from sqlalchemy.orm import Session, aliased

from avatar_creator.db import db_now, utcnow
from avatar_creator.errors import NotFound
from avatar_creator.events.schemas import QueueHead
from avatar_creator.generation.models import STATUSES, Generation
from avatar_creator.generation.schemas import GenerationRead
from avatar_creator.providers.base import AvatarAttributes

IDEMPOTENCY_TTL = timedelta(hours=24)
QUEUE_LISTED = 100  # the queue event lists this many waiting generations; later ones only count
PANEL_STATUSES = ("processing", "pending", "failed", "cancelled")
PANEL_ENDED_FOR = timedelta(hours=1)  # failed and cancelled work stays in the panel this long, to be retried
PANEL_LIMIT = 20
REQUEST_ID_OPTION = "request_id"  # in a generation's options: the request that queued it, for the logs only


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


def queue_head(*, session: Session) -> dict:
    """The places of the first ``QUEUE_LISTED`` generations ready to run, by user: one read serves every stream,
    and each stream sends its user only their own (``events.service.own_queue``). See docs/events.md."""
    ready = (Generation.status == "pending", Generation.available_at <= db_now())
    rows = session.execute(select(Generation.user_id, Generation.id).where(*ready)
                           .order_by(Generation.created_at, Generation.id).limit(QUEUE_LISTED))
    places: dict[str, dict[str, int]] = {}
    for place, (user_id, generation_id) in enumerate(rows, start=1):
        places.setdefault(user_id, {})[generation_id] = place
    return QueueHead(places=places, as_of=utcnow()).dump()


def counts_by_status(*, session: Session, user_id: str) -> dict[str, int]:
    """How many of the user's generations are in each status (every status present)."""
    by_status = dict(session.execute(
        select(Generation.status, func.count()).where(Generation.user_id == user_id).group_by(Generation.status)
    ).all())
    return {status: by_status.get(status, 0) for status in STATUSES}


def generating_panel(*, session: Session, user_id: str, project_id: str) -> dict:
    """The project's unfinished work (and recent failures to retry), with each pending one's place in the queue:
    ``{"generations": [...], "positions": {id: place}}``."""
    since = utcnow() - PANEL_ENDED_FOR
    found = {status: list_for_user(session=session, user_id=user_id, status=status, project_id=project_id,
                                   limit=PANEL_LIMIT)
             for status in PANEL_STATUSES}
    positions = queue_positions(session=session, generations=found["pending"])
    found["pending"].sort(key=lambda generation: positions.get(generation.id, 0))
    ended = [g for status in ("failed", "cancelled") for g in found[status] if g.created_at >= since]
    shown = found["processing"] + found["pending"] + sorted(ended, key=lambda g: g.created_at, reverse=True)
    return {"generations": shown[:PANEL_LIMIT], "positions": positions}


def to_api(generation: Generation, queue_position: int | None = None) -> dict:
    """The API's generation object."""
    options = {"name": generation.name, "seed": generation.seed, "sourceType": generation.source_type,
               "fullPrompt": generation.full_prompt, "negativePrompt": generation.negative_prompt,
               **{to_camel(key): value for key, value in generation.options.items() if key != REQUEST_ID_OPTION}}
    return GenerationRead(
        id=generation.id, project_id=generation.project_id, batch_id=generation.batch_id, status=generation.status,
        progress=generation.progress, queue_position=queue_position if generation.status == "pending" else None,
        attempt=generation.attempt, max_attempts=generation.max_attempts, avatar_id=generation.avatar_id,
        avatar_deleted=generation.avatar_deleted, error_code=generation.error_code,
        error_message=generation.error_message, prompt=generation.prompt, options=options,
        provider=generation.provider, credit_charged=generation.cost, credit_refunded=generation.refunded,
        created_at=generation.created_at, started_at=generation.started_at, completed_at=generation.completed_at,
    ).dump()


def attribute_values(values: dict) -> dict:
    """The persona and visual attributes among a generation's stored options (or a request's fields)."""
    return {key: value for key, value in values.items() if key in AvatarAttributes.__dataclass_fields__}


def provider_attributes(values: dict) -> AvatarAttributes:
    """``attribute_values`` as the providers take them."""
    known = attribute_values(values)
    return AvatarAttributes(**{**known, "persona_personality": tuple(known.get("persona_personality", ()))})
