"""Live events: a generation's status or progress, an avatar created or deleted, the queue's head, a credit grant.

Recorded in the transaction of the change (``EventSink.record``), kept a day in the events table, fanned out to
every process's SSE streams by one shared reader per process (``broadcast``), served by ``routes``.
"""

from avatar_creator.events.sink import AVATAR, CREDITS, GENERATION, QUEUE, EventSink, Listener, build_event_sink

__all__ = ["AVATAR", "CREDITS", "GENERATION", "QUEUE", "EventSink", "Listener", "build_event_sink"]
