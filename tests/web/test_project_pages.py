"""Project pages over HTTP: gallery pages and filters, upload refusals, generate refusals, cancel from the panel."""

from __future__ import annotations

import io
import re
import zipfile

from fastapi.testclient import TestClient
from PIL import Image

from avatar_creator.app import create_app
from avatar_creator.web.project_routes import PAGE_SIZE
from tests.support.settings import make_settings
from tests.support.web import sign_up

HTMX = {"HX-Request": "true"}


def png(size: int = 256, colour: tuple = (120, 90, 200)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (size, size), colour).save(buffer, format="PNG")
    return buffer.getvalue()


def new_project(client, token: str, name: str = "Web") -> str:
    response = client.post("/projects", data={"csrf_token": token, "name": name}, follow_redirects=False)
    return response.headers["location"]


def upload(client, token: str, project_url: str, data: bytes, name: str = "Photo"):
    return client.post(f"{project_url}/upload", headers={**HTMX, "X-CSRF-Token": token},
                       data={"name": name}, files={"image": ("photo.png", data, "image/png")})


def card_ids(html: str) -> list[str]:
    return re.findall(r'<li class="avatar-card" id="avatar-([^"]+)"', html)


def test_the_gallery_pages_with_a_cursor_and_filters_favourites(client):
    token = sign_up(client)
    project_url = new_project(client, token)
    for index in range(PAGE_SIZE + 1):
        assert upload(client, token, project_url, png(colour=(index, 90, 200)), f"Avatar {index}").status_code == 200

    first = client.get(project_url).text
    assert len(card_ids(first)) == PAGE_SIZE
    more_url = re.search(r'hx-get="([^"]+cursor=[^"]+)"', first).group(1).replace("&amp;", "&")
    rest = client.get(more_url, headers=HTMX).text
    assert len(card_ids(rest)) == 1 and "Load more" not in rest
    assert set(card_ids(first)).isdisjoint(card_ids(rest))

    favourite = card_ids(rest)[0]
    toggled = client.post(f"/avatars/{favourite}/favorite", headers={**HTMX, "X-CSRF-Token": token})
    assert 'aria-pressed="true"' in toggled.text
    assert card_ids(client.get(f"{project_url}?favorite=1").text) == [favourite]
    assert len(card_ids(client.get(f"{project_url}?source=text_to_image").text)) == 0


def test_a_refused_upload_answers_its_message_for_the_field_and_charges_nothing(client):
    token = sign_up(client)
    project_url = new_project(client, token)
    gif = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00"
    refused = upload(client, token, project_url, gif)
    assert refused.status_code == 415
    slot = re.search(r'<p class="field-error" id="upload-image-error"[^>]*>([^<]*)</p>', refused.text).group(1)
    assert "JPEG, PNG, WebP or HEIC" in slot
    nameless = upload(client, token, project_url, png(), name="")
    assert nameless.status_code == 400
    assert re.search(r'id="upload-name-error"[^>]*>Required\.</p>', nameless.text)
    assert 'data-balance="100"' in client.get("/credits").text


def test_generate_refusals_are_shown_beside_their_fields_and_nothing_is_charged(client):
    token = sign_up(client)
    project_url = new_project(client, token)
    short = client.post(f"{project_url}/generate", data={"csrf_token": token, "name": "Ada", "prompt": "too short"})
    assert short.status_code == 400
    assert re.search(r'id="prompt-error">Use at least 10 characters\.</p>', short.text)
    assert 'value="Ada"' in short.text  # what was typed stays

    prompt = "A calm lighthouse keeper with a grey beard"
    for _ in range(2):
        queued = client.post(f"{project_url}/generate", follow_redirects=False,
                             data={"csrf_token": token, "name": "Keeper", "prompt": prompt, "count": "4"})
        assert queued.status_code == 303
    too_many = client.post(f"{project_url}/generate",
                           data={"csrf_token": token, "name": "Keeper", "prompt": prompt, "count": "3"})
    assert too_many.status_code == 400 and "This needs 30 credits; you have 20." in too_many.text
    assert 'data-balance="20"' in too_many.text


def test_cancel_answers_the_panel_and_the_balance_and_a_finished_one_answers_a_toast(client):
    token = sign_up(client)
    project_url = new_project(client, token)
    client.post(f"{project_url}/generate", data={"csrf_token": token, "name": "Later", "prompt": "Someone to cancel"})
    page = client.get(project_url).text
    generation_id = re.search(r'id="generation-([^"]+)"', page).group(1)
    assert "Waiting · 1st in the queue" in page  # no worker in these tests: it stays pending

    cancelled = client.post(f"/generations/{generation_id}/cancel", headers={**HTMX, "X-CSRF-Token": token})
    assert cancelled.status_code == 200
    assert "Cancelled · 10 credits refunded" in cancelled.text
    assert re.search(r'<span id="credit-balance" data-balance="100"[^>]*hx-swap-oob="true"', cancelled.text)

    again = client.post(f"/generations/{generation_id}/cancel", headers={**HTMX, "X-CSRF-Token": token})
    assert again.status_code == 409 and again.headers["HX-Retarget"] == "#toasts"
    assert "only pending or processing ones can be cancelled" in again.text


