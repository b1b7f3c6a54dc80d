"""Sampling defaults per model family: the one table both image providers read their steps and guidance from."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SamplingDefaults:
    """How to sample a model; ``None`` leaves the choice to the server. ``negative_prompt``: the model takes one."""

    steps: int | None
    guidance: float | None
    negative_prompt: bool


# FLUX.1-schnell is timestep-distilled (4 steps) and takes no guidance; FLUX.1-dev is guidance-distilled. Neither takes
# a negative prompt, and some providers refuse a request that sends one.
FLUX_SCHNELL = SamplingDefaults(steps=4, guidance=0.0, negative_prompt=False)
FLUX_DEV = SamplingDefaults(steps=28, guidance=3.5, negative_prompt=False)
STABLE_DIFFUSION = SamplingDefaults(steps=30, guidance=7.5, negative_prompt=True)
# A Hub model we know nothing about: send only the prompt and size, so the server cannot refuse a parameter.
SERVER_DEFAULTS = SamplingDefaults(steps=None, guidance=None, negative_prompt=False)

HUB_MODELS: dict[str, SamplingDefaults] = {
    "black-forest-labs/FLUX.1-schnell": FLUX_SCHNELL,
    "black-forest-labs/FLUX.1-dev": FLUX_DEV,
}


def for_hub_model(model_id: str) -> SamplingDefaults:
    """The defaults for a Hub model id (``SERVER_DEFAULTS`` when it is not in the table)."""
    return HUB_MODELS.get(model_id, SERVER_DEFAULTS)
