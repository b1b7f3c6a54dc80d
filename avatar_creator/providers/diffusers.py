"""A local diffusers pipeline (FLUX, Stable Diffusion...) loaded once from a model folder; needs the ``[local]`` extra.

``torch`` and ``diffusers`` are imported inside functions: this module must import, and report what is missing, on a
host that has neither.
"""

from __future__ import annotations

import importlib.util
import inspect
import json
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from avatar_creator.providers import images, sampling
from avatar_creator.providers.base import (
    CONFIGURATION,
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
from avatar_creator.providers.sampling import SamplingDefaults

EXTRA_FIX = "Install the local extra: pip install 'avatar-creator[local]' (torch and diffusers)."
FOLDER_FIX = (
    "Set AVATAR_DIFFUSERS_MODEL_PATH to a folder holding a diffusers pipeline (with model_index.json), for example "
    "one made by `hf download black-forest-labs/FLUX.1-schnell --local-dir /models/flux-schnell`."
)
# One generation at a time in this process: a second one on the same GPU only competes for its memory, and a
# pipeline's scheduler keeps per-call state.
_PIPELINE_RUN = threading.Lock()
_LOCK_POLL_S = 0.2


@dataclass(frozen=True)
class _Pipelines:
    """What loading a model folder gives: both pipelines over one set of weights, and how to sample them."""

    text_to_image: Any
    image_to_image: Any
    device: str
    generator_device: str
    sampling: SamplingDefaults


class _Stop(Exception):
    """Raised from the step callback to leave the denoising loop when the job is cancelled."""


class DiffusersProvider(Provider):
    """Runs a pipeline from ``model_path`` on cuda, mps or cpu; ``steps``/``guidance`` override the model's defaults."""

    name = "diffusers"

    def __init__(
        self,
        *,
        model_path: str | Path | None,
        device: str = "auto",
        steps: int | None = None,
        guidance: float | None = None,
    ):
        self.model_path = Path(model_path).expanduser() if model_path else None
        self.device = device
        self.steps = steps
        self.guidance = guidance
        self._loading = threading.Lock()
        self._pipelines: _Pipelines | None = None

    def check(self) -> ProviderCheck:
        problem = self._folder_problem()
        if problem:
            return ProviderCheck(ok=False, detail=problem, fix=FOLDER_FIX)
        missing = [name for name in ("torch", "diffusers") if importlib.util.find_spec(name) is None]
        if missing:
            return ProviderCheck(ok=False, detail=f"{' and '.join(missing)} not installed", fix=EXTRA_FIX)
        loaded = self._pipelines
        where = f"loaded on {loaded.device}" if loaded else "loads on first use"
        return ProviderCheck(ok=True, detail=f"model folder {self.model_path} readable; {where}")

    def _folder_problem(self) -> str | None:
        """Why the model folder cannot be used, or ``None``; reads only ``model_index.json``."""
        if self.model_path is None:
            return "no model folder configured"
        if not self.model_path.is_dir():
            return f"model folder {self.model_path} does not exist"
        index = self.model_path / "model_index.json"
        try:
            json.loads(index.read_text())
        except FileNotFoundError:
            return f"{self.model_path} has no model_index.json, so it is not a diffusers pipeline folder"
        except (OSError, ValueError) as error:
            return f"cannot read {index}: {error}"
        return None

    def generate(
        self,
        request: GenerationRequest,
        *,
        on_progress: ProgressCallback,
        should_cancel: CancelCheck,
    ) -> GenerationResult:
        problem = self._folder_problem()
        if problem or self.model_path is None:  # no folder is a problem too; said again for the type checker
            raise ProviderError(CONFIGURATION, f"The diffusers provider cannot start: {problem}. {FOLDER_FIX}")
        pipelines = self.load()
        _wait_for_turn(should_cancel)
        try:
            image, steps, guidance = self._run(pipelines, request, on_progress, should_cancel)
        finally:
            _PIPELINE_RUN.release()
        return GenerationResult(
            image=images.encode_png(image, request.width, request.height),
            mime_type="image/png",
            width=request.width,
            height=request.height,
            seed=request.seed,
            model=self.model_path.name,
            metadata={"provider": self.name, "device": pipelines.device, "steps": steps, "guidance": guidance},
        )

    def load(self) -> _Pipelines:
        """Load the model folder once (the first caller loads, the others wait) and return its pipelines."""
        with self._loading:
            if self._pipelines is None:
                self._pipelines = self._load()
            return self._pipelines

    def _load(self) -> _Pipelines:
        try:
            import torch
            from diffusers import AutoPipelineForImage2Image, AutoPipelineForText2Image
        except ImportError as error:
            raise ProviderError(CONFIGURATION, f"{error}. {EXTRA_FIX}") from error
        device = pick_device(torch, self.device)
        try:
            text_to_image = AutoPipelineForText2Image.from_pretrained(
                self.model_path, dtype=pick_dtype(torch, device), local_files_only=True
            ).to(device)
            image_to_image = AutoPipelineForImage2Image.from_pipe(text_to_image)  # same weights, no second copy
        except (OSError, ValueError, TypeError) as error:
            raise ProviderError(
                CONFIGURATION, f"Could not load a diffusers pipeline from {self.model_path}: {error}"
            ) from error
        for pipeline in (text_to_image, image_to_image):
            pipeline.set_progress_bar_config(disable=True)  # progress goes to the job, not to stderr
        return _Pipelines(
            text_to_image=text_to_image,
            image_to_image=image_to_image,
            device=device,
            generator_device="cpu" if device == "mps" else device,
            sampling=sampling_for(text_to_image),
        )

    def _run(
        self,
        pipelines: _Pipelines,
        request: GenerationRequest,
        on_progress: ProgressCallback,
        should_cancel: CancelCheck,
    ) -> tuple[Any, int, float]:
        """One pipeline call; returns the PIL image with the steps and guidance it used."""
        import torch

        steps = self.steps or pipelines.sampling.steps
        guidance = self.guidance if self.guidance is not None else pipelines.sampling.guidance
        if steps is None or guidance is None:  # every local family's defaults set both
            raise ProviderError(CONFIGURATION, f"No steps or guidance for this pipeline ({pipelines.sampling}).")

        def on_step_end(pipeline: Any, step: int, timestep: Any, tensors: dict) -> dict:
            on_progress((step + 1) / pipeline.num_timesteps)
            if should_cancel():
                raise _Stop()
            return {}

        arguments: dict[str, Any] = {
            "prompt": request.prompt,
            "num_inference_steps": steps,
            "guidance_scale": guidance,
            "generator": torch.Generator(device=pipelines.generator_device).manual_seed(request.seed),
            "callback_on_step_end": on_step_end,
        }
        if pipelines.sampling.negative_prompt and request.negative_prompt:
            arguments["negative_prompt"] = request.negative_prompt
        pipeline = pipelines.text_to_image
        if request.reference_image is not None:
            pipeline = pipelines.image_to_image
            arguments["image"] = images.decode_reference(request.reference_image, request.width, request.height)
            # At least one denoising step: diffusers refuses a strength that rounds the steps down to none.
            arguments["strength"] = max(request.strength, 1 / steps)
        # Stable Diffusion's img2img takes its size from the image and has no width/height arguments.
        accepted = inspect.signature(pipeline.__call__).parameters
        arguments.update({name: value for name, value in (("width", request.width), ("height", request.height))
                          if name in accepted})
        try:
            image = pipeline(**arguments).images[0]
        except _Stop:
            raise GenerationCancelled() from None
        except torch.OutOfMemoryError as error:
            raise ProviderError(
                PROVIDER_UNAVAILABLE, f"Out of memory on {pipelines.device}: {error}", retryable=True
            ) from error
        return image, steps, guidance


def _wait_for_turn(should_cancel: CancelCheck) -> None:
    """Take this process's pipeline lock, giving up as soon as the job is cancelled."""
    while True:
        if should_cancel():
            raise GenerationCancelled()
        if _PIPELINE_RUN.acquire(timeout=_LOCK_POLL_S):
            return


def pick_device(torch: Any, setting: str) -> str:
    """``setting`` unless it is "auto": then cuda, else Apple's mps, else cpu."""
    if setting != "auto":
        return setting
    if torch.cuda.is_available():
        return "cuda"
    if torch.backends.mps.is_available():
        return "mps"
    return "cpu"


def pick_dtype(torch: Any, device: str) -> Any:
    """Half precision on accelerators (bfloat16 where the GPU has it), full precision on the CPU."""
    if device.startswith("cuda"):
        return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
    return torch.float16 if device == "mps" else torch.float32


def sampling_for(pipeline: Any) -> SamplingDefaults:
    """Steps and guidance for a loaded pipeline: FLUX.1-dev (guidance-distilled) or schnell, else Stable Diffusion."""
    if type(pipeline).__name__.startswith("Flux"):
        return sampling.FLUX_DEV if pipeline.transformer.config.guidance_embeds else sampling.FLUX_SCHNELL
    return sampling.STABLE_DIFFUSION
