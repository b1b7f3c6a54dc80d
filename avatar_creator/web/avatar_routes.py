"""An avatar's own page: the image, where it came from, its details (editable), its usage, and what to make from it."""

from __future__ import annotations

from collections.abc import Mapping

from fastapi import APIRouter, Request
from fastapi.responses import Response

from avatar_creator.auth.models import User
from avatar_creator.avatars import service as avatars_service
from avatar_creator.avatars import usage
from avatar_creator.avatars.attributes import ATTRIBUTE_NAMES, PERSONALITY, AvatarFields
from avatar_creator.avatars.schemas import AvatarUpdate, avatar_to_api
from avatar_creator.credits import service as credits_service
from avatar_creator.db import Database
from avatar_creator.deps import (
    DatabaseDep,
    FileUrlsDep,
    ProviderNamesDep,
    SettingsDep,
    SignalsDep,
    StorageDep,
    limit_by_user,
)
from avatar_creator.errors import AppError
from avatar_creator.generation import requests
from avatar_creator.generation.pricing import costs
from avatar_creator.generation.source_schemas import FromReferenceIn
from avatar_creator.projects import service as projects_service
from avatar_creator.settings import Settings
from avatar_creator.signing import FileUrls
from avatar_creator.web import choices, forms, recall
from avatar_creator.web.errors import WEB_TAG
from avatar_creator.web.rendering import redirect, render
from avatar_creator.web.session import FormDep, VerifiedUser, WebUser, verified_user

router = APIRouter(tags=[WEB_TAG], include_in_schema=False)
ALIASES = {name: AvatarFields.model_fields[name].alias or name for name in ATTRIBUTE_NAMES}
EDIT_FIELDS = ("name", "favorite", *ALIASES.values())
REFERENCE_FIELDS = ("name", "prompt", "count", "strength")
PROVIDER_LABELS = {"offline": "Illustration (offline provider)", "huggingface": "Hugging Face",
                   "diffusers": "Diffusers (local model)"}


def _details_values(avatar) -> dict:
    """The edit form's values: the avatar's name, persona and look, personality as comma-separated text."""
    values = {alias: getattr(avatar, name) for name, alias in ALIASES.items() if getattr(avatar, name) is not None}
    values[ALIASES[PERSONALITY]] = ", ".join(getattr(avatar, PERSONALITY) or [])
    return {"name": avatar.name, **values}


def _avatar_page(request: Request, *, database: Database, settings: Settings, file_urls: FileUrls, user: User,
                 avatar_id: str, errors: dict | None = None, values: Mapping | None = None,
                 reference_values: Mapping | None = None, reference_errors: dict | None = None,
                 status_code: int = 200) -> Response:
    """The avatar's page, or the same page with a refused form's values and messages."""
    with database.session(write=False) as session:
        avatar = avatars_service.get_owned(session=session, user_id=user.id, avatar_id=avatar_id)
        project = projects_service.get_owned(session=session, user_id=user.id, project_id=avatar.project_id)
        made = recall.origin(session=session, user_id=user.id, avatar=avatar)
        history = usage.history(session=session, avatar_id=avatar.id)
        summary = usage.summary(session=session, avatar_id=avatar.id)
        balance = credits_service.balance(session=session, user_id=user.id)
    return render(request, "avatar.html", {
        "avatar": avatar, "api": avatar_to_api(avatar, file_urls), "project": project, "origin": made,
        "history": history, "summary": summary, "costs": costs(settings), "balance": balance,
        "source_labels": choices.SOURCE_LABELS, "provider_label": PROVIDER_LABELS.get(avatar.provider or "",
                                                                                       avatar.provider),
        "values": values or _details_values(avatar), "errors": errors or {}, "variations": choices.VARIATIONS,
        "genders": choices.GENDERS, "age_ranges": choices.AGE_RANGES, "visual_fields": choices.VISUAL_TEXT_FIELDS,
        "reference_values": reference_values or {"name": f"{avatar.name} (from a photo)"[:100], "count": "1",
                                                 "prompt": "", "strength": "0.6"},
        "reference_errors": reference_errors or {},
    }, user=user, status_code=status_code, page_url=f"/avatars/{avatar_id}")


