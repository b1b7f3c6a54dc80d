"""Export and delete: the ZIP holds every avatar file and the user's data; deleting the account leaves no row with the
user's id in any table (found by introspecting the models) and no file in their folder, even while a worker is
finishing one of their jobs; another user keeps everything."""

from __future__ import annotations

import io
import json
import threading
import zipfile
from pathlib import Path

from sqlalchemy import func, or_, select

from avatar_creator.avatars.sweep import sweep
from avatar_creator.db import Base, Database
from avatar_creator.migrations import load_models
from avatar_creator.storage import LocalStorage, owner_of
from tests.support.factories import PASSWORD, create_project, generate, register, wait_for_generations
from tests.support.jobs import ScriptedProvider, running_service
from tests.support.references import API, FIELDS, from_reference, reference_photo
from tests.support.uploads import create_avatar


def rows_of(database_url: str, user_id: str) -> dict[str, int]:
    """How many rows of each table hold ``user_id``: in ``users.id``, in any column referencing it, in any
    ``user_id`` column."""
    load_models()
    database = Database(database_url, pool_size=1)
    found: dict[str, int] = {}
    try:
        with database.session(write=False) as session:
            for table in Base.metadata.sorted_tables:
                columns = [column for column in table.columns if column.name == "user_id"
                           or (table.name == "users" and column.name == "id")
                           or any(key.target_fullname == "users.id" for key in column.foreign_keys)]
                if columns:
                    count = session.scalar(select(func.count()).select_from(table)
                                           .where(or_(*(column == user_id for column in columns))))
                    if count:
                        found[table.name] = count
    finally:
        database.dispose()
    return found


def files_of(files_dir: Path, user_id: str) -> list[str]:
    folder = files_dir / "u" / user_id
    return sorted(path.name for path in folder.rglob("*")) if folder.exists() else []


def delete_account(client, headers, *, password: str = PASSWORD, confirm_email: str):
    return client.request("DELETE", "/api/auth/me", json={"password": password, "confirmEmail": confirm_email},
                          headers=headers)


def test_export_holds_everything_and_deletion_leaves_nothing(tmp_path, database_url):
    with running_service(tmp_path, database_url, workers=1) as client:
        files_dir = client.app.state.settings.files_dir
        bystander = register(client, email="stays@example.com")
        kept = create_avatar(client, bystander, create_project(client, bystander["headers"])["id"], name="Kept")
        user = register(client, email="leaves@example.com")
        user_id = user["user"]["id"]
        project = create_project(client, user["headers"], name="Mine")
        uploaded = create_avatar(client, user, project["id"], name="Uploaded")
        queued = [generate(client, user["headers"], project["id"])["generation"],
                  *from_reference(client, user["headers"], project["id"], image=reference_photo(),
                                  **FIELDS)["generations"]]
        done = wait_for_generations(client, user["headers"], [g["id"] for g in queued])
        avatar_ids = {uploaded["id"], *(g["avatarId"] for g in done)}
        used = client.post(f"{API}/avatars/{uploaded['id']}/usage", headers=user["headers"],
                           json={"appId": "crm", "appName": "CRM", "action": "profile-picture"})
        assert used.status_code == 201, used.text
        assert any(name.startswith("reference-") for name in files_of(files_dir, user_id))

        exported = client.get("/api/auth/export", headers=user["headers"])
        assert exported.status_code == 200 and exported.headers["content-type"] == "application/zip"
        assert "attachment" in exported.headers["content-disposition"]
        archive = zipfile.ZipFile(io.BytesIO(exported.content))
        data = json.loads(archive.read("data.json"))
        assert {avatar["id"] for avatar in data["avatars"]} == avatar_ids
        assert [p["name"] for p in data["projects"]] == ["Mine"]
        assert {g["id"] for g in data["generations"]} == {g["id"] for g in queued}
        assert [u["action"] for u in data["usage"]] == ["profile-picture"]
        assert [row["type"] for row in data["ledger"]] == ["bonus", "usage", "usage", "usage"]
        assert data["user"]["id"] == user_id
        assert "passwordHash" not in json.dumps(data)
        storage = LocalStorage(files_dir)
        for avatar in data["avatars"]:
            folder = f"avatars/{project['id']}/{avatar['id']}."
            [image] = [name for name in archive.namelist() if name.startswith(folder)]
            assert archive.read(image) == storage.read(avatar["storageKey"])
            [thumbnail] = [name for name in archive.namelist() if f"/{avatar['id']}." in name and name != image]
            assert archive.read(thumbnail) == storage.read(avatar["thumbnailKey"])

        wrong_password = delete_account(client, user["headers"], password="not my password",
                                        confirm_email="leaves@example.com")
        wrong_email = delete_account(client, user["headers"], confirm_email="someone@example.com")
        assert (wrong_password.status_code, wrong_password.json()["error"]["field"]) == (400, "password")
        assert (wrong_email.status_code, wrong_email.json()["error"]["field"]) == (400, "confirmEmail")
        assert rows_of(database_url, user_id)["avatars"] == 3  # refused: nothing changed

        deleted = delete_account(client, user["headers"], confirm_email="Leaves@Example.com")
        assert deleted.status_code == 204
        assert client.get("/api/auth/me", headers=user["headers"]).status_code == 401
        assert client.post("/api/auth/login", json={"email": "leaves@example.com",
                                                    "password": PASSWORD}).status_code == 401
        assert client.get(f"{API}/avatars/{kept['id']}", headers=bystander["headers"]).status_code == 200

    assert rows_of(database_url, user_id) == {}
    assert files_of(files_dir, user_id) == []
    assert set(rows_of(database_url, bystander["user"]["id"])) >= {"users", "avatars", "credit_transactions"}
    database = Database(database_url, pool_size=1)
    with database.session(write=False) as session:
        report = sweep(session=session, storage=LocalStorage(files_dir), min_age_seconds=0, fix=False)
    database.dispose()
    assert [key for key in report.orphan_files if owner_of(key) == user_id] == [] and report.missing_files == []


class HeldProvider(ScriptedProvider):
    """Draws only once the test lets it: the job stays in flight while the account goes."""

    def __init__(self) -> None:
        super().__init__()
        self.started = threading.Event()
        self.release = threading.Event()

    def generate(self, request, *, on_progress, should_cancel):
        self.started.set()
        assert self.release.wait(20)
        return super().generate(request, on_progress=on_progress, should_cancel=should_cancel)


def test_a_job_finishing_after_its_user_was_deleted_writes_nothing(tmp_path, database_url):
    provider = HeldProvider()
    with running_service(tmp_path, database_url, workers=1, providers={"offline": provider}) as client:
        files_dir = client.app.state.settings.files_dir
        user = register(client, email="gone@example.com")
        user_id = user["user"]["id"]
        generate(client, user["headers"], create_project(client, user["headers"])["id"])
        assert provider.started.wait(20)
        assert delete_account(client, user["headers"], confirm_email="gone@example.com").status_code == 204
        provider.release.set()

        # One worker: the bystander's job runs only once the deleted user's job is over.
        bystander = register(client)
        queued = generate(client, bystander["headers"], create_project(client, bystander["headers"])["id"])
        [done] = wait_for_generations(client, bystander["headers"], [queued["generation"]["id"]])
        assert done["status"] == "completed"

    assert rows_of(database_url, user_id) == {}
    assert files_of(files_dir, user_id) == []
