"""The claim on a big table: PostgreSQL with 1,000,000 finished and 10,000 pending generations.

    python bench/claim_1m.py [--claims 200] [--finished 1000000]

Fills the table with ``generate_series`` (seconds, not minutes: ids in ascending order, no foreign-key trigger per
row, the secondary indexes dropped for the load and built again after it, as bulk loads do), runs ANALYZE as
autovacuum would, then times ``claims`` claims one after another through ``jobs.queue.JobQueue.claim`` (the worker's
own call) and prints the ``EXPLAIN (ANALYZE, BUFFERS)`` of the claim statement, which is in
bench/results/claim_1m.json too. Target: claim
p50 ≤ 2 ms, the pending rows found through the ``ix_generations_claim`` index, never by scanning the table.
It takes about 15 s on this machine, so ``bench.run --quick`` runs it as it is.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

# bench/queue.py is named like the standard library's queue module: keep this folder off the path (see there).
_BENCH = Path(__file__).resolve().parent
sys.path[:] = [entry for entry in sys.path if Path(entry or ".").resolve() != _BENCH]
sys.path.insert(0, str(_BENCH.parent))
from sqlalchemy import text  # noqa: E402

from avatar_creator.auth.models import User  # noqa: E402
from avatar_creator.db import Database  # noqa: E402
from avatar_creator.generation.lifecycle import JOBS  # noqa: E402
from avatar_creator.migrations import upgrade  # noqa: E402
from avatar_creator.projects.models import Project  # noqa: E402
from bench._harness import postgres_database, summary, write_results  # noqa: E402

TARGET_P50_MS = 2.0
PENDING = 10_000
_FILL = """
INSERT INTO generations (id, user_id, project_id, batch_id, batch_index, source_type, cost, refunded, name, prompt,
                         seed, options, provider, avatar_deleted, created_at, status, progress, attempt, max_attempts,
                         available_at, completed_at)
SELECT substr(:status, 1, 1) || lpad(i::text, 31, '0'), :user_id, :project_id, 'fill', 0, 'text_to_image', 1, 0, 'Fill',
       'filler row', i, '{"width": 64, "height": 64}', 'offline', false,
       now() - make_interval(secs => :age + i * 0.01), :status, :progress, 1, 3,
       now() - make_interval(secs => :age + i * 0.01), CASE WHEN :status = 'completed' THEN now() END
FROM generate_series(1, :rows) AS i
"""


def fill(database: Database, finished: int) -> float:
    """A user, a project, ``finished`` completed generations and PENDING ready pending ones; seconds it took."""
    started = time.perf_counter()
    with database.session() as session:
        user = User(email="claim@example.com", password_hash="x", credit_balance=0, storage_used=0,
                    storage_quota=10**9)
        session.add(user)
        session.flush()
        project = Project(user_id=user.id, name="Claims")
        session.add(project)
        session.flush()
        ids = {"user_id": user.id, "project_id": project.id}
        session.execute(text("SET LOCAL statement_timeout = 0"))  # the service's timeout is for requests, not this
        session.execute(text("SET LOCAL maintenance_work_mem = '256MB'"))  # the index builds below sort in memory
        # The user and project above exist: no foreign-key trigger per row (what pg_restore does; needs superuser).
        session.execute(text("SET LOCAL session_replication_role = replica"))
        indexes = _secondary_indexes(session)
        for name, _definition in indexes:
            session.execute(text(f'DROP INDEX "{name}"'))
        # The finished rows are older than the pending ones, as in a real queue's history.
        session.execute(text(_FILL), {**ids, "status": "completed", "progress": 100, "age": 86400, "rows": finished})
        session.execute(text(_FILL), {**ids, "status": "pending", "progress": 0, "age": 0, "rows": PENDING})
        for _name, definition in indexes:  # the migrations' own definitions, built once over every row
            session.execute(text(definition))
    with database.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("ANALYZE generations"))
    return time.perf_counter() - started


def _secondary_indexes(session) -> list[tuple[str, str]]:
    """The generations table's non-unique indexes (name, CREATE INDEX statement): what a bulk load can rebuild."""
    return [tuple(row) for row in session.execute(text(
        "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() AND tablename = 'generations' "
        "AND indexdef NOT LIKE 'CREATE UNIQUE INDEX%'")).all()]


def explain(database: Database) -> str:
    """The plan of the claim statement as run, with its buffers; rolled back, so it claims nothing."""
    compiled = JOBS._claim.compile(dialect=database.engine.dialect)
    params = {**compiled.params, "worker": "explain", "lease": 30.0}
    with database.engine.connect() as connection:
        with connection.begin() as transaction:
            rows = connection.exec_driver_sql(f"EXPLAIN (ANALYZE, BUFFERS) {compiled}", params).scalars().all()
            transaction.rollback()
    return "\n".join(rows)


def time_claims(database: Database, claims: int) -> list[float]:
    timings = []
    for _ in range(claims):
        started = time.perf_counter()
        job = JOBS.claim(database=database, worker_id="bench-claim", lease_seconds=30)
        timings.append((time.perf_counter() - started) * 1000)
        assert job is not None, "the pending rows ran out"
    return timings


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--claims", type=int, default=200)
    parser.add_argument("--finished", type=int, default=1_000_000)
    args = parser.parse_args(argv)
    finished = args.finished
    results: dict = {"cpus": os.cpu_count(), "load_average_before": os.getloadavg(), "finished_rows": finished,
                     "pending_rows": PENDING}
    with postgres_database() as url, tempfile.TemporaryDirectory(prefix="avatar-bench-claim-") as data_dir:
        database = Database(url, pool_size=2)
        try:
            upgrade(database.engine, lock_dir=Path(data_dir))
            results["fill_s"] = round(fill(database, finished), 1)
            JOBS.claim(database=database, worker_id="bench-claim", lease_seconds=30)  # warm: connection, plan
            results["claim"] = summary(time_claims(database, args.claims))
            results["explain"] = plan = explain(database)
        finally:
            database.dispose()
    results["index_scan"] = "ix_generations_claim" in plan and "Seq Scan on generations" not in plan
    results["target_p50_ms"], results["load_average_after"] = TARGET_P50_MS, os.getloadavg()
    print(plan)
    print(f"claim with {finished:,} finished and {PENDING:,} pending rows: p50 {results['claim']['p50_ms']:.3f} ms, "
          f"p95 {results['claim']['p95_ms']:.3f} ms over {args.claims} claims (target p50 <= {TARGET_P50_MS} ms); "
          f"index scan: {results['index_scan']}; filled in {results['fill_s']} s; load average "
          f"{results['load_average_before'][0]:.2f} -> {results['load_average_after'][0]:.2f}")
    print(f"wrote {write_results('claim_1m', results)}")
    return results


if __name__ == "__main__":
    main()
