"""The offline provider itself: runs the steps of a render (see the package's docstring) with progress and cancel."""

from __future__ import annotations

import time

from avatar_creator.providers.base import (
    CONFIGURATION,
    PROVIDER_BAD_REQUEST,
    CancelCheck,
    GenerationCancelled,
    GenerationRequest,
    GenerationResult,
    ProgressCallback,
    Provider,
    ProviderCheck,
    ProviderError,
)
from avatar_creator.providers.offline import styles
from avatar_creator.providers.offline.look import choose_look
from avatar_creator.providers.offline.rasterise import NoRasteriserError, Rasteriser, default_rasteriser
from avatar_creator.providers.offline.reference_colours import ReferenceColours, read_reference_colours
from avatar_creator.providers.offline.svg import compose
from avatar_creator.providers.offline.wishes import read_wishes

MODEL = "offline-illustrated-v1"
MIN_SIDE, MAX_SIDE = 64, 2048
_STEPS = 5  # read the reference, read the request, choose the parts, draw the SVG, rasterise in the art style
_INSTALL_A_RASTERISER = "pip install resvg-py, or install the system cairo library for CairoSVG"


class OfflineProvider(Provider):
    """Illustrated avatars from python-avatars parts. ``step_delay_ms`` pauses between steps (slow jobs on purpose,
    the ``AVATAR_OFFLINE_STEP_DELAY_MS`` setting)."""

    name = "offline"

    def __init__(self, *, step_delay_ms: int = 0):
        if step_delay_ms < 0:
            raise ValueError("step_delay_ms must be 0 or more")
        self._step_delay = step_delay_ms / 1000

    def check(self) -> ProviderCheck:
        try:
            rasteriser = default_rasteriser()
        except NoRasteriserError as error:
            return ProviderCheck(ok=False, detail=f"no SVG rasteriser: {error}", fix=_INSTALL_A_RASTERISER)
        detail = f"illustrated avatars, no key or network needed; rasterised with {rasteriser.name}"
        if rasteriser.note:
            return ProviderCheck(ok=True, detail=f"{detail} ({rasteriser.note})",
                                 fix="install the system cairo library (libcairo2) for renders about 5x faster")
        return ProviderCheck(ok=True, detail=detail)

    def generate(
        self,
        request: GenerationRequest,
        *,
        on_progress: ProgressCallback,
        should_cancel: CancelCheck,
    ) -> GenerationResult:
        _check_size(request)
        rasteriser = _rasteriser()
        steps = _Steps(on_progress, should_cancel, self._step_delay)
        steps.begin()
        reference = _reference_colours(request)
        steps.advance()
        wishes = read_wishes(request)
        steps.advance()
        look = choose_look(wishes, request.seed, reference=reference, strength=request.strength)
        steps.advance()
        svg = compose(look, request.width, request.height)
        steps.advance()
        image = styles.render(look.art_style, rasteriser.to_pixels(svg), request.seed)
        steps.finish()
        metadata = {"rasteriser": rasteriser.name, "parts": look.describe(), "promptTerms": wishes.terms}
        if reference is not None:
            metadata["reference_colours"] = {"skin": reference.skin, "hair": reference.hair,
                                              "background": reference.background, "face_found": reference.face_found}
        return GenerationResult(image=image, mime_type="image/png", width=request.width, height=request.height,
                                seed=request.seed, model=MODEL, metadata=metadata)


class _Steps:
    """Reports progress after each step, then pauses (when asked to) and honours a cancellation."""

    def __init__(self, on_progress: ProgressCallback, should_cancel: CancelCheck, delay: float):
        self._on_progress, self._should_cancel, self._delay = on_progress, should_cancel, delay
        self._done = 0

    def begin(self) -> None:
        self._stop_if_cancelled()
        self._on_progress(0.0)

    def advance(self) -> None:
        self._done += 1
        self._on_progress(self._done / _STEPS)
        if self._delay:
            time.sleep(self._delay)
        self._stop_if_cancelled()

    def finish(self) -> None:
        self._on_progress(1.0)

    def _stop_if_cancelled(self) -> None:
        if self._should_cancel():
            raise GenerationCancelled()


def _check_size(request: GenerationRequest) -> None:
    for side in (request.width, request.height):
        if not MIN_SIDE <= side <= MAX_SIDE:
            raise ProviderError(PROVIDER_BAD_REQUEST,
                                f"the offline provider draws {MIN_SIDE} to {MAX_SIDE} pixels a side, not {side}")


def _rasteriser() -> Rasteriser:
    try:
        return default_rasteriser()
    except NoRasteriserError as error:
        raise ProviderError(CONFIGURATION, f"no SVG rasteriser: {error}; {_INSTALL_A_RASTERISER}") from error


def _reference_colours(request: GenerationRequest) -> ReferenceColours | None:
    if request.reference_image is None:
        return None
    try:
        return read_reference_colours(request.reference_image)
    except ValueError as error:
        raise ProviderError(PROVIDER_BAD_REQUEST, str(error)) from error
