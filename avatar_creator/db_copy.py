"""``avatar-creator db copy``: move an embedded SQLite database into an empty, migrated PostgreSQL.

Every table of the models is copied row for row (ids, ledger, events and their numbers kept), parents before
children, in batches, in ONE target transaction: a failure leaves the target as empty as it was. The source is read
in one transaction too, so the copy is a consistent snapshot. Before committing, the target is checked against the
source: rows per table, and each user's balance, which must equal the sum of their ledger. Sequences (the events'
ids) are moved past the copied rows, so new rows never collide.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import Connection, Engine, Integer, Table, func, select, text

from avatar_creator.db import Base
from avatar_creator.migrations import load_models


class CopyRefused(Exception):
    """The copy cannot start (a target that is not empty, or not PostgreSQL): nothing was written."""


class CopyMismatch(Exception):
    """The target did not match the source after the copy; it was rolled back."""


@dataclass
class CopyReport:
    rows: dict[str, int] = field(default_factory=dict)  # table -> rows copied (and counted in both databases)
    balances: dict[str, int] = field(default_factory=dict)  # user email -> balance, equal in both and to the ledger
    sequences: dict[str, int] = field(default_factory=dict)  # sequence -> the value it now starts after


def tables() -> list[Table]:
    """Every table the models declare, parents before children."""
    load_models()
    return list(Base.metadata.sorted_tables)


def copy_database(*, source: Engine, target: Engine, batch_size: int = 1000,
                  on_table: Callable[[str, int], None] = lambda _table, _rows: None) -> CopyReport:
    """Copy every row of ``source`` into ``target`` (both migrated to the same revision) and verify it.

    Raises ``CopyRefused`` before writing anything, ``CopyMismatch`` after rolling back.
    """
    if target.dialect.name != "postgresql":
        raise CopyRefused(f"the target must be PostgreSQL (postgresql+psycopg://...), not {target.dialect.name}")
    report = CopyReport()
    with source.connect() as reader, target.begin() as writer:
        _refuse_unless_ready(reader, writer)
        for table in tables():
            report.rows[table.name] = _copy_table(reader, writer, table, batch_size)
            on_table(table.name, report.rows[table.name])
        report.sequences = _advance_sequences(writer)
        report.balances = _verify(reader, writer, report)
    return report


def _refuse_unless_ready(reader: Connection, writer: Connection) -> None:
    revisions = [connection.scalar(text("SELECT version_num FROM alembic_version")) for connection in (reader, writer)]
    if revisions[0] != revisions[1]:
        raise CopyRefused(f"the databases are at different schema revisions (source {revisions[0]}, target "
                          f"{revisions[1]}): run `avatar-creator migrate` against both")
    filled = {table.name: count for table in tables()
              if (count := writer.scalar(select(func.count()).select_from(table)))}
    if filled:
        listed = ", ".join(f"{name}: {count}" for name, count in filled.items())
        raise CopyRefused(f"the target database is not empty ({listed} rows). db copy fills an empty database "
                          "only: create a new one (CREATE DATABASE ...) and copy into it")


def _copy_table(reader: Connection, writer: Connection, table: Table, batch_size: int) -> int:
    copied = 0
    rows = reader.execution_options(yield_per=batch_size).execute(select(table).order_by(*table.primary_key))
    for batch in rows.partitions(batch_size):
        writer.execute(table.insert(), [row._asdict() for row in batch])
        copied += len(batch)
    return copied


def _advance_sequences(writer: Connection) -> dict[str, int]:
    """Move each integer key's sequence past the copied ids (PostgreSQL's ``setval``)."""
    moved = {}
    for table in tables():
        keys = list(table.primary_key)
        if len(keys) != 1 or not isinstance(keys[0].type, Integer):
            continue
        sequence = writer.scalar(text("SELECT pg_get_serial_sequence(:table, :column)"),
                                 {"table": table.name, "column": keys[0].name})
        if sequence is None:
            continue
        highest = writer.scalar(select(func.max(keys[0])))
        # is_called=false for an empty table: the next id is then 1, as in a fresh database.
        writer.execute(text("SELECT setval(:sequence, :value, :called)"),
                       {"sequence": sequence, "value": highest or 1, "called": highest is not None})
        moved[sequence] = highest or 0
    return moved


def _verify(reader: Connection, writer: Connection, report: CopyReport) -> dict[str, int]:
    """Rows per table and every user's balance and ledger sum, target against source; returns each email's balance."""
    problems = []
    for table in tables():
        counts = [connection.scalar(select(func.count()).select_from(table)) for connection in (reader, writer)]
        if not counts[0] == counts[1] == report.rows[table.name]:
            problems.append(f"{table.name}: {counts[0]} rows in the source, {counts[1]} in the target")
    books = [_balances(connection) for connection in (reader, writer)]
    for email, (balance, ledger_sum) in books[0].items():
        if books[1].get(email) != (balance, ledger_sum):
            problems.append(f"{email}: balance and ledger sum {books[1].get(email)} in the target, "
                            f"{(balance, ledger_sum)} in the source")
        elif balance != ledger_sum:
            problems.append(f"{email}: balance {balance} is not the sum of the ledger ({ledger_sum})")
    if problems:
        raise CopyMismatch("; ".join(problems))
    return {email: balance for email, (balance, _sum) in books[0].items()}


def _balances(connection: Connection) -> dict[str, tuple[int, int]]:
    """Each user's ``(credit_balance, sum of their ledger rows)``, by email."""
    users, ledger = (Base.metadata.tables[name] for name in ("users", "credit_transactions"))
    sums = (select(ledger.c.user_id, func.sum(ledger.c.amount).label("total"))
            .group_by(ledger.c.user_id).subquery())
    rows = connection.execute(select(users.c.email, users.c.credit_balance, func.coalesce(sums.c.total, 0))
                              .outerjoin(sums, sums.c.user_id == users.c.id).order_by(users.c.email))
    return {email: (balance, int(total)) for email, balance, total in rows}
