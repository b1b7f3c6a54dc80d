"""The providers this process can run, built once at start-up from the settings."""

from __future__ import annotations

from avatar_creator.providers.base import Provider
from avatar_creator.providers.offline import OfflineProvider
from avatar_creator.settings import Settings


def build_providers(settings: Settings) -> dict[str, Provider]:
    """Every provider by name; a job names its provider and the worker looks it up here."""
    return {"offline": OfflineProvider(step_delay_ms=settings.offline_step_delay_ms)}
