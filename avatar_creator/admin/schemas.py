"""Wire shapes of the admin API."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from avatar_creator.admin.queue import Overview
from avatar_creator.admin.users import Account
from avatar_creator.schemas import ApiModel

MAX_CREDITS_CHANGE = 1_000_000


class CreditsChange(ApiModel):
    amount: Annotated[int, Field(ge=-MAX_CREDITS_CHANGE, le=MAX_CREDITS_CHANGE)]
    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


class UserChange(ApiModel):
    role: Literal["user", "admin"] | None = None
    disabled: bool | None = None


class AdminUserRead(ApiModel):
    id: str
    email: str
    name: str | None
    role: str
    credit_balance: int
    storage_used: int
    storage_quota: int
    created_at: datetime
    last_seen_at: datetime | None
    disabled: bool

    @classmethod
    def of(cls, account: Account) -> dict:
        user = account.user
        return cls(id=user.id, email=user.email, name=user.name, role=user.role, credit_balance=user.credit_balance,
                   storage_used=user.storage_used, storage_quota=user.storage_quota, created_at=user.created_at,
                   last_seen_at=account.last_seen_at, disabled=user.disabled_at is not None).dump()


class AuditEntryRead(ApiModel):
    id: str
    actor_id: str
    action: str
    target_type: str
    target_id: str
    details: dict
    created_at: datetime


class QueueRead(ApiModel):
    counts: dict[str, int]
    oldest_pending_at: datetime | None
    oldest_pending_age_seconds: float | None
    failures_by_code: dict[str, int]

    @classmethod
    def of(cls, overview: Overview) -> dict:
        oldest = overview.oldest_pending_at
        return cls(counts=overview.counts, oldest_pending_at=oldest,
                   oldest_pending_age_seconds=round((overview.as_of - oldest).total_seconds(), 1) if oldest else None,
                   failures_by_code=overview.failures).dump()
