"""``serve`` alone is a complete start: a fresh data folder gets the catalogue and its previews without ``seed``;
``run`` does the same, saying each step, and a second start changes nothing."""

from __future__ import annotations

import io

import httpx
from PIL import Image

from avatar_creator.catalog.data.personas import PERSONA_EXAMPLES
from avatar_creator.catalog.data.presets import PRESETS
from tests.support.catalog import PERSONAS_URL, PRESETS_URL, drawn_presets
from tests.support.processes import ServiceProcess, free_port, serve, service_env, wait_until_serving


def catalogue(base_url: str) -> tuple[dict[str, dict], list[dict]]:
    """The presets by slug and the persona examples, once every preview is drawn (in the background, at start)."""
    presets = drawn_presets(base_url, timeout=30)
    personas = httpx.get(base_url + PERSONAS_URL).json()["personaExamples"]
    return {preset["slug"]: preset for preset in presets}, personas


def test_serve_on_a_fresh_data_folder_has_every_preset_with_a_loadable_preview(tmp_path, database_url):
    env = service_env(tmp_path / "data", database_url, workers="0")
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    first = serve(env, tmp_path, port)
    try:
        wait_until_serving(base_url, first)
        assert len(httpx.get(base_url + PRESETS_URL).json()["presets"]) == len(PRESETS)  # the rows, before serving
        presets, personas = catalogue(base_url)
        assert sorted(presets) == sorted(spec.slug for spec in PRESETS)
        assert len(personas) == len(PERSONA_EXAMPLES)
        for preset in presets.values():
            preview = httpx.get(base_url + preset["previewImageUrl"])
            assert preview.status_code == 200 and preview.headers["content-type"] == "image/png", preset["slug"]
            assert Image.open(io.BytesIO(preview.content)).size == (512, 512)
    finally:
        first.stop()
    drawn = {path.name: path.stat().st_mtime_ns for path in (tmp_path / "data" / "previews").iterdir()}

    # `run` on the same folder: each step said, the URL to open last; the catalogue is as it was (same ids and
    # preview versions: nothing drawn again).
    again = ServiceProcess(["run", "--port", str(port)], {**env, "AVATAR_LOG_LEVEL": "INFO"}, tmp_path / "run.log")
    again.start()
    try:
        wait_until_serving(base_url, again)
        assert catalogue(base_url) == (presets, personas)
    finally:
        again.stop()
    assert {path.name: path.stat().st_mtime_ns for path in (tmp_path / "data" / "previews").iterdir()} == drawn
    said = (tmp_path / "run.log").read_text()
    steps = ["Migrating the database", "Seeding the catalogue", "Uvicorn running on", f"Open {base_url}"]
    positions = [said.find(step) for step in steps]
    assert -1 not in positions and positions == sorted(positions), said
