"""Seeding: upsert by slug (idempotent, ids and usage kept), previews drawn from each preset's own attributes."""

from __future__ import annotations

import io

from PIL import Image
from sqlalchemy import select, update
from typer.testing import CliRunner

from avatar_creator.catalog import previews
from avatar_creator.catalog.data.personas import PERSONA_EXAMPLES
from avatar_creator.catalog.data.presets import PRESETS
from avatar_creator.catalog.models import PersonaExample, Preset
from avatar_creator.catalog.seeding import seed_catalog
from avatar_creator.providers.base import (
    PROVIDER_UNAVAILABLE,
    GenerationResult,
    Provider,
    ProviderCheck,
    ProviderError,
)
from avatar_creator.providers.offline import OfflineProvider, palette
from tests.support.catalog import PRESETS_URL


def _rows(database):
    with database.session(write=False) as session:
        presets = {p.slug: (p.id, p.name, p.usage_count, p.preview_version) for p in session.scalars(select(Preset))}
        personas = {p.slug: (p.id, p.name) for p in session.scalars(select(PersonaExample))}
    return presets, personas


class SolidColourProvider(Provider):
    """A stand-in for a remote provider: draws a plain square of one colour."""

    name = "solid"

    def __init__(self, colour=(10, 200, 30)):
        self.colour = colour
        self.calls = 0
        self.prompts: list[tuple[str, str]] = []

    def check(self) -> ProviderCheck:
        return ProviderCheck(ok=True, detail="always")

    def generate(self, request, *, on_progress, should_cancel) -> GenerationResult:
        self.calls += 1
        self.prompts.append((request.prompt, request.negative_prompt))
        buffer = io.BytesIO()
        Image.new("RGB", (request.width, request.height), self.colour).save(buffer, "PNG")
        return GenerationResult(image=buffer.getvalue(), mime_type="image/png", width=request.width,
                                height=request.height, seed=request.seed, model="solid")


class DownProvider(SolidColourProvider):
    def generate(self, request, *, on_progress, should_cancel) -> GenerationResult:
        raise ProviderError(PROVIDER_UNAVAILABLE, "the service is down", retryable=True)


def test_first_seed_draws_every_preview_from_the_presets_own_attributes(app, settings, drawn_previews):
    report = seed_catalog(app.state.database, previews_dir=settings.previews_dir, provider=OfflineProvider())
    assert len(report.presets.inserted) == len(PRESETS) and report.failed == {}
    assert len(report.persona_examples.inserted) == len(PERSONA_EXAMPLES)
    assert sorted(report.drawn) == sorted(spec.slug for spec in PRESETS)

    stored = {spec.slug: (settings.previews_dir / f"{spec.slug}.png").read_bytes() for spec in PRESETS}
    assert stored == drawn_previews  # the same seed and attributes draw the same picture
    assert len(set(stored.values())) == len(PRESETS)  # every preview is its own picture
    for image in stored.values():
        decoded = Image.open(io.BytesIO(image))
        assert decoded.format == "PNG" and decoded.size == (previews.PREVIEW_SIDE, previews.PREVIEW_SIDE)

    with app.state.database.session(write=False) as session:
        for preset in session.scalars(select(Preset)):
            request = previews.preview_request(preset)
            spec = next(spec for spec in PRESETS if spec.slug == preset.slug)
            assert request.user_prompt == spec.prompt and request.category == spec.category
            assert request.attributes.persona_name == spec.persona.name
            assert {f: getattr(request.attributes, f) for f in spec.look.as_dict()} == spec.look.as_dict()
            assert preset.preview_version == previews.version_of(stored[preset.slug])
            # What the provider drew follows the attributes: the named skin tone, the hijab.
            drawn = OfflineProvider().generate(request, on_progress=lambda _f: None, should_cancel=lambda: False)
            assert drawn.image == stored[preset.slug]
            assert drawn.metadata["parts"]["skin"] == palette.lookup(spec.look.skin_tone, palette.SKIN)
            assert (drawn.metadata["parts"]["top"] == "hijab") == (spec.look.hair_style == "hijab")


def test_seeding_twice_leaves_the_same_rows(app, settings, seeded, client):
    database = app.state.database
    before = _rows(database)
    with database.session() as session:
        session.execute(update(Preset).where(Preset.slug == "silk-saree").values(usage_count=7))
    again = seed_catalog(database, previews_dir=settings.previews_dir, provider=OfflineProvider())
    assert again.presets.inserted == again.presets.updated == ()
    assert again.persona_examples.inserted == again.persona_examples.updated == ()
    assert again.presets.unchanged == len(PRESETS) and again.drawn == []
    presets, personas = _rows(database)
    assert personas == before[1]
    assert presets == {slug: (row[0], row[1], 7 if slug == "silk-saree" else 0, row[3])
                       for slug, row in before[0].items()}
    assert len(client.get(PRESETS_URL).json()["presets"]) == len(PRESETS)


