"""The catalogue's API addresses, and waiting for the previews a fresh ``serve`` draws in the background."""

from __future__ import annotations

import time

import httpx

PRESETS_URL = "/api/apps/avatar-creator/presets"
PERSONAS_URL = "/api/apps/avatar-creator/persona-examples"


def drawn_presets(base_url: str, timeout: float = 60) -> list[dict]:
    """The presets once every preview is drawn (or ``timeout`` passed): a fresh data folder's ``serve`` draws them in
    the background after it answers, loading the offline renderer meanwhile."""
    deadline = time.monotonic() + timeout
    while True:
        response = httpx.get(base_url + PRESETS_URL, timeout=10)
        presets = response.json()["presets"] if response.status_code == 200 else []
        if (presets and all(preset["previewImageUrl"] for preset in presets)) or time.monotonic() > deadline:
            return presets
        time.sleep(0.1)
