"""The storage contract, run over every implementation (a local folder, and S3 through moto's server over HTTP), and
LocalStorage's refusal to leave its root. S3's own behaviour is in test_s3_storage.py."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest

from avatar_creator.storage import (
    InvalidKey,
    KeyNotFound,
    LocalStorage,
    Storage,
    new_key,
    owner_of,
    validate_key,
)


@pytest.fixture(params=["local", "s3"])
def storage(request, tmp_path) -> Storage:
    if request.param == "local":
        return LocalStorage(tmp_path / "files")
    from avatar_creator.storage.s3 import S3Storage

    bucket = request.getfixturevalue("s3_bucket")
    return S3Storage(bucket=bucket.name, endpoint_url=bucket.endpoint_url, prefix="deployment-a")


def test_put_read_size_delete(storage):
    key = "u/user1/photo.jpg"
    assert not storage.exists(key)
    storage.put(key, b"first")
    storage.put(key, b"second version")
    assert storage.exists(key)
    assert storage.read(key) == b"second version"
    with storage.open(key) as file:
        assert file.read(6) == b"second"
    assert storage.size(key) == len(b"second version")
    assert storage.delete(key) is True
    assert storage.delete(key) is False
    assert not storage.exists(key)


@pytest.mark.parametrize("operation", ["open", "read", "size"])
def test_missing_files_raise_key_not_found(storage, operation):
    with pytest.raises(KeyNotFound):
        getattr(storage, operation)("u/user1/missing.jpg")


def test_a_folder_is_not_a_file(storage):
    storage.put("u/user1/a.jpg", b"x")
    assert not storage.exists("u/user1")
    assert storage.delete("u/user1") is False
    with pytest.raises(KeyNotFound):
        storage.read("u/user1")


def test_iter_keys_lists_every_file(storage):
    keys = {"u/a/1.jpg", "u/a/2.png", "u/b/3.webp", "top.txt"}
    for key in keys:
        storage.put(key, key.encode())
    assert set(storage.iter_keys()) == keys


def test_empty_file(storage):
    storage.put("u/a/empty.bin", b"")
    assert storage.read("u/a/empty.bin") == b"" and storage.size("u/a/empty.bin") == 0


def test_open_range_reads_from_an_offset(storage):
    data = bytes(range(256)) * 1000
    storage.put("u/a/x.bin", data)
    for start, length in [(0, 1), (1000, 5000), (len(data) - 10, 10), (0, len(data))]:
        with storage.open_range("u/a/x.bin", start, length) as file:
            assert file.read(length) == data[start:start + length]
    with pytest.raises(KeyNotFound):
        storage.open_range("u/a/missing.bin", 0, 1)


def test_modified_at_is_when_it_was_written(storage):
    before = time.time()
    storage.put("u/a/x.bin", b"x")
    # S3 keeps whole seconds, and its clock is not ours: a loose window still catches a wrong field or unit.
    assert before - 5 <= storage.modified_at("u/a/x.bin") <= time.time() + 5
    with pytest.raises(KeyNotFound):
        storage.modified_at("u/a/missing.bin")


def test_verify_describes_a_usable_store(storage):
    assert storage.verify()


def test_files_are_served_through_the_api_unless_redirects_are_on(storage):
    storage.put("u/a/x.jpg", b"x")
    assert storage.redirect_url("u/a/x.jpg", content_type="image/jpeg") is None
    with pytest.raises(InvalidKey):
        storage.redirect_url("../x.jpg", content_type="image/jpeg")


def test_writes_are_atomic_for_readers(storage):
    """A reader racing with writers only ever sees one whole version."""
    versions = [bytes([n]) * 1_000_000 for n in range(4)]
    storage.put("u/a/x.bin", versions[0])
    stop = threading.Event()
    reads: list[bytes] = []

    def reader() -> None:
        while not stop.is_set():
            reads.append(storage.read("u/a/x.bin"))

    thread = threading.Thread(target=reader)
    thread.start()
    for round_ in range(20):
        storage.put("u/a/x.bin", versions[round_ % 4])
    stop.set()
    thread.join()
    assert reads and all(data in versions for data in reads)


def test_a_failed_write_leaves_the_old_file_and_no_temporary(storage):
    storage.put("u/a/x.bin", b"old")
    with pytest.raises(TypeError):
        storage.put("u/a/x.bin", object())  # type: ignore[arg-type]
    assert storage.read("u/a/x.bin") == b"old"
    assert list(storage.iter_keys()) == ["u/a/x.bin"]
    if isinstance(storage, LocalStorage):  # nor a temporary file that iter_keys would not list
        assert os.listdir(storage.root / "u" / "a") == ["x.bin"]


ESCAPES = [
    "../x",
    "/etc/passwd",
    "a/../../x",
    "a/./x",
    "a\\..\\x",
    "a/\x00/x",
    "x\x00.jpg",
    "",
    "a//b",
    "a/",
    ".hidden",
    "u/a/.tmp-123",
    "C:/x",
    "~/x",
    "u/a/x y.jpg",
    "u/a/ü.jpg",
    "a" * 600,
]


@pytest.mark.parametrize("key", ESCAPES)
@pytest.mark.parametrize("operation", ["put", "open", "read", "size", "modified_at", "exists", "delete"])
def test_keys_that_are_not_plain_relative_paths_are_refused(storage, key, operation):
    arguments = (key, b"data") if operation == "put" else (key,)
    with pytest.raises(InvalidKey):
        getattr(storage, operation)(*arguments)


def test_non_string_keys_are_refused():
    with pytest.raises(InvalidKey):
        validate_key(b"u/a/x.jpg")  # type: ignore[arg-type]


# --- LocalStorage specifics -----------------------------------------------------------------------------------------


def test_symlink_out_of_the_root_is_refused(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_bytes(b"secret")
    storage = LocalStorage(tmp_path / "files")
    (storage.root / "u").mkdir()
    (storage.root / "u" / "link").symlink_to(outside, target_is_directory=True)
    (storage.root / "u" / "file-link.txt").symlink_to(outside / "secret.txt")

    for key in ("u/link/secret.txt", "u/file-link.txt"):
        with pytest.raises(InvalidKey):
            storage.read(key)
        with pytest.raises(InvalidKey):
            storage.delete(key)
    with pytest.raises(InvalidKey):
        storage.put("u/link/planted.txt", b"x")
    assert sorted(os.listdir(outside)) == ["secret.txt"]
    assert (outside / "secret.txt").read_bytes() == b"secret"
    assert list(storage.iter_keys()) == []  # neither link is reported as a stored file


def test_root_reached_through_a_symlink_works(tmp_path):
    (tmp_path / "real").mkdir()
    (tmp_path / "alias").symlink_to(tmp_path / "real", target_is_directory=True)
    storage = LocalStorage(tmp_path / "alias")
    storage.put("u/a/x.jpg", b"x")
    assert (tmp_path / "real" / "u" / "a" / "x.jpg").read_bytes() == b"x"
    assert storage.path_for("u/a/x.jpg") == tmp_path / "real" / "u" / "a" / "x.jpg"


def test_path_for_is_inside_the_root(tmp_path):
    storage = LocalStorage(tmp_path)
    assert storage.path_for("u/a/x.jpg") == tmp_path.resolve() / "u" / "a" / "x.jpg"
    with pytest.raises(InvalidKey):
        storage.path_for("../x")


def test_new_keys_are_random_and_typed():
    keys = {new_key("user1", "jpg") for _ in range(100)}
    assert len(keys) == 100
    for key in keys:
        assert validate_key(key) == key
        assert key.startswith("u/user1/") and key.endswith(".jpg")
        assert len(Path(key).stem) >= 24
    assert new_key("user1", ".PNG").endswith(".png")


@pytest.mark.parametrize(("user_id", "extension"), [("../x", "jpg"), ("a/b", "jpg"), ("u1", "j/pg"), ("u1", "")])
def test_new_key_refuses_odd_parts(user_id, extension):
    with pytest.raises(InvalidKey):
        new_key(user_id, extension)


def test_owner_of_reads_the_user_folder():
    assert owner_of(new_key("user1", "jpg")) == "user1"
    assert owner_of("u/user1") is None  # the folder itself, not a file in it
    assert owner_of("presets/p1.png") is None
    with pytest.raises(InvalidKey):
        owner_of("u/../x.jpg")
