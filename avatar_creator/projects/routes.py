"""``/api/apps/avatar-creator/projects``: project CRUD; a project is shown with its avatars."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status
from sqlalchemy.orm import Session

from avatar_creator.avatars import service as avatars_service
from avatar_creator.avatars.schemas import FileUrl, avatar_to_api
from avatar_creator.deps import AvatarsReader, CurrentUser, DatabaseDep, FileUrlsDep, SignalsDep, StorageDep
from avatar_creator.generation import requests
from avatar_creator.projects import service
from avatar_creator.projects.models import Project
from avatar_creator.projects.schemas import ProjectCreate, ProjectRead, ProjectUpdate

router = APIRouter(prefix="/api/apps/avatar-creator/projects", tags=["projects"])
AvatarLimit = Annotated[int | None, Query(alias="avatarLimit", ge=0, le=1000)]


def _projects_to_api(session: Session, projects: list[Project], file_url: FileUrl,
                     avatar_limit: int | None) -> list[dict]:
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
def list_projects(user: AvatarsReader, database: DatabaseDep, file_urls: FileUrlsDep,
                  avatar_limit: AvatarLimit = None) -> dict:
    with database.session(write=False) as session:
        projects = service.list_for_user(session=session, user_id=user.id)
        return {"projects": _projects_to_api(session, projects, file_urls, avatar_limit)}


@router.post("", status_code=status.HTTP_201_CREATED)
def create_project(body: ProjectCreate, user: CurrentUser, database: DatabaseDep, file_urls: FileUrlsDep) -> dict:
    with database.session() as session:
        project = service.create(session=session, user_id=user.id, name=body.name, description=body.description)
        return {"project": _projects_to_api(session, [project], file_urls, None)[0]}


@router.get("/{project_id}")
def get_project(project_id: str, user: AvatarsReader, database: DatabaseDep, file_urls: FileUrlsDep,
                avatar_limit: AvatarLimit = None) -> dict:
    with database.session(write=False) as session:
        project = service.get_owned(session=session, user_id=user.id, project_id=project_id)
        return {"project": _projects_to_api(session, [project], file_urls, avatar_limit)[0]}


@router.put("/{project_id}")
def update_project(project_id: str, body: ProjectUpdate, user: CurrentUser, database: DatabaseDep,
                   file_urls: FileUrlsDep) -> dict:
    changes = body.model_dump(include=body.model_fields_set)
    with database.session() as session:
        project = service.update(session=session, user_id=user.id, project_id=project_id, changes=changes)
        return {"project": _projects_to_api(session, [project], file_urls, None)[0]}


@router.delete("/{project_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_project(project_id: str, user: CurrentUser, database: DatabaseDep, storage: StorageDep,
                   signals: SignalsDep) -> Response:
    requests.delete_project(database=database, storage=storage, signals=signals, user_id=user.id,
                            project_id=project_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
