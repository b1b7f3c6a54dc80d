"""Seed the catalogue: upsert presets and persona examples, then draw the previews that are missing or stale.

Previews are drawn outside any transaction (a remote provider may take seconds each); each is recorded in its own
short one. Run by ``avatar-creator seed`` and at ``serve`` start (the rows before serving, the previews then drawn
in the background, so start-up does not wait for them); safe to run from several processes at once.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from avatar_creator.catalog import previews, service
from avatar_creator.catalog.data.personas import PERSONA_EXAMPLES
from avatar_creator.catalog.data.presets import PRESETS
from avatar_creator.db import Database
from avatar_creator.providers.base import Provider, ProviderError

log = logging.getLogger("avatar_creator.catalog")


@dataclass
class SeedReport:
    presets: service.SeedCounts
    persona_examples: service.SeedCounts
    drawn: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)  # slug -> why its preview could not be drawn


def seed_catalog(database: Database, *, previews_dir: Path, provider: Provider, redraw: bool = False,
                 prompt_terms: dict[str, str] | None = None) -> SeedReport:
    """Upsert the catalogue; draw previews that are missing, whose preset changed, or all of them with ``redraw``.

    ``prompt_terms``: ``build_prompt``'s ``quality_terms`` and ``negative_terms``, as generations get them.
    """
    report = seed_rows(database)
    draw_previews(database, report, previews_dir=previews_dir, provider=provider, redraw=redraw,
                  prompt_terms=prompt_terms)
    return report


def draw_in_background(database: Database, report: SeedReport, *, previews_dir: Path, provider: Provider,
                       on_drawn: Callable[[SeedReport], None]) -> None:
    """Draw the missing previews in a daemon thread, then call ``on_drawn``: start-up waits for the rows alone
    (``seed_rows``), not for 31 drawings.

    ``database`` is the serving app's own pool: a second engine's connection in the serving process kept its events
    watcher from seeing rows another process wrote to the same SQLite file.
    """
    def draw() -> None:
        try:
            draw_previews(database, report, previews_dir=previews_dir, provider=provider)
            on_drawn(report)
        except Exception:  # nobody to raise to from here; the next start draws what is still missing
            log.exception("drawing the catalogue's previews failed")

    threading.Thread(target=draw, name="catalogue-previews", daemon=True).start()


def seed_rows(database: Database) -> SeedReport:
    """Upsert the presets and persona examples (one short transaction, milliseconds): the catalogue's rows."""
    with database.session() as session:
        preset_counts = service.seed_presets(session=session, specs=PRESETS)
        persona_counts = service.seed_persona_examples(session=session, specs=PERSONA_EXAMPLES)
    return SeedReport(presets=preset_counts, persona_examples=persona_counts)


def draw_previews(database: Database, report: SeedReport, *, previews_dir: Path, provider: Provider,
                  redraw: bool = False, prompt_terms: dict[str, str] | None = None) -> None:
    """Draw the previews that are missing or whose preset ``report`` updated (all with ``redraw``); record each."""
    changed = set(report.presets.updated)
    with database.session(write=False) as session:
        presets = service.list_presets(session=session)
    for preset in presets:
        path = previews_dir / previews.file_name(preset.slug)
        if redraw or preset.slug in changed or not path.is_file():
            try:
                image = previews.render(preset, provider, **(prompt_terms or {}))
            except ProviderError as error:
                log.warning("preview of preset %s not drawn: %s %s", preset.slug, error.code, error.message)
                report.failed[preset.slug] = f"{error.code}: {error.message}"
                continue
            previews.write(previews_dir, preset.slug, image)
            report.drawn.append(preset.slug)
        else:
            image = path.read_bytes()
        version = previews.version_of(image)
        if (preset.preview_key, preset.preview_version) != (path.name, version):
            with database.session() as session:
                service.set_preview(session=session, preset_id=preset.id, key=path.name, version=version)
