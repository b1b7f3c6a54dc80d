"""``…/avatars/from-preset`` and ``…/avatars/from-reference``: queue avatars (202) like ``…/avatars/generate``."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Annotated

import anyio
from fastapi import APIRouter, Depends, Request, status
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError
from starlette.datastructures import UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser

from avatar_creator.avatars import attributes
from avatar_creator.deps import CurrentUser, SessionDep, SettingsDep, limit_by_user, session_token
from avatar_creator.errors import PayloadTooLarge, Unauthorized, ValidationFailed
from avatar_creator.generation import sources
from avatar_creator.generation.routes import PREFIX, IdempotencyKey, batch_reply
from avatar_creator.generation.source_schemas import FromPresetIn, FromReferenceIn

router = APIRouter(tags=["generation"])
FORM_FIELDS_ALLOWANCE = 64 * 1024  # room for the text fields and multipart headers beside the image
MAX_JSON_BYTES = 64 * 1024


@router.post(f"{PREFIX}/projects/{{project_id}}/avatars/from-preset", status_code=status.HTTP_202_ACCEPTED,
             dependencies=[limit_by_user("generate")])
def generate_from_preset(project_id: str, body: FromPresetIn, request: Request, user: CurrentUser,
                         session: SessionDep, settings: SettingsDep, idempotency_key: IdempotencyKey = None) -> dict:
    jobs = request.app.state.jobs
    batch = sources.create_from_preset(session=session, settings=settings, provider_names=jobs.provider_names(),
                                       user_id=user.id, project_id=project_id, body=body,
                                       idempotency_key=idempotency_key, signals=jobs.signals)
    return batch_reply(session, batch)


@dataclass(frozen=True)
class ReferenceRequest:
    fields: dict  # as sent, validated once the caller is known
    image: bytes | None  # None: a JSON request, which must name an avatar

    def validated(self) -> FromReferenceIn:
        try:
            body = FromReferenceIn.model_validate(self.fields)
        except ValidationError as error:
            raise RequestValidationError(error.errors()) from None
        if self.image is None and body.avatar_id is None:
            raise ValidationFailed("avatarId: required (or send the image as multipart/form-data)", field="avatarId")
        return body


async def read_reference_request(request: Request, settings: SettingsDep) -> ReferenceRequest:
    """The body, read before sign-in opens a database transaction (an upload may take a while to arrive)."""
    if session_token(request) is None:  # the one refusal cheap enough to make before reading an upload
        raise Unauthorized("Sign in first: send 'Authorization: Bearer <token>'.")
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type == "multipart/form-data":
        return await _read_multipart(request, settings.max_upload_bytes)
    if content_type == "application/json":
        raw = b"".join([chunk async for chunk in _limited(request, MAX_JSON_BYTES)])
        try:
            fields = json.loads(raw)
        except ValueError:
            raise ValidationFailed("Malformed JSON in the request body.") from None
        if not isinstance(fields, dict):
            raise ValidationFailed("The request body must be a JSON object.")
        return ReferenceRequest(fields=fields, image=None)
    raise ValidationFailed("Send multipart/form-data with an image, or JSON with an avatarId.")


@router.post(f"{PREFIX}/projects/{{project_id}}/avatars/from-reference", status_code=status.HTTP_202_ACCEPTED)
async def generate_from_reference(project_id: str,
                                  reference: Annotated[ReferenceRequest, Depends(read_reference_request)],
                                  _rate_limit: Annotated[None, limit_by_user("generate")], request: Request,
                                  user: CurrentUser, session: SessionDep, settings: SettingsDep,
                                  idempotency_key: IdempotencyKey = None) -> dict:
    jobs = request.app.state.jobs
    body = reference.validated()

    def create() -> dict:  # image checks and the database: off the event loop
        batch = sources.create_from_reference(
            session=session, settings=settings, storage=jobs.storage, provider_names=jobs.provider_names(),
            user_id=user.id, project_id=project_id, body=body, image=reference.image,
            idempotency_key=idempotency_key, signals=jobs.signals)
        return batch_reply(session, batch)

    return await anyio.to_thread.run_sync(create)


async def _read_multipart(request: Request, max_image_bytes: int) -> ReferenceRequest:
    try:
        form = await MultiPartParser(request.headers, _limited(request, max_image_bytes + FORM_FIELDS_ALLOWANCE),
                                     max_files=1, max_fields=40).parse()
    except MultiPartException as error:
        raise ValidationFailed(f"Malformed multipart body: {error.message}") from None
    try:
        fields: dict = {}
        image = None
        for key, value in form.multi_items():
            if key == "image":
                if not isinstance(value, UploadFile):
                    raise ValidationFailed("image: must be a file", field="image")
                image = await value.read()
                if len(image) > max_image_bytes:
                    raise PayloadTooLarge(f"image: the file is over {max_image_bytes} bytes", field="image")
            elif isinstance(value, str) and value != "":  # an empty form field is an absent one
                fields[key] = value
    finally:
        await form.close()
    return ReferenceRequest(fields=attributes.from_form(fields), image=image)


async def _limited(request: Request, limit: int) -> AsyncIterator[bytes]:
    """The body's chunks, stopped with a 413 as soon as more than ``limit`` bytes arrived."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise PayloadTooLarge(f"The request body is over {limit} bytes.")
    received = 0
    async for chunk in request.stream():
        received += len(chunk)
        if received > limit:
            raise PayloadTooLarge(f"The request body is over {limit} bytes.")
        yield chunk
