"""``/api/credits``: the balance, wrapped as ``{"success": true, "data": ...}``, and the ledger history.

The history is a bare JSON array, the one exception to the wrapping: the old backend answered so and the old Credits
page calls ``.map`` on the body.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from avatar_creator.credits import service
from avatar_creator.credits.schemas import CreditTransactionRead
from avatar_creator.deps import CurrentUser, DatabaseDep

router = APIRouter(prefix="/api/credits", tags=["credits"])


@router.get("/balance")
def get_balance(user: CurrentUser, database: DatabaseDep) -> dict:
    with database.session(write=False) as session:
        balance = service.balance(session=session, user_id=user.id)
    return {"success": True, "data": {"balance": balance}}


@router.get("/history")
def get_history(user: CurrentUser, database: DatabaseDep,
                limit: Annotated[int, Query(ge=1, le=200)] = 50) -> list[CreditTransactionRead]:
    with database.session(write=False) as session:
        rows = service.history(session=session, user_id=user.id, limit=limit)
        return [CreditTransactionRead.model_validate(row) for row in rows]
