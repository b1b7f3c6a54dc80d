"""Files in an S3-compatible bucket (AWS S3, MinIO, Cloudflare R2, Ceph), so every host sees the same files.

boto3 is imported here, lazily: it comes with the ``s3`` extra. Credentials come from boto3's usual chain
(``AWS_ACCESS_KEY_ID``/``AWS_SECRET_ACCESS_KEY``, ``AWS_PROFILE``, an instance role), never from our settings. Objects
are written without an ACL, so they are as private as the bucket. One PUT (or one completed multipart upload) makes
an object appear whole, which is the interface's atomic put.
"""

from __future__ import annotations

import io
import mimetypes
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, BinaryIO, cast

from avatar_creator.errors import ConfigurationError
from avatar_creator.storage.base import (
    InvalidKey,
    KeyNotFound,
    Storage,
    StorageUnavailable,
    is_valid_key,
    validate_key,
)

_NOT_FOUND = {"404", "NoSuchKey", "NotFound"}
_MULTIPART_BYTES = 8 * 1024 * 1024  # boto3's default: bigger files go up in parts, several at once, each retried
_MISSING_CREDENTIALS_FIX = ("Set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or AWS_PROFILE, or give the host a "
                            "role) for the service's user.")


def _folder(prefix: str) -> str:
    """``prefix`` as a folder of keys (``"avatars/prod/"``), checked like a key; empty for the bucket's root."""
    prefix = prefix.strip("/")
    try:
        return f"{validate_key(prefix)}/" if prefix else ""
    except InvalidKey:
        raise ConfigurationError(f"AVATAR_S3_PREFIX: {prefix!r} is not folder names of letters, digits, '-', '_' "
                                 "and '.', like 'avatars/prod'") from None


