"""Files on disk are the owner's alone: the SQLite database holds password hashes, the data folder user files."""

from __future__ import annotations

import stat
from pathlib import Path

import httpx

from tests.support.load import PROJECTS, REPO_ROOT, sign_up
from tests.support.processes import free_port, serve, service_env, wait_until_serving
from tests.support.uploads import jpeg, multipart, upload_path


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_fresh_data_folder_is_created_for_its_owner_only(tmp_path):
    data_dir = tmp_path / "fresh" / "data"
    # database_url "": the default SQLite file in the data folder, created by serve's own migration
    env = {**service_env(data_dir, ""), "PYTHONPATH": str(REPO_ROOT)}
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    process = serve(env, tmp_path, port)
    try:
        wait_until_serving(base_url, process)
        user = sign_up(base_url, "modes@example.com")
        body, content_type = multipart([("image", "photo.jpg", jpeg()), ("name", None, "Portrait")])
        stored = httpx.post(base_url + upload_path(user.project_id), content=body, timeout=30,
                            headers={**user.headers, "Content-Type": content_type})
        assert stored.status_code in (200, 201), stored.text
        assert httpx.get(base_url + PROJECTS, headers=user.headers).status_code == 200

        database = data_dir / "avatar-creator.db"
        files = data_dir / "files"
        user_folder = files / "u" / user.user_id
        stored_files = [path for path in user_folder.iterdir() if path.is_file()]
        assert stored_files
        # Checked while the service runs: SQLite removes -wal and -shm when its last connection closes.
        modes = {path.name: mode(path) for path in (database, Path(f"{database}-wal"), Path(f"{database}-shm"),
                                                    *stored_files)}
        assert modes == dict.fromkeys(modes, 0o600)
        folders = {str(path): mode(path) for path in (data_dir, files, files / "u", user_folder)}
        assert folders == dict.fromkeys(folders, 0o700)
    finally:
        process.stop()
