"""Engine, sessions and the column types every table shares.

SQLite and PostgreSQL behave the same: SQLite write transactions start with ``BEGIN IMMEDIATE`` (a plain ``BEGIN``
lets parallel writers fail with "database is locked" at their first write) and wait on ``busy_timeout``; every time
is stored as UTC and returned with its offset.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from sqlalchemy import DateTime, Engine, Float, MetaData, create_engine, event, literal
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.sql.elements import BindParameter
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

SQLITE_BUSY_TIMEOUT_MS = 30_000


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


def make_engine(url: str, *, pool_size: int = 10) -> Engine:
    """An engine with the per-database settings this service relies on."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000},
                               pool_size=pool_size, max_overflow=20)
        _configure_sqlite(engine)
        return engine
    return create_engine(url, pool_size=pool_size, max_overflow=20, pool_pre_ping=True,
                         connect_args={"connect_timeout": 5})


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        # Let SQLAlchemy, not the sqlite3 module, emit BEGIN, so that it can be BEGIN IMMEDIATE.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        mode = connection.get_execution_options().get("sqlite_begin", "IMMEDIATE")
        connection.exec_driver_sql(f"BEGIN {mode}")


class Database:
    """The engine and two session factories: writes (``BEGIN IMMEDIATE`` on SQLite) and reads (deferred)."""

    def __init__(self, url: str, *, pool_size: int = 10):
        self.url = url
        self.engine = make_engine(url, pool_size=pool_size)
        self.is_sqlite = self.engine.dialect.name == "sqlite"
        self._writer = sessionmaker(self.engine, expire_on_commit=False)
        self._reader = sessionmaker(self.engine.execution_options(sqlite_begin="DEFERRED"), expire_on_commit=False)

    @contextmanager
    def session(self, *, write: bool = True) -> Iterator[Session]:
        """A session whose transaction commits when the block ends and rolls back on an error."""
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
