"""The job columns a queue table carries, and the processes that run jobs (each registers itself and heartbeats,
so others can tell it is alive)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from avatar_creator.db import Base, UTCDateTime, new_id, utcnow


class JobColumns:
    """Mixed into a mapped class whose table is a queue (``generation.models.Generation``): the columns that
    ``jobs.queue`` claims, leases and fences on. The table keeps its own id, ``created_at`` (the claim order) and
    indexes."""

    status: Mapped[str] = mapped_column(String(16), default="pending")
    progress: Mapped[int] = mapped_column(Integer, default=0)
    attempt: Mapped[int] = mapped_column(Integer, default=0)
    max_attempts: Mapped[int] = mapped_column(Integer)
    available_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    worker_id: Mapped[str | None] = mapped_column(String(64))
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    error_code: Mapped[str | None] = mapped_column(String(32))
    error_message: Mapped[str | None] = mapped_column(String(1000))
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # when the latest attempt was claimed
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class WorkerProcess(Base):
    __tablename__ = "workers"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    hostname: Mapped[str] = mapped_column(String(255))
    # Processes with the same host key share a kernel and PID namespace, so one can check whether the other's PID
    # is still running (see jobs/liveness.py) instead of waiting for its lease to run out.
    host_key: Mapped[str] = mapped_column(String(64), index=True)
    pid: Mapped[int] = mapped_column(Integer)
    pid_started: Mapped[str | None] = mapped_column(String(32))  # the process's start time: tells a reused PID apart
    concurrency: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    heartbeat_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
