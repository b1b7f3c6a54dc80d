"""Recording, replaying and pruning events. Plain functions on a session; the caller commits."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from avatar_creator.events.models import EventRecord

KEEP_FOR = timedelta(days=1)  # the replay window; older events are removed (avatar_creator/retention.py)
_LOCK_CLASS = 0x45564E54  # "EVNT": the first key of the per-user advisory lock (a key space of its own)


@dataclass(frozen=True)
class Event:
    """One event as streams see it. ``previous_id`` is the id of the user's event before it (None for the first):
    a stream that last sent an id below ``previous_id`` missed something and reads it from the table."""

    id: int | None  # None for events that are not stored (the queue's head, sent to everyone)
    user_id: str | None
    kind: str
    payload: dict
    previous_id: int | None = None

    def to_json(self) -> str:
        return json.dumps({"id": self.id, "userId": self.user_id, "kind": self.kind, "payload": self.payload,
                           "previousId": self.previous_id}, separators=(",", ":"))

    @classmethod
    def from_json(cls, raw: str | bytes) -> Event:
        data = json.loads(raw)
        return cls(id=data["id"], user_id=data["userId"], kind=data["kind"], payload=data["payload"],
                   previous_id=data["previousId"])


def own_queue(head: dict, user_id: str) -> dict:
    """The ``queue`` event one user is sent: the places of their own generations only, from ``queue_head``'s
    everyone's (``QueueHead``), which never leaves the service."""
    return {"positions": head["places"].get(user_id, {}), "asOf": head["asOf"]}


def write(*, session: Session, user_id: str, items: list[tuple[str, dict]]) -> list[Event]:
    """Store ``(kind, payload)`` items for one user, at the very end of the transaction (see ``EventSink.record``).

    The user's events are serialised: PostgreSQL takes a per-user advisory lock held until commit, and SQLite's
    ``BEGIN IMMEDIATE`` already allows one writer. So a user's ids grow in commit order, and each event can name the
    one before it exactly.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:lock_class, :key)"),
                        {"lock_class": _LOCK_CLASS, "key": _user_lock_key(user_id)})
    previous_id = latest_id(session=session, user_id=user_id)
    records = [EventRecord(user_id=user_id, kind=kind, payload=payload) for kind, payload in items]
    session.add_all(records)
    session.flush()
    events = []
    for record in records:
        events.append(Event(id=record.id, user_id=user_id, kind=record.kind, payload=record.payload,
                            previous_id=previous_id))
        previous_id = record.id
    return events


def latest_id(*, session: Session, user_id: str | None = None) -> int | None:
    """The id of the user's (or anyone's) newest stored event, None if there is none."""
    query = select(func.max(EventRecord.id))
    if user_id is not None:
        query = query.where(EventRecord.user_id == user_id)
    return session.scalar(query)


def written_after(*, session: Session, after_id: int, limit: int = 1000) -> list[tuple[int, str]]:
    """``(id, user_id)`` of everyone's events after ``after_id``, oldest first."""
    rows = session.execute(select(EventRecord.id, EventRecord.user_id).where(EventRecord.id > after_id)
                           .order_by(EventRecord.id).limit(limit))
    return [(event_id, user_id) for event_id, user_id in rows]


def replay(*, session: Session, user_id: str, after_id: int, before_id: int | None = None,
           limit: int = 500) -> list[Event]:
    """The user's stored events with ids after ``after_id`` (and before ``before_id``), oldest first."""
    query = select(EventRecord).where(EventRecord.user_id == user_id, EventRecord.id > after_id)
    if before_id is not None:
        query = query.where(EventRecord.id < before_id)
    rows = session.scalars(query.order_by(EventRecord.id).limit(limit))
    return [Event(id=row.id, user_id=row.user_id, kind=row.kind, payload=row.payload) for row in rows]


def _user_lock_key(user_id: str) -> int:
    return int.from_bytes(hashlib.sha256(user_id.encode()).digest()[:4], "big", signed=True)
