"""Web pages of one project: the gallery, upload, generate, the Generating panel, and actions on avatars and jobs."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request, UploadFile
from fastapi.responses import Response
from sqlalchemy.orm import Session

from avatar_creator.auth.models import User
from avatar_creator.avatars import bulk
from avatar_creator.avatars import service as avatars_service
from avatar_creator.avatars.attributes import AvatarFields
from avatar_creator.avatars.downloads import archive_response
from avatar_creator.avatars.models import SOURCE_TYPES
from avatar_creator.avatars.multipart import UploadedFile
from avatar_creator.avatars.schemas import MAX_SELECTION
from avatar_creator.catalog import service as catalog_service
from avatar_creator.catalog.models import PersonaExample
from avatar_creator.credits import service as credits_service
from avatar_creator.db import Database
from avatar_creator.deps import (
    DatabaseDep,
    DecodesDep,
    FileUrlsDep,
    ProviderNamesDep,
    SettingsDep,
    SignalsDep,
    StorageDep,
    limit_by_user,
)
from avatar_creator.errors import AppError, InsufficientCredits, ValidationFailed
from avatar_creator.generation import requests
from avatar_creator.generation import service as generation_service
from avatar_creator.generation.pricing import costs
from avatar_creator.generation.source_schemas import FromReferenceIn
from avatar_creator.projects import service as projects_service
from avatar_creator.settings import Settings
from avatar_creator.signing import FileUrls
from avatar_creator.web import choices, forms, recall, uploads
from avatar_creator.web.errors import WEB_TAG
from avatar_creator.web.rendering import local_path, plural, redirect, render
from avatar_creator.web.session import FormDep, VerifiedUser, WebUser, signed_in_user, verified_user

router = APIRouter(tags=[WEB_TAG], include_in_schema=False)
PAGE_SIZE = 24


@dataclass(frozen=True)
class GalleryView:
    """What the gallery shows, as the URL keeps it: a source, favourites only, a search and an order."""

    source: str | None = None
    favorite: bool = False
    q: str = ""
    sort: str = "newest"

    @classmethod
    def of(cls, source: str | None, favorite: bool, q: str | None, sort: str | None) -> GalleryView:
        return cls(source=source if source in SOURCE_TYPES else None, favorite=favorite, q=(q or "").strip()[:100],
                   sort=sort if sort in avatars_service.SORTS else "newest")

    def filters(self, project_id: str) -> avatars_service.AvatarFilter:
        return avatars_service.AvatarFilter(project_id=project_id, source_type=self.source,
                                            favorite=True if self.favorite else None, q=self.q or None)

    def query(self, **changes: object) -> str:
        """This view's query string, with ``changes`` (a cursor, another filter); defaults left out."""
        values = {"source": self.source, "favorite": 1 if self.favorite else None, "q": self.q or None,
                  "sort": None if self.sort == "newest" else self.sort, **changes}
        return urlencode({key: value for key, value in values.items() if value})

    @property
    def narrowed(self) -> bool:
        return bool(self.source or self.favorite or self.q)


def _gallery(session: Session, file_urls: FileUrls, user: User, project_id: str, view: GalleryView,
             cursor: str | None = None) -> dict:
    """One page of the gallery and what the template needs to draw it and ask for the next.

    Newest first pages by cursor, as new avatars join its top live; the other orders page by offset."""
    filters = view.filters(project_id)
    if view.sort == "newest":
        avatars, next_cursor = avatars_service.list_avatars(session=session, user_id=user.id, filters=filters,
                                                            limit=PAGE_SIZE, cursor=cursor)
        more = view.query(cursor=next_cursor)
    else:
        offset = int(cursor) if cursor and cursor.isdigit() else 0
        avatars, next_offset = avatars_service.list_sorted(session=session, user_id=user.id, filters=filters,
                                                           sort=view.sort, limit=PAGE_SIZE, offset=offset)
        next_cursor = str(next_offset) if next_offset is not None else None
        more = view.query(cursor=next_cursor)
    return {"avatars": avatars, "next_cursor": next_cursor, "more_url": f"/projects/{project_id}/avatars?{more}",
            **card_context(file_urls)}


def card_context(file_urls: FileUrls) -> dict:
    """What an avatar card needs beside the avatar."""
    return {"file_url": file_urls, "source_labels": choices.SOURCE_LABELS}


def _panel(session: Session, user: User, project_id: str) -> dict:
    return generation_service.generating_panel(session=session, user_id=user.id, project_id=project_id)


