"""Avatars (an image plus its persona and visual attributes) and the record of their use by other apps."""

from __future__ import annotations

from datetime import datetime
from typing import Any, get_origin

from sqlalchemy import JSON, BigInteger, Boolean, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, MappedColumn, mapped_column

from avatar_creator.avatars import attributes
from avatar_creator.db import Base, UTCDateTime, new_id, utcnow

SOURCE_TYPES = ("uploaded", "text_to_image", "from_preset", "from_reference")
CHOICE_LENGTH = 16  # room for any of a closed attribute's words


def _attribute_column(name: str) -> MappedColumn[Any]:
    """The column an attribute is stored in, from its declaration in ``avatars.attributes``."""
    kind = attributes.value_type(name)
    if get_origin(kind) is list:
        return mapped_column(JSON, default=list, nullable=False)  # an empty list, never NULL
    if kind is int:
        return mapped_column(Integer, nullable=True)
    length = attributes.max_length(name) or (CHOICE_LENGTH if attributes.choices(name) else None)
    if length is None:
        raise TypeError(f"no column type for the attribute {name!r}")
    return mapped_column(String(length), nullable=True)


# A mixin rather than columns written out: the attributes are declared once. Typed Any: its columns are made here.
AttributeColumns: Any = type("AttributeColumns", (), {name: _attribute_column(name)
                                                      for name in attributes.ATTRIBUTE_NAMES})


class Avatar(AttributeColumns, Base):
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
