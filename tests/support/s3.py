"""moto's S3 server as a real HTTP endpoint on a free port, one per run, and a fresh bucket per test.

A pytest plugin (registered in the root conftest). boto3 in the test process and every service process it starts
talk to the server over HTTP, as they would to MinIO or AWS; the credentials are moto's dummies, given through the
usual AWS variables.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.processes import free_port
from tests.support.settings import unavailable

CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1",
               "AWS_EC2_METADATA_DISABLED": "true"}  # no credentials lookup on a cloud metadata address


class MotoServer:
    """``python -m moto.server``; ``refuse_credentials`` turns on moto's IAM checks, so every key is refused."""

    def __init__(self, log_dir: Path, *, refuse_credentials: bool = False):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_dir / f"moto-{self.port}.log"
        environment = {**os.environ, **CREDENTIALS}
        if refuse_credentials:
            environment["INITIAL_NO_AUTH_ACTION_COUNT"] = "0"
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p",
                                             str(self.port)], env=environment, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(f"{self.url}/moto-api/", timeout=1)
                return
            except httpx.HTTPError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    self.stop()
                    raise AssertionError(f"moto's server did not start:\n{self.log_path.read_text()}") from None
                time.sleep(0.05)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)


@dataclass(frozen=True)
class S3Bucket:
    endpoint_url: str
    name: str

    @property
    def settings(self) -> dict[str, str]:
        """The service's settings for this bucket (``AVATAR_STORAGE=s3`` and the ``AVATAR_S3_*`` ones)."""
        return {"storage": "s3", "s3_bucket": self.name, "s3_endpoint_url": self.endpoint_url,
                "s3_region": CREDENTIALS["AWS_DEFAULT_REGION"]}

    def client(self) -> Any:
        """A boto3 client of its own, to look at the bucket behind the service's back."""
        import boto3

        return boto3.client("s3", endpoint_url=self.endpoint_url, region_name=CREDENTIALS["AWS_DEFAULT_REGION"])

    def objects(self) -> dict[str, bytes]:
        """Every object in the bucket, by its full name."""
        client = self.client()
        listed = client.list_objects_v2(Bucket=self.name).get("Contents", [])
        return {item["Key"]: client.get_object(Bucket=self.name, Key=item["Key"])["Body"].read() for item in listed}


@pytest.fixture(scope="session")
def moto_server(tmp_path_factory) -> Iterator[MotoServer]:
    try:
        import boto3  # noqa: F401
        import moto.server  # noqa: F401
    except ImportError as error:
        unavailable("s3", f"{error.name} is not installed (pip install -e '.[dev]')")
    server = MotoServer(tmp_path_factory.mktemp("moto"))
    yield server
    server.stop()


@pytest.fixture
def s3_bucket(moto_server, monkeypatch) -> S3Bucket:
    """A new, empty bucket; the AWS variables name moto's credentials for this test and the processes it starts."""
    for name, value in CREDENTIALS.items():
        monkeypatch.setenv(name, value)
    bucket = S3Bucket(moto_server.url, f"test-{secrets.token_hex(6)}")
    bucket.client().create_bucket(Bucket=bucket.name)
    return bucket