def project_page_response(request: Request, *, database: Database, settings: Settings, file_urls: FileUrls,
                          user: User, project_id: str, view: GalleryView | None = None, status_code: int = 200,
                          errors: dict | None = None, **context) -> Response:
    """The project page; ``context`` may open a dialog on load (a refused rename, shown again with its messages)."""
    view = view or GalleryView()
    with database.session(write=False) as session:
        project = projects_service.get_owned(session=session, user_id=user.id, project_id=project_id)
        _, counts = avatars_service.newest_by_project(session=session, project_ids=[project.id], limit_per_project=0)
        gallery = _gallery(session, file_urls, user, project.id, view)
        panel = _panel(session, user, project.id)
        others = [p for p in projects_service.list_for_user(session=session, user_id=user.id) if p.id != project.id]
    return render(request, "project.html", {
        "project": project, "avatar_count": counts.get(project.id, 0), "view": view, "source": view.source,
        "favorite": view.favorite, "source_filters": choices.SOURCE_FILTERS, "sorts": choices.SORTS,
        "other_projects": others, "costs": costs(settings), "max_selection": MAX_SELECTION,
        "max_upload_mb": settings.max_upload_bytes // (1024 * 1024), "max_upload_bytes": settings.max_upload_bytes,
        "genders": choices.GENDERS, "age_ranges": choices.AGE_RANGES, **gallery, **panel, "errors": errors or {},
        "values": {}, **context,
    }, user=user, status_code=status_code, page_url=f"/projects/{project_id}")  # errors show inline, not as toasts


@router.get("/projects/{project_id}")
def project_page(project_id: str, request: Request, user: WebUser, database: DatabaseDep, settings: SettingsDep,
                 file_urls: FileUrlsDep, source: str | None = None, favorite: bool = False,
                 q: str | None = Query(None, max_length=200), sort: str | None = Query(None, max_length=20)
                 ) -> Response:
    return project_page_response(request, database=database, settings=settings, file_urls=file_urls, user=user,
                                 project_id=project_id, view=GalleryView.of(source, favorite, q, sort))


@router.get("/projects/{project_id}/avatars")
def gallery_page(project_id: str, request: Request, user: WebUser, database: DatabaseDep, file_urls: FileUrlsDep,
                 source: str | None = None, favorite: bool = False, q: str | None = Query(None, max_length=200),
                 sort: str | None = Query(None, max_length=20),
                 cursor: str | None = Query(None, max_length=200)) -> Response:
    with database.session(write=False) as session:
        projects_service.get_owned(session=session, user_id=user.id, project_id=project_id)
        gallery = _gallery(session, file_urls, user, project_id, GalleryView.of(source, favorite, q, sort), cursor)
    return render(request, "partials/gallery_page.html", gallery)


@router.post("/projects/{project_id}/avatars/bulk")
def bulk_action(project_id: str, user: VerifiedUser, form: FormDep, database: DatabaseDep, storage: StorageDep,
                signals: SignalsDep) -> Response:
    """The gallery's selection: download it as a ZIP, move it to another project, or delete it."""
    avatar_ids = [str(value) for value in form.getlist("avatar_id")][:MAX_SELECTION]
    back = local_path(form.get("back"), f"/projects/{project_id}")
    action = form.get("action")
    if not avatar_ids:
        return redirect(back, flash="Select one or more avatars first.")
    if action == "download":
        archive = bulk.download(database=database, storage=storage, user_id=user.id, avatar_ids=avatar_ids)
        return archive_response(archive.name, archive.chunks)
    if action == "move":
        moved = bulk.move(database=database, user_id=user.id, avatar_ids=avatar_ids,
                          project_id=str(form.get("project_id", "")))
        return redirect(back, flash=f"Moved {plural(moved.count, 'avatar')} to “{moved.project_name}”.")
    if action == "delete":
        removed = requests.delete_avatars(database=database, storage=storage, signals=signals, user_id=user.id,
                                          avatar_ids=avatar_ids)
        return redirect(back, flash=f"Deleted {plural(len(removed), 'avatar')}.")
    raise ValidationFailed("action: download, move or delete", field="action")


@router.get("/projects/{project_id}/generating")
def generating_panel(project_id: str, request: Request, user: WebUser, database: DatabaseDep) -> Response:
    with database.session(write=False) as session:
        project = projects_service.get_owned(session=session, user_id=user.id, project_id=project_id)
        panel = _panel(session, user, project.id)
    return render(request, "partials/generating_fragment.html", {"project": project, **panel})


# Avatars

