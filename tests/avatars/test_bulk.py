"""Bulk actions over HTTP: download a selection as a ZIP, move to another project, delete; all or nothing."""

from __future__ import annotations

import io
import json
import zipfile

import pytest

from tests.support.factories import create_project, get_generation, register
from tests.support.references import FIELDS, from_reference
from tests.support.uploads import API, create_avatar, files_on_disk, snapshot


def project_ids(client, user: dict, project_id: str) -> list[str]:
    listed = client.get(f"{API}/avatars", params={"projectId": project_id}, headers=user["headers"]).json()
    return sorted(avatar["id"] for avatar in listed["avatars"])


def test_a_selection_downloads_as_a_zip_in_the_order_asked(client, user, project):
    avatars = [create_avatar(client, user, project["id"], name=name) for name in ("Ann", "Bo", "Cy", "Di")]
    chosen = [avatars[2], avatars[0], avatars[3]]
    response = client.post(f"{API}/bulk/avatars/download", json={"avatarIds": [a["id"] for a in chosen]},
                           headers=user["headers"])
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/zip"
    assert response.headers["content-disposition"].startswith('attachment; filename="3 avatars.zip"')
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    assert archive.testzip() is None
    assert archive.namelist() == ["Cy.jpg", "Ann.jpg", "Di.jpg", "manifest.json"]
    manifest = json.loads(archive.read("manifest.json"))
    assert "project" not in manifest and [e["id"] for e in manifest["avatars"]] == [a["id"] for a in chosen]
    for entry, avatar in zip(manifest["avatars"], chosen, strict=True):
        assert archive.read(entry["file"]) == client.get(avatar["baseImageUrl"]).content


@pytest.mark.parametrize("path", ["download", "move", "delete"])
def test_one_avatar_not_the_callers_is_a_404_that_changes_nothing(client, user, project, files_dir, path):
    mine = create_avatar(client, user, project["id"])
    stranger = register(client)
    theirs = create_avatar(client, stranger, create_project(client, stranger["headers"])["id"])
    target = create_project(client, user["headers"], name="Target")
    before = snapshot(client, user, files_dir)
    response = client.post(f"{API}/bulk/avatars/{path}", json={"avatarIds": [mine["id"], theirs["id"]],
                                                          "projectId": target["id"]}, headers=user["headers"])
    assert response.status_code == 404 and response.json()["error"]["code"] == "NOT_FOUND"
    assert snapshot(client, user, files_dir) == before
    assert project_ids(client, user, project["id"]) == [mine["id"]]


@pytest.mark.parametrize("body", [{"avatarIds": []}, {"avatarIds": ["x"] * 101}, {"avatarIds": "abc"}, {}])
def test_a_bad_selection_is_a_400(client, user, body):
    for path in ("download", "move", "delete"):
        response = client.post(f"{API}/bulk/avatars/{path}", json={"projectId": "p", **body},
                               headers=user["headers"])
        assert response.status_code == 400, (path, body, response.text)


def test_move_to_another_project_while_work_made_from_one_keeps_going(client, user, project):
    avatars = [create_avatar(client, user, project["id"], name=name) for name in ("Ann", "Bo", "Cy")]
    target = create_project(client, user["headers"], name="Target")
    queued = from_reference(client, user["headers"], project["id"], avatarId=avatars[0]["id"], **FIELDS)
    moving = [avatars[0]["id"], avatars[1]["id"]]
    response = client.post(f"{API}/bulk/avatars/move", headers=user["headers"],
                           json={"avatarIds": moving + moving[:1], "projectId": target["id"]})
    assert response.status_code == 200, response.text
    assert response.json() == {"moved": 2, "projectId": target["id"]}
    assert project_ids(client, user, target["id"]) == sorted(moving)
    assert project_ids(client, user, project["id"]) == [avatars[2]["id"]]
    generation = get_generation(client, user["headers"], queued["generation"]["id"])
    assert generation["status"] == "pending" and generation["projectId"] == project["id"]
    stranger = register(client)
    theirs = create_project(client, stranger["headers"])
    refused = client.post(f"{API}/bulk/avatars/move", json={"avatarIds": moving, "projectId": theirs["id"]},
                          headers=user["headers"])
    assert refused.status_code == 404 and project_ids(client, user, target["id"]) == sorted(moving)


def test_bulk_delete_removes_files_gives_storage_back_and_cancels_work_from_them(client, user, project, files_dir):
    kept = create_avatar(client, user, project["id"], name="Kept")
    before = snapshot(client, user, files_dir)
    doomed = [create_avatar(client, user, project["id"], name=name) for name in ("Ann", "Bo")]
    queued = from_reference(client, user["headers"], project["id"], avatarId=doomed[0]["id"], **FIELDS)
    response = client.post(f"{API}/bulk/avatars/delete", json={"avatarIds": [a["id"] for a in doomed]},
                           headers=user["headers"])
    assert response.status_code == 204, response.text
    assert project_ids(client, user, project["id"]) == [kept["id"]]
    after = snapshot(client, user, files_dir)
    assert (after.storage_used, after.files) == (before.storage_used, before.files)
    generation = get_generation(client, user["headers"], queued["generation"]["id"])
    assert generation["status"] == "cancelled" and generation["creditRefunded"] == generation["creditCharged"]
    assert files_on_disk(files_dir) == set(before.files)
