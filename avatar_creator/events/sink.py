"""Where events are made: stored with the change they describe, delivered once it has committed.

``EventSink.record`` adds an event to a session's transaction. At commit the session's events are written last (so
the per-user lock they take is the last lock the transaction takes), and once the commit succeeded they are
delivered: to this process's listeners and, through the broadcaster, to every process's streams. A rolled-back
transaction sends nothing.
"""

from __future__ import annotations

import logging
import threading
from collections import defaultdict
from collections.abc import Callable

from sqlalchemy import event as orm_event
from sqlalchemy.orm import Session

from avatar_creator.db import Database, after_commit, commit_lazily
from avatar_creator.events import service
from avatar_creator.events.broadcast import Broadcaster, build_broadcaster
from avatar_creator.events.service import Event
from avatar_creator.settings import Settings

log = logging.getLogger("avatar_creator.events")

Listener = Callable[[str, str, dict], None]  # (user_id, kind, payload)
QueueHead = Callable[..., dict]  # ``(session=...)``: everyone's places (generation.service.queue_head); each stream
# sends its user their own part (``service.own_queue``)

GENERATION = "generation"
AVATAR = "avatar"
QUEUE = "queue"
CREDITS = "credits"  # the balance changed other than by the user's own work (an operator's grant)

QUEUE_DEBOUNCE_S = 0.25  # a burst of changes to the queue (50 jobs created at once) makes one queue event
_PENDING = "events_pending"


class EventSink:
    """Records events in transactions and delivers them after commit; without a broadcaster only this process's
    listeners hear them."""

    def __init__(self, *, database: Database | None = None, broadcaster: Broadcaster | None = None,
                 queue_head: QueueHead | None = None):
        self._listeners: list[Listener] = []
        self._lock = threading.Lock()
        self._database = database
        self.broadcaster = broadcaster
        self._queue_watch = _QueueWatch(database, broadcaster, queue_head) \
            if database and broadcaster and queue_head else None

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Call ``listener`` for every event delivered from this process; returns the function that stops it."""
        with self._lock:
            self._listeners = [*self._listeners, listener]

        def unsubscribe() -> None:
            with self._lock:
                self._listeners = [item for item in self._listeners if item is not listener]

        return unsubscribe

    def record(self, session: Session, user_id: str, kind: str, payload: dict) -> None:
        """Store an event for ``user_id`` in ``session``'s transaction; it is delivered once that commits."""
        key = (_PENDING, id(self))
        pending = session.info.get(key)
        if pending is None:
            pending = session.info[key] = []
            orm_event.listen(session, "before_commit", self._write_pending)
            orm_event.listen(session, "after_transaction_end", self._forget_pending)
        pending.append((user_id, kind, payload))

    def publish(self, user_id: str, kind: str, payload: dict) -> None:
        """For a change already committed without a session (a claim): store the event in a transaction of its own,
        then deliver it. Never raises (the change stands); without a database only listeners hear it."""
        if self._database is None:
            self._tell_listeners(Event(id=None, user_id=user_id, kind=kind, payload=payload))
            return
        try:
            with self._database.session() as session:
                commit_lazily(session)  # a crash may lose it: the next event tells the whole state again
                self.record(session, user_id, kind, payload)
        except Exception as error:  # this event is lost, the next one tells the whole state again
            log.warning("events: could not store a %s event (%s)", kind, type(error).__name__)

    def start(self) -> None:
        """Start the broadcaster's reader, which feeds this process's streams."""
        if self.broadcaster is not None:
            self.broadcaster.start()

    def close(self) -> None:
        """Stop sending; the broadcaster stops too, ending this process's streams."""
        if self._queue_watch is not None:
            self._queue_watch.close()
        if self.broadcaster is not None:
            self.broadcaster.close()

    def _write_pending(self, session: Session) -> None:
        pending = session.info[(_PENDING, id(self))]
        if not pending:
            return
        by_user: dict[str, list[tuple[str, dict]]] = defaultdict(list)
        for user_id, kind, payload in pending:
            by_user[user_id].append((kind, payload))
        pending.clear()
        events: list[Event] = []
        for user_id in sorted(by_user):  # one lock order for every transaction: no deadlock between two of them
            events += service.write(session=session, user_id=user_id, items=by_user[user_id])
        after_commit(session, lambda: self._deliver(events))

    def _forget_pending(self, session: Session, transaction) -> None:
        """A transaction that ended without writing its events (rolled back) sends nothing."""
        if transaction.parent is None:
            session.info[(_PENDING, id(self))].clear()

    def _deliver(self, events: list[Event]) -> None:
        for event in events:
            self._tell_listeners(event)
            if self.broadcaster is not None:
                self.broadcaster.send(event)
            if self._queue_watch is not None and _moves_queue(event):
                self._queue_watch.poke()

    def _tell_listeners(self, event: Event) -> None:
        if event.user_id is None:  # listeners hear users' events; the queue's head (everyone's) never comes this way
            return
        for listener in self._listeners:
            try:
                listener(event.user_id, event.kind, event.payload)
            except Exception:
                log.exception("event listener failed on %s", event.kind)


def build_event_sink(settings: Settings, database: Database, *, queue_head: QueueHead | None = None) -> EventSink:
    """The sink of a process of the service: events stored in ``database``, sent through Redis when configured;
    with ``queue_head``, the queue's head goes to every stream shortly after it may have moved."""
    return EventSink(database=database, broadcaster=build_broadcaster(settings, database), queue_head=queue_head)


def _moves_queue(event: Event) -> bool:
    """Whether a generation event may have changed who waits: it joined, left or was claimed (not progress)."""
    if event.kind != GENERATION:
        return False
    status = event.payload.get("status")
    claimed = status == "processing" and not event.payload.get("progress")
    return claimed or status in ("pending", "cancelled", "failed")


class _QueueWatch:
    """Sends the queue's head to every stream shortly after it may have moved, once per burst of changes."""

    def __init__(self, database: Database, broadcaster: Broadcaster, queue_head: QueueHead):
        self._database = database
        self._broadcaster = broadcaster
        self._queue_head = queue_head
        self._lock = threading.Lock()
        self._timer: threading.Timer | None = None
        self._closed = False

    def poke(self) -> None:
        with self._lock:
            if self._timer is not None or self._closed:
                return
            self._timer = threading.Timer(QUEUE_DEBOUNCE_S, self._send)
            self._timer.daemon = True
            self._timer.start()

    def close(self) -> None:
        with self._lock:
            self._closed = True
            if self._timer is not None:
                self._timer.cancel()

    def _send(self) -> None:
        with self._lock:
            self._timer = None
        try:
            with self._database.session(write=False) as session:
                payload = self._queue_head(session=session)
        except Exception as error:  # the next change sends it again
            log.warning("events: cannot read the queue's head (%s)", type(error).__name__)
            return
        self._broadcaster.send(Event(id=None, user_id=None, kind=QUEUE, payload=payload))