def test_seeding_restores_an_edited_preset_in_place_and_redraws_its_preview(app, settings, seeded):
    database = app.state.database
    before = _rows(database)[0]["kente-weaver"]
    with database.session() as session:
        session.execute(update(Preset).where(Preset.slug == "kente-weaver")
                        .values(name="Changed", visual_attributes={"gender": "female"}))
    provider = SolidColourProvider()
    report = seed_catalog(database, previews_dir=settings.previews_dir, provider=provider)
    assert report.presets.updated == ("kente-weaver",) and report.drawn == ["kente-weaver"] and provider.calls == 1
    after = _rows(database)[0]["kente-weaver"]
    assert after[:3] == before[:3] and after[3] != before[3]  # same id, name restored, preview redrawn


def test_redraw_uses_the_given_provider_for_every_preview(app, settings, seeded, client):
    provider = SolidColourProvider(colour=(200, 40, 40))
    report = seed_catalog(app.state.database, previews_dir=settings.previews_dir, provider=provider, redraw=True,
                          prompt_terms={"quality_terms": "house style", "negative_terms": "no text"})
    assert provider.calls == len(PRESETS) and len(report.drawn) == len(PRESETS)
    assert all(prompt.endswith(", house style") and negative == "no text" for prompt, negative in provider.prompts)
    preset = client.get(f"{PRESETS_URL}/evening-gala").json()["preset"]
    image = Image.open(io.BytesIO(client.get(preset["previewImageUrl"]).content)).convert("RGB")
    assert image.getpixel((5, 5)) == (200, 40, 40)


def test_a_failing_provider_still_seeds_the_rows_and_reports_each_preview(app, settings, client):
    report = seed_catalog(app.state.database, previews_dir=settings.previews_dir, provider=DownProvider())
    assert len(report.presets.inserted) == len(PRESETS) and report.drawn == []
    assert set(report.failed) == {spec.slug for spec in PRESETS}
    assert "PROVIDER_UNAVAILABLE" in report.failed["silk-saree"]
    presets = client.get(PRESETS_URL).json()["presets"]
    assert len(presets) == len(PRESETS) and all(p["previewImageUrl"] is None for p in presets)

    healed = seed_catalog(app.state.database, previews_dir=settings.previews_dir, provider=SolidColourProvider())
    assert len(healed.drawn) == len(PRESETS)  # the next seed draws what is missing
    assert all(p["previewImageUrl"] for p in client.get(PRESETS_URL).json()["presets"])


def test_seed_command_seeds_and_draws_with_the_offline_provider(tmp_path, monkeypatch):
    from avatar_creator.cli import app as cli

    monkeypatch.chdir(tmp_path)  # no stray .env
    env = {"AVATAR_DATA_DIR": str(tmp_path / "data"), "AVATAR_SECRET_KEY": "s" * 40}
    first = CliRunner().invoke(cli, ["seed"], env=env)
    assert first.exit_code == 0, first.output
    said = " ".join(first.output.split())  # Rich wraps long lines
    assert f"Seeded {len(PRESETS)} presets ({len(PRESETS)} new, 0 updated)" in said
    assert f"{len(PERSONA_EXAMPLES)} persona examples; {len(PRESETS)} previews drawn" in said
    assert len(list((tmp_path / "data" / "previews").glob("*.png"))) == len(PRESETS)
    second = CliRunner().invoke(cli, ["seed"], env=env)
    assert second.exit_code == 0 and "(0 new, 0 updated)" in second.output
    assert "0 previews drawn" in " ".join(second.output.split())
    before = {path.name: path.read_bytes() for path in (tmp_path / "data" / "previews").glob("*.png")}
    redrawn = CliRunner().invoke(cli, ["seed", "--previews"], env={**env, "AVATAR_PROVIDER": "offline"})
    assert redrawn.exit_code == 0 and f"{len(PRESETS)} previews drawn" in " ".join(redrawn.output.split())
    assert {path.name: path.read_bytes() for path in (tmp_path / "data" / "previews").glob("*.png")} == before


def test_seed_previews_refuses_a_provider_that_is_not_set_up(tmp_path, monkeypatch):
    from avatar_creator.cli import app as cli

    monkeypatch.chdir(tmp_path)
    env = {"AVATAR_DATA_DIR": str(tmp_path / "data"), "AVATAR_SECRET_KEY": "s" * 40,
           "AVATAR_PROVIDER": "huggingface", "AVATAR_HF_TOKEN": "", "HF_TOKEN": ""}
    result = CliRunner().invoke(cli, ["seed", "--previews"], env=env)
    assert result.exit_code == 2 and "huggingface provider is not set up" in " ".join(result.output.split())
    assert not list((tmp_path / "data" / "previews").glob("*.png"))
