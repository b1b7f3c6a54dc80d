"""The Hugging Face provider against a local server that speaks the inference protocol, through the real client."""

from __future__ import annotations

import base64
import io
import logging
import socket
import threading
import time
from email.utils import formatdate

import pytest
from PIL import Image

from avatar_creator.providers.base import (
    CONFIGURATION,
    PROVIDER_AUTH,
    PROVIDER_BAD_REQUEST,
    PROVIDER_QUOTA,
    PROVIDER_RATE_LIMITED,
    PROVIDER_REFUSED,
    PROVIDER_TIMEOUT,
    PROVIDER_UNAVAILABLE,
    GenerationCancelled,
    GenerationRequest,
    ProviderError,
)
from avatar_creator.providers.huggingface import HuggingFaceProvider, retry_after
from tests.support.huggingface import TOKEN, Reply, image_reply, json_reply, provider_for


def request(**changes) -> GenerationRequest:
    fields = {
        "prompt": "a portrait of a friendly astronaut, studio light",
        "negative_prompt": "blurry",
        "user_prompt": "a friendly astronaut",
        "width": 64,
        "height": 48,
        "seed": 1234,
        **changes,
    }
    return GenerationRequest(**fields)


def generate(provider: HuggingFaceProvider, generation: GenerationRequest | None = None, cancel: bool = False):
    progress: list[float] = []
    result = provider.generate(generation or request(), on_progress=progress.append, should_cancel=lambda: cancel)
    return result, progress


def failure(provider: HuggingFaceProvider) -> ProviderError:
    with pytest.raises(ProviderError) as caught:
        generate(provider)
    return caught.value


def test_an_image_completes_as_png_at_the_requested_size(server):
    server.script(image_reply(32, 32))
    result, progress = generate(provider_for(server))

    image = Image.open(io.BytesIO(result.image))
    assert (image.format, image.size) == ("PNG", (64, 48))
    assert (result.mime_type, result.width, result.height, result.seed) == ("image/png", 64, 48, 1234)
    assert result.model == "black-forest-labs/FLUX.1-schnell"
    assert result.metadata["steps"] == 4 and progress[-1] == 1.0


def test_the_server_receives_schnell_settings_seed_size_and_the_token(server):
    server.script(image_reply())
    generate(provider_for(server))

    (sent,) = server.received
    assert (sent.method, sent.path) == ("POST", "/models/black-forest-labs/FLUX.1-schnell")
    assert sent.headers["authorization"] == f"Bearer {TOKEN}"
    assert sent.headers["accept"] == "image/png"
    assert sent.json() == {
        "inputs": "a portrait of a friendly astronaut, studio light",
        "parameters": {"width": 64, "height": 48, "seed": 1234, "num_inference_steps": 4, "guidance_scale": 0.0},
    }


def test_flux_dev_gets_its_own_steps_and_guidance(server):
    server.script(image_reply())
    generate(provider_for(server, model="black-forest-labs/FLUX.1-dev"))

    parameters = server.received[0].json()["parameters"]
    assert (parameters["num_inference_steps"], parameters["guidance_scale"]) == (28, 3.5)


def test_an_unknown_model_gets_only_prompt_size_and_seed(server):
    server.script(image_reply())
    generate(provider_for(server, model="someone/some-model"))

    assert server.received[0].json()["parameters"] == {"width": 64, "height": 48, "seed": 1234}


def test_image_to_image_sends_the_reference_resized_with_strength(server):
    server.script(image_reply(64, 48))
    reference = io.BytesIO()
    Image.new("RGB", (300, 200), "orange").save(reference, format="JPEG")
    result, _ = generate(provider_for(server), request(reference_image=reference.getvalue(), strength=0.4))

    sent = server.received[0].json()
    sent_reference = Image.open(io.BytesIO(base64.b64decode(sent["inputs"])))
    assert (sent_reference.format, sent_reference.size) == ("PNG", (64, 48))
    assert sent["parameters"] == {
        "prompt": "a portrait of a friendly astronaut, studio light",
        "target_size": {"width": 64, "height": 48},
        "seed": 1234,
        "strength": 0.4,
        "num_inference_steps": 4,
        "guidance_scale": 0.0,
    }
    assert result.metadata["strength"] == 0.4


