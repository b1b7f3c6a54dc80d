"""Live events (a generation's status or progress, an avatar created or deleted), published after commit.

This is the publishing side only: listeners in this process receive every event. The live-events feature (SSE,
Redis fan-out between processes, replay) builds on it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

log = logging.getLogger("avatar_creator.events")

Listener = Callable[[str, str, dict], None]  # (user_id, kind, payload)

GENERATION = "generation"
AVATAR = "avatar"


class EventSink:
    """Fans events out to this process's listeners; with none subscribed, publishing costs nothing."""

    def __init__(self) -> None:
        self._listeners: list[Listener] = []
        self._lock = threading.Lock()

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Call ``listener`` for every event from now on; returns the function that stops it."""
        with self._lock:
            self._listeners = [*self._listeners, listener]

        def unsubscribe() -> None:
            with self._lock:
                self._listeners = [item for item in self._listeners if item is not listener]

        return unsubscribe

    def publish(self, user_id: str, kind: str, payload: dict) -> None:
        """Deliver one event of ``kind`` to ``user_id``'s listeners; a failing listener is logged and skipped."""
        for listener in self._listeners:
            try:
                listener(user_id, kind, payload)
            except Exception:
                log.exception("event listener failed on %s", kind)
