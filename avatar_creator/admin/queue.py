"""The queue as an operator sees it: counts, the oldest pending job, failures and outcomes over a day; any user's
generation, cancelled or retried for them through the generation lifecycle (their refund or charge, exactly once)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from avatar_creator import paging
from avatar_creator.admin import audit
from avatar_creator.db import utcnow
from avatar_creator.errors import NotFound
from avatar_creator.generation import lifecycle
from avatar_creator.generation.models import STATUSES, Generation
from avatar_creator.jobs.queue import Signals
from avatar_creator.settings import Settings

WINDOW = timedelta(hours=24)
OUTCOMES = ("completed", "failed", "cancelled")


@dataclass(frozen=True)
class Overview:
    counts: dict[str, int]
    oldest_pending_at: datetime | None
    failures: dict[str, int]  # error code → failures over the last 24 h
    hours: list[datetime]  # the starts of the last 24 hours, oldest first
    by_hour: dict[str, list[int]]  # outcome → generations finished in each of those hours
    as_of: datetime


def overview(*, session: Session) -> Overview:
    """Counts by status, the oldest pending job, and the last 24 hours' failures and outcomes by hour."""
    now = utcnow()
    since = now - WINDOW
    counts = dict(session.execute(select(Generation.status, func.count()).group_by(Generation.status)).all())
    oldest = session.scalar(select(func.min(Generation.created_at)).where(Generation.status == "pending"))
    failures = dict(session.execute(
        select(Generation.error_code, func.count())
        .where(Generation.status == "failed", Generation.completed_at >= since).group_by(Generation.error_code)
    ).all())
    first_hour = (now - timedelta(hours=23)).replace(minute=0, second=0, microsecond=0)
    hours = [first_hour + timedelta(hours=index) for index in range(24)]
    by_hour = {outcome: [0] * 24 for outcome in OUTCOMES}
    finished = session.execute(select(Generation.status, Generation.completed_at)
                               .where(Generation.status.in_(OUTCOMES), Generation.completed_at >= first_hour))
    for status, completed_at in finished:  # bucketed here: hour truncation is spelled differently on each database
        if completed_at is not None:  # the WHERE already says so; the type does not know
            by_hour[status][min(23, int((completed_at - first_hour).total_seconds() // 3600))] += 1
    return Overview(counts={status: counts.get(status, 0) for status in STATUSES}, oldest_pending_at=oldest,
                    failures={code or "UNKNOWN": count for code, count in failures.items()}, hours=hours,
                    by_hour=by_hour, as_of=now)


def generations(*, session: Session, status: str | None, user_id: str | None, error_code: str | None, limit: int,
                cursor: str | None) -> tuple[list[Generation], str | None]:
    """Everyone's generations, newest first, filtered; and the next page's cursor."""
    query = select(Generation)
    if status is not None:
        query = query.where(Generation.status == status)
    if user_id is not None:
        query = query.where(Generation.user_id == user_id)
    if error_code is not None:
        query = query.where(Generation.error_code == error_code)
    return paging.newest_first(session=session, query=query, created_at=Generation.created_at, id=Generation.id,
                               limit=limit, cursor=cursor)


def get(*, session: Session, generation_id: str) -> Generation:
    generation = session.get(Generation, generation_id)
    if generation is None:
        raise NotFound("Generation not found.")
    return generation


def cancel(*, session: Session, signals: Signals, actor_id: str, generation_id: str) -> Generation:
    """Cancel a user's pending or processing generation for them, refunded once; a finished one is a conflict."""
    owner = get(session=session, generation_id=generation_id).user_id
    cancelled = lifecycle.cancel(session=session, user_id=owner, generation_id=generation_id, signals=signals)
    audit.record(session=session, actor_id=actor_id, action="generation.cancel", target_type="generation",
                 target_id=generation_id, details={"userId": owner, "refunded": cancelled.refunded})
    return cancelled


def retry(*, session: Session, settings: Settings, signals: Signals, actor_id: str,
          generation_id: str) -> lifecycle.Retried:
    """Queue a user's failed or cancelled generation again for them, charged to them once."""
    owner = get(session=session, generation_id=generation_id).user_id
    retried = lifecycle.retry(session=session, settings=settings, user_id=owner, generation_id=generation_id,
                              signals=signals)
    if not retried.replayed:
        audit.record(session=session, actor_id=actor_id, action="generation.retry", target_type="generation",
                     target_id=generation_id, details={"userId": owner, "retry": retried.generation.id,
                                                       "charged": retried.generation.cost})
    return retried
