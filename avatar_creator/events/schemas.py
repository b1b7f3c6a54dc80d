"""Wire shapes of events the events package builds itself."""

from __future__ import annotations

from datetime import datetime

from avatar_creator.schemas import ApiModel


class QueueHead(ApiModel):
    """The ``queue`` event: how many generations are ready and waiting, and the first ones' ``createdAt`` in the
    order they will run (written exactly as a generation's ``createdAt``, so a client can find its own)."""

    pending: int
    waiting: list[datetime]
    as_of: datetime