def test_a_second_retry_answers_the_first_one_without_charging_again(client):
    token = sign_up(client)
    project_url = new_project(client, token)
    client.post(f"{project_url}/generate", data={"csrf_token": token, "name": "Twice", "prompt": "Someone to retry"})
    generation_id = re.search(r'id="generation-([^"]+)"', client.get(project_url).text).group(1)
    client.post(f"/generations/{generation_id}/cancel", headers={**HTMX, "X-CSRF-Token": token})

    first = client.post(f"/generations/{generation_id}/retry", headers={**HTMX, "X-CSRF-Token": token})
    assert first.status_code == 200 and "Trying “Twice” again for 10 credits." in first.text
    again = client.post(f"/generations/{generation_id}/retry", headers={**HTMX, "X-CSRF-Token": token})
    assert again.status_code == 200 and "Already trying “Twice” again; nothing more was charged." in again.text
    assert re.search(r'<span id="credit-balance" data-balance="90"[^>]*hx-swap-oob="true"', again.text)


def test_the_provider_choice_appears_only_when_several_are_configured(tmp_path, database_url):
    for hf_token, shown in ((None, False), ("hf_test_token", True)):
        settings = make_settings(tmp_path / str(shown), database_url, hf_token=hf_token)
        with TestClient(create_app(settings)) as client:
            token = sign_up(client, f"providers-{shown}@example.com")
            page = client.get(f"{new_project(client, token)}/generate").text
        assert ('name="provider"' in page) is shown
        if shown:
            assert '<option value="huggingface">' in page and '<option value="offline" selected>' in page


def test_the_selection_bar_downloads_moves_and_deletes_through_the_shared_use_cases(client):
    token = sign_up(client)
    project_url = new_project(client, token)
    target_url = new_project(client, token, "Target")
    for index in range(4):
        assert upload(client, token, project_url, png(colour=(index, 9, 9)), f"Pic {index}").status_code == 200
    ids = card_ids(client.get(project_url).text)  # newest first
    bulk = f"{project_url}/avatars/bulk"

    def post(action: str, chosen: list[str], **extra):
        return client.post(bulk, data={"csrf_token": token, "action": action, "avatar_id": chosen, **extra},
                           follow_redirects=False)

    archive = zipfile.ZipFile(io.BytesIO(post("download", ids[:2]).content))
    assert sorted(archive.namelist()) == ["Pic 2.png", "Pic 3.png", "manifest.json"]
    moved = post("move", ids[:2], project_id=target_url.rsplit("/", 1)[1])
    assert moved.status_code == 303 and card_ids(client.get(target_url).text) == ids[:2]
    stranger = TestClient(client.app)
    other_token = sign_up(stranger, "stranger@example.com")
    theirs = new_project(stranger, other_token)
    assert upload(stranger, other_token, theirs, png(), "Theirs").status_code == 200
    refused = post("delete", [ids[2], card_ids(stranger.get(theirs).text)[0]])
    assert refused.status_code == 404 and card_ids(client.get(project_url).text) == ids[2:]  # nothing deleted
    assert post("delete", [ids[2]]).status_code == 303
    assert card_ids(client.get(project_url).text) == ids[3:]
    assert post("shred", [ids[3]]).status_code == 400
    nothing = post("delete", [])
    assert nothing.status_code == 303 and card_ids(client.get(project_url).text) == ids[3:]


def names(html: str) -> list[str]:
    return re.findall(r"data-name>([^<]+)<", html)


def test_search_and_sort_are_kept_in_the_url(client):
    token = sign_up(client)
    project_url = new_project(client, token)
    for name in ("bravo", "Alpha", "charlie"):
        assert upload(client, token, project_url, png(), name).status_code == 200
    assert names(client.get(project_url).text) == ["charlie", "Alpha", "bravo"]
    assert names(client.get(f"{project_url}?sort=name").text) == ["Alpha", "bravo", "charlie"]
    assert names(client.get(f"{project_url}?sort=oldest").text) == ["bravo", "Alpha", "charlie"]
    page = client.get(f"{project_url}?q=alph&sort=name&favorite=1").text
    assert 'value="alph"' in page and "Nothing matches this filter" in page
    assert re.search(r'href="[^"]*\?source=uploaded&amp;favorite=1&amp;q=alph&amp;sort=name"', page)
    assert names(client.get(f"{project_url}?q=ALPH").text) == ["Alpha"]
    assert names(client.get(f"{project_url}?sort=bogus").text) == ["charlie", "Alpha", "bravo"]
