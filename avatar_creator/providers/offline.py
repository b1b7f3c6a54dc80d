"""The offline provider: a plain, deterministic picture for a prompt and seed; no network, no key, no model."""

from __future__ import annotations

import io
import random
import time

from PIL import Image, ImageDraw

from avatar_creator.providers.base import (
    CancelCheck,
    GenerationCancelled,
    GenerationRequest,
    GenerationResult,
    ProgressCallback,
    Provider,
    ProviderCheck,
)

STEPS = 10
MODEL = "offline-plain-1"


class OfflineProvider(Provider):
    """Draws a simple figure whose colours come from the prompt and seed; ``step_delay_ms`` paces its steps."""

    name = "offline"

    def __init__(self, *, step_delay_ms: int = 0):
        self.step_delay_ms = step_delay_ms

    def check(self) -> ProviderCheck:
        return ProviderCheck(ok=True, detail="built in; draws plain avatars without a network")

    def generate(self, request: GenerationRequest, *, on_progress: ProgressCallback,
                 should_cancel: CancelCheck) -> GenerationResult:
        for step in range(STEPS):
            if should_cancel():
                raise GenerationCancelled()
            if self.step_delay_ms:
                time.sleep(self.step_delay_ms / 1000)
            on_progress((step + 1) / STEPS)
        if should_cancel():
            raise GenerationCancelled()
        image = _draw(random.Random(f"{request.prompt}\0{request.seed}"), request.width, request.height)
        buffer = io.BytesIO()
        image.save(buffer, "PNG", compress_level=3)
        return GenerationResult(image=buffer.getvalue(), mime_type="image/png", width=request.width,
                                height=request.height, seed=request.seed, model=MODEL,
                                metadata={"steps": STEPS})


def _draw(rng: random.Random, width: int, height: int) -> Image.Image:
    """A two-colour gradient, a head and shoulders, from the seeded ``rng``."""
    top, bottom, skin, shirt = (tuple(rng.randrange(256) for _ in range(3)) for _ in range(4))
    gradient = Image.linear_gradient("L").resize((width, height))
    image = Image.composite(Image.new("RGB", (width, height), bottom), Image.new("RGB", (width, height), top),
                            gradient)
    draw = ImageDraw.Draw(image)
    side = min(width, height)
    centre_x, head_y = width / 2, height * 0.42
    head = side * rng.uniform(0.16, 0.22)
    draw.ellipse((centre_x - side * 0.34, height * 0.72, centre_x + side * 0.34, height * 1.25), fill=shirt)
    draw.ellipse((centre_x - head, head_y - head * 1.15, centre_x + head, head_y + head * 1.15), fill=skin)
    eye = max(1.0, head * 0.12)
    for offset in (-0.4, 0.4):
        x = centre_x + offset * head
        draw.ellipse((x - eye, head_y - eye * 2, x + eye, head_y), fill=(30, 30, 30))
    return image