@router.get("/avatars/card")
def avatar_card(request: Request, user: WebUser, database: DatabaseDep, file_urls: FileUrlsDep,
                id: str = Query(max_length=64)) -> Response:
    """A new avatar's card for the grid, with its project's new count; the empty state goes."""
    with database.session(write=False) as session:
        avatar = avatars_service.get_owned(session=session, user_id=user.id, avatar_id=id)
        _, counts = avatars_service.newest_by_project(session=session, project_ids=[avatar.project_id],
                                                      limit_per_project=0)
    return render(request, "partials/new_avatar.html", {
        "avatar": avatar, "avatar_count": counts.get(avatar.project_id, 0), **card_context(file_urls)})


@router.post("/avatars/{avatar_id}/favorite")
def toggle_favorite(avatar_id: str, request: Request, user: VerifiedUser, database: DatabaseDep,
                    file_urls: FileUrlsDep) -> Response:
    with database.session() as session:
        avatar = avatars_service.get_owned(session=session, user_id=user.id, avatar_id=avatar_id)
        avatar = avatars_service.update_owned(session=session, user_id=user.id, avatar_id=avatar_id,
                                              changes={"favorite": not avatar.favorite})
    return render(request, "partials/avatar_card.html", {"avatar": avatar, **card_context(file_urls)})


@router.post("/avatars/delete")
def delete_avatar(user: VerifiedUser, form: FormDep, database: DatabaseDep, storage: StorageDep,
                  signals: SignalsDep) -> Response:
    removed = requests.delete_avatar(database=database, storage=storage, signals=signals, user_id=user.id,
                                     avatar_id=str(form.get("avatar_id", "")))
    return redirect(local_path(form.get("back"), f"/projects/{removed.project_id}"), flash=f"Deleted “{removed.name}”.")


@router.post("/projects/{project_id}/upload",
             dependencies=[limit_by_user("upload", user_dependency=signed_in_user)])  # CSRF: in the multipart form
async def upload(project_id: str, request: Request, user: WebUser, database: DatabaseDep, settings: SettingsDep,
                 storage: StorageDep, signals: SignalsDep, file_urls: FileUrlsDep, decodes: DecodesDep) -> Response:
    return await uploads.handle(request, user_id=user.id, project_id=project_id, database=database,
                                settings=settings, storage=storage, event_sink=signals.events,
                                file_urls=file_urls, decodes=decodes)


# Generate

def _provider_choices(provider_names: set[str]) -> list[tuple[str, str]]:
    """The providers a request may pick, as (value, label) for the form; it shows them only when there are several."""
    return [(name, name.capitalize()) for name in sorted(provider_names)]


def _persona_fill(example: PersonaExample) -> dict[str, object]:
    """A persona example as the generate form's field values, for its one-click fill."""
    look = {AvatarFields.model_fields[name].alias or name: value
            for name, value in example.suggested_attributes.items() if name in AvatarFields.model_fields and value}
    return {"personaName": example.persona_name, "personaAge": example.persona_age,
            "personaPersonality": ", ".join(example.persona_personality),
            "personaBackground": example.persona_background, **look}


def _generate_page(request: Request, *, database: Database, settings: Settings, provider_names: set[str], user: User,
                   project_id: str, file_urls: FileUrls, values: Mapping | None = None, errors: dict | None = None,
                   status_code: int = 200) -> Response:
    """The generate form, empty or as it was posted (with the server's messages)."""
    with database.session(write=False) as session:
        project = projects_service.get_owned(session=session, user_id=user.id, project_id=project_id)
        balance = credits_service.balance(session=session, user_id=user.id)
        photos = avatars_service.for_project(session=session, user_id=user.id, project_id=project_id)
        examples = catalog_service.list_persona_examples(session=session)
    values = values or {"size": choices.DEFAULT_SIZE, "count": "1", "provider": settings.provider}
    count = int(values["count"]) if str(values.get("count")) in {str(n) for n in choices.VARIATIONS} else 1
    return render(request, "generate.html", {
        "project": project, "values": values, "errors": errors or {}, "unit_cost": settings.cost_generate,
        "costs": costs(settings), "balance": balance, "initial_count": count, "photos": photos[::-1],
        "file_url": file_urls, "source_labels": choices.SOURCE_LABELS,
        "persona_examples": [(example.name, _persona_fill(example)) for example in examples],
        "variations": choices.VARIATIONS, "sizes": choices.SIZES, "genders": choices.GENDERS,
        "age_ranges": choices.AGE_RANGES, "visual_fields": choices.VISUAL_TEXT_FIELDS, "picks": choices.PICKS,
        "setting": choices.SETTING, "providers": _provider_choices(provider_names),
        "offline_only": provider_names <= {"offline"},
    }, user=user, status_code=status_code, page_url=f"/projects/{project_id}/generate")  # errors show inline only


