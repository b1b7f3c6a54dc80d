"""The diffusers provider on a tiny random Stable Diffusion pipeline that the test builds and saves to a folder."""

from __future__ import annotations

import dataclasses
import importlib.util
import io
import sys
import threading
from pathlib import Path

import pytest
from PIL import Image

from avatar_creator.providers.base import CONFIGURATION, GenerationCancelled, GenerationRequest, ProviderError
from avatar_creator.providers.diffusers import DiffusersProvider
from tests.support.tiny_models import save_tiny_stable_diffusion

REQUEST = GenerationRequest(
    prompt="a portrait of a friendly astronaut",
    negative_prompt="blurry",
    user_prompt="a friendly astronaut",
    width=64,
    height=48,
    seed=7,
)


@pytest.fixture(scope="module")
def model_folder(tmp_path_factory):
    folder = tmp_path_factory.mktemp("tiny-sd")
    save_tiny_stable_diffusion(folder)
    return folder / "model"


@pytest.fixture(scope="module")
def provider(model_folder):
    return DiffusersProvider(model_path=model_folder, steps=3)


def generate(provider, request=REQUEST, should_cancel=lambda: False):
    progress: list[float] = []
    result = provider.generate(request, on_progress=progress.append, should_cancel=should_cancel)
    return result, progress


def decoded(png: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(png))
    image.load()
    return image


def test_text_to_image_completes_with_progress(provider):
    result, progress = generate(provider)

    image = decoded(result.image)
    assert (image.format, image.size) == ("PNG", (64, 48))
    assert (result.width, result.height, result.seed, result.model) == (64, 48, 7, "model")
    assert progress == pytest.approx([1 / 3, 2 / 3, 1.0])
    assert result.metadata == {"provider": "diffusers", "device": "cpu", "steps": 3, "guidance": 7.5}
    assert provider.check().detail.endswith("loaded on cpu")


def test_the_seed_decides_the_image(provider):
    first, _ = generate(provider)
    again, _ = generate(provider)
    other, _ = generate(provider, dataclasses.replace(REQUEST, seed=8))

    assert decoded(first.image).tobytes() == decoded(again.image).tobytes()
    assert decoded(first.image).tobytes() != decoded(other.image).tobytes()


def test_image_to_image_starts_from_the_reference(provider):
    reference = io.BytesIO()
    Image.new("RGB", (300, 200), "orange").save(reference, format="JPEG")
    request = dataclasses.replace(REQUEST, reference_image=reference.getvalue(), strength=0.7)

    result, progress = generate(provider, request)
    assert decoded(result.image).size == (64, 48)
    assert progress == pytest.approx([0.5, 1.0])  # strength 0.7 of 3 steps runs the last two


def test_cancel_mid_run_stops_between_steps(provider):
    progress: list[float] = []

    def cancel_after_first_step() -> bool:
        return len(progress) >= 1

    with pytest.raises(GenerationCancelled):
        provider.generate(REQUEST, on_progress=progress.append, should_cancel=cancel_after_first_step)
    assert progress == pytest.approx([1 / 3])
    generate(provider)  # the pipeline and its lock are free again


def test_a_job_cancelled_while_waiting_for_the_pipeline_never_runs(provider):
    from avatar_creator.providers import diffusers as module

    provider.load()
    module._PIPELINE_RUN.acquire()  # another generation holds the pipeline
    try:
        cancelled = threading.Event()
        threading.Timer(0.05, cancelled.set).start()
        with pytest.raises(GenerationCancelled):
            generate(provider, should_cancel=cancelled.is_set)
    finally:
        module._PIPELINE_RUN.release()


@pytest.mark.parametrize("model_path", [None, "does-not-exist"])
def test_a_missing_folder_fails_fast_with_its_fix(tmp_path, model_path):
    provider = DiffusersProvider(model_path=model_path and tmp_path / model_path)

    check = provider.check()
    assert not check.ok and "AVATAR_DIFFUSERS_MODEL_PATH" in check.fix
    assert not provider.is_configured()
    with pytest.raises(ProviderError) as caught:
        generate(provider)
    assert (caught.value.code, caught.value.retryable) == (CONFIGURATION, False)


def test_a_folder_that_is_not_a_pipeline_is_reported(tmp_path):
    check = DiffusersProvider(model_path=tmp_path).check()
    assert not check.ok and "model_index.json" in check.detail

    (tmp_path / "model_index.json").write_text("{not json")
    assert "cannot read" in DiffusersProvider(model_path=tmp_path).check().detail


def test_a_folder_with_missing_weights_fails_with_configuration(model_folder, tmp_path):
    (tmp_path / "model_index.json").write_text((model_folder / "model_index.json").read_text())
    provider = DiffusersProvider(model_path=tmp_path)

    with pytest.raises(ProviderError) as caught:
        generate(provider)
    assert caught.value.code == CONFIGURATION and str(tmp_path) in caught.value.message


def test_without_the_extra_the_error_names_it(tmp_path, monkeypatch):
    (tmp_path / "model_index.json").write_text("{}")
    monkeypatch.setitem(sys.modules, "diffusers", None)  # what Python does when a package is not installed
    provider = DiffusersProvider(model_path=tmp_path)

    assert "avatar-creator[local]" in provider.check().fix
    with pytest.raises(ProviderError) as caught:
        generate(provider)
    assert caught.value.code == CONFIGURATION and "avatar-creator[local]" in caught.value.message


def test_a_flux_folder_runs_with_schnell_settings_and_flux_img2img(tmp_path):
    """The production model family, built small by the benchmark's own builder (bench/gpu.py)."""
    torch = pytest.importorskip("torch", reason="the [local] extra (torch) is not installed")
    spec = importlib.util.spec_from_file_location("bench_gpu", Path(__file__).parents[2] / "bench" / "gpu.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    bench.save_random_flux(bench.REDUCED, tmp_path, "cpu", torch.float32)
    provider = DiffusersProvider(model_path=tmp_path / "model")

    result, progress = generate(provider)
    assert decoded(result.image).size == (64, 48) and len(progress) == 4
    assert result.metadata["steps"] == 4 and result.metadata["guidance"] == 0.0
    reference = dataclasses.replace(REQUEST, reference_image=result.image, strength=0.5)
    result, progress = generate(provider, reference)
    assert decoded(result.image).size == (64, 48) and progress == pytest.approx([0.5, 1.0])
    assert type(provider.load().image_to_image).__name__ == "FluxImg2ImgPipeline"
