"""From a reference end to end on the Hugging Face and diffusers providers: the uploaded picture reaches the model
as an image-to-image request, and a provider failure is refunded."""

from __future__ import annotations

import base64
import dataclasses
import io

import pytest
from PIL import Image

from avatar_creator.providers.diffusers import DiffusersProvider
from avatar_creator.providers.huggingface import HuggingFaceProvider
from tests.support.factories import create_project, register, wait_for_generations
from tests.support.huggingface import TOKEN, image_reply, json_reply
from tests.support.jobs import running_service
from tests.support.references import FIELDS, from_reference, reference_photo, stored_image
from tests.support.tiny_models import save_tiny_stable_diffusion


class RecordingDiffusers(DiffusersProvider):
    """The real diffusers provider, keeping each request it was given."""

    def __init__(self, **options):
        super().__init__(**options)
        self.requests = []

    def generate(self, request, *, on_progress, should_cancel):
        self.requests.append(request)
        return super().generate(request, on_progress=on_progress, should_cancel=should_cancel)


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory):
    pytest.importorskip("diffusers", reason="the [local] extra (diffusers) is not installed")
    folder = tmp_path_factory.mktemp("tiny-sd")
    save_tiny_stable_diffusion(folder)
    return folder / "model"


def test_huggingface_gets_the_reference_as_image_to_image(tmp_path, database_url, ledger, server):
    server.script(image_reply(1024, 1024), json_reply(401, {"error": "Invalid credentials"}))
    provider = HuggingFaceProvider(token=TOKEN, base_url=f"{server.url}/models/black-forest-labs/FLUX.1-schnell")
    with running_service(tmp_path, database_url, workers=1, providers={"huggingface": provider}) as client:
        user = register(client)
        project = create_project(client, user["headers"])
        reply = from_reference(client, user["headers"], project["id"], image=reference_photo(), provider="huggingface",
                               strength="0.45", seed=9, **FIELDS)
        assert reply["creditUsed"] == 12
        done = wait_for_generations(client, user["headers"], [reply["generation"]["id"]])[0]
        assert (done["status"], done["provider"]) == ("completed", "huggingface")
        sent = server.received[-1].json()
        assert sent["parameters"]["strength"] == 0.45 and sent["parameters"]["seed"] == 9
        assert sent["parameters"]["prompt"].startswith(FIELDS["prompt"])
        received = Image.open(io.BytesIO(base64.b64decode(sent["inputs"]))).convert("RGB")
        assert received.size == (1024, 1024) and received.getpixel((3, 3)) == pytest.approx((40, 120, 60), abs=3)

        refused = from_reference(client, user["headers"], project["id"], image=reference_photo(),
                                 provider="huggingface", **FIELDS)
        failed = wait_for_generations(client, user["headers"], [refused["generation"]["id"]])[0]
        assert (failed["status"], failed["errorCode"], failed["creditRefunded"]) == ("failed", "PROVIDER_AUTH", 12)
        assert client.get("/api/credits/balance", headers=user["headers"]).json()["data"]["balance"] == 88
    ledger.assert_exact(user["user"]["id"])


def test_diffusers_runs_image_to_image_from_the_reference(tmp_path, database_url, ledger, tiny_model):
    provider = RecordingDiffusers(model_path=tiny_model, device="cpu", steps=3)
    with running_service(tmp_path, database_url, workers=1, providers={"diffusers": provider}) as client:
        user = register(client)
        project = create_project(client, user["headers"])
        reply = from_reference(client, user["headers"], project["id"], image=reference_photo(), provider="diffusers",
                               seed=3, width=256, height=256, **FIELDS)
        done = wait_for_generations(client, user["headers"], [reply["generation"]["id"]], timeout=60)[0]
        assert (done["status"], done["provider"], reply["creditUsed"]) == ("completed", "diffusers", 12)
        avatar = next(a for a in client.get(f"{'/api/apps/avatar-creator'}/projects/{project['id']}",
                                             headers=user["headers"]).json()["project"]["avatars"])
        assert avatar["sourceType"] == "from_reference" and (avatar["width"], avatar["height"]) == (256, 256)
        request = provider.requests[0]
        assert request.strength == 0.6 and Image.open(io.BytesIO(request.reference_image)).size == (400, 400)
        drawn = stored_image(client, avatar)
    # Without the reference the same seed draws another picture: the reference was used.
    text_only = provider.generate(dataclasses.replace(request, reference_image=None), on_progress=lambda _f: None,
                                  should_cancel=lambda: False)
    assert Image.open(io.BytesIO(text_only.image)).convert("RGB").tobytes() != drawn.astype("uint8").tobytes()
    ledger.assert_exact(user["user"]["id"])