def test_worker_threads_share_one_provider(server):
    server.script(*(image_reply() for _ in range(4)))
    provider = provider_for(server)
    results = {}

    def work(seed: int) -> None:
        results[seed] = generate(provider, request(seed=seed))[0]

    threads = [threading.Thread(target=work, args=(seed,)) for seed in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert sorted(results) == [0, 1, 2, 3] and all(results[seed].seed == seed for seed in results)
    assert sorted(sent.json()["parameters"]["seed"] for sent in server.received) == [0, 1, 2, 3]


def test_a_cold_model_is_retryable_after_its_estimated_time_then_completes(server):
    loading = {"error": "Model black-forest-labs/FLUX.1-schnell is currently loading", "estimated_time": 20.0}
    server.script(json_reply(503, loading), image_reply())
    provider = provider_for(server)

    error = failure(provider)
    assert (error.code, error.retryable, error.retry_after) == (PROVIDER_UNAVAILABLE, True, 20.0)
    assert "currently loading" in error.message
    result, _ = generate(provider)  # the job runner's next attempt
    assert result.image.startswith(b"\x89PNG")
    assert len(server.received) == 2


@pytest.mark.parametrize("form", ["seconds", "http-date"])
def test_rate_limits_are_retryable_after_retry_after(server, form):
    header = "30" if form == "seconds" else formatdate(time.time() + 30, usegmt=True)
    expected = 30.0 if form == "seconds" else pytest.approx(30, abs=2)
    server.script(json_reply(429, {"error": "Too many requests"}, {"Retry-After": header}), image_reply())
    provider = provider_for(server)

    error = failure(provider)
    assert (error.code, error.retryable, error.retry_after) == (PROVIDER_RATE_LIMITED, True, expected)
    generate(provider)
    assert len(server.received) == 2


def test_a_refused_token_fails_at_once_without_retrying(server):
    server.script(json_reply(401, {"error": "Invalid credentials in Authorization header"}))

    error = failure(provider_for(server))
    assert (error.code, error.retryable) == (PROVIDER_AUTH, False)
    assert "AVATAR_HF_TOKEN" in error.message and "Invalid credentials" in error.message
    assert len(server.received) == 1


def test_an_empty_account_is_a_quota_error(server):
    server.script(json_reply(402, {"error": "You have exceeded your monthly included credits"}))

    error = failure(provider_for(server))
    assert (error.code, error.retryable) == (PROVIDER_QUOTA, False)
    assert "billing" in error.message


def test_server_errors_stay_retryable_and_are_never_retried_inside_the_provider(server):
    server.script(*(json_reply(500, {"error": "Internal error"}) for _ in range(3)))
    provider = provider_for(server)

    errors = [failure(provider) for _ in range(3)]
    assert [(e.code, e.retryable, e.retry_after) for e in errors] == [(PROVIDER_UNAVAILABLE, True, None)] * 3
    assert len(server.received) == 3


def test_a_hang_is_a_timeout(server):
    server.script(Reply(hang=True))

    error = failure(provider_for(server, timeout_s=0.3))
    assert (error.code, error.retryable) == (PROVIDER_TIMEOUT, True)


@pytest.mark.parametrize(
    ("status", "message", "code"),
    [
        (400, "Invalid parameter: width", PROVIDER_BAD_REQUEST),
        (404, "Model not found", PROVIDER_BAD_REQUEST),
        (422, "Input validation error", PROVIDER_BAD_REQUEST),
        (400, "NSFW content detected in the prompt", PROVIDER_REFUSED),
        (451, "Unavailable for legal reasons", PROVIDER_REFUSED),
    ],
)
def test_client_errors_fail_without_retrying(server, status, message, code):
    server.script(json_reply(status, {"error": message}))

    error = failure(provider_for(server))
    assert (error.code, error.retryable) == (code, False)
    assert message in error.message


def test_a_connection_refused_is_retryable_unavailable(server):
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    provider = HuggingFaceProvider(token=TOKEN, base_url=f"http://127.0.0.1:{port}/")

    error = failure(provider)
    assert (error.code, error.retryable) == (PROVIDER_UNAVAILABLE, True)


def test_an_answer_that_is_not_an_image_is_retryable(server):
    server.script(Reply(body=b"<html>oops</html>", headers={"Content-Type": "text/html"}))

    error = failure(provider_for(server))
    assert (error.code, error.retryable) == (PROVIDER_UNAVAILABLE, True)


def test_no_token_fails_fast_with_its_fix_and_never_calls_out(server):
    provider = provider_for(server, token=None)

    check = provider.check()
    assert not check.ok and not provider.is_configured()
    assert "AVATAR_HF_TOKEN" in check.fix
    error = failure(provider)
    assert (error.code, error.retryable) == (CONFIGURATION, False)
    assert server.received == []


def test_a_cancelled_job_never_calls_out(server):
    with pytest.raises(GenerationCancelled):
        generate(provider_for(server), cancel=True)
    assert server.received == []


def test_the_token_never_reaches_the_logs(server, caplog):
    caplog.set_level(logging.DEBUG)
    server.script(image_reply(), json_reply(401, {"error": "Invalid credentials"}))
    provider = provider_for(server)

    generate(provider)
    error = failure(provider)
    assert server.received[0].headers["authorization"] == f"Bearer {TOKEN}"
    assert caplog.records  # the client did log these requests
    assert TOKEN not in caplog.text and TOKEN not in str(error) and TOKEN not in repr(provider.check())


def test_an_accepted_token_is_reported_and_cached(server):
    server.script(json_reply(200, {"type": "user", "name": "someone"}))
    provider = provider_for(server)

    assert provider.verify_token().ok
    assert provider.check() == provider.check()
    assert provider.check().detail.endswith("token accepted")
    assert [(r.method, r.path) for r in server.received] == [("GET", "/api/whoami-v2")]
    assert server.received[0].headers["authorization"] == f"Bearer {TOKEN}"


def test_a_refused_token_makes_the_check_fail_with_its_fix(server):
    server.script(json_reply(401, {"error": "Invalid credentials in Authorization header"}))

    check = provider_for(server).verify_token()
    assert not check.ok and "401" in check.detail and "AVATAR_HF_TOKEN" in check.fix


def test_the_check_answers_at_once_and_asks_the_hub_in_the_background(server):
    server.script(Reply(hang=True))
    provider = provider_for(server)

    first = provider.check()  # the Hub hangs, the check does not
    assert first.ok and first.detail.endswith("being checked")
    deadline = time.monotonic() + 5
    while not server.received and time.monotonic() < deadline:
        time.sleep(0.01)
    assert [r.path for r in server.received] == ["/api/whoami-v2"]
    provider.check()
    assert len(server.received) == 1  # one check in flight at a time


def test_retry_after_ignores_what_it_cannot_read():
    assert retry_after({}) is None
    assert retry_after({"retry-after": "soon"}) is None
    assert retry_after({"retry-after": "-3"}) == 0.0
