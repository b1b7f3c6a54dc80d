"""``POST …/projects/{projectId}/avatars/upload``: API.md's checks in order, each refusing with nothing kept.

The route is async and holds no database transaction while the body streams or the image is decoded: a short read
checks the caller and the project, and one write transaction at the end takes the quota, the row and the credits
together (SQLite's write lock is global, so holding it across an upload would serialise every request).
"""

from __future__ import annotations

from fastapi import APIRouter, Request, Response, status
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError

from avatar_creator.avatars import attributes
from avatar_creator.avatars.multipart import FILE_FIELD, read_upload_form
from avatar_creator.avatars.schemas import AvatarUpload, avatar_to_api
from avatar_creator.avatars.upload_service import store_upload
from avatar_creator.deps import get_current_user
from avatar_creator.errors import ValidationFailed
from avatar_creator.imaging import process_upload
from avatar_creator.projects import service as projects_service

router = APIRouter(prefix="/api/apps/avatar-creator", tags=["avatars"])
FORM_FIELDS = frozenset(field.alias for field in AvatarUpload.model_fields.values())


@router.post("/projects/{project_id}/avatars/upload", status_code=status.HTTP_201_CREATED)
async def upload_avatar(project_id: str, request: Request, response: Response) -> dict:
    user_id, rate_headers = await run_in_threadpool(_authorise, request, project_id)
    response.headers.update(rate_headers)
    form = await read_upload_form(request, max_file_bytes=request.app.state.settings.max_upload_bytes,
                                  text_fields=FORM_FIELDS)
    if form.image is None:
        sent = f"; the form had {', '.join(repr(name) for name in form.ignored)}" if form.ignored else ""
        raise ValidationFailed(f"image: required, as a multipart file field named 'image'{sent}", field=FILE_FIELD)
    fields = _validate_fields(form.fields)
    return await run_in_threadpool(_store, request, user_id, project_id, form.image, fields)


def _authorise(request: Request, project_id: str) -> tuple[str, dict[str, str]]:
    """The caller (with the CSRF check for cookies), counted against the upload limit, owning the project."""
    with request.app.state.database.session(write=False) as session:
        user = get_current_user(request, session, request.app.state.settings)
        rate_headers = request.app.state.rate_limiter.hit("upload", user.id)
        projects_service.get_owned(session=session, user_id=user.id, project_id=project_id)
    return user.id, rate_headers


def _validate_fields(raw: dict[str, str]) -> AvatarUpload:
    try:
        return AvatarUpload.model_validate(attributes.from_form(raw))
    except ValidationError as error:
        raise RequestValidationError(error.errors(include_url=False, include_context=False)) from None


def _store(request: Request, user_id: str, project_id: str, image: bytes, fields: AvatarUpload) -> dict:
    """Decode and normalise the image, then charge storage and credits and insert the row in one transaction."""
    state = request.app.state
    processed = process_upload(image)
    cost = state.settings.cost_upload
    with state.database.session() as session:
        avatar, balance = store_upload(session=session, storage=state.storage, event_sink=state.jobs.signals.events,
                                       user_id=user_id, project_id=project_id, processed=processed,
                                       fields=fields.columns(), cost=cost)
        shaped = avatar_to_api(avatar, state.file_url)
    return {"avatar": shaped, "creditUsed": cost, "creditBalance": balance}
