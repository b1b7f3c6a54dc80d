"""The processes that run jobs: each one registers itself and heartbeats, so others can tell it is alive."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from avatar_creator.db import Base, UTCDateTime, new_id, utcnow


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
