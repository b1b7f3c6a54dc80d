"""The README stays true: every setting is documented."""

from __future__ import annotations

from pathlib import Path

from avatar_creator.settings import Settings

README = (Path(__file__).parent.parent / "README.md").read_text()


def test_every_setting_is_in_the_readme_configuration_table():
    missing = [f"AVATAR_{name.upper()}" for name in Settings.model_fields if f"`AVATAR_{name.upper()}`" not in README]
    assert missing == []
