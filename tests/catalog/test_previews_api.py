"""Preset previews are public images: real PNGs, distinct, cached well, and nothing else is served from there."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from avatar_creator.catalog import previews
from tests.support.catalog import PRESETS_URL
from tests.support.settings import make_settings


def test_every_preview_is_a_distinct_png_served_without_sign_in(client, seeded):
    presets = client.get(PRESETS_URL).json()["presets"]
    images = {}
    for preset in presets:
        response = client.get(preset["previewImageUrl"])
        assert response.status_code == 200, preset["slug"]
        assert response.headers["content-type"] == "image/png"
        assert response.headers["x-content-type-options"] == "nosniff"
        decoded = Image.open(io.BytesIO(response.content))
        assert decoded.format == "PNG" and decoded.size == (previews.PREVIEW_SIDE, previews.PREVIEW_SIDE)
        images[preset["slug"]] = response.content
    assert len(set(images.values())) == len(presets)


def test_preview_caching_headers_and_revalidation(client, seeded):
    url = client.get(f"{PRESETS_URL}/silk-saree").json()["preset"]["previewImageUrl"]
    response = client.get(url)
    assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
    etag = response.headers["etag"]
    assert etag == f'"{previews.version_of(response.content)}"'

    not_modified = client.get(url, headers={"If-None-Match": etag})
    assert not_modified.status_code == 304 and not_modified.content == b""
    assert client.get(url, headers={"If-None-Match": '"something-else"'}).status_code == 200

    # Without the current version in the URL the content may change, so browsers must revalidate.
    unversioned = client.get("/previews/silk-saree.png")
    assert unversioned.status_code == 200 and unversioned.content == response.content
    assert unversioned.headers["cache-control"] == "public, no-cache"
    head = client.head(url)
    assert head.status_code == 200 and head.headers["etag"] == etag


@pytest.mark.parametrize("path", [
    "/previews/no-such-preset.png",
    "/previews/silk-saree.jpg",
    "/previews/silk-saree",
    "/previews/SILK-SAREE.png",
    "/previews/.silk-saree.png",
    "/previews/silk-saree.png.tmp",
    "/previews/..%2Fsecret_key",
    "/previews/%2e%2e%2fsecret_key",
    "/previews/..%2f..%2fetc%2fpasswd",
    "/previews/%2e%2e",
    "/previews/stray.png",
    "/previews/",
    "/previews/silk-saree.png/extra",
])
def test_only_known_preview_files_are_served(client, seeded, settings, path):
    (settings.previews_dir / "stray.png").write_bytes((settings.previews_dir / "silk-saree.png").read_bytes())
    response = client.get(path)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "NOT_FOUND"


def test_a_nul_in_a_preview_name_is_refused_before_any_lookup(client, seeded):
    response = client.get("/previews/silk-saree.png%00")
    assert (response.status_code, response.json()["error"]["code"]) == (400, "VALIDATION_ERROR")


def test_preview_urls_are_absolute_with_a_public_url(tmp_path, database_url, drawn_previews):
    from fastapi.testclient import TestClient

    from avatar_creator.app import create_app
    from avatar_creator.catalog.seeding import seed_catalog
    from avatar_creator.providers.offline import OfflineProvider

    settings = make_settings(tmp_path, database_url, public_url="https://avatars.example.com/")
    app = create_app(settings)
    settings.previews_dir.mkdir(parents=True)
    for slug, image in drawn_previews.items():
        (settings.previews_dir / f"{slug}.png").write_bytes(image)
    seed_catalog(app.state.database, previews_dir=settings.previews_dir, provider=OfflineProvider())
    with TestClient(app) as client:
        preset = client.get(f"{PRESETS_URL}/batik-kebaya").json()["preset"]
    assert preset["previewImageUrl"].startswith("https://avatars.example.com/previews/batik-kebaya.png?v=")
