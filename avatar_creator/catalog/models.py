"""Presets and persona examples: rows seeded from ``catalog.data``, upserted by slug."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from avatar_creator.db import Base, UTCDateTime, new_id, utcnow

PRESET_CATEGORIES = ("professional", "casual", "sports", "fashion", "traditional")
PERSONA_CATEGORIES = ("business", "creative", "lifestyle", "healthcare", "education")


class Preset(Base):
    __tablename__ = "presets"
    __table_args__ = (Index("ix_presets_category_order", "category", "display_order"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    category: Mapped[str] = mapped_column(String(32))
    description: Mapped[str] = mapped_column(String(500))
    generation_prompt: Mapped[str] = mapped_column(String(2000))
    persona_template: Mapped[dict] = mapped_column(JSON)  # {name, age, personality: [str], background}
    visual_attributes: Mapped[dict] = mapped_column(JSON)  # snake_case avatar fields: gender, age_range, ...
    preview_key: Mapped[str | None] = mapped_column(String(200))  # file name under settings.previews_dir
    preview_version: Mapped[str | None] = mapped_column(String(16))  # content hash: the URL's ?v= and the ETag
    usage_count: Mapped[int] = mapped_column(Integer, default=0)
    display_order: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    def avatar_fields(self) -> dict:
        """The preset's persona and visual attributes, by the names of ``avatars.attributes``."""
        persona = self.persona_template
        return {"persona_name": persona.get("name"), "persona_age": persona.get("age"),
                "persona_personality": list(persona.get("personality") or []),
                "persona_background": persona.get("background"), **self.visual_attributes}


class PersonaExample(Base):
    __tablename__ = "persona_examples"
    __table_args__ = (Index("ix_persona_examples_category_order", "category", "display_order"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    category: Mapped[str] = mapped_column(String(32))
    persona_name: Mapped[str] = mapped_column(String(100))
    persona_age: Mapped[int] = mapped_column(Integer)
    persona_personality: Mapped[list] = mapped_column(JSON)
    persona_background: Mapped[str] = mapped_column(String(500))
    suggested_attributes: Mapped[dict] = mapped_column(JSON)  # snake_case avatar fields
    display_order: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