@router.get("/projects/{project_id}/generate")
def generate_page(project_id: str, request: Request, user: WebUser, database: DatabaseDep, settings: SettingsDep,
                  provider_names: ProviderNamesDep, file_urls: FileUrlsDep,
                  from_avatar: str | None = Query(None, max_length=64)) -> Response:
    values = recall.form_values(database=database, user_id=user.id, avatar_id=from_avatar) if from_avatar else None
    return _generate_page(request, database=database, settings=settings, provider_names=provider_names, user=user,
                          project_id=project_id, file_urls=file_urls, values=values)


def _reference_image(form: Mapping) -> UploadedFile | None:
    """The photo chosen in "Start from a photo", if a file was picked."""
    picked = form.get(forms.REFERENCE_IMAGE)
    return UploadedFile(picked.file.read()) if isinstance(picked, UploadFile) and picked.filename else None


@router.post("/projects/{project_id}/generate",
             dependencies=[limit_by_user("generate", user_dependency=verified_user)])
def generate(project_id: str, request: Request, user: VerifiedUser, form: FormDep, database: DatabaseDep,
             settings: SettingsDep, provider_names: ProviderNamesDep, signals: SignalsDep, storage: StorageDep,
             file_urls: FileUrlsDep) -> Response:
    """From a description, or, when a photo was picked or uploaded, from that photo (from-reference)."""
    image = _reference_image(form)
    reference = str(form.get(forms.REFERENCE_AVATAR) or "")
    from_photo = image is not None or bool(reference)
    body, errors = forms.parse_generate(form, ("" if image is not None else reference) if from_photo else None)
    if body:
        try:
            if isinstance(body, FromReferenceIn):
                queued = requests.from_reference(database=database, settings=settings, storage=storage,
                                                 provider_names=provider_names, signals=signals, user_id=user.id,
                                                 project_id=project_id, body=body, image=image, idempotency_key=None)
            else:
                queued = requests.generate(database=database, settings=settings, provider_names=provider_names,
                                           signals=signals, user_id=user.id, project_id=project_id, body=body,
                                           idempotency_key=None)
            count = len(queued.generations)
            return redirect(f"/projects/{project_id}", flash=f"Generating {count} avatar{'s' * (count > 1)}: "
                                                             f"{queued.credit_used} credits.")
        except InsufficientCredits as error:
            errors = {forms.FORM_LEVEL: error.message}
        except AppError as error:
            if error.status_code not in (400, 413, 415):
                raise
            field = {"image": forms.REFERENCE_IMAGE, "avatarId": forms.REFERENCE_AVATAR}.get(error.field or "")
            errors = {field or error.field or forms.FORM_LEVEL: error.message}
    values = {key: value for key, value in form.items() if isinstance(value, str)}
    return _generate_page(request, database=database, settings=settings, provider_names=provider_names, user=user,
                          project_id=project_id, file_urls=file_urls, values=values, errors=errors, status_code=400)


# The Generating panel's buttons: each answers the panel as it now is.

def _panel_after(request: Request, database: Database, user: User, project_id: str, message: str) -> Response:
    with database.session(write=False) as session:
        project = projects_service.get_owned(session=session, user_id=user.id, project_id=project_id)
        balance = credits_service.balance(session=session, user_id=user.id)
        panel = _panel(session, user, project_id)
    return render(request, "partials/generating_fragment.html", {"project": project, "balance": balance, **panel},
                  toasts=[{"kind": "success", "message": message}])


@router.post("/generations/{generation_id}/cancel")
def cancel_generation(generation_id: str, request: Request, user: VerifiedUser, database: DatabaseDep,
                      signals: SignalsDep) -> Response:
    generation = requests.cancel(database=database, signals=signals, user_id=user.id, generation_id=generation_id)
    return _panel_after(request, database, user, generation.project_id,
                        f"Cancelled “{generation.name}”; {generation.refunded} credits are back.")


@router.post("/generations/{generation_id}/retry",
             dependencies=[limit_by_user("generate", user_dependency=verified_user)])
def retry_generation(generation_id: str, request: Request, user: VerifiedUser, database: DatabaseDep,
                     settings: SettingsDep, signals: SignalsDep) -> Response:
    queued = requests.retry(database=database, settings=settings, signals=signals, user_id=user.id,
                            generation_id=generation_id)
    generation = queued.generations[0]
    message = (f"Already trying “{generation.name}” again; nothing more was charged." if queued.replayed
               else f"Trying “{generation.name}” again for {generation.cost} credits.")
    return _panel_after(request, database, user, generation.project_id, message)
