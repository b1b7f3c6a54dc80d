"""A table as a queue: claim, lease, heartbeat and the fence (ARCHITECTURE.md, "Durable jobs").

``JobQueue`` works on any mapped class with ``jobs.models.JobColumns``; it knows nothing of what a job makes.
Every change a worker makes is *fenced*: it applies only while the row is still ``processing`` under the attempt that
worker claimed (``current``). A worker whose job was cancelled, or whose lease was taken away and the job handed to
another, changes nothing. Times come from the database's clock (``db_now``), never a worker's.

No transaction here waits behind another one holding a job's row (a finish paused half-way, a cancel): heartbeats,
progress and the reaper's probe skip locked rows (``FOR UPDATE SKIP LOCKED`` on PostgreSQL; SQLite's single writer
needs no row locks) and try again on their next turn.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Float, bindparam, func, or_, select, text, update
from sqlalchemy.orm import Session

from avatar_creator.db import Database, db_now
from avatar_creator.events import EventSink
from avatar_creator.jobs.doorbell import Doorbell

MESSAGE_LIMIT = 1000  # the error_message column's length
SKIPPABLE_WAIT_MS = 500  # the longest a heartbeat, a progress write or a reaper's change waits for any lock


@dataclass(frozen=True)
class Signals:
    """What a committed change tells the rest of the system: idle workers (doorbell) and live clients (events)."""

    doorbell: Doorbell
    events: EventSink


@dataclass(frozen=True)
class Attempt:
    """One claimed attempt at a job: the fence every change of its worker is conditional on."""

    job_id: str
    number: int


class Backoff:
    """Retry delays: ``base`` × 2^(n−1) before the n-th retry, ±20 % jitter, capped."""

    def __init__(self, *, base_seconds: float, max_seconds: float, rng: random.Random | None = None):
        self.base_seconds = base_seconds
        self.max_seconds = max_seconds
        self._rng = rng or random.Random()

    def seconds(self, attempts_made: int, *, at_least: float | None = None) -> float:
        delay = self.base_seconds * 2 ** max(0, attempts_made - 1) * self._rng.uniform(0.8, 1.2)
        return max(min(delay, self.max_seconds), at_least or 0.0)


def give_up_waiting_after(session: Session, milliseconds: int = SKIPPABLE_WAIT_MS) -> None:
    """For work that simply tries again on its next turn (a heartbeat, progress, a reaper's pass): on PostgreSQL this
    transaction fails rather than wait longer than ``milliseconds`` for a lock (a user's row or event lock held by a
    stalled transaction). SQLite's writers wait on ``busy_timeout`` instead."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text(f"SET LOCAL lock_timeout = {int(milliseconds)}"))


class JobQueue:
    """Claims, leases and fenced changes on the table of ``model`` (a mapped class with ``JobColumns``)."""

    def __init__(self, model: Any):
        self.model = model
        table = model.__table__
        oldest_ready = (
            select(table.c.id)
            .where(table.c.status == "pending", table.c.available_at <= db_now())
            .order_by(table.c.created_at, table.c.id)
            .limit(1)
            .with_for_update(skip_locked=True)  # PostgreSQL; SQLite's BEGIN IMMEDIATE already serialises claims
            .scalar_subquery()
        )
        self._claim = (
            update(table).where(table.c.id == oldest_ready)
            .values(status="processing", attempt=table.c.attempt + 1, progress=0, worker_id=bindparam("worker"),
                    lease_until=db_now(bindparam("lease", type_=Float())), heartbeat_at=db_now(),
                    started_at=db_now())
            .returning(*table.c)
        )

    def claim(self, *, database: Database, worker_id: str, lease_seconds: float) -> Any | None:
        """Move the oldest (first created) ready pending job to processing under a new lease and attempt; None if
        none is ready.

        The hot path of every job, so it is one prepared statement and no ORM session. On PostgreSQL that statement
        runs in autocommit (it is atomic on its own: no BEGIN or COMMIT round trips); SQLite needs its BEGIN
        IMMEDIATE. The row comes back as a detached instance of the model holding the claimed values.
        """
        with database.engine.connect() as connection:
            if not database.is_sqlite:
                connection = connection.execution_options(isolation_level="AUTOCOMMIT")
            with connection.begin():
                row = connection.execute(self._claim, {"worker": worker_id, "lease": lease_seconds}).one_or_none()
        return None if row is None else self.model(**row._mapping)

    def extend_leases(self, *, session: Session, worker_id: str, attempts: list[Attempt],
                      lease_seconds: float) -> set[Attempt]:
        """Renew the leases of ``attempts``; returns those still this worker's (the others were cancelled or lost).

        A row another transaction holds (its own finish, a cancel under way) is skipped, not waited for: it counts as
        still this worker's, and its lease is renewed on the next beat if it is.
        """
        if not attempts:
            return set()
        model = self.model
        ids = [attempt.job_id for attempt in attempts]
        # A plain read never waits on a row lock: it tells which attempts are still this worker's as of now.
        held = {Attempt(job_id, number) for job_id, number in session.execute(
            select(model.id, model.attempt).where(model.id.in_(ids), model.status == "processing",
                                                  model.worker_id == worker_id))}
        if held:
            free = select(model.id).where(model.id.in_([attempt.job_id for attempt in held])) \
                .with_for_update(skip_locked=True)
            session.execute(update(model).where(model.id.in_(free), model.status == "processing",
                                                model.worker_id == worker_id)
                            .values(lease_until=db_now(lease_seconds), heartbeat_at=db_now()))
        return held & set(attempts)

    def current(self, attempt: Attempt) -> tuple:
        """The fence: the job is still processing under ``attempt``."""
        model = self.model
        return model.id == attempt.job_id, model.status == "processing", model.attempt == attempt.number

    def still_lost(self, dead_workers: list[str]) -> tuple:
        """The job's lease has run out, or its worker is one of ``dead_workers``."""
        return (or_(self.model.lease_until < db_now(), self.model.worker_id.in_(dead_workers)),)

    def lock(self, *, session: Session, conditions: tuple) -> Any | None:
        """The one row matching ``conditions``, locked for this transaction; None if there is none or another
        transaction holds it (skipped, never waited for)."""
        return session.scalars(select(self.model).where(*conditions).with_for_update(skip_locked=True)).one_or_none()

    def save_progress(self, *, session: Session, attempt: Attempt, progress: int) -> tuple[bool, Any | None]:
        """Record progress; returns whether the attempt is still current, and the updated row (None when it is not,
        or when another transaction held the row: that progress is skipped, the next one lands)."""
        model = self.model
        free = select(model.id).where(*self.current(attempt)).with_for_update(skip_locked=True).scalar_subquery()
        job = session.scalars(update(model).where(model.id == free, *self.current(attempt))
                              .values(progress=progress, heartbeat_at=db_now()).returning(model)).one_or_none()
        if job is not None:
            return True, job
        still_current = session.scalar(select(model.id).where(*self.current(attempt))) is not None
        return still_current, None

    def finish(self, *, session: Session, conditions: tuple, status: str, **values) -> Any | None:
        """End the job matching ``conditions`` (completed, failed or cancelled); None if they no longer hold."""
        if "error_message" in values and values["error_message"] is not None:
            values["error_message"] = values["error_message"][:MESSAGE_LIMIT]
        return session.scalars(
            update(self.model).where(*conditions)
            .values(status=status, completed_at=db_now(), lease_until=None, **values)
            .returning(self.model)
        ).one_or_none()

    def send_back(self, *, session: Session, conditions: tuple, delay_seconds: float, error_code: str,
                  error_message: str) -> Any | None:
        """Pending again, ready after ``delay_seconds``, the worker free at once; None if ``conditions`` fail."""
        return session.scalars(
            update(self.model).where(*conditions)
            .values(status="pending", available_at=db_now(delay_seconds), lease_until=None, worker_id=None,
                    error_code=error_code, error_message=error_message[:MESSAGE_LIMIT])
            .returning(self.model)
        ).one_or_none()

    def release(self, *, session: Session, attempt: Attempt) -> Any | None:
        """Give a job back at shutdown: pending and ready now, and the attempt does not count."""
        model = self.model
        return session.scalars(
            update(model).where(*self.current(attempt))
            .values(status="pending", attempt=model.attempt - 1, available_at=db_now(), lease_until=None,
                    worker_id=None, progress=0)
            .returning(model)
        ).one_or_none()

    def depth(self, *, session: Session) -> tuple[dict[str, int], float | None]:
        """Jobs pending and processing now, and how many seconds the oldest ready pending job has waited (None: none);
        two reads on the claim index's leading ``status`` column, for every scrape of the metrics."""
        model = self.model
        counts = {status: count for status, count in session.execute(select(model.status, func.count()).where(
            model.status.in_(("pending", "processing"))).group_by(model.status))}
        oldest, now = session.execute(select(func.min(model.available_at), db_now()).where(
            model.status == "pending", model.available_at <= db_now())).one()
        return counts, None if oldest is None else max(0.0, (now - oldest).total_seconds())

    def lost(self, *, session: Session, dead_workers: list[str]) -> list[Attempt]:
        """Processing jobs whose lease ran out or whose worker is one of ``dead_workers``."""
        model = self.model
        rows = session.execute(select(model.id, model.attempt)
                               .where(model.status == "processing", *self.still_lost(dead_workers))).all()
        return [Attempt(job_id, number) for job_id, number in rows]

    def unclaimed(self, *, session: Session, waited_seconds: float) -> list[str]:
        """Ids of pending jobs ready for longer than ``waited_seconds``."""
        return list(session.scalars(select(self.model.id).where(*self.unclaimed_conditions(waited_seconds))))

    def unclaimed_conditions(self, waited_seconds: float, job_id: str | None = None) -> tuple:
        """A pending job ready for longer than ``waited_seconds`` (the one with ``job_id``, when given)."""
        model = self.model
        conditions = (model.status == "pending", model.available_at < db_now(-waited_seconds))
        return conditions if job_id is None else (model.id == job_id, *conditions)
