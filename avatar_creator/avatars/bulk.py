"""What a user does with many avatars at once, and a project's download: the one home of each, for the JSON API and
the web app alike. Deleting many is ``generation.requests.delete_avatars`` (work made from them is cancelled first)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from avatar_creator.avatars import service
from avatar_creator.avatars.downloads import project_zip, selection_zip
from avatar_creator.avatars.models import Avatar
from avatar_creator.avatars.schemas import avatar_to_api
from avatar_creator.db import Database, utcnow
from avatar_creator.projects import service as projects_service
from avatar_creator.storage import Storage


@dataclass(frozen=True)
class Archive:
    """A ZIP to stream: what to call it and its bytes, written as they are read."""

    name: str
    chunks: Iterator[bytes]


@dataclass(frozen=True)
class Moved:
    """How many avatars went where, for the message that confirms it."""

    count: int
    project_id: str
    project_name: str


def download_project(*, database: Database, storage: Storage, user_id: str, project_id: str) -> Archive:
    """Every avatar of the user's project, oldest first, with a manifest of the project and of each avatar."""
    with database.session(write=False) as session:
        project = projects_service.get_owned(session=session, user_id=user_id, project_id=project_id)
        entries = _entries(service.for_project(session=session, user_id=user_id, project_id=project_id))
        summary = {"id": project.id, "name": project.name, "description": project.description,
                   "createdAt": project.created_at.isoformat()}
    return Archive(project.name, project_zip(storage=storage, project=summary, avatars=entries,
                                             exported_at=utcnow()))


def download(*, database: Database, storage: Storage, user_id: str, avatar_ids: list[str]) -> Archive:
    """The avatars asked for, in that order, if all are the user's (else ``NotFound``), with their manifest."""
    with database.session(write=False) as session:
        entries = _entries(service.get_many_owned(session=session, user_id=user_id, avatar_ids=avatar_ids))
    return Archive(f"{len(entries)} avatars", selection_zip(storage=storage, avatars=entries, exported_at=utcnow()))


def move(*, database: Database, user_id: str, avatar_ids: list[str], project_id: str) -> Moved:
    """Move the avatars, all of them or none, into another of the user's projects."""
    with database.session() as session:
        avatars = service.move_owned(session=session, user_id=user_id, avatar_ids=avatar_ids, project_id=project_id)
        project = projects_service.get_owned(session=session, user_id=user_id, project_id=project_id)
        return Moved(count=len(avatars), project_id=project.id, project_name=project.name)


def _entries(avatars: Iterable[Avatar]) -> list[dict]:
    """The API objects of the avatars for a manifest, with the key of each file and without signed URLs (they
    expire: the manifest names each file in the archive instead)."""
    entries = []
    for avatar in avatars:
        entry = {**avatar_to_api(avatar, _no_url), "storageKey": avatar.storage_key}
        del entry["baseImageUrl"], entry["thumbnailUrl"]
        entries.append(entry)
    return entries


def _no_url(_key: str) -> str:
    return ""
