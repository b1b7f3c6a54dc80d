"""Generations: each row is one image to make, and the row is the queue (ARCHITECTURE.md, "Durable jobs"): the job
columns come from ``jobs.models.JobColumns``; the rules of a generation's life are in ``generation.lifecycle``."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, Boolean, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from avatar_creator.db import Base, UTCDateTime, new_id, utcnow
from avatar_creator.jobs.models import JobColumns

STATUSES = ("pending", "processing", "completed", "failed", "cancelled")
ACTIVE_STATUSES = ("pending", "processing")


class Generation(JobColumns, Base):
    __tablename__ = "generations"
    __table_args__ = (
        # The claim's order: oldest first by creation, so a job sent back for a retry keeps its place in the queue
        # (ordering by available_at would send a killed job behind everything queued since). Never sorts the table.
        Index("ix_generations_claim", "status", "created_at", "id"),
        Index("ix_generations_user_created", "user_id", "created_at"),
        Index("ix_generations_project", "project_id"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    project_id: Mapped[str] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    batch_id: Mapped[str] = mapped_column(String(32), index=True)
    batch_index: Mapped[int] = mapped_column(Integer, default=0)  # place in its batch: seed order, reply order
    source_type: Mapped[str] = mapped_column(String(20))

    cost: Mapped[int] = mapped_column(Integer)
    refunded: Mapped[int] = mapped_column(Integer, default=0)

    name: Mapped[str] = mapped_column(String(100))
    prompt: Mapped[str] = mapped_column(String(2000))  # what the user asked for
    full_prompt: Mapped[str | None] = mapped_column(String(4000))  # what the provider was sent
    negative_prompt: Mapped[str | None] = mapped_column(String(2000))
    seed: Mapped[int] = mapped_column(BigInteger)  # 0..2^32-1 does not fit a PostgreSQL integer
    options: Mapped[dict] = mapped_column(JSON, default=dict)  # size, persona and visual fields, preset, reference
    provider: Mapped[str] = mapped_column(String(32))

    # from-reference: the avatar this one is made from; deleting it cancels the work (generation.lifecycle)
    reference_avatar_id: Mapped[str | None] = mapped_column(ForeignKey("avatars.id", ondelete="SET NULL"),
                                                            index=True)
    avatar_id: Mapped[str | None] = mapped_column(ForeignKey("avatars.id", ondelete="SET NULL"))
    avatar_deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    # The failed or cancelled generation this one retries. Unique: a second retry of it (a double click, two tabs)
    # cannot insert, and answers this one instead of charging again (generation.lifecycle.retry).
    retry_of: Mapped[str | None] = mapped_column(String(32), index=True, unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class IdempotencyKey(Base):
    """A client's ``Idempotency-Key``, written in the transaction that charges, so a replay is answered, not re-run."""

    __tablename__ = "idempotency_keys"
    __table_args__ = (UniqueConstraint("user_id", "key"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(200))
    request_hash: Mapped[str] = mapped_column(String(64))
    batch_id: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
