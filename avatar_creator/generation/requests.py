"""What a user asks of the generation domain: generate, from a preset, from a reference, cancel, retry, and the two
deletes that must cancel and refund work first. The one home of each, for the JSON API and the web app alike.

Each opens one short write transaction, after any slow work (decoding a reference image), and returns plain results.
The deletes live here because cancelling work is the generation domain's, and it sits above avatars and projects.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from avatar_creator import events
from avatar_creator.auth import service as auth_service
from avatar_creator.avatars import service as avatars_service
from avatar_creator.credits import service as credits_service
from avatar_creator.db import Database
from avatar_creator.generation import lifecycle, service, sources
from avatar_creator.generation.models import Generation
from avatar_creator.generation.schemas import GenerateIn
from avatar_creator.generation.source_schemas import FromPresetIn, FromReferenceIn
from avatar_creator.imaging import process_upload
from avatar_creator.jobs.queue import Signals
from avatar_creator.projects import service as projects_service
from avatar_creator.settings import Settings
from avatar_creator.storage import Storage

if TYPE_CHECKING:  # the multipart reader's output; importing it at run time would pull Starlette in here
    from avatar_creator.avatars.multipart import UploadedFile


@dataclass(frozen=True)
class Queued:
    """Generations just queued (or an Idempotency-Key's earlier ones), each pending one's place, and the price."""

    generations: list[Generation]
    positions: dict[str, int]
    credit_used: int
    credit_balance: int
    replayed: bool = False  # an earlier request's generations, answered again: nothing charged now


@dataclass(frozen=True)
class Removed:
    """What a deleted project or avatar was called and where it lived, for the message that confirms it."""

    name: str
    project_id: str


def generate(*, database: Database, settings: Settings, provider_names: set[str], signals: Signals, user_id: str,
             project_id: str, body: GenerateIn, idempotency_key: str | None) -> Queued:
    """Charge for and queue ``body.count`` avatars from a prompt."""
    with database.session() as session:
        _require_verified(session, settings, user_id)
        batch = lifecycle.create(session=session, settings=settings, provider_names=provider_names, user_id=user_id,
                                 project_id=project_id, body=body, idempotency_key=idempotency_key, signals=signals)
        return _queued(session, batch)


def from_preset(*, database: Database, settings: Settings, provider_names: set[str], signals: Signals, user_id: str,
                project_id: str, body: FromPresetIn, idempotency_key: str | None) -> Queued:
    """Charge for and queue avatars drawn from a preset."""
    with database.session() as session:
        _require_verified(session, settings, user_id)
        batch = sources.create_from_preset(session=session, settings=settings, provider_names=provider_names,
                                           user_id=user_id, project_id=project_id, body=body,
                                           idempotency_key=idempotency_key, signals=signals)
        return _queued(session, batch)


def from_reference(*, database: Database, settings: Settings, storage: Storage, provider_names: set[str],
                   signals: Signals, user_id: str, project_id: str, body: FromReferenceIn, image: UploadedFile | None,
                   idempotency_key: str | None) -> Queued:
    """Charge for and queue avatars that keep the look of ``image`` or of the avatar ``body.avatar_id``."""
    with database.session(write=False) as session:  # someone else's project is a 404 before the image is looked at
        projects_service.get_owned(session=session, user_id=user_id, project_id=project_id)
    upload = sources.ReferenceUpload(process_upload(image.data), image.sha256) if image is not None else None
    with database.session() as session:
        _require_verified(session, settings, user_id)
        batch = sources.create_from_reference(session=session, settings=settings, storage=storage,
                                              provider_names=provider_names, user_id=user_id, project_id=project_id,
                                              body=body, upload=upload, idempotency_key=idempotency_key,
                                              signals=signals)
        return _queued(session, batch)


def cancel(*, database: Database, signals: Signals, user_id: str, generation_id: str) -> Generation:
    """Cancel a pending or processing generation and refund it."""
    with database.session() as session:
        return lifecycle.cancel(session=session, user_id=user_id, generation_id=generation_id, signals=signals)


def retry(*, database: Database, settings: Settings, signals: Signals, user_id: str, generation_id: str) -> Queued:
    """Queue a failed or cancelled generation again, charged again; a repeat answers the first retry (``replayed``)."""
    with database.session() as session:
        _require_verified(session, settings, user_id)
        retried = lifecycle.retry(session=session, settings=settings, user_id=user_id, generation_id=generation_id,
                                  signals=signals)
        generation = retried.generation
        return Queued(generations=[generation],
                      positions=service.queue_positions(session=session, generations=[generation]),
                      credit_used=generation.cost,
                      credit_balance=credits_service.balance(session=session, user_id=user_id),
                      replayed=retried.replayed)


def delete_project(*, database: Database, storage: Storage, signals: Signals, user_id: str,
                   project_id: str) -> Removed:
    """Cancel and refund the project's pending and processing work, remove its avatars' files, then the project."""
    with database.session() as session:
        project = projects_service.get_owned(session=session, user_id=user_id, project_id=project_id)
        removed = Removed(name=project.name, project_id=project.id)
        lifecycle.cancel_for_project(session=session, user_id=user_id, project_id=project_id, signals=signals)
        avatars_service.delete_for_project(session=session, storage=storage, user_id=user_id, project_id=project_id)
        projects_service.delete_owned(session=session, user_id=user_id, project_id=project_id)
    return removed


def delete_avatar(*, database: Database, storage: Storage, signals: Signals, user_id: str,
                  avatar_id: str) -> Removed:
    """``delete_avatars`` of one avatar."""
    return delete_avatars(database=database, storage=storage, signals=signals, user_id=user_id,
                          avatar_ids=[avatar_id])[0]


def delete_avatars(*, database: Database, storage: Storage, signals: Signals, user_id: str,
                   avatar_ids: list[str]) -> list[Removed]:
    """Cancel and refund work made from the avatars, remove them and their files, and tell the user's other tabs;
    all of them or, if one is not the user's, none (``NotFound``)."""
    with database.session() as session:
        avatars = avatars_service.get_many_owned(session=session, user_id=user_id, avatar_ids=avatar_ids)
        removed = [Removed(name=avatar.name, project_id=avatar.project_id) for avatar in avatars]
        for avatar_id in [avatar.id for avatar in avatars]:
            lifecycle.cancel_for_avatar(session=session, user_id=user_id, avatar_id=avatar_id, signals=signals)
            avatars_service.delete_owned(session=session, storage=storage, user_id=user_id, avatar_id=avatar_id)
            signals.events.record(session, user_id, events.AVATAR, {"action": "deleted", "id": avatar_id})
    return removed


def _require_verified(session: Session, settings: Settings, user_id: str) -> None:
    auth_service.require_verified(session=session, user_id=user_id, required=settings.require_email_verification)


def _queued(session: Session, batch: lifecycle.Batch) -> Queued:
    positions = service.queue_positions(session=session, generations=batch.generations)
    return Queued(generations=batch.generations, positions=positions, credit_used=batch.credit_used,
                  credit_balance=batch.credit_balance)
