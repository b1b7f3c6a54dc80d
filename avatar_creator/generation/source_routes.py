"""``…/avatars/from-preset`` and ``…/avatars/from-reference``: queue avatars (202) like ``…/avatars/generate``."""

from __future__ import annotations

import json
from contextlib import nullcontext
from dataclasses import dataclass

from fastapi import APIRouter, Request, status
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError

from avatar_creator.avatars import attributes
from avatar_creator.avatars.multipart import UploadedFile, read_limited_body, read_upload_form
from avatar_creator.deps import (
    DatabaseDep,
    DecodesDep,
    Generator,
    ProviderNamesDep,
    SettingsDep,
    SignalsDep,
    StorageDep,
    limit_by_user,
)
from avatar_creator.errors import ValidationFailed
from avatar_creator.generation import requests
from avatar_creator.generation.routes import PREFIX, IdempotencyKey, queued_reply
from avatar_creator.generation.source_schemas import FromPresetIn, FromReferenceIn
from avatar_creator.openapi import multipart_body, statuses

router = APIRouter(tags=["generation"])
MAX_JSON_BYTES = 64 * 1024
REFERENCE_FIELDS = frozenset(field.alias or name for name, field in FromReferenceIn.model_fields.items())


@router.post(f"{PREFIX}/projects/{{project_id}}/avatars/from-preset", status_code=status.HTTP_202_ACCEPTED,
             dependencies=[limit_by_user("generate")], responses=statuses(402, 409))
def generate_from_preset(project_id: str, body: FromPresetIn, user: Generator, database: DatabaseDep,
                         settings: SettingsDep, provider_names: ProviderNamesDep, signals: SignalsDep,
                         idempotency_key: IdempotencyKey = None) -> dict:
    return queued_reply(requests.from_preset(
        database=database, settings=settings, provider_names=provider_names, signals=signals, user_id=user.id,
        project_id=project_id, body=body, idempotency_key=idempotency_key))


@dataclass(frozen=True)
class ReferenceRequest:
    fields: dict  # as sent, validated once the caller is known
    image: UploadedFile | None  # None: a JSON request, which must name an avatar

    def validated(self) -> FromReferenceIn:
        try:
            body = FromReferenceIn.model_validate(self.fields)
        except ValidationError as error:
            raise RequestValidationError(error.errors()) from None
        if self.image is None and body.avatar_id is None:
            raise ValidationFailed("avatarId: required (or send the image as multipart/form-data)", field="avatarId")
        return body


async def read_reference_request(request: Request, max_image_bytes: int) -> ReferenceRequest:
    """The body: multipart with an image, or JSON naming an avatar; streamed, and stopped at its size limit."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type == "multipart/form-data":
        form = await read_upload_form(request, max_file_bytes=max_image_bytes, text_fields=REFERENCE_FIELDS,
                                      hash_file=True)  # the reference is stored under its digest
        fields = {key: value for key, value in form.fields.items() if value != ""}  # empty means absent
        return ReferenceRequest(fields=attributes.from_form(fields), image=form.image)
    if content_type == "application/json":
        try:
            fields = json.loads(await read_limited_body(request, MAX_JSON_BYTES))
        except ValueError:
            raise ValidationFailed("Malformed JSON in the request body.") from None
        if not isinstance(fields, dict):
            raise ValidationFailed("The request body must be a JSON object.")
        return ReferenceRequest(fields=fields, image=None)
    raise ValidationFailed("Send multipart/form-data with an image, or JSON with an avatarId.")


@router.post(f"{PREFIX}/projects/{{project_id}}/avatars/from-reference", status_code=status.HTTP_202_ACCEPTED,
             dependencies=[limit_by_user("generate")], responses=statuses(402, 409, 415),
             openapi_extra=multipart_body(FromReferenceIn, json_too=True))
async def generate_from_reference(project_id: str, request: Request, user: Generator, database: DatabaseDep,
                                  settings: SettingsDep, storage: StorageDep, provider_names: ProviderNamesDep,
                                  signals: SignalsDep, decodes: DecodesDep,
                                  idempotency_key: IdempotencyKey = None) -> dict:
    reference = await read_reference_request(request, settings.max_upload_bytes)
    body = reference.validated()
    async with decodes.held() if reference.image is not None else nullcontext():
        queued = await run_in_threadpool(  # the image decode and the transaction: off the event loop, in one thread
            requests.from_reference, database=database, settings=settings, storage=storage,
            provider_names=provider_names, signals=signals, user_id=user.id, project_id=project_id, body=body,
            image=reference.image, idempotency_key=idempotency_key)
    return queued_reply(queued)
