"""``avatar-creator storage sweep``: a planted orphan file is found and, with ``--fix``, removed; a row whose file
vanished is reported; files fresh enough to belong to an upload in flight are spared."""

from __future__ import annotations

import os
import time

from typer.testing import CliRunner

from avatar_creator.cli import app as cli
from tests.support.settings import TEST_SECRET
from tests.support.uploads import create_avatar, files_on_disk

ORPHAN = "u/nobody/planted-orphan.jpg"


def run_sweep(settings, *args: str):
    env = {"AVATAR_DATA_DIR": str(settings.data_dir), "AVATAR_DATABASE_URL": settings.database_url,
           "AVATAR_SECRET_KEY": TEST_SECRET}
    return CliRunner().invoke(cli, ["storage", "sweep", *args], env=env)


def test_sweep_finds_and_fixes_orphans_and_reports_missing_files(client, user, project, settings, files_dir):
    kept = create_avatar(client, user, project["id"], name="Kept")
    broken = create_avatar(client, user, project["id"], name="Broken")
    healthy = files_on_disk(files_dir)
    (files_dir / "u/nobody").mkdir(parents=True)
    (files_dir / ORPHAN).write_bytes(b"left behind by a crash")
    an_hour_ago = time.time() - 7200
    os.utime(files_dir / ORPHAN, (an_hour_ago, an_hour_ago))
    (files_dir / "u/nobody/just-written.jpg").write_bytes(b"an upload about to commit")
    broken_key = broken["thumbnailUrl"].split("?")[0].removeprefix("/uploads/")
    (files_dir / broken_key).unlink()

    report = run_sweep(settings)
    assert report.exit_code == 1, report.output
    assert f"orphan file: {ORPHAN}\n" in report.output
    assert f"missing file: {broken_key} (avatar {broken['id']})" in report.output
    assert "1 orphan files (0 removed), 1 missing files, 1 recent files spared." in report.output
    assert (files_dir / ORPHAN).exists()  # a report changes nothing

    fixed = run_sweep(settings, "--fix")
    assert f"orphan file: {ORPHAN} (removed)" in fixed.output
    assert not (files_dir / ORPHAN).exists() and (files_dir / "u/nobody/just-written.jpg").exists()
    assert files_on_disk(files_dir) == (healthy - {broken_key}) | {"u/nobody/just-written.jpg"}
    assert fixed.exit_code == 1  # the missing file is still missing: rows are never changed

    client.delete(f"/api/apps/avatar-creator/avatars/{broken['id']}", headers=user["headers"])
    (files_dir / "u/nobody/just-written.jpg").unlink()
    clean = run_sweep(settings)
    assert clean.exit_code == 0, clean.output
    assert "0 orphan files (0 removed), 0 missing files, 0 recent files spared." in clean.output
    assert client.get(kept["baseImageUrl"]).status_code == 200
