"""The public catalogue: presets, persona examples and preset preview images (no sign-in needed)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from avatar_creator.catalog import previews, service
from avatar_creator.catalog.schemas import persona_example_to_api, preset_to_api
from avatar_creator.deps import DatabaseDep, SettingsDep
from avatar_creator.errors import NotFound
from avatar_creator.openapi import binary

router = APIRouter(prefix="/api/apps/avatar-creator", tags=["catalog"])
previews_router = APIRouter(tags=["catalog"])
Category = Annotated[str | None, Query(max_length=50)]

A_YEAR = 365 * 24 * 3600


@router.get("/presets")
def list_presets(database: DatabaseDep, settings: SettingsDep, category: Category = None) -> dict:
    with database.session(write=False) as session:
        presets = service.list_presets(session=session, category=category)
    return {"presets": [preset_to_api(preset, settings.public_url) for preset in presets]}


@router.get("/presets/{preset_id}")
def get_preset(preset_id: str, database: DatabaseDep, settings: SettingsDep) -> dict:
    with database.session(write=False) as session:
        preset = service.get_preset(session=session, id_or_slug=preset_id)
    return {"preset": preset_to_api(preset, settings.public_url)}


@router.get("/persona-examples")
def list_persona_examples(database: DatabaseDep, category: Category = None) -> dict:
    with database.session(write=False) as session:
        examples = service.list_persona_examples(session=session, category=category)
    return {"personaExamples": [persona_example_to_api(example) for example in examples]}


@previews_router.get("/previews/{name}", responses=binary("image/png"))  # HEAD too: head.py
def preview_image(name: str, request: Request, database: DatabaseDep, settings: SettingsDep) -> Response:
    """A preset's preview; only ``<known slug>.png`` is served, from the previews folder alone."""
    slug = previews.slug_of(name)
    preset = None
    if slug:
        with database.session(write=False) as session:
            preset = service.get_preset_by_slug(session=session, slug=slug)
    if preset is None or preset.preview_key != name or not preset.preview_version:
        raise NotFound("Not found.")
    etag = f'"{preset.preview_version}"'
    # The URL we hand out carries ?v=<version>: that exact URL never changes content, so it may be cached for good.
    current = request.query_params.get("v") == preset.preview_version
    headers = {"ETag": etag, "X-Content-Type-Options": "nosniff",
               "Cache-Control": f"public, max-age={A_YEAR}, immutable" if current else "public, no-cache"}
    if etag in [tag.strip() for tag in request.headers.get("if-none-match", "").split(",")]:
        return Response(status_code=304, headers=headers)
    try:
        image = (settings.previews_dir / preset.preview_key).read_bytes()
    except FileNotFoundError:
        raise NotFound("Not found.") from None
    return Response(content=image, media_type="image/png", headers=headers)
