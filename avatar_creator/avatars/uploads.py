"""``POST …/projects/{projectId}/avatars/upload``: API.md's checks in order, each refusing with nothing kept.

The route is async and holds no database transaction while the body streams: the caller and the project are checked
in short reads, then ``avatars.uploading.upload`` decodes the image and writes in one short transaction, once one of
the process's decode slots is free (``imaging.decodes``).
"""

from __future__ import annotations

from fastapi import APIRouter, Request, status
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError

from avatar_creator.avatars import attributes, uploading
from avatar_creator.avatars.multipart import FILE_FIELD, read_upload_form
from avatar_creator.avatars.schemas import AvatarUpload, avatar_to_api
from avatar_creator.deps import (
    CurrentUser,
    DatabaseDep,
    DecodesDep,
    FileUrlsDep,
    SettingsDep,
    SignalsDep,
    StorageDep,
    limit_by_user,
)
from avatar_creator.errors import ValidationFailed
from avatar_creator.openapi import multipart_body, statuses

router = APIRouter(prefix="/api/apps/avatar-creator", tags=["avatars"])
FORM_FIELDS = frozenset(field.alias or name for name, field in AvatarUpload.model_fields.items())


@router.post("/projects/{project_id}/avatars/upload", status_code=status.HTTP_201_CREATED,
             dependencies=[limit_by_user("upload")], responses=statuses(402, 415),
             openapi_extra=multipart_body(AvatarUpload))
async def upload_avatar(project_id: str, request: Request, user: CurrentUser, database: DatabaseDep,
                        settings: SettingsDep, storage: StorageDep, signals: SignalsDep,
                        file_urls: FileUrlsDep, decodes: DecodesDep) -> dict:
    await run_in_threadpool(uploading.check_project, database=database, user_id=user.id, project_id=project_id)
    form = await read_upload_form(request, max_file_bytes=settings.max_upload_bytes, text_fields=FORM_FIELDS)
    if form.image is None:
        sent = f"; the form had {', '.join(repr(name) for name in form.ignored)}" if form.ignored else ""
        raise ValidationFailed(f"image: required, as a multipart file field named 'image'{sent}", field=FILE_FIELD)
    fields = _validate_fields(form.fields)
    async with decodes.held():
        uploaded = await run_in_threadpool(
            uploading.upload, database=database, storage=storage, event_sink=signals.events, user_id=user.id,
            project_id=project_id, image=form.image.data, fields=fields.columns(), cost=settings.cost_upload)
    return {"avatar": avatar_to_api(uploaded.avatar, file_urls), "creditUsed": uploaded.credit_used,
            "creditBalance": uploaded.credit_balance}


def _validate_fields(raw: dict[str, str]) -> AvatarUpload:
    try:
        return AvatarUpload.model_validate(attributes.from_form(raw))
    except ValidationError as error:
        raise RequestValidationError(error.errors(include_url=False, include_context=False)) from None
