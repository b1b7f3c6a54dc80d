"""One client's event stream: what it missed, then live events, in id order and each once.

The generator awaits its subscription's queue and nothing else, so a waiting stream costs no thread and no database
session. It reads the table (in the thread pool) only when it must: the replay at connect, and a gap — an event whose
``previous_id`` it never sent (delivered out of order, or lost between processes). Each such read also finds out
whether the stream's session has ended (``SessionEnded``): then the stream ends.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable

from sse_starlette import ServerSentEvent

from avatar_creator.events.broadcast import CLOSE, Marker, Subscription
from avatar_creator.events.service import Event, own_queue
from avatar_creator.events.sink import QUEUE

REPLAY_PAGE = 500
RETRY_MS = 2000  # how soon a browser reconnects after the connection drops

ReadEvents = Callable[[int, int | None, int], Awaitable[list[Event]]]  # (after_id, before_id, limit) -> events


class SessionEnded(Exception):
    """Raised by ``ReadEvents`` when the session that opened the stream has been signed out or has expired."""


async def event_stream(subscription: Subscription, *, cursor: int, read: ReadEvents,
                       queue_head: dict) -> AsyncIterator[ServerSentEvent]:
    """Server-sent events for ``subscription``'s user, starting after event id ``cursor``; ``queue_head`` is the
    queue's head at the start (everyone's: the stream sends its user's own part)."""
    try:
        async for sse in _events(subscription, cursor, read, queue_head):
            yield sse
    except SessionEnded:
        return


async def _events(subscription: Subscription, cursor: int, read: ReadEvents,
                  queue_head: dict) -> AsyncIterator[ServerSentEvent]:
    async for event in _stored(read, cursor, None):
        yield _to_sse(event)
        cursor = _stored_id(event)
    yield ServerSentEvent(data=_json(own_queue(queue_head, subscription.user_id)), event=QUEUE, id=str(cursor),
                          retry=RETRY_MS)
    while True:
        item = await subscription.queue.get()
        if item is CLOSE:
            return
        if isinstance(item, Marker):  # RESYNC, the only other one
            async for event in _stored(read, cursor, None):
                yield _to_sse(event)
                cursor = _stored_id(event)
            continue
        if item.id is None:  # the queue's head: not stored, sent to everyone; its id keeps the client's place
            yield ServerSentEvent(data=_json(own_queue(item.payload, subscription.user_id)), event=item.kind,
                                  id=str(cursor))
            continue
        if item.id <= cursor:  # already sent, from the table
            continue
        if item.previous_id is not None and item.previous_id > cursor:
            async for event in _stored(read, cursor, item.id):
                yield _to_sse(event)
                cursor = _stored_id(event)
        yield _to_sse(item)
        cursor = item.id


async def _stored(read: ReadEvents, after_id: int, before_id: int | None) -> AsyncIterator[Event]:
    while True:
        page = await read(after_id, before_id, REPLAY_PAGE)
        for event in page:
            yield event
        if len(page) < REPLAY_PAGE:
            return
        after_id = _stored_id(page[-1])


def _stored_id(event: Event) -> int:
    """The id of an event read from the table: stored events always have one (the queue's head is never stored)."""
    if event.id is None:
        raise ValueError(f"an event read from the table has no id: {event!r}")
    return event.id


def _to_sse(event: Event) -> ServerSentEvent:
    return ServerSentEvent(data=_json(event.payload), event=event.kind, id=str(event.id))


def _json(payload: dict) -> str:
    return json.dumps(payload, separators=(",", ":"))
