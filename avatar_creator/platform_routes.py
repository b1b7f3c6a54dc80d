"""Routes the old dashboard calls outside the app prefix, and the health endpoints."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from avatar_creator.deps import HealthDep, ProviderNamesDep, SettingsDep
from avatar_creator.generation.pricing import costs
from avatar_creator.settings import Settings

router = APIRouter(tags=["platform"])

APP_ID = "avatar-creator"


def providers(provider_names: set[str], settings: Settings) -> dict:
    """The providers a request may pick and the default, as ``GET /api/apps`` and the stats show them."""
    return {"providers": sorted(provider_names), "defaultProvider": settings.provider}


@router.get("/api/apps")
def list_apps(settings: SettingsDep, provider_names: ProviderNamesDep) -> dict:
    # icon and colour are names the old dashboard maps to its own icon and colour classes
    return {"apps": [{"appId": APP_ID, "name": "Avatar Creator",
                      "description": "Create AI avatars from a prompt, a preset, a persona or a photo.",
                      "icon": "user-circle", "color": "purple", "order": 1, "beta": False, "comingSoon": False,
                      "costs": costs(settings), **providers(provider_names, settings)}]}


@router.get("/health")
@router.get("/api/apps/avatar-creator/health")
async def health() -> dict:  # async: liveness answers on the event loop, never waiting for a worker thread
    return {"status": "ok"}


@router.get("/health/ready", responses={503: {"description": "The database or Redis is unreachable (the same body)."}})
def ready(health: HealthDep) -> JSONResponse:
    is_ready, results = health.run()
    body = {"status": "ok" if is_ready else "unavailable", "checks": {k: v.to_api() for k, v in results.items()}}
    return JSONResponse(body, status_code=200 if is_ready else 503, headers={} if is_ready else {"Retry-After": "5"})
