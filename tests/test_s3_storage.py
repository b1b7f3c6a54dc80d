"""S3Storage beyond the shared contract (tests/test_storage.py), against moto's server over HTTP: key prefixes,
multipart uploads, presigned redirects, outages as ``StorageUnavailable`` (an upload meanwhile: a 503 that changes
nothing), the start-up refusals, readiness, and ``avatar-creator storage copy``."""

from __future__ import annotations

import os
import sys

import httpx
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from avatar_creator.app import create_app
from avatar_creator.cli import app as cli
from avatar_creator.errors import ConfigurationError
from avatar_creator.settings import load_settings
from avatar_creator.storage import KeyNotFound, LocalStorage, StorageUnavailable, build_storage
from avatar_creator.storage.s3 import S3Storage
from tests.support.factories import create_project, register
from tests.support.processes import free_port
from tests.support.s3 import MotoServer, S3Bucket
from tests.support.settings import make_settings
from tests.support.uploads import API, jpeg, upload


def s3_storage(bucket: S3Bucket, **options) -> S3Storage:
    return S3Storage(bucket=bucket.name, endpoint_url=bucket.endpoint_url, **options)


def cli_env(tmp_path, bucket: S3Bucket, **settings: str) -> dict[str, str]:
    values = {"data_dir": str(tmp_path / "data"), "secret_key": "s" * 40, **bucket.settings, **settings}
    return {f"AVATAR_{name.upper()}": value for name, value in values.items()}


def said(result) -> str:
    return " ".join(result.output.split())  # Rich wraps long lines


def test_keys_live_under_the_prefix_and_other_objects_are_not_listed(s3_bucket):
    first, second = s3_storage(s3_bucket, prefix="/tenant-a/"), s3_storage(s3_bucket, prefix="tenant-b/prod")
    first.put("u/a/x.jpg", b"a")
    second.put("u/a/x.jpg", b"b")
    client = s3_bucket.client()
    for name in ("tenant-a/.DS_Store", "tenant-a/u/a/with space.jpg", "elsewhere.jpg"):
        client.put_object(Bucket=s3_bucket.name, Key=name, Body=b"not ours")
    assert set(s3_bucket.objects()) >= {"tenant-a/u/a/x.jpg", "tenant-b/prod/u/a/x.jpg"}
    assert list(first.iter_keys()) == ["u/a/x.jpg"] and list(second.iter_keys()) == ["u/a/x.jpg"]
    assert (first.read("u/a/x.jpg"), second.read("u/a/x.jpg")) == (b"a", b"b")
    assert first.delete("u/a/x.jpg") and second.read("u/a/x.jpg") == b"b"


@pytest.mark.parametrize("prefix", ["../x", "a b", ".hidden", "a//b"])
def test_a_prefix_that_is_not_folder_names_is_a_configuration_error(s3_bucket, prefix):
    with pytest.raises(ConfigurationError, match="AVATAR_S3_PREFIX"):
        build_storage(load_settings(_env_file=None, **s3_bucket.settings, s3_prefix=prefix))


@pytest.mark.parametrize(("settings", "message"), [
    ({"storage": "s3"}, "AVATAR_S3_BUCKET: Value error, must be set when AVATAR_STORAGE=s3"),
    ({"storage": "s3", "s3_bucket": "b", "s3_endpoint_url": "minio:9000"}, "AVATAR_S3_ENDPOINT_URL"),
    ({"storage": "gcs"}, "AVATAR_STORAGE"),
    ({"s3_redirect": "yes"}, "AVATAR_S3_REDIRECT"),
])
def test_s3_settings_are_checked(settings, message):
    with pytest.raises(ConfigurationError, match=message):
        load_settings(_env_file=None, **settings)


def test_large_files_go_up_in_parts(s3_bucket):
    storage = s3_storage(s3_bucket, multipart_bytes=5 * 1024 * 1024)  # S3's smallest part
    data = os.urandom(11 * 1024 * 1024)
    storage.put("u/a/big.bin", data)
    assert storage.read("u/a/big.bin") == data and storage.size("u/a/big.bin") == len(data)
    etag = s3_bucket.client().head_object(Bucket=s3_bucket.name, Key="u/a/big.bin")["ETag"]
    assert etag.strip('"').endswith("-3")  # a multipart object's ETag counts its parts


