"""Three hosts for real: two ``serve --no-worker`` and one ``worker``, each with its own data folder, sharing only
PostgreSQL, Redis and an S3 bucket (moto's server over HTTP). A file written on one host is served by another, lands
in a ZIP made by a third, and is deleted from the bucket by whichever gets the request. And one API streaming many
simultaneous reads from the bucket."""

from __future__ import annotations

import asyncio
import io
import os
import subprocess
import sys
import time
import zipfile
from urllib.parse import urlsplit

import httpx
import pytest

from avatar_creator.user_files import CONTENT_TYPES
from tests.support.factories import create_project, register, wait_for_generations
from tests.support.load import deployment
from tests.support.processes import ServiceProcess, free_port, serve, service_env, wait_until_serving
from tests.support.references import FIELDS, from_reference
from tests.support.s3 import S3Bucket
from tests.support.uploads import API, jpeg, upload

pytestmark = pytest.mark.slow


def key_of(url: str) -> str:
    return urlsplit(url).path.removeprefix("/uploads/")


def fetch(http: httpx.Client, url: str, bucket: S3Bucket | None, **headers: str) -> httpx.Response:
    """The file at a signed ``/uploads`` URL; with a ``bucket`` (redirects on) the API answers 302 to it."""
    answer = http.get(url, headers=headers)
    if bucket is None:
        return answer
    assert answer.status_code == 302, answer.text
    location = answer.headers["location"]
    assert location.startswith(f"{bucket.endpoint_url}/{bucket.name}/") and "X-Amz-Signature=" in location
    return httpx.get(location, headers=headers)


