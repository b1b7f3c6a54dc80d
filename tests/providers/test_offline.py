"""The plain offline provider: deterministic pictures, progress in steps, cancellation between steps."""

from __future__ import annotations

import io
import time

import pytest
from PIL import Image

from avatar_creator.providers.base import GenerationCancelled, GenerationRequest
from avatar_creator.providers.offline import STEPS, OfflineProvider


def request(**changes) -> GenerationRequest:
    values = {"prompt": "a calm astronaut", "negative_prompt": "", "user_prompt": "a calm astronaut",
              "width": 320, "height": 256, "seed": 7}
    return GenerationRequest(**{**values, **changes})


def draw(provider=None, **changes):
    provider = provider or OfflineProvider()
    return provider.generate(request(**changes), on_progress=lambda _: None, should_cancel=lambda: False)


def test_the_same_prompt_and_seed_give_the_same_png_of_the_requested_size():
    first, again = draw(), draw()
    assert first.image == again.image and first.mime_type == "image/png" and first.seed == 7
    with Image.open(io.BytesIO(first.image)) as image:
        assert image.format == "PNG" and image.size == (320, 256) == (first.width, first.height)
    assert draw(seed=8).image != first.image
    assert draw(prompt="a stern pirate").image != first.image


def test_progress_comes_in_steps_with_the_configured_pause():
    fractions = []
    started = time.monotonic()
    OfflineProvider(step_delay_ms=20).generate(request(), on_progress=fractions.append, should_cancel=lambda: False)
    assert fractions == [(step + 1) / STEPS for step in range(STEPS)]
    assert time.monotonic() - started >= STEPS * 0.02


def test_cancellation_is_checked_between_steps():
    fractions = []
    with pytest.raises(GenerationCancelled):
        OfflineProvider().generate(request(), on_progress=fractions.append,
                                   should_cancel=lambda: len(fractions) >= 3)
    assert len(fractions) == 3


def test_it_is_always_ready():
    check = OfflineProvider().check()
    assert check.ok and OfflineProvider().is_configured()