def test_an_unreachable_endpoint_is_storage_unavailable(s3_bucket):
    storage = S3Storage(bucket=s3_bucket.name, endpoint_url=f"http://127.0.0.1:{free_port()}")
    for call in (lambda: storage.put("u/a/x.jpg", b"x"), lambda: storage.read("u/a/x.jpg"),
                 lambda: storage.exists("u/a/x.jpg"), lambda: list(storage.iter_keys())):
        with pytest.raises(StorageUnavailable) as caught:
            call()
        assert isinstance(caught.value, OSError)  # the handler that answers 503 for a failing disk answers it
    with pytest.raises(StorageUnavailable, match="cannot reach") as caught:
        storage.verify()
    assert "AVATAR_S3_ENDPOINT_URL" in caught.value.fix


def test_redirect_urls_are_presigned_short_lived_and_ranged(s3_bucket):
    storage = s3_storage(s3_bucket, redirect_seconds=60)
    data = os.urandom(5000)
    storage.put("u/a/x.jpg", data)
    url = storage.redirect_url("u/a/x.jpg", content_type="image/jpeg",
                               content_disposition='attachment; filename="x.jpg"')
    assert url is not None and "X-Amz-Expires=60" in url and "X-Amz-Signature=" in url
    whole = httpx.get(url)
    assert whole.status_code == 200 and whole.content == data
    assert whole.headers["content-type"] == "image/jpeg"
    assert whole.headers["content-disposition"] == 'attachment; filename="x.jpg"'
    part = httpx.get(url, headers={"Range": "bytes=100-199"})
    assert part.status_code == 206 and part.content == data[100:200]
    # moto checks no signatures; what we control is that the object is private: its owner alone is granted.
    grants = s3_bucket.client().get_object_acl(Bucket=s3_bucket.name, Key="u/a/x.jpg")["Grants"]
    assert [grant["Permission"] for grant in grants] == ["FULL_CONTROL"]
    assert all(grant["Grantee"]["Type"] == "CanonicalUser" for grant in grants)


