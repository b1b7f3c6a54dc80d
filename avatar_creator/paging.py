"""Cursor paging, newest first: a page ends at a (created_at, id) pair that the opaque cursor carries to the next.
And the search pattern the paged lists filter by."""

from __future__ import annotations

import base64
import binascii
import json
from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, or_
from sqlalchemy.orm import InstrumentedAttribute, Session

from avatar_creator.errors import ValidationFailed


def newest_first(*, session: Session, query: Select, created_at: InstrumentedAttribute, id: InstrumentedAttribute,
                 limit: int, cursor: str | None) -> tuple[list[Any], str | None]:
    """One page of ``query``'s entities, newest first, and the cursor of the next page (None on the last page)."""
    if cursor is not None:
        after_created, after_id = _decode(cursor)
        query = query.where(or_(created_at < after_created, and_(created_at == after_created, id < after_id)))
    rows = list(session.scalars(query.order_by(created_at.desc(), id.desc()).limit(limit + 1)))
    page = rows[:limit]
    return page, _encode(page[-1].created_at, page[-1].id) if len(rows) > limit else None


def contains(text: str) -> str:
    """A LIKE pattern matching ``text`` anywhere, its own ``%``, ``_`` and ``\\`` taken literally (escape ``\\``)."""
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _encode(created_at: datetime, row_id: str) -> str:
    raw = json.dumps([created_at.isoformat(), row_id], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _decode(cursor: str) -> tuple[datetime, str]:
    try:
        created_at, row_id = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        created = datetime.fromisoformat(created_at)
        if created.tzinfo is None or not isinstance(row_id, str):
            raise ValueError("not a cursor")
        return created, row_id
    except (ValueError, TypeError, binascii.Error) as error:
        raise ValidationFailed("cursor: not a cursor this API returned", field="cursor") from error
