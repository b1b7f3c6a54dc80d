"""Preset preview images: drawn through a provider from the preset's own prompt and attributes, kept as
``<previews_dir>/<slug>.png`` and served publicly (they are catalogue pictures, not user files)."""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
import zlib
from pathlib import Path

from avatar_creator.catalog.models import Preset
from avatar_creator.providers.base import AvatarAttributes, GenerationRequest, Provider
from avatar_creator.providers.prompts import build_prompt

PREVIEW_SIDE = 512
_FILE_NAME = re.compile(r"^([a-z0-9]+(?:-[a-z0-9]+)*)\.png$")


def preview_seed(slug: str) -> int:
    """A seed fixed by the slug, so a preview is the same picture every time it is drawn."""
    return zlib.crc32(slug.encode())


def preview_request(preset: Preset, **prompt_terms: str) -> GenerationRequest:
    """What to draw for the preset's preview; ``prompt_terms`` are ``build_prompt``'s quality and negative terms."""
    attributes = AvatarAttributes.from_fields(preset.avatar_fields())
    built = build_prompt(preset.generation_prompt, attributes, **prompt_terms)
    return GenerationRequest(prompt=built.prompt, negative_prompt=built.negative_prompt,
                             user_prompt=preset.generation_prompt, width=PREVIEW_SIDE, height=PREVIEW_SIDE,
                             seed=preview_seed(preset.slug), attributes=attributes, category=preset.category)


def render(preset: Preset, provider: Provider, **prompt_terms: str) -> bytes:
    """Draw the preview (PNG bytes); provider errors propagate."""
    result = provider.generate(preview_request(preset, **prompt_terms), on_progress=lambda _fraction: None,
                               should_cancel=lambda: False)
    return result.image


def file_name(slug: str) -> str:
    return f"{slug}.png"


def slug_of(name: str) -> str | None:
    """The slug a requested file name stands for, or None for anything that is not ``<slug>.png``."""
    match = _FILE_NAME.match(name)
    return match.group(1) if match else None


def version_of(image: bytes) -> str:
    """A short content hash: the preview's ETag and the ``?v=`` that makes its URL change when it is redrawn."""
    return hashlib.sha256(image).hexdigest()[:16]


def write(previews_dir: Path, slug: str, image: bytes) -> str:
    """Store the preview atomically (readers never see half a file); returns its file name."""
    previews_dir.mkdir(parents=True, exist_ok=True)
    name = file_name(slug)
    fd, temporary = tempfile.mkstemp(dir=previews_dir, prefix=f".{slug}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(image)
        os.replace(temporary, previews_dir / name)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return name


def url(preset: Preset, public_url: str | None) -> str | None:
    """The preview's public URL (absolute when ``AVATAR_PUBLIC_URL`` is set), or None before it is drawn."""
    if not preset.preview_key or not preset.preview_version:
        return None
    return f"{(public_url or '').rstrip('/')}/previews/{preset.preview_key}?v={preset.preview_version}"
