"""The presets gallery and a preset's page over HTTP: tabs, previews, "Use in project…" and its refusals."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from avatar_creator.catalog.models import PRESET_CATEGORIES, Preset
from avatar_creator.generation.models import Generation
from tests.catalog.conftest import drawn_previews, seeded  # noqa: F401 (the catalogue's fixtures, reused)
from tests.support.web import sign_up
from tests.web.test_avatar_page import balance
from tests.web.test_project_pages import new_project

pytestmark = pytest.mark.usefixtures("seeded")


def preset_links(html: str) -> list[str]:
    return re.findall(r'class="preset-link" href="/presets/([a-z0-9-]+)', html)


def test_the_gallery_has_a_tab_per_category_with_sized_lazy_previews(client):
    sign_up(client)
    everything = client.get("/presets").text
    with client.app.state.database.session(write=False) as session:
        presets = list(session.scalars(select(Preset)))
    assert sorted(preset_links(everything)) == sorted(preset.slug for preset in presets)
    assert everything.count('loading="lazy" decoding="async" width="512" height="512"') == len(presets)
    for category in PRESET_CATEGORIES:
        assert f'href="/presets?category={category}"' in everything
        listed = client.get("/presets", params={"category": category}).text
        assert sorted(preset_links(listed)) == sorted(p.slug for p in presets if p.category == category)
        assert re.search(rf'href="/presets\?category={category}" aria-current="true"', listed)
    kept = client.get("/presets", params={"category": "sports", "project": "p1"}).text
    assert 'href="/presets?category=casual&amp;project=p1"' in kept and "?project=p1" in kept
    assert client.get("/presets", params={"category": "space"}).status_code == 400


def test_use_in_project_starts_the_variations_at_the_preset_price(client):
    token = sign_up(client)
    project_url = new_project(client, token, "Team")
    project_id = project_url.rsplit("/", 1)[-1]
    page = client.get("/presets/batik-kebaya", params={"project": project_id}).text
    assert f'<option value="{project_id}" selected>Team</option>' in page
    assert "Generate <span data-cost-label>1 avatar</span> · <span data-cost>8</span> credits" in page
    assert "Look" in page and "Persona" in page

    started = client.post("/presets/batik-kebaya/use", data={
        "csrf_token": token, "project_id": project_id, "custom_name": "Sari", "count": "2"}, follow_redirects=False)
    assert started.status_code == 303 and started.headers["location"] == project_url
    with client.app.state.database.session(write=False) as session:
        made = list(session.scalars(select(Generation)))
    assert [(g.source_type, g.name, g.options["preset_slug"]) for g in made] == [
        ("from_preset", "Sari", "batik-kebaya")] * 2
    assert balance(client) == 100 - 2 * 8


def test_refused_uses_say_why_and_charge_nothing(client):
    token = sign_up(client)
    project_id = new_project(client, token).rsplit("/", 1)[-1]
    too_many = client.post("/presets/batik-kebaya/use", data={"csrf_token": token, "project_id": project_id,
                                                              "count": "5"})
    assert too_many.status_code == 400 and re.search(r'id="count-error">[^<]+</p>', too_many.text)
    no_project = client.post("/presets/batik-kebaya/use", data={"csrf_token": token, "count": "1"})
    assert no_project.status_code == 400 and 'id="project_id-error">Pick a project.</p>' in no_project.text
    assert client.get("/presets/no-such-preset").status_code == 404
    other = TestClient(client.app)
    other_token = sign_up(other, "other@example.com")
    assert other.post("/presets/batik-kebaya/use", data={"csrf_token": other_token, "project_id": project_id,
                                                         "count": "1"}).status_code == 404
    assert balance(client) == 100 and balance(other) == 100
