"""Avatars (an image plus its persona and visual attributes) and the record of their use by other apps."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, Boolean, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from avatar_creator.db import Base, UTCDateTime, new_id, utcnow

SOURCE_TYPES = ("uploaded", "text_to_image", "from_preset", "from_reference")


class Avatar(Base):
    __tablename__ = "avatars"
    __table_args__ = (
        Index("ix_avatars_user_created", "user_id", "created_at"),
        Index("ix_avatars_project_created", "project_id", "created_at"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    project_id: Mapped[str] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(100))

    storage_key: Mapped[str] = mapped_column(String(200))
    thumbnail_key: Mapped[str] = mapped_column(String(200))
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    mime_type: Mapped[str] = mapped_column(String(32))
    file_size: Mapped[int] = mapped_column(BigInteger)  # the original's bytes
    stored_bytes: Mapped[int] = mapped_column(BigInteger)  # original + thumbnail: what counts toward the quota

    persona_name: Mapped[str | None] = mapped_column(String(100))
    persona_age: Mapped[int | None] = mapped_column(Integer)
    persona_personality: Mapped[list] = mapped_column(JSON, default=list)
    persona_background: Mapped[str | None] = mapped_column(String(500))
    gender: Mapped[str | None] = mapped_column(String(16))
    age_range: Mapped[str | None] = mapped_column(String(16))
    ethnicity: Mapped[str | None] = mapped_column(String(50))
    body_type: Mapped[str | None] = mapped_column(String(50))
    hair_style: Mapped[str | None] = mapped_column(String(50))
    hair_color: Mapped[str | None] = mapped_column(String(50))
    eye_color: Mapped[str | None] = mapped_column(String(50))
    skin_tone: Mapped[str | None] = mapped_column(String(50))
    style: Mapped[str | None] = mapped_column(String(50))

    source_type: Mapped[str] = mapped_column(String(20))
    generation_prompt: Mapped[str | None] = mapped_column(String(4000))
    seed_used: Mapped[int | None] = mapped_column(BigInteger)
    provider: Mapped[str | None] = mapped_column(String(32))
    generation_params: Mapped[dict | None] = mapped_column(JSON)

    favorite: Mapped[bool] = mapped_column(Boolean, default=False)
    usage_count: Mapped[int] = mapped_column(Integer, default=0)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class AvatarUsage(Base):
    __tablename__ = "avatar_usage"
    __table_args__ = (Index("ix_avatar_usage_avatar_created", "avatar_id", "created_at"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    avatar_id: Mapped[str] = mapped_column(ForeignKey("avatars.id", ondelete="CASCADE"))
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    app_id: Mapped[str] = mapped_column(String(50))
    app_name: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(100))
    reference_id: Mapped[str | None] = mapped_column(String(100))
    reference_type: Mapped[str | None] = mapped_column(String(50))
    extra: Mapped[dict | None] = mapped_column("metadata", JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
