"""The audit log: every change an operator makes is written here, in the transaction of the change."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from avatar_creator import paging
from avatar_creator.admin.models import AuditEntry


def record(*, session: Session, actor_id: str, action: str, target_type: str, target_id: str,
           details: dict | None = None) -> AuditEntry:
    """Write one entry; it commits or rolls back with the change it describes."""
    entry = AuditEntry(actor_id=actor_id, action=action, target_type=target_type, target_id=target_id,
                       details=details or {})
    session.add(entry)
    session.flush()
    return entry


def entries(*, session: Session, limit: int, cursor: str | None) -> tuple[list[AuditEntry], str | None]:
    """A page of entries, newest first, and the next page's cursor."""
    return paging.newest_first(session=session, query=select(AuditEntry), created_at=AuditEntry.created_at,
                               id=AuditEntry.id, limit=limit, cursor=cursor)
