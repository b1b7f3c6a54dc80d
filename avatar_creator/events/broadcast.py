"""Each process's one shared reader of events, fanning them out to its open streams.

Embedded mode delivers in the process. Scaled out, events go through ONE Redis pub/sub channel: every process
publishes to it, and each API process holds one subscription, read by one thread, whatever its number of streams.
Streams wait on an ``asyncio.Queue`` fed with ``loop.call_soon_threadsafe``, so a waiting stream holds no thread and
no database session.
"""

from __future__ import annotations

import abc
import asyncio
import logging
import secrets
import threading
from collections import defaultdict

from avatar_creator.db import Database
from avatar_creator.events import service
from avatar_creator.events.service import Event
from avatar_creator.redis_outage import REQUEST_TIMEOUT_S, Outage
from avatar_creator.settings import Settings

log = logging.getLogger("avatar_creator.events")

STREAM_QUEUE_SIZE = 1000  # events a stream may have waiting; a client that falls further behind is disconnected
TABLE_POLL_S = 1.0  # embedded mode: how often to look for events another process wrote


class Marker:
    """A signal to a stream rather than an event."""

    def __init__(self, name: str):
        self.name = name

    def __repr__(self) -> str:
        return f"<{self.name}>"


CLOSE = Marker("close")  # end the stream (shutdown, or the client fell too far behind)
RESYNC = Marker("resync")  # events may have been lost in transit: read everything after the last one sent
SESSION_ENDED = "session-ended"  # the kind of the notice that ends one session's streams; never reaches a stream


class Subscription:
    """One stream's inbox, owned by the event loop the stream runs on."""

    def __init__(self, user_id: str, session_id: str, loop: asyncio.AbstractEventLoop, maxsize: int):
        self.user_id = user_id
        self.session_id = session_id  # the login it was opened with: its end ends the stream
        self.loop = loop
        self.queue: asyncio.Queue[Event | Marker] = asyncio.Queue(maxsize)
        self.closed = False

    def put(self, item: Event | Marker) -> None:
        """Queue ``item``; call on the loop. A full inbox closes the stream: the client reconnects and replays."""
        if self.closed:
            return
        if item is CLOSE or self.queue.full():
            self.closed = True
            while not self.queue.empty():
                self.queue.get_nowait()
            self.queue.put_nowait(CLOSE)
            return
        self.queue.put_nowait(item)

    def close(self) -> None:
        """Ask the stream to end; safe from any thread."""
        _call_on(self.loop, self.put, CLOSE)


class Broadcaster(abc.ABC):
    """Delivers events to this process's streams; ``send`` makes an event reach every process's streams."""

    def __init__(self, *, queue_size: int = STREAM_QUEUE_SIZE):
        self._queue_size = queue_size
        self._by_user: dict[str, set[Subscription]] = defaultdict(set)
        self._lock = threading.Lock()

    @abc.abstractmethod
    def send(self, event: Event) -> None:
        """Deliver ``event`` to the streams of every process: its user's streams, or all of them when the event
        has no user. Never raises; an event lost on the way is recovered by the streams (see ``previous_id``)."""

    def start(self) -> None:
        """Begin receiving events from other processes (API processes only; a worker only sends). Once: a second
        call does nothing. Here nothing: a broadcaster that receives nothing needs no start."""
        return None

    def close(self) -> None:
        """Stop receiving and end every open stream."""
        with self._lock:
            subscriptions = [s for group in self._by_user.values() for s in group]
        for subscription in subscriptions:
            subscription.close()

    def subscribe(self, user_id: str, session_id: str) -> Subscription:
        """A new inbox for one of ``user_id``'s streams, opened by ``session_id``; call on the stream's event loop."""
        subscription = Subscription(user_id, session_id, asyncio.get_running_loop(), self._queue_size)
        with self._lock:
            self._by_user[user_id].add(subscription)
        return subscription

    def unsubscribe(self, subscription: Subscription) -> None:
        with self._lock:
            group = self._by_user.get(subscription.user_id)
            if group is not None:
                group.discard(subscription)
                if not group:
                    del self._by_user[subscription.user_id]

    def end_session_streams(self, user_id: str, session_id: str) -> None:
        """Close the streams a session opened, on every process (it was signed out or revoked). Never raises."""
        self.send(Event(id=None, user_id=user_id, kind=SESSION_ENDED, payload={"sessionId": session_id}))

    @property
    def stream_count(self) -> int:
        with self._lock:
            return sum(len(group) for group in self._by_user.values())

    def deliver(self, item: Event | Marker, *, user_id: str | None = None) -> None:
        """Hand ``item`` to this process's streams it concerns (an event's user's, or ``user_id``'s, else all);
        safe from any thread."""
        ended_session = None
        if isinstance(item, Event):
            user_id = item.user_id
            if item.kind == SESSION_ENDED:
                ended_session, item = item.payload["sessionId"], CLOSE
        with self._lock:
            if user_id is not None:
                targets = list(self._by_user.get(user_id, ()))
            else:
                targets = [s for group in self._by_user.values() for s in group]
        if ended_session is not None:
            targets = [s for s in targets if s.session_id == ended_session]
        by_loop: dict[asyncio.AbstractEventLoop, list[Subscription]] = defaultdict(list)
        for subscription in targets:
            by_loop[subscription.loop].append(subscription)
        for loop, subscriptions in by_loop.items():  # one wake-up per loop, however many streams
            _call_on(loop, _put_all, subscriptions, item)


