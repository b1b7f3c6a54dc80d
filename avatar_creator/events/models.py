"""The events table: what each user's streams were sent, kept a day so a reconnecting client can catch up."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from avatar_creator.db import Base, UTCDateTime, utcnow


class EventRecord(Base):
    __tablename__ = "events"
    __table_args__ = (
        Index("ix_events_user_id_id", "user_id", "id"),  # replay: one user's events after an id
        # AUTOINCREMENT: SQLite would otherwise reuse ids once pruning empties the table, and `Last-Event-ID`
        # would then point past every new event.
        {"sqlite_autoincrement": True},
    )

    # The SSE id. Increasing per user in commit order (see events.service.write), so "after N" is exact.
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True,
                                    autoincrement=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    payload: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)  # pruning