def test_a_missing_bucket_stops_serve_and_worker_with_one_line(tmp_path, s3_bucket, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no stray .env
    env = cli_env(tmp_path, s3_bucket, s3_bucket="no-such-bucket")
    for command in (["serve"], ["worker"], ["storage", "sweep"], ["storage", "copy", "--to", "s3"]):
        result = CliRunner().invoke(cli, command, env=env)
        assert result.exit_code == 2, (command, result.output)
        assert "bucket 'no-such-bucket' at http://127.0.0.1" in said(result) and "does not exist" in said(result)
        assert "Fix: Create the bucket" in said(result)
        if command[0] in ("serve", "worker"):  # refused before migrating anything
            assert not (tmp_path / "data" / "avatar-creator.db").exists()


def test_refused_credentials_stop_serve_with_one_line(tmp_path, s3_bucket, monkeypatch):
    monkeypatch.chdir(tmp_path)
    guarded = MotoServer(tmp_path, refuse_credentials=True)  # moto's IAM checks on: no key is known
    try:
        result = CliRunner().invoke(cli, ["serve"], env=cli_env(tmp_path, s3_bucket, s3_endpoint_url=guarded.url))
    finally:
        guarded.stop()
    assert result.exit_code == 2, result.output
    assert "the credentials were refused (403)" in said(result) and "Fix: Check AWS_ACCESS_KEY_ID" in said(result)


def test_readiness_and_doctor_report_the_bucket_with_its_fix(tmp_path, database_url, s3_bucket, monkeypatch):
    settings = make_settings(tmp_path, database_url, **s3_bucket.settings)
    with TestClient(create_app(settings)) as client:
        storage = client.get("/health/ready").json()["checks"]["storage"]
        assert storage["ok"] and storage["detail"] == f"bucket '{s3_bucket.name}' at {s3_bucket.endpoint_url} reachable"
        s3_bucket.client().delete_bucket(Bucket=s3_bucket.name)
        storage = client.get("/health/ready").json()["checks"]["storage"]
        assert not storage["ok"] and "does not exist" in storage["detail"]
        assert storage["fix"].startswith("Create the bucket")
    monkeypatch.chdir(tmp_path)
    env = {**cli_env(tmp_path, s3_bucket), "AVATAR_DATABASE_URL": database_url}
    doctor = CliRunner().invoke(cli, ["doctor"], env=env)
    assert "storage" in doctor.output and "FAIL" in doctor.output and "does not exist" in said(doctor)


def test_storage_copy_resumes_and_verifies_sizes(tmp_path, s3_bucket, monkeypatch):
    monkeypatch.chdir(tmp_path)
    local = LocalStorage(tmp_path / "data" / "files")
    files = {f"u/user{n % 3}/file{n}.jpg": os.urandom(1000 + n) for n in range(12)}
    for key, data in files.items():
        local.put(key, data)
    env = cli_env(tmp_path, s3_bucket, storage="local", s3_prefix="avatars")  # copying switches nothing
    first = CliRunner().invoke(cli, ["storage", "copy", "--to", "s3"], env=env)
    assert first.exit_code == 0, first.output
    total = sum(len(data) for data in files.values())
    assert f"12 files copied ({total} bytes), 0 already there, 0 with a different size" in said(first)
    assert s3_bucket.objects() == {f"avatars/{key}": data for key, data in files.items()}

    # An interrupted run: one file never arrived, another only in part.
    client = s3_bucket.client()
    client.delete_object(Bucket=s3_bucket.name, Key="avatars/u/user0/file0.jpg")
    client.put_object(Bucket=s3_bucket.name, Key="avatars/u/user1/file1.jpg", Body=files["u/user1/file1.jpg"][:10])
    again = CliRunner().invoke(cli, ["storage", "copy", "--to", "s3"], env=env)
    assert again.exit_code == 0, again.output
    redone = len(files["u/user0/file0.jpg"]) + len(files["u/user1/file1.jpg"])
    assert f"2 files copied ({redone} bytes), 10 already there, 0 with a different size" in said(again)
    assert s3_bucket.objects() == {f"avatars/{key}": data for key, data in files.items()}
    assert {key: local.read(key) for key in local.iter_keys()} == files  # the source is left as it was


def test_storage_copy_needs_a_bucket(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["storage", "copy", "--to", "s3"],
                                env={"AVATAR_DATA_DIR": str(tmp_path / "data"), "AVATAR_SECRET_KEY": "s" * 40})
    assert result.exit_code == 2 and "AVATAR_S3_BUCKET: set it to the bucket to copy to" in said(result)


def test_a_read_of_a_deleted_object_is_key_not_found(s3_bucket):
    storage = s3_storage(s3_bucket)
    storage.put("u/a/x.jpg", b"x")
    s3_bucket.client().delete_object(Bucket=s3_bucket.name, Key="u/a/x.jpg")
    with pytest.raises(KeyNotFound):
        storage.read("u/a/x.jpg")
    assert storage.delete("u/a/x.jpg") is False


def test_without_boto3_the_error_names_the_extra(tmp_path, s3_bucket, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setitem(sys.modules, "boto3", None)  # as if the s3 extra were not installed
    with pytest.raises(ConfigurationError, match=r"pip install 'avatar-creator\[s3\]'"):
        s3_storage(s3_bucket)
    result = CliRunner().invoke(cli, ["serve"], env=cli_env(tmp_path, s3_bucket))
    assert result.exit_code == 2 and "AVATAR_STORAGE=s3 needs boto3" in said(result)


def test_an_upload_while_the_bucket_is_unreachable_is_a_503_that_changes_nothing(tmp_path, database_url, s3_bucket):
    dead = {**s3_bucket.settings, "s3_endpoint_url": f"http://127.0.0.1:{free_port()}"}
    with TestClient(create_app(make_settings(tmp_path, database_url, **dead))) as client:
        user = register(client)
        project = create_project(client, user["headers"])
        before = client.get("/api/auth/me", headers=user["headers"]).json()["data"]["user"]
        reply = upload(client, user, project["id"], jpeg())
        assert reply.status_code == 503 and reply.json()["error"]["code"] == "SERVICE_UNAVAILABLE"
        assert reply.headers["retry-after"] == "5"
        assert client.get("/api/auth/me", headers=user["headers"]).json()["data"]["user"] == before
        assert client.get(f"{API}/avatars", headers=user["headers"]).json()["avatars"] == []