class LocalBroadcaster(Broadcaster):
    """Embedded mode: events made in this process go straight to its streams.

    With a ``database``, ``start`` also watches the events table for events written by another process on the same
    database (a ``worker`` beside ``serve`` on one SQLite file): their users' streams read them from the table.
    """

    def __init__(self, *, database: Database | None = None, queue_size: int = STREAM_QUEUE_SIZE):
        super().__init__(queue_size=queue_size)
        self._database = database
        self._sent: set[int] = set()  # ids this process delivered itself since the watcher last looked
        self._stopping = threading.Event()
        self._watcher: threading.Thread | None = None

    def send(self, event: Event) -> None:
        if self._watcher is not None and event.id is not None:
            with self._lock:
                self._sent.add(event.id)
        self.deliver(event)

    def start(self) -> None:
        if self._database is not None and self._watcher is None:
            self._watcher = threading.Thread(target=self._watch_table, args=(self._database,), name="avatar-events",
                                             daemon=True)
            self._watcher.start()

    def close(self) -> None:
        self._stopping.set()
        if self._watcher is not None:
            self._watcher.join(timeout=3)
        super().close()

    def _watch_table(self, database: Database) -> None:
        last_id: int | None = None
        failing = False
        while not self._stopping.is_set():
            try:
                with database.session(write=False) as session:
                    if last_id is None:  # at once on start: streams open only after the server is up
                        last_id = service.latest_id(session=session) or 0
                    written = service.written_after(session=session, after_id=last_id)
                failing = False
            except Exception as error:  # the database is down: so are the streams; the next look catches up
                if not failing:
                    log.warning("events: cannot read the events table (%s)", type(error).__name__)
                failing = True
                written = []
            self._notify_others(written)
            if written:
                last_id = written[-1][0]
            self._stopping.wait(TABLE_POLL_S)

    def _notify_others(self, written: list[tuple[int, str]]) -> None:
        """Send the users of events another process wrote a ``RESYNC``: their streams read the table."""
        if not written:
            return
        with self._lock:
            others = {user_id for event_id, user_id in written if event_id not in self._sent}
            self._sent = {event_id for event_id in self._sent if event_id > written[-1][0]}
        for user_id in others:
            self.deliver(RESYNC, user_id=user_id)


class RedisBroadcaster(Broadcaster):
    """Scaled out: PUBLISH to one channel; ``start`` runs the process's one subscription in a thread."""

    def __init__(self, url: str, *, prefix: str, queue_size: int = STREAM_QUEUE_SIZE):
        import redis

        super().__init__(queue_size=queue_size)
        self.channel = f"{prefix}:events"
        self.client_name = f"{prefix}:events:{secrets.token_hex(4)}"  # tells operators (CLIENT LIST) who reads
        self._client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=5,
                                            health_check_interval=10, client_name=self.client_name)
        # Publishing runs in the request that committed: short timeouts, and skipped for a moment after a failure.
        self._publisher = redis.Redis.from_url(url, socket_connect_timeout=REQUEST_TIMEOUT_S,
                                               socket_timeout=REQUEST_TIMEOUT_S)
        self._outage = Outage(log, "events", "only this process's streams see events as they happen, the others "
                                             "catch up from the table")
        self._stopping = threading.Event()
        self._reader: threading.Thread | None = None

    def send(self, event: Event) -> None:
        if self._outage.due():
            try:
                self._publisher.publish(self.channel, event.to_json())
                self._outage.answered()
                return
            except Exception as error:
                self._outage.failed(error)
        self.deliver(event)

    def start(self) -> None:
        if self._reader is not None:
            return
        self._reader = threading.Thread(target=self._read_forever, name="avatar-events", daemon=True)
        self._reader.start()

    def close(self) -> None:
        self._stopping.set()
        if self._reader is not None:
            self._reader.join(timeout=3)
        self._publisher.close()
        self._client.close()
        super().close()

    def _read_forever(self) -> None:
        lost = False
        while not self._stopping.is_set():
            pubsub = self._client.pubsub(ignore_subscribe_messages=True)
            try:
                pubsub.subscribe(self.channel)
                if lost:  # events sent while we were away are in the table: every stream reads what it missed
                    lost = False
                    log.info("events: Redis subscription is back")
                    self.deliver(RESYNC)
                while not self._stopping.is_set():
                    message = pubsub.get_message(timeout=1.0)
                    if message is not None:
                        self.deliver(Event.from_json(message["data"]))
            except Exception as error:
                if not lost:
                    lost = True
                    log.warning("events: Redis subscription lost (%s); retrying", type(error).__name__)
                self._stopping.wait(1.0)
            finally:
                pubsub.close()


def build_broadcaster(settings: Settings, database: Database) -> Broadcaster:
    """Redis when ``AVATAR_REDIS_URL`` is set, else in-process (watching the table for other processes' events)."""
    if settings.redis_url:
        return RedisBroadcaster(settings.redis_url, prefix=settings.redis_prefix)
    return LocalBroadcaster(database=database)


def _put_all(subscriptions: list[Subscription], item: Event | Marker) -> None:
    for subscription in subscriptions:
        subscription.put(item)


def _call_on(loop: asyncio.AbstractEventLoop, callback, *args) -> None:
    try:
        loop.call_soon_threadsafe(callback, *args)
    except RuntimeError:  # the loop has closed: its streams are gone
        pass
