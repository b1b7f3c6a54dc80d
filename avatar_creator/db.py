"""Engine, sessions and the column types every table shares.

SQLite and PostgreSQL behave the same: SQLite write transactions start with ``BEGIN IMMEDIATE`` (a plain ``BEGIN``
lets parallel writers fail with "database is locked" at their first write) and wait on ``busy_timeout``; every time
is stored as UTC and returned with its offset.

Every wait on the database is bounded (``Timeouts``): a free connection, SQLite's write lock, a PostgreSQL row lock, a
statement, an idle transaction. A wait that runs out raises, and the API answers 503 with ``Retry-After``
(``error_handlers``): load queues briefly and then fails fast, and a stalled holder of a lock is cut off instead of
stopping everyone behind it.
"""

from __future__ import annotations

import logging
import os
import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from sqlalchemy import Connection, DateTime, Engine, Float, MetaData, create_engine, event, literal, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.sql.elements import BindParameter
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.types import TypeDecorator

if TYPE_CHECKING:
    from avatar_creator.settings import Settings

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# Connections a process's job threads may hold at once: two per worker thread (its transaction, and the event a
# claim publishes in a second one), its heartbeat, the reaper, the queue-head and SQLite event watchers, and the
# readiness probe (which must report the database, not how busy the request pool is).
CONNECTIONS_PER_WORKER = 2
JOB_SERVICE_CONNECTIONS = 5


@dataclass(frozen=True)
class Timeouts:
    """How long, in seconds, anything may wait on the database; 0 turns a PostgreSQL one off.

    ``pool``: for a free connection (then ``sqlalchemy.exc.TimeoutError``); ``sqlite_busy``: for SQLite's write lock
    ("database is locked"); ``lock``, ``statement``, ``idle_in_transaction``: PostgreSQL's ``lock_timeout``,
    ``statement_timeout`` and ``idle_in_transaction_session_timeout``, set on every connection.
    """

    pool: float = 0.5
    sqlite_busy: float = 5.0
    lock: float = 1.0
    statement: float = 15.0
    idle_in_transaction: float = 10.0

    @classmethod
    def from_settings(cls, settings: Settings) -> Timeouts:
        return cls(pool=settings.db_pool_timeout_seconds, sqlite_busy=settings.db_busy_timeout_seconds,
                   lock=settings.db_lock_timeout_seconds, statement=settings.db_statement_timeout_seconds,
                   idle_in_transaction=settings.db_idle_in_transaction_timeout_seconds)

    def postgres_options(self) -> str:
        """The ``-c`` options that set the PostgreSQL timeouts when a connection opens."""
        values = {"lock_timeout": self.lock, "statement_timeout": self.statement,
                  "idle_in_transaction_session_timeout": self.idle_in_transaction}
        return " ".join(f"-c {name}={round(seconds * 1000)}" for name, seconds in values.items())


# Migrations wait for another replica's migration (an advisory lock) and may run long statements: no timeouts but
# the pool's.
MIGRATION_TIMEOUTS = Timeouts(pool=30.0, sqlite_busy=30.0, lock=0, statement=0, idle_in_transaction=0)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator):
    """A timestamp that is always UTC and always comes back timezone-aware, on SQLite as on PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: use datetime.now(UTC)")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | str | None, dialect) -> datetime | None:
        if value is None:
            return None
        if isinstance(value, str):  # a value computed by SQLite itself (e.g. strftime), not through this type
            value = datetime.fromisoformat(value)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


def new_id() -> str:
    """An opaque, non-guessable id (128 random bits, URL-safe)."""
    return secrets.token_urlsafe(16)


def make_engine(url: str, *, pool_size: int = 10, max_overflow: int = 20, timeouts: Timeouts = Timeouts()) -> Engine:
    """An engine with the per-database settings this service relies on: at most ``pool_size + max_overflow``
    connections, every wait bounded by ``timeouts``."""
    pool = {"pool_size": pool_size, "max_overflow": max_overflow, "pool_timeout": timeouts.pool}
    if url.startswith("sqlite"):
        _create_private_sqlite_file(url)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": timeouts.sqlite_busy}, **pool)
        _configure_sqlite(engine, busy_timeout_ms=round(timeouts.sqlite_busy * 1000))
        return engine
    return create_engine(url, pool_pre_ping=True, **pool,
                         connect_args={"connect_timeout": 5, "options": timeouts.postgres_options()})


def _create_private_sqlite_file(url: str) -> None:
    """Create a missing SQLite file readable by its owner only: it holds password hashes, and SQLite gives its
    -wal and -shm files the database file's mode."""
    path = make_url(url).database
    if path and path != ":memory:" and not path.startswith("file:"):
        with suppress(OSError):  # a folder that is missing or not ours: SQLite reports it as a database error
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))  # an empty file is an empty database


def _configure_sqlite(engine: Engine, *, busy_timeout_ms: int) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        # Let SQLAlchemy, not the sqlite3 module, emit BEGIN, so that it can be BEGIN IMMEDIATE.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={busy_timeout_ms}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        mode = connection.get_execution_options().get("sqlite_begin", "IMMEDIATE")
        connection.exec_driver_sql(f"BEGIN {mode}")


