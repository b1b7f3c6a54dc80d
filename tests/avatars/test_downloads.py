"""Download names (RFC 6266 / 5987) and the streamed project ZIP, without a database."""

from __future__ import annotations

import io
import json
import re
import zipfile
from datetime import UTC, datetime
from urllib.parse import unquote

import pytest

from avatar_creator.avatars.downloads import attachment, project_zip
from avatar_creator.storage import LocalStorage


def parts(header: str) -> tuple[str, str]:
    match = re.fullmatch(r'attachment; filename="([^"\\\r\n]*)"; filename\*=UTF-8\'\'([A-Za-z0-9%._~-]+)', header)
    assert match, header
    return match[1], unquote(match[2])


@pytest.mark.parametrize(("name", "fallback", "full"), [
    ("Portrait", "Portrait.jpg", "Portrait.jpg"),
    ('She said "hi"', "She said _hi_.jpg", "She said _hi_.jpg"),
    ("../../etc/passwd", "_.._etc_passwd.jpg", "_.._etc_passwd.jpg"),
    ("a\\b/c", "a_b_c.jpg", "a_b_c.jpg"),
    ("line\r\nContent-Type: text/html", "line_Content-Type_ text_html.jpg", "line_Content-Type: text_html.jpg"),
    ("Zoë 日本語", "Zoe.jpg", "Zoë 日本語.jpg"),
    ("日本語", "avatar.jpg", "日本語.jpg"),
    ("", "avatar.jpg", "avatar.jpg"),
    ("...", "avatar.jpg", "avatar.jpg"),
])
def test_attachment_names_are_safe(name, fallback, full):
    header = attachment(name, "jpg")
    assert header.isascii() and "\r" not in header and "\n" not in header
    assert parts(header) == (fallback, full)


def test_long_names_are_cut():
    fallback, full = parts(attachment("x" * 300, "png"))
    assert fallback == full == "x" * 100 + ".png"


def test_zip_is_written_piece_by_piece(tmp_path):
    storage = LocalStorage(tmp_path)
    storage.put("u/a/one.jpg", b"1" * 600_000)
    storage.put("u/a/two.jpg", b"2" * 10)
    avatars = [{"id": "1", "name": "One", "createdAt": "2026-01-02T03:04:06+00:00", "storageKey": "u/a/one.jpg"},
               {"id": "2", "name": "one", "createdAt": "2026-01-02T03:04:06+00:00", "storageKey": "u/a/two.jpg"},
               {"id": "3", "name": "Gone", "createdAt": "2026-01-02T03:04:06+00:00", "storageKey": "u/a/gone.jpg"}]
    chunks = list(project_zip(storage=storage, project={"id": "p", "name": "P"}, avatars=avatars,
                              exported_at=datetime(2026, 2, 1, tzinfo=UTC)))
    assert len(chunks) > 3 and max(len(chunk) for chunk in chunks) < 300_000  # never the whole archive at once
    archive = zipfile.ZipFile(io.BytesIO(b"".join(chunks)))
    assert archive.testzip() is None
    assert archive.namelist() == ["One.jpg", "one (2).jpg", "manifest.json"]
    assert archive.getinfo("One.jpg").date_time == (2026, 1, 2, 3, 4, 6)
    manifest = json.loads(archive.read("manifest.json"))
    assert [(entry["id"], entry["file"]) for entry in manifest["avatars"]] == [("1", "One.jpg"), ("2", "one (2).jpg")]
    assert manifest["exportedAt"] == "2026-02-01T00:00:00+00:00"
    assert archive.read("One.jpg") == b"1" * 600_000
