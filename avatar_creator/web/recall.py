"""Where an avatar came from (its generation, preset, reference) and what its page does with that: the form values of
"Reuse this seed" and the request of "Generate similar", each through the one ``generation.requests`` use case."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from avatar_creator.avatars import service as avatars_service
from avatar_creator.avatars.attributes import ATTRIBUTE_NAMES, PERSONALITY, AvatarFields
from avatar_creator.avatars.models import Avatar
from avatar_creator.avatars.multipart import UploadedFile
from avatar_creator.catalog import service as catalog_service
from avatar_creator.catalog.models import Preset
from avatar_creator.db import Database
from avatar_creator.errors import NotFound, ValidationFailed
from avatar_creator.generation import requests
from avatar_creator.generation import service as generation_service
from avatar_creator.generation.models import Generation
from avatar_creator.generation.schemas import GenerateIn
from avatar_creator.generation.source_schemas import FromPresetIn, FromReferenceIn
from avatar_creator.jobs.queue import Signals
from avatar_creator.settings import Settings
from avatar_creator.storage import Storage
from avatar_creator.web import choices


@dataclass(frozen=True)
class Origin:
    """What made an avatar: its generation (None for an upload), the preset, the reference avatar if it still exists."""

    generation: Generation | None
    preset: Preset | None
    reference: Avatar | None


def origin(*, session: Session, user_id: str, avatar: Avatar) -> Origin:
    """The avatar's origin; a generation, preset or reference deleted since is None."""
    generation_id = (avatar.generation_params or {}).get("generationId")
    generation = None
    if generation_id:
        try:
            generation = generation_service.get_owned(session=session, user_id=user_id, generation_id=generation_id)
        except NotFound:
            generation = None
    options = generation.options if generation else {}
    preset = catalog_service.get_preset_by_slug(session=session, slug=options["preset_slug"]) \
        if "preset_slug" in options else None
    reference = None
    if generation is not None and generation.reference_avatar_id:
        try:
            reference = avatars_service.get_owned(session=session, user_id=user_id,
                                                  avatar_id=generation.reference_avatar_id)
        except NotFound:
            reference = None
    return Origin(generation=generation, preset=preset, reference=reference)


def _attribute_fields(avatar: Avatar) -> dict:
    """The avatar's persona and look as they are now (edits included), by their API names."""
    return {AvatarFields.model_fields[name].alias or name: getattr(avatar, name) for name in ATTRIBUTE_NAMES
            if getattr(avatar, name) not in (None, [])}


def _request_fields(avatar: Avatar, generation: Generation, provider_names: set[str]) -> dict:
    """The generation's request again, with the avatar's current name, persona and look and no seed."""
    return {"name": avatar.name, "prompt": generation.prompt, "count": 1,
            "width": generation.options.get("width", avatar.width),
            "height": generation.options.get("height", avatar.height),
            "provider": generation.provider if generation.provider in provider_names else None,
            **_attribute_fields(avatar)}


def form_values(*, database: Database, user_id: str, avatar_id: str) -> dict:
    """The Generate form filled from the avatar: its prompt, size, provider, persona, look and seed."""
    with database.session(write=False) as session:
        avatar = avatars_service.get_owned(session=session, user_id=user_id, avatar_id=avatar_id)
        generation = origin(session=session, user_id=user_id, avatar=avatar).generation
    values = {key: value for key, value in _attribute_fields(avatar).items() if key != "personaPersonality"}
    size = f"{avatar.width}x{avatar.height}"
    values.update(name=avatar.name, count="1", prompt=generation.prompt if generation else "",
                  seed="" if avatar.seed_used is None else str(avatar.seed_used),
                  size=size if size in dict(choices.SIZES) else choices.DEFAULT_SIZE,
                  personaPersonality=", ".join(getattr(avatar, PERSONALITY) or []))
    if generation is not None:
        values["provider"] = generation.provider
    return values


def generate_similar(*, database: Database, settings: Settings, storage: Storage, provider_names: set[str],
                     signals: Signals, user_id: str, avatar_id: str) -> requests.Queued:
    """One more avatar made as this one was (the same kind of request, prompt, size and look), with a new seed."""
    with database.session(write=False) as session:
        avatar = avatars_service.get_owned(session=session, user_id=user_id, avatar_id=avatar_id)
        made = origin(session=session, user_id=user_id, avatar=avatar)
    generation = made.generation
    if generation is None:
        raise ValidationFailed("Only a generated avatar can be generated again; make avatars from this photo "
                               "instead.")
    common: dict[str, Any] = {"database": database, "settings": settings, "provider_names": provider_names,
                              "signals": signals, "user_id": user_id, "project_id": avatar.project_id,
                              "idempotency_key": None}
    if generation.source_type == "from_preset" and made.preset is not None:
        return requests.from_preset(body=FromPresetIn(preset_id=made.preset.id, custom_name=avatar.name, count=1),
                                    **common)
    fields = _request_fields(avatar, generation, provider_names)
    if generation.source_type == "from_reference":
        image = None if made.reference else UploadedFile(storage.read(generation.options["reference_key"]))
        body = FromReferenceIn.model_validate({**fields, "strength": generation.options.get("strength", 0.6),
                                               "avatarId": made.reference.id if made.reference else None})
        return requests.from_reference(storage=storage, body=body, image=image, **common)
    return requests.generate(body=GenerateIn.model_validate(fields), **common)
