"""Retention: what the service keeps only a while, as a list of rules, one per kind of row.

Run by the reaper about once an hour in every process (``jobs.reaper``) and by ``avatar-creator prune``. Each rule
is one conditional statement in its own short transaction, so several processes pruning at once only find less to
do, and a rule is one more ``Rule`` in ``RULES``. Each takes ``now`` from the caller: tests move the clock.

What stays: every user, avatar, credit row and generation; a failed or cancelled generation keeps everything a retry
copies. Only a completed generation loses its prompts after ``AVATAR_RETENTION_GENERATION_PAYLOAD_DAYS``: it cannot
be retried, and its avatar keeps its own copy of both (``generation_prompt``, ``generation_params``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import cast

from sqlalchemy import CursorResult, delete, or_, update
from sqlalchemy.orm import Session

from avatar_creator.auth.models import AccountLink, AuthSession
from avatar_creator.db import Database, utcnow
from avatar_creator.events.models import EventRecord
from avatar_creator.events.service import KEEP_FOR as EVENT_REPLAY_WINDOW
from avatar_creator.generation.models import Generation, IdempotencyKey
from avatar_creator.generation.service import IDEMPOTENCY_TTL
from avatar_creator.jobs.models import WorkerProcess
from avatar_creator.ratelimit import RateLimiter
from avatar_creator.settings import Settings

log = logging.getLogger("avatar_creator.retention")

FORGET_WORKERS_AFTER = timedelta(hours=1)  # registry rows of workers silent this long are removed


@dataclass(frozen=True)
class Rule:
    """``remove(session=, now=, settings=)`` deletes (or empties) what is past its age; returns how many rows."""

    name: str
    remove: Callable[..., int]


def _count(result) -> int:
    return cast(CursorResult, result).rowcount


def events_past_replay(*, session: Session, now: datetime, settings: Settings) -> int:
    """Events no reconnecting stream may ask for any more (``Last-Event-ID`` replays a day)."""
    return _count(session.execute(delete(EventRecord).where(EventRecord.created_at < now - EVENT_REPLAY_WINDOW)))


def expired_sessions(*, session: Session, now: datetime, settings: Settings) -> int:
    return _count(session.execute(delete(AuthSession).where(AuthSession.expires_at < now)))


def expired_account_links(*, session: Session, now: datetime, settings: Settings) -> int:
    """Mailed reset and verification links past their expiry: they no longer work (``auth.accounts``)."""
    return _count(session.execute(delete(AccountLink).where(AccountLink.expires_at < now)))


def old_idempotency_keys(*, session: Session, now: datetime, settings: Settings) -> int:
    """Keys older than a day no longer answer a replay (``generation.lifecycle``) and only take room."""
    return _count(session.execute(delete(IdempotencyKey).where(IdempotencyKey.created_at < now - IDEMPOTENCY_TTL)))


def completed_generation_prompts(*, session: Session, now: datetime, settings: Settings) -> int:
    """Completed generations' copies of their full and negative prompts (the user's own prompt stays)."""
    before = now - timedelta(days=settings.retention_generation_payload_days)
    return _count(session.execute(
        update(Generation)
        .where(Generation.status == "completed", Generation.completed_at < before,
               or_(Generation.full_prompt.is_not(None), Generation.negative_prompt.is_not(None)))
        .values(full_prompt=None, negative_prompt=None)))


def silent_workers(*, session: Session, now: datetime, settings: Settings) -> int:
    return _count(session.execute(delete(WorkerProcess).where(WorkerProcess.heartbeat_at < now - FORGET_WORKERS_AFTER)))


RULES: list[Rule] = [
    Rule("events past the replay window", events_past_replay),
    Rule("expired sessions", expired_sessions),
    Rule("expired reset and verification links", expired_account_links),
    Rule("idempotency keys older than a day", old_idempotency_keys),
    Rule("prompts of completed generations", completed_generation_prompts),
    Rule("workers silent for an hour", silent_workers),
]


def run(*, database: Database, settings: Settings, now: datetime | None = None,
        rate_limiter: RateLimiter | None = None, rules: list[Rule] = RULES) -> dict[str, int]:
    """Apply every rule (and forget this process's stale in-memory rate-limit counts); log and return the counts."""
    now = now or utcnow()
    removed: dict[str, int] = {}
    for rule in rules:
        with database.session() as session:
            removed[rule.name] = rule.remove(session=session, now=now, settings=settings)
    if rate_limiter is not None:
        removed["stale in-memory rate-limit counts"] = rate_limiter.forget_stale(now=now.timestamp())
    log.info("retention: removed %s", ", ".join(f"{count} {name}" for name, count in removed.items()))
    return removed
