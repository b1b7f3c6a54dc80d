"""Catalogue fixtures: previews are drawn once per run by the real offline provider, then laid down per test."""

from __future__ import annotations

import pytest

from avatar_creator.catalog import previews
from avatar_creator.catalog.data.presets import PRESETS
from avatar_creator.catalog.models import Preset
from avatar_creator.catalog.seeding import seed_catalog
from avatar_creator.catalog.service import preset_values
from avatar_creator.providers.offline import OfflineProvider


def spec_preset(index: int) -> Preset:
    """A preset row built from the catalogue data, not stored anywhere."""
    return Preset(**preset_values(PRESETS[index], index))


@pytest.fixture(scope="session")
def drawn_previews() -> dict[str, bytes]:
    """Every preset's preview, drawn once per test run."""
    provider = OfflineProvider()
    return {spec.slug: previews.render(spec_preset(index), provider) for index, spec in enumerate(PRESETS)}


@pytest.fixture
def seeded(app, settings, drawn_previews):
    """The catalogue seeded into this test's database; previews already on disk, so none is drawn again."""
    settings.previews_dir.mkdir(parents=True, exist_ok=True)
    for slug, image in drawn_previews.items():
        (settings.previews_dir / previews.file_name(slug)).write_bytes(image)
    report = seed_catalog(app.state.database, previews_dir=settings.previews_dir, provider=OfflineProvider())
    assert report.drawn == [] and report.failed == {}
    return report
