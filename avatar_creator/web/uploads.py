"""Upload from the web: the API's checks, in its order, answered as HTML for the upload dialog.

Like the API's upload, no database transaction is held while the body streams or the image is decoded. A refusal
leaves the dialog as it is (the chosen file and its preview stay) and puts each message in its field's slot.
"""

from __future__ import annotations

import hmac

from fastapi import Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from avatar_creator.avatars import service as avatars_service
from avatar_creator.avatars.models import Avatar
from avatar_creator.avatars.multipart import FILE_FIELD, read_upload_form
from avatar_creator.avatars.schemas import AvatarUpload
from avatar_creator.avatars.upload_service import store_upload
from avatar_creator.deps import CSRF_HEADER
from avatar_creator.errors import AppError, CsrfFailed, ValidationFailed
from avatar_creator.imaging import process_upload
from avatar_creator.projects import service as projects_service
from avatar_creator.web import choices, forms
from avatar_creator.web.rendering import render
from avatar_creator.web.session import CSRF_FIELD, signed_in_user

FIELDS = ("name", "gender", "ageRange")
SLOTS = (forms.FORM_LEVEL, FILE_FIELD, *FIELDS)  # every place a message can appear, cleared on each answer
FILE_PROBLEMS = {413, 415}  # a too-large or unsupported file is the file's problem, even without a field


async def handle(request: Request, project_id: str) -> Response:
    """Store the upload and answer the new card, or the messages of a refusal."""
    user_id = await run_in_threadpool(_authorise, request, project_id)
    try:
        form = await read_upload_form(request, max_file_bytes=request.app.state.settings.max_upload_bytes,
                                      text_fields=frozenset({*FIELDS, CSRF_FIELD}))
        _check_csrf(request, form.fields)
        if not form.image:
            raise ValidationFailed("Choose a photo to upload.", field=FILE_FIELD)
        fields, errors = forms.parse(AvatarUpload, form.fields, FIELDS)
        if errors:
            return _refused(request, errors, 400)
        avatar, avatar_count, balance = await run_in_threadpool(_store, request, user_id, project_id, form.image,
                                                                fields)
    except CsrfFailed:
        raise
    except AppError as error:
        field = error.field or (FILE_FIELD if error.status_code in FILE_PROBLEMS else forms.FORM_LEVEL)
        message = error.message[:1].upper() + error.message[1:]  # the API's "image is …" starts a sentence here
        return _refused(request, {field if field in SLOTS else forms.FORM_LEVEL: message}, error.status_code)
    return render(request, "partials/upload_result.html", {
        "avatar": avatar, "avatar_count": avatar_count, "balance": balance, "slots": SLOTS, "errors": {},
        "file_url": request.app.state.file_url, "source_labels": choices.SOURCE_LABELS,
    }, toasts=[{"kind": "success", "message": f"Uploaded “{avatar.name}”."}], headers={"HX-Trigger": "uploaded"})


def _authorise(request: Request, project_id: str) -> str:
    """The signed-in user, counted against the upload limit, who owns the project."""
    state = request.app.state
    with state.database.session(write=False) as session:
        user = signed_in_user(request, session, state.settings)
        state.rate_limiter.hit("upload", user.id)
        projects_service.get_owned(session=session, user_id=user.id, project_id=project_id)
    return user.id


def _check_csrf(request: Request, fields: dict[str, str]) -> None:
    sent = request.headers.get(CSRF_HEADER) or fields.get(CSRF_FIELD, "")
    if not hmac.compare_digest(sent.encode(), request.state.csrf_token.encode()):
        raise CsrfFailed("This form has expired or did not come from this site.")


def _store(request: Request, user_id: str, project_id: str, image: bytes, fields: AvatarUpload
           ) -> tuple[Avatar, int, int]:
    """Normalise the image, then take quota and credits and insert the avatar in one transaction.

    Returns the avatar, the project's avatar count and the balance after.
    """
    state = request.app.state
    processed = process_upload(image)
    with state.database.session() as session:
        avatar, balance = store_upload(session=session, storage=state.storage, event_sink=state.jobs.signals.events,
                                       user_id=user_id, project_id=project_id, processed=processed,
                                       fields=fields.columns(), cost=state.settings.cost_upload)
        _, counts = avatars_service.newest_by_project(session=session, project_ids=[project_id], limit_per_project=0)
        return avatar, counts[project_id], balance


def _refused(request: Request, errors: dict[str, str], status_code: int) -> Response:
    return render(request, "partials/upload_result.html", {"avatar": None, "slots": SLOTS, "errors": errors},
                  status_code=status_code, toasts=forms.toasts(errors))