class S3Storage(Storage):
    """Keys map to objects ``<prefix>/<key>`` in ``bucket``; ``redirect_seconds`` turns on presigned redirects."""

    def __init__(self, *, bucket: str, endpoint_url: str | None = None, region: str | None = None, prefix: str = "",
                 redirect_seconds: int | None = None, multipart_bytes: int = _MULTIPART_BYTES):
        try:
            import boto3
            from boto3.s3.transfer import TransferConfig
            from botocore.config import Config
        except ImportError as error:
            raise ConfigurationError("AVATAR_STORAGE=s3 needs boto3: pip install 'avatar-creator[s3]'") from error
        self.bucket = bucket
        self.endpoint_url = endpoint_url
        self.prefix = _folder(prefix)
        self.redirect_seconds = redirect_seconds
        config = Config(
            retries={"mode": "standard", "max_attempts": 4},  # backoff with jitter on throttling and 5xx
            connect_timeout=5, read_timeout=30, max_pool_connections=32, signature_version="s3v4",
            # Path-style URLs and checksums only where required: what MinIO, R2 and Ceph accept.
            s3={"addressing_style": "path" if endpoint_url else "auto"},
            request_checksum_calculation="when_required", response_checksum_validation="when_required")
        session = boto3.session.Session()
        self._client = session.client("s3", endpoint_url=endpoint_url, region_name=region, config=config)
        # verify() answers readiness probes, which time out in seconds: one quick try, no backoff.
        self._probe = session.client("s3", endpoint_url=endpoint_url, region_name=region, config=config.merge(
            Config(retries={"mode": "standard", "max_attempts": 1}, connect_timeout=2, read_timeout=5)))
        self._transfer = TransferConfig(multipart_threshold=multipart_bytes, multipart_chunksize=multipart_bytes)

    def __repr__(self) -> str:
        return f"s3://{self.bucket}/{self.prefix}" + (f" at {self.endpoint_url}" if self.endpoint_url else "")

    def _name(self, key: str) -> str:
        return self.prefix + validate_key(key)

    @contextmanager
    def _translated(self, key: str) -> Iterator[None]:
        """botocore's errors as the interface's: a missing object is ``KeyNotFound``, anything else unavailable."""
        from boto3.exceptions import Boto3Error
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            yield
        except ClientError as error:
            code = error.response.get("Error", {}).get("Code", "")
            if code in _NOT_FOUND:
                raise KeyNotFound(key) from error
            raise StorageUnavailable(f"S3 answered {code or 'an error'} for {key}") from error
        except (BotoCoreError, Boto3Error) as error:
            raise StorageUnavailable(f"S3 unavailable for {key}: {type(error).__name__}") from error

    def put(self, key: str, data: bytes) -> None:
        name = self._name(key)
        body = io.BytesIO(data)
        content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
        with self._translated(key):
            self._client.upload_fileobj(body, self.bucket, name, ExtraArgs={"ContentType": content_type},
                                        Config=self._transfer)

    def open(self, key: str) -> BinaryIO:
        return self._get(key)

    def open_range(self, key: str, start: int, length: int) -> BinaryIO:
        return self._get(key, Range=f"bytes={start}-{start + length - 1}")

    def _get(self, key: str, **options: str) -> BinaryIO:
        """The object's body, streamed from S3 as it is read (never loaded whole)."""
        name = self._name(key)
        with self._translated(key):
            return cast(BinaryIO, self._client.get_object(Bucket=self.bucket, Key=name, **options)["Body"])

    def _head(self, key: str) -> dict[str, Any]:
        name = self._name(key)
        with self._translated(key):
            return self._client.head_object(Bucket=self.bucket, Key=name)

    def delete(self, key: str) -> bool:
        # S3 deletes answer the same whether or not the object was there: ask first, for the interface's answer.
        if not self.exists(key):
            return False
        with self._translated(key):
            self._client.delete_object(Bucket=self.bucket, Key=self._name(key))
        return True

    def size(self, key: str) -> int:
        return int(self._head(key)["ContentLength"])

    def modified_at(self, key: str) -> float:
        return self._head(key)["LastModified"].timestamp()

    def exists(self, key: str) -> bool:
        try:
            self._head(key)
        except KeyNotFound:
            return False
        return True

    def iter_keys(self) -> Iterator[str]:
        pages = self._client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=self.prefix)
        with self._translated(self.prefix or "/"):
            for page in pages:
                for item in page.get("Contents", []):
                    key = item["Key"][len(self.prefix):]
                    if is_valid_key(key):  # objects other tools put in the bucket are not ours to sweep
                        yield key

    def verify(self) -> str:
        from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

        where = f"bucket {self.bucket!r}" + (f" at {self.endpoint_url}" if self.endpoint_url else "")
        try:
            self._probe.head_bucket(Bucket=self.bucket)
        except NoCredentialsError as error:
            raise StorageUnavailable("no AWS credentials found", fix=_MISSING_CREDENTIALS_FIX) from error
        except ClientError as error:
            code = error.response.get("Error", {}).get("Code", "")
            if code in ("404", "NoSuchBucket"):
                raise StorageUnavailable(f"{where} does not exist",
                                         fix="Create the bucket, or correct AVATAR_S3_BUCKET and "
                                             "AVATAR_S3_ENDPOINT_URL.") from error
            if code in ("403", "AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch"):
                raise StorageUnavailable(f"{where}: the credentials were refused ({code})",
                                         fix="Check AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, and that they may "
                                             "read and write the bucket.") from error
            if code in ("301", "PermanentRedirect", "AuthorizationHeaderMalformed"):
                raise StorageUnavailable(f"{where} is in another region ({code})",
                                         fix="Set AVATAR_S3_REGION to the bucket's region.") from error
            raise StorageUnavailable(f"{where}: S3 answered {code}",
                                     fix="Check AVATAR_S3_* and the credentials.") from error
        except BotoCoreError as error:
            raise StorageUnavailable(f"cannot reach {where}: {type(error).__name__}",
                                     fix="Check AVATAR_S3_ENDPOINT_URL and that the S3 service is reachable."
                                     ) from error
        return f"{where} reachable" + (f", keys under {self.prefix}" if self.prefix else "")

    def redirect_url(self, key: str, *, content_type: str, content_disposition: str | None = None) -> str | None:
        name = self._name(key)
        if self.redirect_seconds is None:
            return None
        params = {"Bucket": self.bucket, "Key": name, "ResponseContentType": content_type,
                  "ResponseCacheControl": f"private, max-age={self.redirect_seconds}"}
        if content_disposition:
            params["ResponseContentDisposition"] = content_disposition
        return self._client.generate_presigned_url("get_object", Params=params, ExpiresIn=self.redirect_seconds)
