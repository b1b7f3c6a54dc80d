"""The avatars API over HTTP: list and pages, edits, deletes, ownership, downloads, usage, stats, quota and credits."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import UTC, datetime
from urllib.parse import unquote

from sqlalchemy import text, update

from avatar_creator.auth.models import User
from avatar_creator.avatars.models import Avatar
from avatar_creator.generation.models import Generation
from tests.support.factories import create_project, register
from tests.support.uploads import API, create_avatar, files_on_disk, jpeg, snapshot, upload


def set_user(app, user: dict, **values) -> None:
    with app.state.database.session() as session:
        session.execute(update(User).where(User.id == user["user"]["id"]).values(**values))


def list_ids(client, user: dict, **params) -> list[str]:
    response = client.get(f"{API}/avatars", params=params, headers=user["headers"])
    assert response.status_code == 200, response.text
    return [avatar["id"] for avatar in response.json()["avatars"]]


def test_list_filters(client, user, project):
    other_project = create_project(client, user["headers"], name="Other")
    first = create_avatar(client, user, project["id"], name="Alice", personaName="Zed 100%")
    second = create_avatar(client, user, project["id"], name="Bob_1")
    third = create_avatar(client, user, other_project["id"], name="Carol")
    assert client.put(f"{API}/avatars/{second['id']}", json={"favorite": True},
                      headers=user["headers"]).status_code == 200

    assert list_ids(client, user) == [third["id"], second["id"], first["id"]]  # newest first
    assert list_ids(client, user, projectId=project["id"]) == [second["id"], first["id"]]
    assert list_ids(client, user, favorite="true") == [second["id"]]
    assert list_ids(client, user, favorite="false") == [third["id"], first["id"]]
    assert list_ids(client, user, q="zed") == [first["id"]]  # the persona name, any case
    assert list_ids(client, user, q="CAROL") == [third["id"]]
    assert list_ids(client, user, q="100%") == [first["id"]]  # % and _ are literal, not wildcards
    assert list_ids(client, user, q="b_1") == [second["id"]] and list_ids(client, user, q="b%1") == []
    assert list_ids(client, user, sourceType="uploaded") == [third["id"], second["id"], first["id"]]
    assert list_ids(client, user, sourceType="text_to_image") == []
    assert list_ids(client, register(client)) == []  # another user sees none of them

    for params, field in (({"sourceType": "painted"}, "sourceType"), ({"favorite": "maybe"}, "favorite"),
                          ({"limit": 0}, "limit"), ({"cursor": "not-a-cursor"}, "cursor")):
        response = client.get(f"{API}/avatars", params=params, headers=user["headers"])
        assert response.status_code == 400 and response.json()["error"]["field"] == field, params


def test_cursor_pages_are_stable_under_equal_timestamps(app, client, user, project):
    created = [create_avatar(client, user, project["id"], name=f"A{index}")["id"] for index in range(5)]
    with app.state.database.session() as session:  # the same instant for all: order falls back to the id
        session.execute(update(Avatar).values(created_at=datetime(2026, 1, 1, tzinfo=UTC)))
    seen, cursor = [], None
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = client.get(f"{API}/avatars", params=params, headers=user["headers"]).json()
        seen += [avatar["id"] for avatar in page["avatars"]]
        cursor = page["nextCursor"]
        if cursor is None:
            break
    assert seen == sorted(created, reverse=True)


def test_edit_avatar(client, user, project):
    avatar = create_avatar(client, user, project["id"], name="Before", personaName="Ann", hairColor="red")
    url = f"{API}/avatars/{avatar['id']}"
    response = client.put(url, json={"name": "  After  the   edit ", "personaAge": 41, "gender": "female",
                                     "personaPersonality": ["calm", "curious"], "favorite": True,
                                     "hairColor": None}, headers=user["headers"])
    assert response.status_code == 200, response.text
    edited = response.json()["avatar"]
    assert (edited["name"], edited["personaAge"], edited["gender"], edited["favorite"]) == (
        "After the edit", 41, "female", True)
    assert edited["personaPersonality"] == ["calm", "curious"]
    assert edited["personaName"] == "Ann"  # absent: unchanged
    assert edited["hairColor"] is None  # null: cleared
    assert edited["updatedAt"] > avatar["updatedAt"]
    assert client.get(url, headers=user["headers"]).json()["avatar"] == edited

    for body, field in (({"name": None}, "name"), ({"name": 123}, "name"), ({"personaAge": 0}, "personaAge"),
                        ({"gender": "robot"}, "gender"), ({"personaPersonality": ["x" * 51]}, "personaPersonality.0"),
                        ({"favorite": None}, "favorite"), ({"ethnicity": "e" * 51}, "ethnicity")):
        response = client.put(url, json=body, headers=user["headers"])
        assert response.status_code == 400, body
        assert response.json()["error"]["field"] == field, body
    assert client.get(url, headers=user["headers"]).json()["avatar"] == edited


def test_another_users_avatar_files_and_zip_are_not_found(client, user, project):
    avatar = create_avatar(client, user, project["id"])
    stranger = register(client)
    paths = [("get", f"{API}/avatars/{avatar['id']}", None), ("put", f"{API}/avatars/{avatar['id']}", {"name": "X"}),
             ("delete", f"{API}/avatars/{avatar['id']}", None), ("get", f"{API}/avatars/{avatar['id']}/download", None),
             ("post", f"{API}/avatars/{avatar['id']}/usage", {"appId": "a", "appName": "A", "action": "use"}),
             ("get", f"{API}/avatars/{avatar['id']}/usage-history", None),
             ("get", f"{API}/projects/{project['id']}/download", None),
             ("get", avatar["baseImageUrl"].split("?")[0], None), ("get", avatar["thumbnailUrl"].split("?")[0], None)]
    for method, path, body in paths:
        response = client.request(method.upper(), path, json=body, headers=stranger["headers"])
        assert response.status_code == 404, (method, path)
        assert response.json()["error"]["code"] == "NOT_FOUND"
    assert client.get(f"{API}/avatars/{avatar['id']}", headers=user["headers"]).json()["avatar"]["name"] == "Portrait"
    assert client.get(avatar["baseImageUrl"].split("?")[0], headers=user["headers"]).status_code == 200


def test_download_uses_the_real_extension_and_a_safe_filename(client, user, project):
    from tests.support.corpus import encode, photo

    name = 'Zoë "the boss" / ../ Ünïcode'
    response = upload(client, user, project["id"], encode(photo(300, 300), "PNG"), name=name, filename="x.jpg")
    avatar = response.json()["avatar"]
    download = client.get(f"{API}/avatars/{avatar['id']}/download", headers=user["headers"])
    assert download.status_code == 200
    assert download.headers["content-type"] == "image/png"
    assert download.headers["x-content-type-options"] == "nosniff"
    disposition = download.headers["content-disposition"]
    assert disposition.startswith('attachment; filename="Zoe _the boss_ _ .._ Unicode.png"; ')
    assert unquote(disposition.split("filename*=UTF-8''")[1]) == "Zoë _the boss_ _ .._ Ünïcode.png"
    assert download.content == client.get(avatar["baseImageUrl"]).content


def test_project_zip_holds_every_original_and_a_manifest(client, user, project):
    from tests.support.corpus import encode, photo

    avatars = [create_avatar(client, user, project["id"], name="Same", personaName="One"),
               create_avatar(client, user, project["id"], name="Same"),
               upload(client, user, project["id"], encode(photo(300, 300), "PNG"), name="Ünï/code").json()["avatar"]]
    response = client.get(f"{API}/projects/{project['id']}/download", headers=user["headers"])
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/zip"
    assert "content-length" not in response.headers  # streamed, not built in memory first
    assert response.headers["content-disposition"].startswith('attachment; filename="My project.zip"')
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    assert archive.testzip() is None
    assert archive.namelist() == ["Same.jpg", "Same (2).jpg", "Ünï_code.png", "manifest.json"]
    manifest = json.loads(archive.read("manifest.json"))
    assert manifest["project"]["id"] == project["id"]
    assert [entry["id"] for entry in manifest["avatars"]] == [avatar["id"] for avatar in avatars]
    assert manifest["avatars"][0]["personaName"] == "One" and "baseImageUrl" not in manifest["avatars"][0]
    for entry, avatar in zip(manifest["avatars"], avatars, strict=True):
        assert archive.read(entry["file"]) == client.get(avatar["baseImageUrl"]).content

    empty = create_project(client, user["headers"], name="Empty")
    archive = zipfile.ZipFile(io.BytesIO(client.get(f"{API}/projects/{empty['id']}/download",
                                                    headers=user["headers"]).content))
    assert archive.namelist() == ["manifest.json"]


def test_usage_history_and_summary(client, user, project):
    avatar = create_avatar(client, user, project["id"])
    url = f"{API}/avatars/{avatar['id']}"
    uses = [("chat", "Chat"), ("slides", "Slides"), ("chat", "Chat")] + [("mail", "Mail")] * 50
    for app_id, app_name in uses:
        response = client.post(f"{url}/usage", json={"appId": app_id, "appName": app_name, "action": "profile",
                                                     "referenceId": "r1", "metadata": {"size": 64}},
                               headers=user["headers"])
        assert response.status_code == 201, response.text
    usage = response.json()["usage"]
    assert (usage["appId"], usage["metadata"], usage["avatarId"]) == ("mail", {"size": 64}, avatar["id"])
    shown = client.get(url, headers=user["headers"]).json()["avatar"]
    assert shown["usageCount"] == 53 and shown["lastUsedAt"] == usage["createdAt"]
    assert shown["updatedAt"] == avatar["updatedAt"]  # a use is not an edit

    history = client.get(f"{url}/usage-history", headers=user["headers"]).json()
    assert history["success"] is True
    assert len(history["history"]) == 50 and history["history"][0]["id"] == usage["id"]
    assert [(s["appId"], s["appName"], s["count"]) for s in history["summary"]] == [
        ("mail", "Mail", 50), ("chat", "Chat", 2), ("slides", "Slides", 1)]
    assert history["summary"][0]["lastUsed"] == usage["createdAt"]

    for body, field in (({"appName": "A", "action": "x"}, "appId"), ({"appId": "a" * 51, "appName": "A", "action": "x"},
                                                                     "appId"),
                        ({"appId": "a", "appName": "A", "action": "x", "metadata": [1]}, "metadata")):
        response = client.post(f"{url}/usage", json=body, headers=user["headers"])
        assert response.status_code == 400 and response.json()["error"]["field"] == field


def test_stats(app, client, user, project):
    used = create_avatar(client, user, project["id"], name="Used")
    create_avatar(client, user, project["id"], name="Unused")
    for _ in range(3):
        client.post(f"{API}/avatars/{used['id']}/usage", json={"appId": "a", "appName": "A", "action": "x"},
                    headers=user["headers"])
    with app.state.database.session() as session:
        for status in ("pending", "completed", "completed", "failed"):
            session.add(Generation(user_id=user["user"]["id"], project_id=project["id"], batch_id="b",
                                   source_type="text_to_image", status=status, max_attempts=3, cost=10, name="G",
                                   prompt="a portrait of someone", seed=1, options={}, provider="offline"))
    response = client.get(f"{API}/stats", headers=user["headers"])
    assert response.status_code == 200
    body = response.json()
    stats = body["stats"]
    assert (stats["totalAvatars"], stats["totalProjects"], stats["recentUploads"], stats["totalUsage"]) == (2, 1, 2, 3)
    assert stats["averageUsage"] == 1.5
    assert [avatar["id"] for avatar in stats["topUsedAvatars"]] == [used["id"]]
    assert stats["generations"] == {"pending": 1, "processing": 0, "completed": 2, "failed": 1, "cancelled": 0}
    assert body["creditBalance"] == 96 and body["costs"]["upload"] == 2
    assert client.get(f"{API}/stats", headers=register(client)["headers"]).json()["stats"]["totalAvatars"] == 0


def test_storage_used_is_exact_through_uploads_and_deletes(client, user, project, files_dir):
    start = snapshot(client, user, files_dir)
    assert start.storage_used == 0 and start.files == frozenset()
    kept_project = create_project(client, user["headers"], name="Kept")
    first = create_avatar(client, user, project["id"], name="First")
    after_first = snapshot(client, user, files_dir)
    create_avatar(client, user, project["id"], name="Second")
    kept = create_avatar(client, user, kept_project["id"], name="Kept")
    full = snapshot(client, user, files_dir)
    assert full.storage_used == sum((files_dir / key).stat().st_size for key in full.files)

    assert client.delete(f"{API}/avatars/{first['id']}", headers=user["headers"]).status_code == 204
    after_delete = snapshot(client, user, files_dir)
    assert after_delete.storage_used == full.storage_used - after_first.storage_used
    assert after_delete.files == full.files - after_first.files
    assert client.get(f"{API}/avatars/{first['id']}", headers=user["headers"]).status_code == 404
    assert client.delete(f"{API}/avatars/{first['id']}", headers=user["headers"]).status_code == 404
    assert snapshot(client, user, files_dir) == after_delete  # a second delete gives nothing back twice

    assert client.delete(f"{API}/projects/{project['id']}", headers=user["headers"]).status_code == 204
    left = snapshot(client, user, files_dir)
    assert left.avatars == 1 and len(left.files) == 2
    assert left.storage_used == sum((files_dir / key).stat().st_size for key in left.files)
    assert client.delete(f"{API}/avatars/{kept['id']}", headers=user["headers"]).status_code == 204
    final = snapshot(client, user, files_dir)
    assert (final.storage_used, final.files, final.avatars) == (start.storage_used, start.files, 0)
    me = client.get("/api/auth/me", headers=user["headers"]).json()["data"]["user"]
    assert me["storageUsed"] == 0 and me["storageQuota"] == 1024**3


def test_full_quota_is_413_and_keeps_nothing(app, client, user, project, files_dir):
    create_avatar(client, user, project["id"])
    used = snapshot(client, user, files_dir).storage_used
    set_user(app, user, storage_quota=used + 1000)  # room for less than another photo and its thumbnail
    before = snapshot(client, user, files_dir)
    response = upload(client, user, project["id"], jpeg(300, 300))
    assert response.status_code == 413 and response.json()["error"]["code"] == "STORAGE_QUOTA_EXCEEDED"
    assert snapshot(client, user, files_dir) == before  # the files written before the check are gone again


def test_short_balance_is_402_and_keeps_nothing(app, client, user, project, files_dir):
    set_user(app, user, credit_balance=1)
    before = snapshot(client, user, files_dir)
    response = upload(client, user, project["id"], jpeg(300, 300))
    assert response.status_code == 402, response.text
    error = response.json()["error"]
    assert error["code"] == "INSUFFICIENT_CREDITS" and "needs 2 credits; you have 1" in error["message"]
    assert snapshot(client, user, files_dir) == before
    with app.state.database.session() as session:
        assert session.scalar(text("SELECT count(*) FROM credit_transactions WHERE type = 'usage'")) == 0


def test_files_are_served_under_random_names_only(client, user, project, files_dir):
    avatar = create_avatar(client, user, project["id"])
    assert all(key.startswith(f"u/{user['user']['id']}/") for key in files_on_disk(files_dir))
    assert avatar["baseImageUrl"].split("?")[0].removeprefix("/uploads/") in files_on_disk(files_dir)


def test_a_failing_disk_is_a_503_that_changes_nothing(client, user, project, files_dir):
    user_folder = files_dir / "u" / user["user"]["id"]
    user_folder.parent.mkdir(parents=True, exist_ok=True)
    if user_folder.is_dir():
        user_folder.rmdir()
    user_folder.write_bytes(b"")  # a file where the user's folder belongs: every write under it fails
    before = snapshot(client, user, files_dir)
    response = upload(client, user, project["id"], jpeg(300, 300))
    assert response.status_code == 503 and response.headers["Retry-After"]
    assert response.json()["error"]["code"] == "SERVICE_UNAVAILABLE"
    assert snapshot(client, user, files_dir) == before

    user_folder.unlink()  # the disk is back
    assert upload(client, user, project["id"], jpeg(300, 300)).status_code == 201
