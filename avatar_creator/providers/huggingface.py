"""FLUX (or another text-to-image model) through Hugging Face Inference Providers, with ``huggingface_hub``."""

from __future__ import annotations

import json
import threading
import time
from email.utils import parsedate_to_datetime
from typing import Any

import httpx2
from huggingface_hub import ImageToImageTargetSize, InferenceClient, constants
from huggingface_hub.errors import HfHubHTTPError, InferenceTimeoutError, OfflineModeIsEnabled
from huggingface_hub.utils import build_hf_headers, get_session, hf_raise_for_status
from PIL import Image, UnidentifiedImageError

from avatar_creator.providers import images, sampling
from avatar_creator.providers.base import (
    CONFIGURATION,
    PROVIDER_AUTH,
    PROVIDER_BAD_REQUEST,
    PROVIDER_QUOTA,
    PROVIDER_RATE_LIMITED,
    PROVIDER_REFUSED,
    PROVIDER_TIMEOUT,
    PROVIDER_UNAVAILABLE,
    CancelCheck,
    GenerationCancelled,
    GenerationRequest,
    GenerationResult,
    ProgressCallback,
    Provider,
    ProviderCheck,
    ProviderError,
)

TOKEN_FIX = (
    "Set AVATAR_HF_TOKEN (or HF_TOKEN) to a Hugging Face access token with the 'Make calls to Inference Providers' "
    "permission, from https://huggingface.co/settings/tokens."
)
TOKEN_CHECK_TTL_S = 300.0  # whoami is rate-limited on purpose: ask again at most every five minutes
TOKEN_CHECK_TIMEOUT_S = 10.0
# Words providers use when they decline a prompt or an image on content grounds.
REFUSAL_MARKERS = ("nsfw", "safety", "content policy", "inappropriate", "moderation", "flagged")


class HuggingFaceProvider(Provider):
    """Text-to-image and image-to-image through ``InferenceClient``; failures become classified ``ProviderError``s."""

    name = "huggingface"

    def __init__(
        self,
        *,
        token: str | None,
        model: str = "black-forest-labs/FLUX.1-schnell",
        timeout_s: float = 120,
        base_url: str | None = None,
        hf_provider: str | None = None,
    ):
        self.model = model
        self.base_url = base_url
        self.hf_provider = hf_provider
        self.sampling = sampling.for_hub_model(model)
        self._token = token or None
        self._client: InferenceClient | None = None
        if self._token:
            # A URL (an Inference Endpoint, a mirror) is posted to as it is; otherwise the library routes the model
            # to a provider ("auto": the first one in the account's preference order).
            target = {"base_url": base_url} if base_url else {"model": model, "provider": hf_provider}
            self._client = InferenceClient(token=self._token, timeout=timeout_s, **target)
        self._verdict: ProviderCheck | None = None
        self._verdict_at = 0.0
        self._verifying = threading.Lock()

    def is_configured(self) -> bool:
        return self._client is not None

    def check(self) -> ProviderCheck:
        if self._client is None or self._token is None:  # one comes with the other
            return ProviderCheck(ok=False, detail="no Hugging Face token", fix=TOKEN_FIX)
        if not self._token.startswith("hf_"):
            return ProviderCheck(ok=True, detail=f"{self._target()}; the token is a provider's own key, not checked")
        if self._verdict is None or time.monotonic() - self._verdict_at > TOKEN_CHECK_TTL_S:
            self._start_token_check()
        return self._verdict or ProviderCheck(ok=True, detail=f"{self._target()}; token set, being checked")

    def verify_token(self) -> ProviderCheck:
        """Ask the Hub whether the token is accepted (blocking, one request) and remember the answer."""
        try:
            response = get_session().get(
                f"{constants.ENDPOINT}/api/whoami-v2",
                headers=build_hf_headers(token=self._token),
                timeout=TOKEN_CHECK_TIMEOUT_S,
            )
            hf_raise_for_status(response)
            verdict = ProviderCheck(ok=True, detail=f"{self._target()}; token accepted")
        except HfHubHTTPError as error:
            status = error.response.status_code
            fix = TOKEN_FIX if status in (401, 403) else "Try again later; Hugging Face answered with an error."
            verdict = ProviderCheck(ok=False, detail=f"Hugging Face answered {status} to the token check", fix=fix)
        except (httpx2.TransportError, OfflineModeIsEnabled) as error:
            verdict = ProviderCheck(
                ok=False,
                detail=f"could not reach {constants.ENDPOINT} to check the token ({type(error).__name__})",
                fix="Allow outbound HTTPS to huggingface.co from this host (or unset HF_HUB_OFFLINE).",
            )
        self._verdict, self._verdict_at = verdict, time.monotonic()
        return verdict

    def _start_token_check(self) -> None:
        """Check the token in the background so that readiness never waits on the network."""
        if not self._verifying.acquire(blocking=False):
            return

        def run() -> None:
            try:
                self.verify_token()
            finally:
                self._verifying.release()

        threading.Thread(target=run, name="hf-token-check", daemon=True).start()

    def _target(self) -> str:
        return f"{self.model} at {self.base_url}" if self.base_url else f"{self.model} via {self.hf_provider or 'auto'}"

    def generate(
        self,
        request: GenerationRequest,
        *,
        on_progress: ProgressCallback,
        should_cancel: CancelCheck,
    ) -> GenerationResult:
        client = self._client
        if client is None:
            raise ProviderError(CONFIGURATION, f"The Hugging Face provider has no token. {TOKEN_FIX}")
        if should_cancel():
            raise GenerationCancelled()
        on_progress(0.0)
        reference = self._reference_png(request)
        try:
            image = self._infer(client, request, reference)
            image.load()
        except (HfHubHTTPError, InferenceTimeoutError, httpx2.HTTPError, OfflineModeIsEnabled) as error:
            raise classify(error) from error
        except (UnidentifiedImageError, OSError) as error:
            raise ProviderError(
                PROVIDER_UNAVAILABLE, "Hugging Face answered with something that is not an image.", retryable=True
            ) from error
        except ValueError as error:  # raised by the client's routing: unknown provider, model not served for the task
            raise ProviderError(CONFIGURATION, f"Hugging Face cannot serve {self.model}: {error}") from error
        if should_cancel():
            raise GenerationCancelled()
        on_progress(1.0)
        return GenerationResult(
            image=images.encode_png(image, request.width, request.height),
            mime_type="image/png",
            width=request.width,
            height=request.height,
            seed=request.seed,
            model=self.model,
            metadata=self._metadata(request),
        )

    def _infer(self, client: InferenceClient, request: GenerationRequest, reference: bytes | None) -> Image.Image:
        """One call to the inference API: text-to-image, or image-to-image when there is a reference."""
        negative_prompt = request.negative_prompt if self.sampling.negative_prompt and request.negative_prompt else None
        common: dict[str, Any] = {
            "negative_prompt": negative_prompt,
            "num_inference_steps": self.sampling.steps,
            "guidance_scale": self.sampling.guidance,
        }
        if reference is None:
            return client.text_to_image(
                request.prompt, width=request.width, height=request.height, seed=request.seed, **common
            )
        return client.image_to_image(
            reference,
            request.prompt,
            target_size=ImageToImageTargetSize(width=request.width, height=request.height),
            seed=request.seed,
            strength=request.strength,
            **common,
        )

    @staticmethod
    def _reference_png(request: GenerationRequest) -> bytes | None:
        """The reference re-encoded at the output size: smaller to send, and its metadata never leaves the host."""
        if request.reference_image is None:
            return None
        reference = images.decode_reference(request.reference_image, request.width, request.height)
        return images.encode_png(reference, request.width, request.height)

    def _metadata(self, request: GenerationRequest) -> dict:
        metadata = {
            "provider": self.name,
            "route": self.base_url or self.hf_provider or "auto",
            "steps": self.sampling.steps,
            "guidance": self.sampling.guidance,
        }
        if request.reference_image is not None:
            metadata["strength"] = request.strength
        return metadata


