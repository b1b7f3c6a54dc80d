"""The presets gallery, a preset's page, and "Use in project…", which starts the one from-preset use case."""

from __future__ import annotations

from collections.abc import Mapping

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from avatar_creator.auth.models import User
from avatar_creator.avatars.attributes import VisualFields
from avatar_creator.catalog import previews
from avatar_creator.catalog import service as catalog_service
from avatar_creator.catalog.models import PRESET_CATEGORIES
from avatar_creator.credits import service as credits_service
from avatar_creator.db import Database
from avatar_creator.deps import DatabaseDep, ProviderNamesDep, SettingsDep, SignalsDep, limit_by_user
from avatar_creator.errors import AppError
from avatar_creator.generation import requests
from avatar_creator.generation.pricing import price
from avatar_creator.generation.source_schemas import FromPresetIn
from avatar_creator.projects import service as projects_service
from avatar_creator.settings import Settings
from avatar_creator.web import choices, forms
from avatar_creator.web.errors import WEB_TAG
from avatar_creator.web.rendering import redirect, render
from avatar_creator.web.session import FormDep, VerifiedUser, WebUser, verified_user

router = APIRouter(tags=[WEB_TAG], include_in_schema=False)
LOOK_LABELS = {name: field.title for name, field in VisualFields.model_fields.items()}
ProjectParam = Query(None, max_length=64)
USE_FIELDS = {"custom_name": "customName", "count": "count"}


@router.get("/presets")
def presets_page(request: Request, user: WebUser, database: DatabaseDep, category: str | None = Query(None,
                 max_length=50), project: str | None = ProjectParam) -> Response:
    with database.session(write=False) as session:
        presets = catalog_service.list_presets(session=session, category=category or None)
    return render(request, "presets.html", {
        "presets": presets, "categories": PRESET_CATEGORIES, "category": category or "", "project_id": project,
        "preview_url": lambda preset: previews.url(preset, None)}, user=user)


def _preset_page(request: Request, *, database: Database, settings: Settings, user: User, preset_id: str,
                 values: Mapping, errors: dict | None = None, status_code: int = 200) -> Response:
    with database.session(write=False) as session:
        preset = catalog_service.get_preset(session=session, id_or_slug=preset_id)
        projects = projects_service.list_for_user(session=session, user_id=user.id)
        balance = credits_service.balance(session=session, user_id=user.id)
    count = int(values["count"]) if str(values.get("count")) in {str(n) for n in choices.VARIATIONS} else 1
    return render(request, "preset.html", {
        "preset": preset, "preview_url": previews.url(preset, None), "projects": projects, "values": values,
        "errors": errors or {}, "unit_cost": price(settings, "from_preset"), "balance": balance,
        "initial_count": count, "variations": choices.VARIATIONS, "look_labels": LOOK_LABELS,
    }, user=user, status_code=status_code, page_url=f"/presets/{preset_id}")


@router.get("/presets/{preset_id}")
def preset_page(preset_id: str, request: Request, user: WebUser, database: DatabaseDep, settings: SettingsDep,
                project: str | None = ProjectParam) -> Response:
    return _preset_page(request, database=database, settings=settings, user=user, preset_id=preset_id,
                        values={"project_id": project or "", "count": "1"})


@router.post("/presets/{preset_id}/use", dependencies=[limit_by_user("generate", user_dependency=verified_user)])
def use_preset(preset_id: str, request: Request, user: VerifiedUser, form: FormDep, database: DatabaseDep,
               settings: SettingsDep, provider_names: ProviderNamesDep, signals: SignalsDep) -> Response:
    project_id = str(form.get("project_id") or "")
    data = {alias: form.get(name) for name, alias in USE_FIELDS.items() if form.get(name) not in (None, "")}
    body, errors = forms.validate(FromPresetIn, {**data, "presetId": preset_id},
                                  renamed={"customName": "custom_name"})
    if not project_id:
        errors = {**errors, "project_id": "Pick a project."}
    if body and project_id:
        try:
            queued = requests.from_preset(database=database, settings=settings, provider_names=provider_names,
                                          signals=signals, user_id=user.id, project_id=project_id, body=body,
                                          idempotency_key=None)
            count = len(queued.generations)
            return redirect(f"/projects/{project_id}", flash=f"Generating {count} avatar{'s' * (count > 1)} from "
                                                             f"a preset: {queued.credit_used} credits.")
        except AppError as error:
            if error.status_code not in (400, 402):
                raise
            errors = {forms.FORM_LEVEL: error.message}
    return _preset_page(request, database=database, settings=settings, user=user, preset_id=preset_id,
                        values=form, errors=errors, status_code=400)
