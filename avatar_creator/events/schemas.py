"""Wire shapes of events the events package builds itself."""

from __future__ import annotations

from datetime import datetime

from avatar_creator.schemas import ApiModel


class QueueHead(ApiModel):
    """The head of the queue, for this service's processes only (it names everyone's generations): each user's
    generations among the first ready ones, with their 1-based places. A stream sends its user ``own_queue`` of it."""

    places: dict[str, dict[str, int]]  # user id -> generation id -> place
    as_of: datetime
