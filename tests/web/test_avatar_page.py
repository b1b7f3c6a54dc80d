"""An avatar's own page over HTTP: its origin and details, edits, Generate similar, Reuse this seed, from a photo."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import select

from avatar_creator.generation.models import Generation
from tests.support.factories import wait_for_generations
from tests.support.jobs import running_service
from tests.support.web import sign_up
from tests.web.test_project_pages import new_project, png, upload

API = "/api/apps/avatar-creator"


def avatars(client, project_url: str) -> list[dict]:
    project_id = project_url.rsplit("/", 1)[-1]
    return client.get(f"{API}/avatars", params={"projectId": project_id}).json()["avatars"]


def balance(client) -> int:
    return int(re.search(r'data-balance="(\d+)"', client.get("/credits").text).group(1))


def finish_all(client) -> None:
    """Wait until every generation of the signed-in user has ended."""
    listed = client.get(f"{API}/generations", params={"limit": 100}).json()["generations"]
    wait_for_generations(client, {}, [generation["id"] for generation in listed])


def generation_of(client, avatar_id: str) -> Generation:
    with client.app.state.database.session(write=False) as session:
        return session.scalar(select(Generation).where(Generation.avatar_id == avatar_id))


def test_generate_similar_keeps_the_prompt_and_the_edited_persona_with_a_new_seed(tmp_path, database_url):
    with running_service(tmp_path, database_url, workers=1) as client:
        token = sign_up(client)
        project_url = new_project(client, token)
        client.post(f"{project_url}/generate", data={
            "csrf_token": token, "name": "Lena", "prompt": "A calm engineer in a navy blazer, soft light",
            "count": "1", "seed": "7", "size": "512x512", "personaName": "Lena"})
        finish_all(client)
        [first] = avatars(client, project_url)
        page = client.get(f"/avatars/{first['id']}").text
        assert "A calm engineer in a navy blazer, soft light" in page and re.search(r"data-seed>7<", page)
        assert "Illustration (offline provider)" in page and "512 × 512" in page
        assert "Used: " in page and "not drawn: " in page  # the offline provider's record of the prompt's words
        assert "Generated from a prompt" in page and f'href="/projects/{first["projectId"]}"' in page
        reuse = client.get(f"{project_url}/generate", params={"from_avatar": first["id"]}).text
        assert 'name="seed" type="number" value="7"' in reuse and "A calm engineer in a navy blazer" in reuse
        assert re.search(r'<option value="512x512" selected>', reuse)

        edited = client.post(f"/avatars/{first['id']}/edit", data={
            "csrf_token": token, "name": "Lena", "personaName": "Lena", "personaBackground": "Builds bridges.",
            "personaPersonality": "calm, exact", "setting": "mountain pass"}, follow_redirects=False)
        assert edited.status_code == 303 and balance(client) == 90  # the persona edit is free
        shown = client.get(f"/avatars/{first['id']}").text
        assert "Builds bridges." in shown and 'value="calm, exact"' in shown and 'value="mountain pass"' in shown

        similar = client.post(f"/avatars/{first['id']}/similar", data={"csrf_token": token}, follow_redirects=False)
        assert similar.status_code == 303 and similar.headers["location"] == project_url
        finish_all(client)
        second = next(avatar for avatar in avatars(client, project_url) if avatar["id"] != first["id"])
        assert second["seedUsed"] != first["seedUsed"]
        assert (second["width"], second["personaBackground"], second["setting"]) == (512, "Builds bridges.",
                                                                                      "mountain pass")
        assert generation_of(client, second["id"]).prompt == generation_of(client, first["id"]).prompt
        assert balance(client) == 80


def test_make_avatars_from_an_uploaded_photo_says_so_and_links_back(tmp_path, database_url):
    with running_service(tmp_path, database_url, workers=1) as client:
        token = sign_up(client)
        project_url = new_project(client, token)
        assert upload(client, token, project_url, png(320), "Me").status_code == 200
        [photo] = avatars(client, project_url)
        page = client.get(f"/avatars/{photo['id']}").text
        assert "Make avatars from this photo · <span data-cost>12</span> credits" in page
        assert "Generate similar" not in page  # an upload has no request to repeat

        made = client.post(f"/avatars/{photo['id']}/from-reference", data={
            "csrf_token": token, "name": "Me, drawn", "prompt": "The same person as a watercolour portrait",
            "count": "1", "strength": "0.5"}, follow_redirects=False)
        assert made.status_code == 303 and made.headers["location"] == project_url
        finish_all(client)
        drawn = next(avatar for avatar in avatars(client, project_url) if avatar["id"] != photo["id"])
        assert drawn["sourceType"] == "from_reference" and balance(client) == 100 - 2 - 12
        own_page = client.get(f"/avatars/{drawn['id']}").text
        assert re.search(rf'Made from a photo: <a href="/avatars/{photo["id"]}">Me</a>', own_page)


def test_refused_edits_and_requests_say_why_and_change_nothing(client):
    token = sign_up(client)
    project_url = new_project(client, token)
    upload(client, token, project_url, png(), "Photo")
    [photo] = avatars(client, project_url)
    too_old = client.post(f"/avatars/{photo['id']}/edit", data={"csrf_token": token, "name": "", "personaAge": "300"})
    assert too_old.status_code == 400
    assert re.search(r'id="name-error">Required\.</p>', too_old.text)
    assert re.search(r'id="personaAge-error">[^<]+</p>', too_old.text)
    short = client.post(f"/avatars/{photo['id']}/from-reference", data={
        "csrf_token": token, "name": "X", "prompt": "short", "count": "1"})
    assert short.status_code == 400 and re.search(r'id="reference-prompt-error">Use at least 10', short.text)
    similar = client.post(f"/avatars/{photo['id']}/similar", data={"csrf_token": token})
    assert similar.status_code == 400 and "make avatars from this photo instead" in similar.text
    assert [a["name"] for a in avatars(client, project_url)] == ["Photo"] and balance(client) == 98
    assert client.post(f"/avatars/{photo['id']}/edit", data={"name": "No token"}).status_code == 403


def test_reuse_this_seed_fills_the_generate_form(client):
    token = sign_up(client)
    project_url = new_project(client, token)
    upload(client, token, project_url, png(), "Photo")
    [photo] = avatars(client, project_url)
    client.post(f"/avatars/{photo['id']}/edit", data={"csrf_token": token, "name": "Photo", "hairColor": "auburn",
                                                      "personaPersonality": "warm, direct"})
    form = client.get(f"{project_url}/generate", params={"from_avatar": photo["id"]}).text
    assert 'name="hairColor" type="text" value="auburn"' in form and 'value="warm, direct"' in form
    assert client.get(f"{project_url}/generate", params={"from_avatar": "nope"}).status_code == 404


def test_another_users_avatar_page_is_not_found(client):
    token = sign_up(client, "owner@example.com")
    project_url = new_project(client, token)
    upload(client, token, project_url, png(), "Private")
    [photo] = avatars(client, project_url)
    other = TestClient(client.app)
    other_token = sign_up(other, "other@example.com")
    assert other.get(f"/avatars/{photo['id']}").status_code == 404
    assert other.post(f"/avatars/{photo['id']}/edit", data={"csrf_token": other_token, "name": "Mine"}
                      ).status_code == 404
    assert other.post(f"/avatars/{photo['id']}/similar", data={"csrf_token": other_token}).status_code == 404
    assert [a["name"] for a in avatars(client, project_url)] == ["Private"]
