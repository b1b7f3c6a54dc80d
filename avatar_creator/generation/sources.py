"""Generating from a preset or from a reference image: each request becomes a ``GenerateIn`` and goes through the one
``generation.lifecycle.create`` that charges and queues, with its own price and source type."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from avatar_creator.avatars import files
from avatar_creator.avatars import service as avatars_service
from avatar_creator.catalog import service as catalog_service
from avatar_creator.errors import ValidationFailed
from avatar_creator.generation import lifecycle
from avatar_creator.generation.schemas import GenerateIn
from avatar_creator.generation.source_schemas import FromPresetIn, FromReferenceIn
from avatar_creator.imaging import ProcessedImage
from avatar_creator.jobs.queue import Signals
from avatar_creator.projects import service as projects_service
from avatar_creator.settings import Settings
from avatar_creator.storage import Storage, validate_key


def create_from_preset(*, session: Session, settings: Settings, provider_names: set[str], user_id: str,
                       project_id: str, body: FromPresetIn, idempotency_key: str | None,
                       signals: Signals) -> lifecycle.Batch:
    """Queue ``body.count`` avatars drawn from the preset's prompt, persona and attributes; count the preset's use."""
    preset = catalog_service.get_preset(session=session, id_or_slug=body.preset_id)
    request = GenerateIn.model_validate({"name": body.custom_name or preset.name, "prompt": preset.generation_prompt,
                                         "count": body.count, "seed": body.seed, **preset.avatar_fields()})
    batch = lifecycle.create(
        session=session, settings=settings, provider_names=provider_names, user_id=user_id, project_id=project_id,
        body=request, idempotency_key=idempotency_key, signals=signals, source_type="from_preset",
        options={"category": preset.category, "preset_id": preset.id, "preset_slug": preset.slug})
    if not batch.replayed:
        catalog_service.count_use(session=session, preset_id=preset.id)
    return batch


@dataclass(frozen=True)
class ReferenceUpload:
    """An uploaded reference image as ``imaging.process_upload`` normalised it, and the SHA-256 of the bytes as sent
    (taken while they streamed in), which names it."""

    image: ProcessedImage
    sha256: str


def create_from_reference(*, session: Session, settings: Settings, storage: Storage, provider_names: set[str],
                          user_id: str, project_id: str, body: FromReferenceIn, upload: ReferenceUpload | None,
                          idempotency_key: str | None, signals: Signals) -> lifecycle.Batch:
    """Queue avatars that keep the look of an uploaded image (``upload``, already checked by ``imaging.process_upload``
    outside the transaction) or of the caller's avatar ``body.avatar_id``."""
    projects_service.get_owned(session=session, user_id=user_id, project_id=project_id)
    if (upload is None) == (body.avatar_id is None):
        raise ValidationFailed("image: send either an image (multipart) or an avatarId, not both", field="image")
    reference_avatar_id = None
    if body.avatar_id is not None:
        avatar = avatars_service.get_owned(session=session, user_id=user_id, avatar_id=body.avatar_id)
        reference_key, reference_avatar_id = avatar.storage_key, avatar.id
    elif upload is not None:
        reference_key = _reference_key(user_id, upload)
    request = GenerateIn.model_validate(body.model_dump(exclude={"strength", "avatar_id"}))
    batch = lifecycle.create(
        session=session, settings=settings, provider_names=provider_names, user_id=user_id, project_id=project_id,
        body=request, idempotency_key=idempotency_key, signals=signals, source_type="from_reference",
        options={"strength": body.strength, "reference_key": reference_key}, reference_avatar_id=reference_avatar_id)
    if upload is not None:  # stored only once paid for; the workers read it from storage
        _store_once(session, storage, reference_key, upload.image.data)
    return batch


def _reference_key(user_id: str, upload: ReferenceUpload) -> str:
    """Named by content, so the same picture sent again (an Idempotency-Key replay) is the same request."""
    return validate_key(f"u/{user_id}/reference-{upload.sha256[:40]}.{upload.image.extension}")


def _store_once(session: Session, storage: Storage, key: str, data: bytes) -> None:
    if storage.exists(key):
        return
    files.write(session=session, storage=storage, key=key, data=data)
