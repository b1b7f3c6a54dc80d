"""``/api/apps/avatar-creator/projects``: project CRUD; a project is shown with its avatars."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status

from avatar_creator.avatars import service as avatars_service
from avatar_creator.avatars.schemas import FileUrl, avatar_to_api
from avatar_creator.deps import CurrentUser, SessionDep
from avatar_creator.generation import deletes
from avatar_creator.projects import service
from avatar_creator.projects.models import Project
from avatar_creator.projects.schemas import ProjectCreate, ProjectRead, ProjectUpdate

router = APIRouter(prefix="/api/apps/avatar-creator/projects", tags=["projects"])
AvatarLimit = Annotated[int | None, Query(alias="avatarLimit", ge=0, le=1000)]


def _projects_to_api(session, projects: list[Project], file_url: FileUrl, avatar_limit: int | None) -> list[dict]:
    avatars, counts = avatars_service.newest_by_project(
        session=session, project_ids=[p.id for p in projects], limit_per_project=avatar_limit)
    shaped = []
    for project in projects:
        own = avatars.get(project.id, [])
        shaped.append(ProjectRead(
            id=project.id, name=project.name, description=project.description, created_at=project.created_at,
            updated_at=project.updated_at, avatar_count=counts.get(project.id, 0),
            cover_thumbnail_url=file_url(own[0].thumbnail_key) if own else None,
            avatars=[avatar_to_api(a, file_url) for a in own],
        ).dump())
    return shaped


@router.get("")
def list_projects(request: Request, user: CurrentUser, session: SessionDep, avatar_limit: AvatarLimit = None) -> dict:
    projects = service.list_for_user(session=session, user_id=user.id)
    return {"projects": _projects_to_api(session, projects, request.app.state.file_url, avatar_limit)}


@router.post("", status_code=status.HTTP_201_CREATED)
def create_project(body: ProjectCreate, request: Request, user: CurrentUser, session: SessionDep) -> dict:
    project = service.create(session=session, user_id=user.id, name=body.name, description=body.description)
    return {"project": _projects_to_api(session, [project], request.app.state.file_url, None)[0]}


@router.get("/{project_id}")
def get_project(project_id: str, request: Request, user: CurrentUser, session: SessionDep,
                avatar_limit: AvatarLimit = None) -> dict:
    project = service.get_owned(session=session, user_id=user.id, project_id=project_id)
    return {"project": _projects_to_api(session, [project], request.app.state.file_url, avatar_limit)[0]}


@router.put("/{project_id}")
def update_project(project_id: str, body: ProjectUpdate, request: Request, user: CurrentUser,
                   session: SessionDep) -> dict:
    changes = body.model_dump(include=body.model_fields_set)
    project = service.update(session=session, user_id=user.id, project_id=project_id, changes=changes)
    return {"project": _projects_to_api(session, [project], request.app.state.file_url, None)[0]}


@router.delete("/{project_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_project(project_id: str, request: Request, user: CurrentUser, session: SessionDep) -> Response:
    deletes.delete_project(session=session, storage=request.app.state.storage, signals=request.app.state.jobs.signals,
                           user_id=user.id, project_id=project_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
