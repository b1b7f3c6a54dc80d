"""What work costs in credits: one table, read by the lifecycle (charging) and the API and web pages (showing)."""

from __future__ import annotations

from avatar_creator.settings import Settings


def price(settings: Settings, source_type: str) -> int:
    """Credits per image for a kind of generation."""
    return {"text_to_image": settings.cost_generate, "from_preset": settings.cost_from_preset,
            "from_reference": settings.cost_from_reference}[source_type]


def costs(settings: Settings) -> dict[str, int]:
    """Prices in credits, as ``GET /api/apps``, the stats and the web pages show them."""
    return {"upload": settings.cost_upload, "generate": price(settings, "text_to_image"),
            "fromPreset": price(settings, "from_preset"), "fromReference": price(settings, "from_reference"),
            "personaEdit": settings.cost_persona_edit}
