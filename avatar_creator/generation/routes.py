"""Generation endpoints: queue avatars (202), follow them, cancel and retry them."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Header, Query, Request, status

from avatar_creator.deps import CurrentUser, SessionDep, SettingsDep, limit_by_user
from avatar_creator.generation import lifecycle, service
from avatar_creator.generation.models import Generation
from avatar_creator.generation.schemas import GenerateIn

router = APIRouter(tags=["generation"])
PREFIX = "/api/apps/avatar-creator"
IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key", min_length=1, max_length=200)]
StatusFilter = Literal["pending", "processing", "completed", "failed", "cancelled"]


def _shaped(session, generations: list[Generation]) -> list[dict]:
    positions = service.queue_positions(session=session, generations=generations)
    return [service.to_api(generation, positions.get(generation.id)) for generation in generations]


@router.post(f"{PREFIX}/projects/{{project_id}}/avatars/generate", status_code=status.HTTP_202_ACCEPTED,
             dependencies=[limit_by_user("generate")])
def generate(project_id: str, body: GenerateIn, request: Request, user: CurrentUser, session: SessionDep,
             settings: SettingsDep, idempotency_key: IdempotencyKey = None) -> dict:
    jobs = request.app.state.jobs
    batch = lifecycle.create(session=session, settings=settings, provider_names=jobs.provider_names(),
                             user_id=user.id, project_id=project_id, body=body, idempotency_key=idempotency_key,
                             signals=jobs.signals)
    return batch_reply(session, batch)


def batch_reply(session, batch: lifecycle.Batch) -> dict:
    """The 202 answer of every way of queueing avatars (generate, from-preset, from-reference)."""
    generations = _shaped(session, batch.generations)
    return {"generations": generations, "generation": generations[0] if generations else None,
            "creditUsed": batch.credit_used, "creditBalance": batch.credit_balance}


@router.get(f"{PREFIX}/generations")
def list_generations(user: CurrentUser, session: SessionDep, status_filter: Annotated[
                         StatusFilter | None, Query(alias="status")] = None,
                     project_id: Annotated[str | None, Query(alias="projectId", max_length=64)] = None,
                     limit: Annotated[int, Query(ge=1, le=200)] = 50) -> dict:
    generations = service.list_for_user(session=session, user_id=user.id, status=status_filter,
                                        project_id=project_id, limit=limit)
    return {"generations": _shaped(session, generations)}


@router.get(f"{PREFIX}/generations/{{generation_id}}")
def get_generation(generation_id: str, user: CurrentUser, session: SessionDep) -> dict:
    generation = service.get_owned(session=session, user_id=user.id, generation_id=generation_id)
    return {"generation": _shaped(session, [generation])[0]}


@router.post(f"{PREFIX}/generations/{{generation_id}}/cancel")
def cancel_generation(generation_id: str, request: Request, user: CurrentUser, session: SessionDep) -> dict:
    generation = lifecycle.cancel(session=session, user_id=user.id, generation_id=generation_id,
                                  signals=request.app.state.jobs.signals)
    return {"generation": service.to_api(generation)}


@router.post(f"{PREFIX}/generations/{{generation_id}}/retry", status_code=status.HTTP_202_ACCEPTED,
             dependencies=[limit_by_user("generate")])
def retry_generation(generation_id: str, request: Request, user: CurrentUser, session: SessionDep,
                     settings: SettingsDep) -> dict:
    generation = lifecycle.retry(session=session, settings=settings, user_id=user.id, generation_id=generation_id,
                                 signals=request.app.state.jobs.signals)
    return {"generation": _shaped(session, [generation])[0]}


@router.get("/api/generations/recent")
def recent_generations(user: CurrentUser, session: SessionDep,
                       limit: Annotated[int, Query(ge=1, le=50)] = 5) -> dict:
    generations = service.list_for_user(session=session, user_id=user.id, limit=limit)
    return {"generations": _shaped(session, generations)}
