"""``/api/admin``: users, credits, the queue and the audit log, for admins. Anyone else (a user, a visitor, an API
token) finds nothing here: 404 on every route (``deps.get_admin``). Every change is written to the audit log."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response, status

from avatar_creator.admin import actions, audit, queue, users
from avatar_creator.admin.schemas import AdminUserRead, AuditEntryRead, CreditsChange, QueueRead, UserChange
from avatar_creator.credits.schemas import CreditTransactionRead
from avatar_creator.deps import AdminUser, BroadcasterDep, DatabaseDep, SettingsDep, SignalsDep, StorageDep
from avatar_creator.generation import service as generation_service
from avatar_creator.generation.models import Generation
from avatar_creator.openapi import statuses

router = APIRouter(prefix="/api/admin", tags=["admin"])
Cursor = Annotated[str | None, Query(max_length=200)]
Limit = Annotated[int, Query(ge=1, le=100)]
StatusFilter = Literal["pending", "processing", "completed", "failed", "cancelled"]


def generation_read(generation: Generation) -> dict:
    """The API's generation object and whose it is."""
    return {**generation_service.to_api(generation), "userId": generation.user_id}


@router.get("/users")
def list_users(admin: AdminUser, database: DatabaseDep, q: Annotated[str | None, Query(max_length=320)] = None,
               cursor: Cursor = None, limit: Limit = 50) -> dict:
    with database.session(write=False) as session:
        found, next_cursor = users.search(session=session, q=q, limit=limit, cursor=cursor)
        return {"users": [AdminUserRead.of(account) for account in found], "nextCursor": next_cursor}


@router.get("/users/{user_id}")
def get_user(user_id: str, admin: AdminUser, database: DatabaseDep) -> dict:
    with database.session(write=False) as session:
        return {"user": AdminUserRead.of(users.get(session=session, user_id=user_id))}


@router.post("/users/{user_id}/credits", status_code=status.HTTP_201_CREATED, responses=statuses(409))
def change_credits(user_id: str, body: CreditsChange, admin: AdminUser, database: DatabaseDep,
                   signals: SignalsDep) -> dict:
    row = actions.change_credits(database=database, signals=signals, actor_id=admin.id, user_id=user_id,
                                 amount=body.amount, reason=body.reason)
    return {"transaction": CreditTransactionRead.model_validate(row).dump()}


@router.put("/users/{user_id}", responses=statuses(409))
def change_user(user_id: str, body: UserChange, admin: AdminUser, database: DatabaseDep,
                broadcaster: BroadcasterDep) -> dict:
    account = actions.change_user(database=database, broadcaster=broadcaster, actor_id=admin.id, user_id=user_id,
                                  role=body.role, disabled=body.disabled)
    return {"user": AdminUserRead.of(account)}


@router.delete("/users/{user_id}", status_code=status.HTTP_204_NO_CONTENT, responses=statuses(409))
def delete_user(user_id: str, admin: AdminUser, database: DatabaseDep, storage: StorageDep,
                broadcaster: BroadcasterDep) -> Response:
    actions.delete_user(database=database, storage=storage, broadcaster=broadcaster, actor_id=admin.id,
                        user_id=user_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/generations")
def list_generations(admin: AdminUser, database: DatabaseDep,
                     status_filter: Annotated[StatusFilter | None, Query(alias="status")] = None,
                     user_id: Annotated[str | None, Query(alias="userId", max_length=64)] = None,
                     error_code: Annotated[str | None, Query(alias="errorCode", max_length=40)] = None,
                     cursor: Cursor = None, limit: Limit = 50) -> dict:
    with database.session(write=False) as session:
        found, next_cursor = queue.generations(session=session, status=status_filter, user_id=user_id,
                                               error_code=error_code, limit=limit, cursor=cursor)
        return {"generations": [generation_read(generation) for generation in found], "nextCursor": next_cursor}


@router.get("/generations/{generation_id}")
def get_generation(generation_id: str, admin: AdminUser, database: DatabaseDep) -> dict:
    with database.session(write=False) as session:
        return {"generation": generation_read(queue.get(session=session, generation_id=generation_id))}


@router.post("/generations/{generation_id}/cancel", responses=statuses(409))
def cancel_generation(generation_id: str, admin: AdminUser, database: DatabaseDep, signals: SignalsDep) -> dict:
    cancelled = actions.cancel_generation(database=database, signals=signals, actor_id=admin.id,
                                          generation_id=generation_id)
    return {"generation": generation_read(cancelled)}


@router.post("/generations/{generation_id}/retry", status_code=status.HTTP_202_ACCEPTED,
             responses={200: {"description": "Retried before: that first retry again, not charged.",
                              "content": {"application/json": {"schema": {"type": "object"}}}},
                        **statuses(402, 409)})
def retry_generation(generation_id: str, admin: AdminUser, database: DatabaseDep, settings: SettingsDep,
                     signals: SignalsDep, response: Response) -> dict:
    retried, replayed = actions.retry_generation(database=database, settings=settings, signals=signals,
                                                 actor_id=admin.id, generation_id=generation_id)
    if replayed:
        response.status_code = status.HTTP_200_OK
    return {"generation": generation_read(retried)}


@router.get("/queue")
def queue_overview(admin: AdminUser, database: DatabaseDep) -> dict:
    with database.session(write=False) as session:
        return QueueRead.of(queue.overview(session=session))


@router.get("/audit")
def list_audit(admin: AdminUser, database: DatabaseDep, cursor: Cursor = None, limit: Limit = 50) -> dict:
    with database.session(write=False) as session:
        entries, next_cursor = audit.entries(session=session, limit=limit, cursor=cursor)
        return {"entries": [AuditEntryRead.model_validate(entry).dump() for entry in entries],
                "nextCursor": next_cursor}
