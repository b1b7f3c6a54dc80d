"""The credits ledger: one row per change of a user's balance."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from avatar_creator.db import Base, UTCDateTime, new_id, utcnow

TRANSACTION_TYPES = ("bonus", "grant", "adjustment", "usage", "refund")


class CreditTransaction(Base):
    __tablename__ = "credit_transactions"
    # A reference (say a generation) can be charged once and refunded once: the constraint makes a second refund fail.
    __table_args__ = (UniqueConstraint("type", "reference_type", "reference_id"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    amount: Mapped[int] = mapped_column(Integer)  # positive for credits in, negative for usage
    balance_after: Mapped[int] = mapped_column(Integer)
    type: Mapped[str] = mapped_column(String(16))
    description: Mapped[str] = mapped_column(String(200))
    reference_type: Mapped[str | None] = mapped_column(String(32))
    reference_id: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
