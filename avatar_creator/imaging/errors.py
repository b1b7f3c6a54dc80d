"""Why an upload's bytes were refused; each error carries the HTTP answer API.md gives it."""

from __future__ import annotations

from avatar_creator.errors import AppError


class ImageRejected(AppError):
    """An uploaded file that cannot become an avatar; ``message`` is safe to show the client."""

    code = "VALIDATION_ERROR"
    status_code = 400

    def __init__(self, message: str):
        super().__init__(message, field="image")


class UnsupportedImageType(ImageRejected):
    """The bytes are not JPEG, PNG, WebP or HEIC, whatever the client called them."""

    code = "UNSUPPORTED_MEDIA_TYPE"
    status_code = 415


class InvalidImage(ImageRejected):
    """A supported type that is empty, undecodable, animated or of a size we refuse."""
