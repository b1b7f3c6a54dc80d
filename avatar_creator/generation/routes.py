"""Generation endpoints: queue avatars (202), follow them, cancel and retry them."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Header, Query, Response, status
from sqlalchemy.orm import Session

from avatar_creator.deps import (
    CurrentUser,
    DatabaseDep,
    Generator,
    ProviderNamesDep,
    SettingsDep,
    SignalsDep,
    limit_by_user,
)
from avatar_creator.generation import requests, service
from avatar_creator.generation.models import Generation
from avatar_creator.generation.schemas import GenerateIn
from avatar_creator.openapi import statuses

router = APIRouter(tags=["generation"])
PREFIX = "/api/apps/avatar-creator"
IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key", min_length=1, max_length=200)]
StatusFilter = Literal["pending", "processing", "completed", "failed", "cancelled"]


def _shaped(session: Session, generations: list[Generation]) -> list[dict]:
    positions = service.queue_positions(session=session, generations=generations)
    return [service.to_api(generation, positions.get(generation.id)) for generation in generations]


def queued_reply(queued: requests.Queued) -> dict:
    """The 202 answer of every way of queueing avatars (generate, from-preset, from-reference)."""
    generations = [service.to_api(generation, queued.positions.get(generation.id))
                   for generation in queued.generations]
    return {"generations": generations, "generation": generations[0] if generations else None,
            "creditUsed": queued.credit_used, "creditBalance": queued.credit_balance}


@router.post(f"{PREFIX}/projects/{{project_id}}/avatars/generate", status_code=status.HTTP_202_ACCEPTED,
             dependencies=[limit_by_user("generate")], responses=statuses(402, 409))
def generate(project_id: str, body: GenerateIn, user: Generator, database: DatabaseDep, settings: SettingsDep,
             provider_names: ProviderNamesDep, signals: SignalsDep, idempotency_key: IdempotencyKey = None) -> dict:
    return queued_reply(requests.generate(
        database=database, settings=settings, provider_names=provider_names, signals=signals, user_id=user.id,
        project_id=project_id, body=body, idempotency_key=idempotency_key))


@router.get(f"{PREFIX}/generations")
def list_generations(user: Generator, database: DatabaseDep, status_filter: Annotated[
                         StatusFilter | None, Query(alias="status")] = None,
                     project_id: Annotated[str | None, Query(alias="projectId", max_length=64)] = None,
                     limit: Annotated[int, Query(ge=1, le=200)] = 50) -> dict:
    with database.session(write=False) as session:
        generations = service.list_for_user(session=session, user_id=user.id, status=status_filter,
                                            project_id=project_id, limit=limit)
        return {"generations": _shaped(session, generations)}


@router.get(f"{PREFIX}/generations/{{generation_id}}")
def get_generation(generation_id: str, user: Generator, database: DatabaseDep) -> dict:
    with database.session(write=False) as session:
        generation = service.get_owned(session=session, user_id=user.id, generation_id=generation_id)
        return {"generation": _shaped(session, [generation])[0]}


@router.post(f"{PREFIX}/generations/{{generation_id}}/cancel", responses=statuses(409))
def cancel_generation(generation_id: str, user: Generator, database: DatabaseDep, signals: SignalsDep) -> dict:
    generation = requests.cancel(database=database, signals=signals, user_id=user.id, generation_id=generation_id)
    return {"generation": service.to_api(generation)}


@router.post(f"{PREFIX}/generations/{{generation_id}}/retry", status_code=status.HTTP_202_ACCEPTED,
             dependencies=[limit_by_user("generate")],
             responses={200: {"description": "Retried before: that first retry again, not charged.",
                              "content": {"application/json": {"schema": {"type": "object"}}}},
                        **statuses(402, 409)})
def retry_generation(generation_id: str, user: Generator, database: DatabaseDep, settings: SettingsDep,
                     signals: SignalsDep, response: Response) -> dict:
    queued = requests.retry(database=database, settings=settings, signals=signals, user_id=user.id,
                            generation_id=generation_id)
    if queued.replayed:  # retried before: that first retry, nothing new queued or charged
        response.status_code = status.HTTP_200_OK
    return {"generation": queued_reply(queued)["generation"]}


@router.get("/api/generations/recent")
def recent_generations(user: CurrentUser, database: DatabaseDep,
                       limit: Annotated[int, Query(ge=1, le=50)] = 5) -> dict:
    with database.session(write=False) as session:
        generations = service.list_for_user(session=session, user_id=user.id, limit=limit)
        return {"generations": _shaped(session, generations)}
