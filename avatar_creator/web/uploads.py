"""Upload from the web: the API's checks, in its order, answered as HTML for the upload dialog.

The upload itself is ``avatars.uploading``, as for the API: no transaction is held while the body streams or the image
is decoded. A refusal leaves the dialog as it is (the chosen file and its preview stay) and puts each message in its
field's slot.
"""

from __future__ import annotations

import hmac

from fastapi import Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from avatar_creator.avatars import uploading
from avatar_creator.avatars.multipart import FILE_FIELD, read_upload_form
from avatar_creator.avatars.schemas import AvatarUpload
from avatar_creator.db import Database
from avatar_creator.deps import CSRF_HEADER
from avatar_creator.errors import AppError, CsrfFailed, ValidationFailed
from avatar_creator.events import EventSink
from avatar_creator.imaging.decodes import DecodeSlots
from avatar_creator.settings import Settings
from avatar_creator.signing import FileUrls
from avatar_creator.storage import Storage
from avatar_creator.web import choices, forms
from avatar_creator.web.rendering import render
from avatar_creator.web.session import CSRF_FIELD

FIELDS = ("name", "gender", "ageRange")
SLOTS = (forms.FORM_LEVEL, FILE_FIELD, *FIELDS)  # every place a message can appear, cleared on each answer
FILE_PROBLEMS = {413, 415}  # a too-large or unsupported file is the file's problem, even without a field


async def handle(request: Request, *, user_id: str, project_id: str, database: Database, settings: Settings,
                 storage: Storage, event_sink: EventSink, file_urls: FileUrls, decodes: DecodeSlots) -> Response:
    """Store the upload and answer the new card, or the messages of a refusal."""
    await run_in_threadpool(uploading.check_project, database=database, user_id=user_id, project_id=project_id)
    try:
        form = await read_upload_form(request, max_file_bytes=settings.max_upload_bytes,
                                      text_fields=frozenset({*FIELDS, CSRF_FIELD}))
        _check_csrf(request, form.fields)
        if form.image is None or not form.image.data:
            raise ValidationFailed("Choose a photo to upload.", field=FILE_FIELD)
        fields, errors = forms.parse(AvatarUpload, form.fields, FIELDS)
        if fields is None:  # refused: errors says why
            return _refused(request, errors, 400)
        async with decodes.held():
            uploaded = await run_in_threadpool(
                uploading.upload, database=database, storage=storage, event_sink=event_sink, user_id=user_id,
                project_id=project_id, image=form.image.data, fields=fields.columns(), cost=settings.cost_upload)
    except CsrfFailed:
        raise
    except AppError as error:
        field = error.field or (FILE_FIELD if error.status_code in FILE_PROBLEMS else forms.FORM_LEVEL)
        message = error.message[:1].upper() + error.message[1:]  # the API's "image is …" starts a sentence here
        return _refused(request, {field if field in SLOTS else forms.FORM_LEVEL: message}, error.status_code)
    avatar = uploaded.avatar
    return render(request, "partials/upload_result.html", {
        "avatar": avatar, "avatar_count": uploaded.avatar_count, "balance": uploaded.credit_balance, "slots": SLOTS,
        "errors": {}, "file_url": file_urls, "source_labels": choices.SOURCE_LABELS,
    }, toasts=[{"kind": "success", "message": f"Uploaded “{avatar.name}”."}], headers={"HX-Trigger": "uploaded"})


def _check_csrf(request: Request, fields: dict[str, str]) -> None:
    sent = request.headers.get(CSRF_HEADER) or fields.get(CSRF_FIELD, "")
    if not hmac.compare_digest(sent.encode(), request.state.csrf_token.encode()):
        raise CsrfFailed("This form has expired or did not come from this site.")


def _refused(request: Request, errors: dict[str, str], status_code: int) -> Response:
    return render(request, "partials/upload_result.html", {"avatar": None, "slots": SLOTS, "errors": errors},
                  status_code=status_code)  # each message in its slot, not again in a toast