@router.get("/avatars/{avatar_id}")
def avatar_page(avatar_id: str, request: Request, user: WebUser, database: DatabaseDep, settings: SettingsDep,
                file_urls: FileUrlsDep) -> Response:
    return _avatar_page(request, database=database, settings=settings, file_urls=file_urls, user=user,
                        avatar_id=avatar_id)


def _parse_edit(form: Mapping) -> tuple[AvatarUpdate | None, dict[str, str]]:
    """The fields the form sent (a blank one clears it), personality as a list of its comma-separated traits."""
    data: dict = {name: form.get(name) for name in EDIT_FIELDS if name in form}
    personality = ALIASES[PERSONALITY]
    if personality in data:
        data[personality] = [trait.strip() for trait in str(data[personality]).split(",") if trait.strip()]
    if "favorite" in data:
        data["favorite"] = data["favorite"] == "true"
    return forms.validate(AvatarUpdate, data)


@router.post("/avatars/{avatar_id}/edit")
def edit_avatar(avatar_id: str, request: Request, user: VerifiedUser, form: FormDep, database: DatabaseDep,
                settings: SettingsDep, file_urls: FileUrlsDep) -> Response:
    body, errors = _parse_edit(form)
    if body is None:
        return _avatar_page(request, database=database, settings=settings, file_urls=file_urls, user=user,
                            avatar_id=avatar_id, errors=errors, values=form, status_code=400)
    with database.session() as session:
        avatar = avatars_service.update_owned(session=session, user_id=user.id, avatar_id=avatar_id,
                                              changes=body.columns(only_sent=True))
    if set(body.model_fields_set) == {"favorite"}:
        message = "Added to favourites." if avatar.favorite else "Removed from favourites."
    else:
        message = f"Saved “{avatar.name}”."
    return redirect(f"/avatars/{avatar_id}", flash=message)


def _queued_message(queued: requests.Queued) -> str:
    count = len(queued.generations)
    return f"Generating {count} avatar{'s' * (count > 1)}: {queued.credit_used} credits."


@router.post("/avatars/{avatar_id}/similar", dependencies=[limit_by_user("generate", user_dependency=verified_user)])
def generate_similar(avatar_id: str, user: VerifiedUser, database: DatabaseDep, settings: SettingsDep,
                     storage: StorageDep, provider_names: ProviderNamesDep, signals: SignalsDep) -> Response:
    queued = recall.generate_similar(database=database, settings=settings, storage=storage,
                                     provider_names=provider_names, signals=signals, user_id=user.id,
                                     avatar_id=avatar_id)
    return redirect(f"/projects/{queued.generations[0].project_id}", flash=_queued_message(queued))


@router.post("/avatars/{avatar_id}/from-reference",
             dependencies=[limit_by_user("generate", user_dependency=verified_user)])
def from_this_avatar(avatar_id: str, request: Request, user: VerifiedUser, form: FormDep, database: DatabaseDep,
                     settings: SettingsDep, file_urls: FileUrlsDep, storage: StorageDep,
                     provider_names: ProviderNamesDep, signals: SignalsDep) -> Response:
    with database.session(write=False) as session:
        avatar = avatars_service.get_owned(session=session, user_id=user.id, avatar_id=avatar_id)
    data = {name: form.get(name) for name in REFERENCE_FIELDS if form.get(name) not in (None, "")}
    body, errors = forms.validate(FromReferenceIn, {**data, "avatarId": avatar.id})
    if body:
        try:
            queued = requests.from_reference(database=database, settings=settings, storage=storage,
                                             provider_names=provider_names, signals=signals, user_id=user.id,
                                             project_id=avatar.project_id, body=body, image=None,
                                             idempotency_key=None)
            return redirect(f"/projects/{avatar.project_id}", flash=_queued_message(queued))
        except AppError as error:
            if error.status_code not in (400, 402):
                raise
            errors = {(error.field if error.field in REFERENCE_FIELDS else None) or forms.FORM_LEVEL: error.message}
    return _avatar_page(request, database=database, settings=settings, file_urls=file_urls, user=user,
                        avatar_id=avatar_id, reference_errors=errors, reference_values=form, status_code=400)
