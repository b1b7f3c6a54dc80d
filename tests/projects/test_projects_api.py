"""Projects over HTTP: CRUD, ownership, and bad input answered with the envelope."""

from __future__ import annotations

import pytest

from tests.support.factories import create_project, register

PROJECTS = "/api/apps/avatar-creator/projects"


def test_create_list_rename_delete(client):
    user = register(client)
    first = create_project(client, user["headers"], name="  Team   portraits ", description="For the site")
    assert first["name"] == "Team portraits"
    assert first["avatars"] == [] and first["avatarCount"] == 0 and first["coverThumbnailUrl"] is None
    second = create_project(client, user["headers"], name="Second")

    listed = client.get(PROJECTS, headers=user["headers"]).json()["projects"]
    assert [p["id"] for p in listed] == [second["id"], first["id"]]  # newest first

    renamed = client.put(f"{PROJECTS}/{first['id']}", json={"name": "Renamed"}, headers=user["headers"])
    assert renamed.status_code == 200
    assert renamed.json()["project"]["name"] == "Renamed"
    assert renamed.json()["project"]["description"] == "For the site"  # absent fields stay

    cleared = client.put(f"{PROJECTS}/{first['id']}", json={"description": None}, headers=user["headers"])
    assert cleared.json()["project"]["description"] is None

    assert client.delete(f"{PROJECTS}/{first['id']}", headers=user["headers"]).status_code == 204
    assert client.get(f"{PROJECTS}/{first['id']}", headers=user["headers"]).status_code == 404
    assert [p["id"] for p in client.get(PROJECTS, headers=user["headers"]).json()["projects"]] == [second["id"]]


def test_another_users_project_is_not_found(client):
    owner = register(client)
    stranger = register(client)
    project = create_project(client, owner["headers"])
    for method in ("get", "put", "delete"):
        kwargs = {"json": {"name": "Mine now"}} if method == "put" else {}
        response = getattr(client, method)(f"{PROJECTS}/{project['id']}", headers=stranger["headers"], **kwargs)
        assert response.status_code == 404, method
        assert response.json() == {"success": False, "error": {"code": "NOT_FOUND", "message": "Project not found."}}
    assert client.get(PROJECTS, headers=stranger["headers"]).json()["projects"] == []
    assert client.get(f"{PROJECTS}/{project['id']}", headers=owner["headers"]).json()["project"]["name"] == "My project"


@pytest.mark.parametrize("body, content_type, field", [
    ('{"name": "' + "x" * 101 + '"}', "application/json", "name"),
    ('{"description": "no name"}', "application/json", "name"),
    ('{"name": "   "}', "application/json", "name"),
    ('{"name": 123}', "application/json", "name"),
    ('{"name": "ok", "description": "' + "d" * 501 + '"}', "application/json", "description"),
    ('{"name": "broken', "application/json", None),
    ('[{"name": "array"}]', "application/json", None),
    ('name=form', "application/x-www-form-urlencoded", None),
    ('', "application/json", None),
])
def test_bad_project_input_is_400_with_the_envelope(client, body, content_type, field):
    user = register(client)
    response = client.post(PROJECTS, content=body, headers={**user["headers"], "Content-Type": content_type})
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert response.json()["success"] is False
    assert error["code"] == "VALIDATION_ERROR" and error["message"]
    assert error.get("field") == field
    assert client.get(PROJECTS, headers=user["headers"]).json()["projects"] == []  # nothing changed


def test_unknown_route_and_wrong_method(client):
    user = register(client)
    missing = client.get("/api/apps/avatar-creator/nope", headers=user["headers"])
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "NOT_FOUND"
    wrong = client.patch(PROJECTS, headers=user["headers"])
    assert wrong.status_code == 405 and wrong.json()["error"]["code"] == "METHOD_NOT_ALLOWED"


def test_avatar_limit_is_validated(client):
    user = register(client)
    response = client.get(PROJECTS, params={"avatarLimit": "-1"}, headers=user["headers"])
    assert response.status_code == 400 and response.json()["error"]["field"] == "avatarLimit"