def classify(error: Exception) -> ProviderError:
    """Turn what ``InferenceClient`` raised into a ``ProviderError`` with API.md's code; transient ones retryable."""
    if isinstance(error, (InferenceTimeoutError, httpx2.TimeoutException)):
        return ProviderError(PROVIDER_TIMEOUT, "Hugging Face did not answer in time.", retryable=True)
    if isinstance(error, OfflineModeIsEnabled):
        return ProviderError(CONFIGURATION, "HF_HUB_OFFLINE is set, so Hugging Face cannot be called; unset it.")
    if not isinstance(error, HfHubHTTPError):
        return ProviderError(
            PROVIDER_UNAVAILABLE, f"Could not reach Hugging Face ({type(error).__name__}).", retryable=True
        )
    status = error.response.status_code
    body = _error_body(error.response)
    said = body.get("error") or error.server_message or ""
    said = said if isinstance(said, str) else "; ".join(map(str, said))
    reason = f"Hugging Face answered {status}" + (f": {said}" if said else "")
    if status in (401, 403):
        return ProviderError(PROVIDER_AUTH, f"{reason}. The token was refused. {TOKEN_FIX}")
    if status == 402:
        return ProviderError(
            PROVIDER_QUOTA,
            f"{reason}. The Hugging Face account is out of credit: add credit or a PRO plan at "
            "https://huggingface.co/settings/billing, or switch provider.",
        )
    if status == 429:
        return ProviderError(
            PROVIDER_RATE_LIMITED, f"{reason}.", retryable=True, retry_after=retry_after(error.response.headers)
        )
    if status == 451 or (400 <= status < 500 and any(marker in said.lower() for marker in REFUSAL_MARKERS)):
        return ProviderError(PROVIDER_REFUSED, f"{reason}. The provider refused this prompt or image.")
    if status in (408, 504):
        return ProviderError(PROVIDER_TIMEOUT, f"{reason}.", retryable=True)
    if status >= 500:
        estimated = body.get("estimated_time")  # a cold model: HF says how long loading should take
        wait = float(estimated) if isinstance(estimated, (int, float)) else retry_after(error.response.headers)
        return ProviderError(PROVIDER_UNAVAILABLE, f"{reason}.", retryable=True, retry_after=wait)
    return ProviderError(PROVIDER_BAD_REQUEST, f"{reason}.")


def retry_after(headers) -> float | None:
    """Seconds to wait from a ``Retry-After`` header, in either of its forms (seconds, or an HTTP date)."""
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError):
        return None


def _error_body(response: httpx2.Response) -> dict:
    """The JSON object of an error answer, or ``{}`` when it is not one."""
    try:
        body = json.loads(response.content)
    except (ValueError, httpx2.ResponseNotRead):
        return {}
    return body if isinstance(body, dict) else {}
