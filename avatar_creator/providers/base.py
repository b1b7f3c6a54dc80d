"""The one interface every image provider implements.

Providers know nothing of the database, HTTP or credits: a frozen request goes in, image bytes come out. The job
runner (``avatar_creator.jobs``) owns retries, backoff, fencing and refunds; a provider only classifies what went
wrong by raising :class:`ProviderError` with one of the codes below.
"""

from __future__ import annotations

import abc
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from typing import Any

# Error codes a provider may raise (API.md, Generation). ``CANCELLED`` is internal: the job was cancelled mid-run.
PROVIDER_AUTH = "PROVIDER_AUTH"
PROVIDER_QUOTA = "PROVIDER_QUOTA"
PROVIDER_BAD_REQUEST = "PROVIDER_BAD_REQUEST"
PROVIDER_REFUSED = "PROVIDER_REFUSED"
PROVIDER_UNAVAILABLE = "PROVIDER_UNAVAILABLE"
PROVIDER_RATE_LIMITED = "PROVIDER_RATE_LIMITED"
PROVIDER_TIMEOUT = "PROVIDER_TIMEOUT"
CONFIGURATION = "CONFIGURATION"
INTERNAL = "INTERNAL"


@dataclass(frozen=True)
class AvatarAttributes:
    """Persona and visual attributes of an avatar, as the user (or a preset) gave them; every field optional.

    The fields are those declared in ``avatars.attributes`` (a test holds the two together); build one from stored
    values with ``from_fields``.
    """

    persona_name: str | None = None
    persona_age: int | None = None
    persona_personality: tuple[str, ...] = ()
    persona_background: str | None = None
    gender: str | None = None  # male | female | unisex
    age_range: str | None = None  # young | adult | mature
    ethnicity: str | None = None
    body_type: str | None = None
    hair_style: str | None = None
    hair_color: str | None = None
    eye_color: str | None = None
    skin_tone: str | None = None
    style: str | None = None
    setting: str | None = None  # where the person is: the picture's backdrop

    @classmethod
    def from_fields(cls, values: Mapping[str, object]) -> AvatarAttributes:
        """The attributes among ``values`` (avatar fields by name, as stored with a generation or a preset)."""
        known: dict[str, Any] = {name: values[name] for name in _ATTRIBUTE_NAMES if values.get(name) is not None}
        known["persona_personality"] = tuple(known.get("persona_personality", ()))
        return cls(**known)


_ATTRIBUTE_NAMES = tuple(attribute.name for attribute in fields(AvatarAttributes))


@dataclass(frozen=True)
class GenerationRequest:
    """What to draw. ``prompt``/``negative_prompt`` come from ``providers.prompts``; ``user_prompt`` is the raw text."""

    prompt: str
    negative_prompt: str
    user_prompt: str
    width: int
    height: int
    seed: int
    attributes: AvatarAttributes = field(default_factory=AvatarAttributes)
    category: str | None = None  # preset category, when generated from a preset (colours the background)
    reference_image: bytes | None = None  # from-reference: the reference's bytes (JPEG/PNG/WebP), else None
    strength: float = 0.6  # from-reference: how far to move away from the reference (0 keeps it, 1 ignores it)


@dataclass(frozen=True)
class GenerationResult:
    """A finished image. ``image`` is PNG bytes; ``metadata`` is recorded with the avatar (model, steps, ...)."""

    image: bytes
    mime_type: str
    width: int
    height: int
    seed: int
    model: str
    metadata: dict = field(default_factory=dict)


@dataclass(frozen=True)
class ProviderCheck:
    """A provider's health, for readiness and ``doctor``: ``fix`` tells an operator what to do when not ok."""

    ok: bool
    detail: str
    fix: str = ""


class ProviderError(Exception):
    """A classified failure. ``retryable`` errors are retried by the job runner (after ``retry_after`` seconds when the
    provider said so); the others fail the job at once with ``code``."""

    def __init__(self, code: str, message: str, *, retryable: bool = False, retry_after: float | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.retryable = retryable
        self.retry_after = retry_after


class GenerationCancelled(Exception):
    """Raised by a provider when ``should_cancel()`` turned true between steps."""


ProgressCallback = Callable[[float], None]  # fraction done, 0.0–1.0
CancelCheck = Callable[[], bool]


class Provider(abc.ABC):
    """An image generator.

    Implementations must be thread-safe: several worker threads call ``generate`` at once.
    """

    name: str

    @abc.abstractmethod
    def check(self) -> ProviderCheck:
        """Report whether this provider can work now (token present, model folder readable...).

        Must be cheap and must not raise; never called on the hot path of a job.
        """

    def is_configured(self) -> bool:
        """True when the provider has what it needs to try (a token, a model folder); cheap, no network."""
        return self.check().ok

    @abc.abstractmethod
    def generate(
        self,
        request: GenerationRequest,
        *,
        on_progress: ProgressCallback,
        should_cancel: CancelCheck,
    ) -> GenerationResult:
        """Generate one image for ``request``.

        Args:
            request: what to draw; ``request.reference_image`` set means image-to-image.
            on_progress: called with the fraction done (0.0–1.0) as work advances; may be called often.
            should_cancel: polled between steps; when it returns True, stop and raise ``GenerationCancelled``.

        Returns:
            The image as PNG bytes with its size, the seed used and the model.

        Raises:
            ProviderError: a classified failure (see the codes above); ``retryable`` for transient ones.
            GenerationCancelled: ``should_cancel()`` returned True.
        """