class Database:
    """The engine and two session factories: writes (``BEGIN IMMEDIATE`` on SQLite) and reads (deferred)."""

    def __init__(self, url: str, *, pool_size: int = 10, max_overflow: int = 20, timeouts: Timeouts = Timeouts()):
        self.url = url
        self.engine = make_engine(url, pool_size=pool_size, max_overflow=max_overflow, timeouts=timeouts)
        self.is_sqlite = self.engine.dialect.name == "sqlite"
        self._writer = sessionmaker(self.engine, expire_on_commit=False)
        self._reader = sessionmaker(self.engine.execution_options(sqlite_begin="DEFERRED"), expire_on_commit=False)

    @classmethod
    def for_requests(cls, settings: Settings) -> Database:
        """The pool the routes share: ``AVATAR_DB_POOL_SIZE`` connections, every wait bounded by the settings."""
        return cls(settings.resolved_database_url, pool_size=settings.db_pool_size, max_overflow=0,
                   timeouts=Timeouts.from_settings(settings))

    @classmethod
    def for_jobs(cls, settings: Settings, *, workers: int) -> Database:
        """A pool of its own for a process's job threads (``workers`` of them, their heartbeat, the reaper, the event
        watchers) and the readiness probe, sized so that each always finds a connection: a burst of requests never
        starves a heartbeat."""
        return cls(settings.resolved_database_url,
                   pool_size=CONNECTIONS_PER_WORKER * workers + JOB_SERVICE_CONNECTIONS, max_overflow=0,
                   timeouts=Timeouts.from_settings(settings))

    @contextmanager
    def session(self, *, write: bool = True) -> Iterator[Session]:
        """A session whose transaction commits when the block ends and rolls back on an error.

        Writes that had better skip a beat than wait behind a stalled holder of a row (progress, heartbeats, the
        reaper) shorten their own lock wait with ``jobs.queue.give_up_waiting_after``.
        """
        factory = self._writer if write else self._reader
        with factory() as session, session.begin():
            yield session

    def dispose(self) -> None:
        self.engine.dispose()


class db_now(FunctionElement):  # noqa: N801 - reads as the SQL function it renders
    """The database's clock plus ``seconds``: one clock for every lease, backoff and reap, whichever host asks.

    On SQLite it renders the text format ``UTCDateTime`` stores (microseconds included), so comparisons with stored
    values stay correct.
    """

    type = UTCDateTime()
    inherit_cache = True

    def __init__(self, seconds: float | BindParameter = 0.0):
        super().__init__(seconds if isinstance(seconds, BindParameter) else literal(float(seconds), Float()))


@compiles(db_now, "postgresql")
def _db_now_postgresql(element: db_now, compiler, **kw) -> str:
    return f"(statement_timestamp() + make_interval(secs => {compiler.process(element.clauses, **kw)}))"


@compiles(db_now, "sqlite")
def _db_now_sqlite(element: db_now, compiler, **kw) -> str:
    seconds = compiler.process(element.clauses, **kw)
    return f"(strftime('%Y-%m-%d %H:%M:%f', 'now', printf('%+.3f seconds', {seconds})) || '000')"


def commit_lazily(executor: Session | Connection) -> None:
    """For a transaction a crash may lose without harm (a heartbeat, progress, the event that a job was claimed: each
    is written again, or superseded, moments later): on PostgreSQL its commit does not wait for the write-ahead log to
    reach the disk (``synchronous_commit = off``; a flush costs 1–4 ms here, the commit then ~0.1 ms). Others see it
    at once, and a durable commit that follows flushes it too, since the log is written in order. SQLite's commits
    (WAL, ``synchronous=NORMAL``) never wait for the disk anyway."""
    bind = executor.get_bind() if isinstance(executor, Session) else executor
    if bind.dialect.name == "postgresql":
        executor.execute(text("SET LOCAL synchronous_commit = off"))


def after_commit(session: Session, callback: Callable[[], None]) -> None:
    """Run ``callback`` once the session's current transaction has committed; never when it rolls back.

    For side effects that must not be seen before the data is (a doorbell, a live event). A failing callback is
    logged, not raised: the transaction has already committed.
    """
    callbacks = session.info.get(_AFTER_COMMIT)
    if callbacks is None:
        callbacks = session.info[_AFTER_COMMIT] = []
        event.listen(session, "after_commit", _committed)
        event.listen(session, "after_transaction_end", _ended)
    callbacks.append(callback)


_AFTER_COMMIT = "avatar_creator.after_commit"


def _committed(session: Session) -> None:
    callbacks, session.info[_AFTER_COMMIT] = session.info[_AFTER_COMMIT], []
    for callback in callbacks:
        try:
            callback()
        except Exception:
            logging.getLogger("avatar_creator.db").exception("after-commit callback failed")


def _ended(session: Session, transaction) -> None:
    if transaction.parent is None:  # the outermost transaction ended without a commit: forget its callbacks
        session.info[_AFTER_COMMIT] = []