def no_user_files(data_dir) -> bool:
    return not any(files for _, _, files in os.walk(data_dir / "files"))


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
@pytest.mark.parametrize("redirect", ["off", "on"])
def test_files_cross_hosts_through_the_bucket(tmp_path, database_url, redis_url, redis_prefix, s3_bucket, redirect):
    def host(name: str) -> dict[str, str]:
        return service_env(tmp_path / name, database_url, redis_url=redis_url, redis_prefix=redis_prefix,
                           s3_redirect=redirect, **s3_bucket.settings)

    ports = free_port(), free_port()
    apis = [serve(host(f"api-{n}"), tmp_path, port, "--no-worker") for n, port in enumerate(ports, 1)]
    worker = ServiceProcess(["worker", "--concurrency", "1"], host("worker"), tmp_path / "worker.log").start()
    one, two = (httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) for port in ports)
    try:
        for api, http in zip(apis, (one, two), strict=True):
            wait_until_serving(str(http.base_url), api)
        user = register(one)
        project = create_project(one, user["headers"])
        uploaded = upload(one, user, project["id"], jpeg(seed=7))
        assert uploaded.status_code == 201, uploaded.text
        reference_id = uploaded.json()["avatar"]["id"]
        # The worker's own data folder has no copy of the upload: it reads the reference from the bucket.
        reply = from_reference(one, user["headers"], project["id"], avatarId=reference_id, **FIELDS)
        done = wait_for_generations(two, user["headers"], [reply["generation"]["id"]], timeout=60)[0]
        assert done["status"] == "completed", done
        avatar = one.get(f"{API}/avatars/{done['avatarId']}", headers=user["headers"]).json()["avatar"]
        stored = s3_bucket.objects()
        image = stored[key_of(avatar["baseImageUrl"])]

        redirected_to = s3_bucket if redirect == "on" else None
        served = fetch(two, avatar["baseImageUrl"], redirected_to)  # signed by API 1, served by API 2
        assert served.status_code == 200 and served.content == image
        assert served.headers["content-type"] == CONTENT_TYPES[key_of(avatar["baseImageUrl"]).rsplit(".", 1)[1]]
        part = fetch(two, avatar["baseImageUrl"], redirected_to, Range="bytes=10-109")
        assert part.status_code == 206 and part.content == image[10:110]
        assert fetch(two, avatar["thumbnailUrl"], redirected_to).content == stored[key_of(avatar["thumbnailUrl"])]

        archive = one.get(f"{API}/projects/{project['id']}/download", headers=user["headers"])
        assert archive.status_code == 200, archive.text
        with zipfile.ZipFile(io.BytesIO(archive.content)) as opened:
            contents = [opened.read(name) for name in opened.namelist() if name != "manifest.json"]
        assert image in contents and len(contents) == 2  # the generated avatar and the upload

        assert two.delete(f"{API}/avatars/{avatar['id']}", headers=user["headers"]).status_code == 204
        gone = {key_of(avatar["baseImageUrl"]), key_of(avatar["thumbnailUrl"])}
        deadline = time.monotonic() + 10  # removed after the delete commits
        while gone & s3_bucket.objects().keys():
            assert time.monotonic() < deadline, "the deleted avatar's objects are still in the bucket"
            time.sleep(0.1)
        assert two.get(avatar["baseImageUrl"]).status_code == 404

        # Every host kept its files in the bucket alone, and the bucket holds exactly the rows' files.
        assert all(no_user_files(tmp_path / name) for name in ("api-1", "api-2", "worker"))
        sweep = subprocess.run([sys.executable, "-m", "avatar_creator.cli", "storage", "sweep", "--min-age", "0"],
                               env=host("operator"), capture_output=True, text=True, timeout=120)
        assert sweep.returncode == 0, sweep.stdout + sweep.stderr
        assert "0 orphan files (0 removed), 0 missing files" in " ".join(sweep.stdout.split())
        assert len(s3_bucket.objects()) == 2  # the upload and its thumbnail
    except BaseException:
        for process in (*apis, worker):
            print(f"--- {process.log_path.name}\n{process.log_tail()}")
        raise
    finally:
        one.close()
        two.close()
        for process in (*apis, worker):
            process.stop()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_many_simultaneous_reads_stream_from_the_bucket(tmp_path, database_url, s3_bucket):
    """300 GETs, ranged GETs and HEADs of four files at the same instant, from one asyncio client: every answer whole
    and right, none a 5xx (HEADs and ranges leave no S3 connection held)."""
    with deployment(tmp_path / "data", database_url, max_requests_per_client=1000, **s3_bucket.settings) as service, \
            httpx.Client(base_url=service.base_url, timeout=30) as http:
        user = register(http)
        project = create_project(http, user["headers"])
        urls = []
        for seed in range(4):
            reply = upload(http, user, project["id"], jpeg(seed=seed))
            assert reply.status_code == 201, reply.text
            urls.append(reply.json()["avatar"]["baseImageUrl"])
        files = {url: s3_bucket.objects()[key_of(url)] for url in urls}
        assert no_user_files(tmp_path / "data")

        async def burst() -> list[tuple[str, str, dict, httpx.Response]]:
            limits = httpx.Limits(max_connections=None, max_keepalive_connections=None)
            async with httpx.AsyncClient(base_url=service.base_url, timeout=60, limits=limits) as client:
                asks = [(method, url, headers) for url in urls for _ in range(25)
                        for method, headers in (("GET", {}), ("GET", {"Range": "bytes=100-4195"}), ("HEAD", {}))]
                answers = await asyncio.gather(*(client.request(method, url, headers=headers)
                                                 for method, url, headers in asks))
            return [(*ask, answer) for ask, answer in zip(asks, answers, strict=True)]

        answers = asyncio.run(burst())
    assert len(answers) == 300
    for method, url, headers, answer in answers:
        data = files[url]
        if method == "HEAD":
            assert (answer.status_code, answer.content) == (200, b"")
            assert answer.headers["content-length"] == str(len(data))
        elif headers:
            assert (answer.status_code, answer.content) == (206, data[100:4196])
        else:
            assert (answer.status_code, answer.content) == (200, data)
