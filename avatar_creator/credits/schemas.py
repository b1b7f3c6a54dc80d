"""Wire shapes of the credits API."""

from __future__ import annotations

from datetime import datetime

from avatar_creator.schemas import ApiModel


class CreditTransactionRead(ApiModel):
    id: str
    amount: int
    balance_after: int
    type: str
    description: str
    reference_type: str | None
    reference_id: str | None
    created_at: datetime
