"""Domain errors. Each carries the code and HTTP status of API.md's error table; one handler shapes the envelope."""

from __future__ import annotations


class AppError(Exception):
    """Root of every error a client may see."""

    status_code = 500
    code = "INTERNAL"

    def __init__(self, message: str, *, field: str | None = None, details: list | None = None,
                 headers: dict[str, str] | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        self.details = details
        self.headers = headers or {}


class ValidationFailed(AppError):
    status_code = 400
    code = "VALIDATION_ERROR"


class Unauthorized(AppError):
    status_code = 401
    code = "UNAUTHORIZED"


class InsufficientCredits(AppError):
    status_code = 402
    code = "INSUFFICIENT_CREDITS"

    def __init__(self, *, required: int, available: int):
        super().__init__(f"This needs {required} credits; you have {available}.",
                         details=[{"required": required, "available": available}])


class CsrfFailed(AppError):
    status_code = 403
    code = "CSRF_FAILED"


class EmailNotVerified(AppError):
    """Generating while ``AVATAR_REQUIRE_EMAIL_VERIFICATION`` is on and the welcome mail's link is not used yet."""

    status_code = 403
    code = "EMAIL_NOT_VERIFIED"


class Forbidden(AppError):
    """An API token used outside its scopes, or on a route tokens never reach (account, tokens, admin)."""

    status_code = 403
    code = "FORBIDDEN"


class NotFound(AppError):
    status_code = 404
    code = "NOT_FOUND"


class Conflict(AppError):
    status_code = 409
    code = "CONFLICT"


class PayloadTooLarge(AppError):
    status_code = 413
    code = "PAYLOAD_TOO_LARGE"


class StorageQuotaExceeded(AppError):
    status_code = 413
    code = "STORAGE_QUOTA_EXCEEDED"


class UnsupportedMediaType(AppError):
    status_code = 415
    code = "UNSUPPORTED_MEDIA_TYPE"


class RateLimited(AppError):
    status_code = 429
    code = "RATE_LIMITED"


class ServiceUnavailable(AppError):
    status_code = 503
    code = "SERVICE_UNAVAILABLE"


class ConfigurationError(Exception):
    """A setting that stops start-up; its message is the one line an operator reads."""
