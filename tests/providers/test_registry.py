"""Building the app asks which providers are configured; the Hugging Face one answers from its token unbuilt."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

CHECK = """
import sys
from avatar_creator.providers.registry import build_providers, selectable
from avatar_creator.settings import load_settings

for token, expected in ((None, ["offline"]), ("hf_test", ["huggingface", "offline"])):
    assert selectable(build_providers(load_settings(_env_file=None, hf_token=token)), "offline") == expected
assert "huggingface_hub" not in sys.modules, "asking imported the hub"
assert "cv2" not in sys.modules, "asking imported the offline renderer"
"""


def test_selectable_providers_are_known_without_importing_them():
    done = subprocess.run([sys.executable, "-c", CHECK], capture_output=True, text=True, check=False,
                          env={"PYTHONPATH": str(Path(__file__).resolve().parents[2])})
    assert done.returncode == 0, done.stderr
