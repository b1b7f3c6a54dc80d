"""Where user files live: one interface (``base``), a local folder (``local``) or an S3-compatible bucket (``s3``)."""

from __future__ import annotations

from avatar_creator.settings import Settings
from avatar_creator.storage.base import (
    InvalidKey,
    KeyNotFound,
    Storage,
    StorageError,
    StorageUnavailable,
    is_valid_key,
    new_key,
    owner_of,
    validate_key,
)
from avatar_creator.storage.local import LocalStorage

__all__ = ["InvalidKey", "KeyNotFound", "LocalStorage", "Storage", "StorageError", "StorageUnavailable",
           "build_storage", "build_s3_storage", "is_valid_key", "new_key", "owner_of", "validate_key"]

# Presigned URLs live this long: enough to load a page's images and a large download, short enough to stay private.
REDIRECT_SECONDS = 300


def build_storage(settings: Settings) -> Storage:
    """The storage ``AVATAR_STORAGE`` names; nothing is contacted yet (``verify`` does that)."""
    return build_s3_storage(settings) if settings.storage == "s3" else LocalStorage(settings.files_dir)


def build_s3_storage(settings: Settings) -> Storage:
    """The bucket the ``AVATAR_S3_*`` settings describe (``storage copy`` uses it whatever AVATAR_STORAGE says)."""
    from avatar_creator.storage.s3 import S3Storage

    return S3Storage(bucket=settings.s3_bucket, endpoint_url=settings.s3_endpoint_url, region=settings.s3_region,
                     prefix=settings.s3_prefix, redirect_seconds=REDIRECT_SECONDS if settings.s3_redirect == "on"
                     else None)
