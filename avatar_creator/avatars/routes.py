"""``/api/apps/avatar-creator``: avatars (list, get, edit, delete, download, usage) and project downloads."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status

from avatar_creator.avatars import bulk, service, usage
from avatar_creator.avatars.downloads import archive_response, attachment
from avatar_creator.avatars.schemas import (
    SOURCE_TYPE,
    AvatarMove,
    AvatarSelection,
    AvatarUpdate,
    UsageCreate,
    UsageRead,
    UsageSummary,
    avatar_to_api,
)
from avatar_creator.deps import (
    AvatarsReader,
    CurrentUser,
    DatabaseDep,
    FileUrlsDep,
    SignalsDep,
    StorageDep,
    UsageRecorder,
)
from avatar_creator.generation import requests
from avatar_creator.openapi import binary, statuses
from avatar_creator.user_files import FILE_RESPONSES, file_response

router = APIRouter(prefix="/api/apps/avatar-creator", tags=["avatars"])


@router.get("/avatars")
def list_avatars(
    user: AvatarsReader, database: DatabaseDep, file_urls: FileUrlsDep,
    project_id: Annotated[str | None, Query(alias="projectId", max_length=64)] = None,
    source_type: Annotated[SOURCE_TYPE | None, Query(alias="sourceType")] = None,
    favorite: bool | None = None,
    q: Annotated[str | None, Query(max_length=100)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> dict:
    filters = service.AvatarFilter(project_id=project_id, source_type=source_type, favorite=favorite,
                                   q=q.strip() if q else None)
    with database.session(write=False) as session:
        avatars, next_cursor = service.list_avatars(session=session, user_id=user.id, filters=filters, limit=limit,
                                                    cursor=cursor)
    return {"avatars": [avatar_to_api(avatar, file_urls) for avatar in avatars], "nextCursor": next_cursor}


@router.get("/avatars/{avatar_id}")
def get_avatar(avatar_id: str, user: AvatarsReader, database: DatabaseDep, file_urls: FileUrlsDep) -> dict:
    with database.session(write=False) as session:
        avatar = service.get_owned(session=session, user_id=user.id, avatar_id=avatar_id)
    return {"avatar": avatar_to_api(avatar, file_urls)}


@router.put("/avatars/{avatar_id}")
def update_avatar(avatar_id: str, body: AvatarUpdate, user: CurrentUser, database: DatabaseDep,
                  file_urls: FileUrlsDep) -> dict:
    with database.session() as session:
        avatar = service.update_owned(session=session, user_id=user.id, avatar_id=avatar_id,
                                      changes=body.columns(only_sent=True))
    return {"avatar": avatar_to_api(avatar, file_urls)}


@router.delete("/avatars/{avatar_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_avatar(avatar_id: str, user: CurrentUser, database: DatabaseDep, storage: StorageDep,
                  signals: SignalsDep) -> Response:
    requests.delete_avatar(database=database, storage=storage, signals=signals, user_id=user.id, avatar_id=avatar_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/avatars/{avatar_id}/download", responses=FILE_RESPONSES)
def download_avatar(avatar_id: str, request: Request, user: AvatarsReader, database: DatabaseDep,
                    storage: StorageDep) -> Response:
    with database.session(write=False) as session:
        avatar = service.get_owned(session=session, user_id=user.id, avatar_id=avatar_id)
    extension = avatar.storage_key.rsplit(".", 1)[-1]
    return file_response(request, storage, avatar.storage_key,
                         headers={"Content-Disposition": attachment(avatar.name, extension)})


@router.post("/avatars/{avatar_id}/usage", status_code=status.HTTP_201_CREATED)
def record_usage(avatar_id: str, body: UsageCreate, user: UsageRecorder, database: DatabaseDep) -> dict:
    with database.session() as session:
        row = usage.record(session=session, user_id=user.id, avatar_id=avatar_id, app_id=body.app_id,
                           app_name=body.app_name, action=body.action, reference_id=body.reference_id,
                           reference_type=body.reference_type, metadata=body.metadata)
        return {"usage": UsageRead.of(row)}


@router.get("/avatars/{avatar_id}/usage-history")
def usage_history(avatar_id: str, user: AvatarsReader, database: DatabaseDep) -> dict:
    with database.session(write=False) as session:
        service.get_owned(session=session, user_id=user.id, avatar_id=avatar_id)
        return {"success": True,
                "history": [UsageRead.of(row) for row in usage.history(session=session, avatar_id=avatar_id)],
                "summary": [UsageSummary.model_validate(row._mapping).dump()
                            for row in usage.summary(session=session, avatar_id=avatar_id)]}


@router.get("/projects/{project_id}/download", responses=binary("application/zip"))
def download_project(project_id: str, user: CurrentUser, database: DatabaseDep, storage: StorageDep) -> Response:
    archive = bulk.download_project(database=database, storage=storage, user_id=user.id, project_id=project_id)
    return archive_response(archive.name, archive.chunks)


# Not under /avatars/: a path there would share its methods' 405 answer with /avatars/{avatar_id}.
@router.post("/bulk/avatars/download", responses={**binary("application/zip"), **statuses(404)})
def download_avatars(body: AvatarSelection, user: AvatarsReader, database: DatabaseDep,
                     storage: StorageDep) -> Response:
    archive = bulk.download(database=database, storage=storage, user_id=user.id, avatar_ids=body.avatar_ids)
    return archive_response(archive.name, archive.chunks)


@router.post("/bulk/avatars/move", responses=statuses(404))
def move_avatars(body: AvatarMove, user: CurrentUser, database: DatabaseDep) -> dict:
    moved = bulk.move(database=database, user_id=user.id, avatar_ids=body.avatar_ids, project_id=body.project_id)
    return {"moved": moved.count, "projectId": moved.project_id}


@router.post("/bulk/avatars/delete", status_code=status.HTTP_204_NO_CONTENT, responses=statuses(404))
def delete_avatars(body: AvatarSelection, user: CurrentUser, database: DatabaseDep, storage: StorageDep,
                   signals: SignalsDep) -> Response:
    requests.delete_avatars(database=database, storage=storage, signals=signals, user_id=user.id,
                            avatar_ids=body.avatar_ids)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
