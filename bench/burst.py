"""One user's burst: 200 `POST …/projects` and 50 generates sent at the same instant from one asyncio client, on SQLite
(`serve`) and PostgreSQL + Redis (`serve --no-worker` + `worker`), while another user asks `GET /api/auth/me` from a
process of its own. Prints and writes (bench/results/burst.json) the status counts, the burst's p50/p99 (round trip
and server time) and the other user's /me p50/p99. Run: .venv/bin/python bench/burst.py [--creates N] [--generates N]
[--pool-size N]"""

from __future__ import annotations

import sys  # noqa: I001 - must run before any import that could load the standard library's queue
from pathlib import Path

# Run as a script, sys.path[0] is bench/, whose queue.py would shadow the standard library's queue module.
sys.path[0] = str(Path(__file__).resolve().parents[1])

import argparse
import asyncio
import secrets
import tempfile
from contextlib import nullcontext

from bench._harness import REDIS_URL, postgres_database, summary, write_results  # noqa: E402
from tests.support.load import BurstReport, deployment, run_burst, sign_up  # noqa: E402


def measure(database_url: str, *, scaled_out: bool, creates: int, generates: int, settings: dict) -> dict:
    if scaled_out:
        settings = {**settings, "redis_url": REDIS_URL, "redis_prefix": f"avatar_bench_{secrets.token_hex(4)}",
                    "worker_processes": 1}
    with tempfile.TemporaryDirectory(prefix="avatar-burst-") as folder:
        data_dir = Path(folder) / "data"
        url = database_url or f"sqlite:///{data_dir / 'avatar-creator.db'}"
        with deployment(data_dir, url, welcome_bonus=10 * generates, **settings) as running:
            burster = sign_up(running.base_url, "burster@example.com")
            other = sign_up(running.base_url, "bystander@example.com")
            report = asyncio.run(run_burst(running.base_url, burster, other, creates=creates, generates=generates))
    return _row(report)


def _row(report: BurstReport) -> dict:
    return {"statuses": {str(status): count for status, count in report.statuses().items()},
            "creates": {str(status): count for status, count in report.statuses("create").items()},
            "generates": {str(status): count for status, count in report.statuses("generate").items()},
            "burst_round_trip": summary([answer.seconds * 1000 for answer in report.answers]),
            "burst_server": summary([answer.server_seconds * 1000 for answer in report.answers
                                     if answer.server_seconds is not None]),
            "other_user_me": summary([answer.seconds * 1000 for answer in report.other_user]),
            "other_user_me_statuses": sorted({answer.status for answer in report.other_user})}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--creates", type=int, default=200)
    parser.add_argument("--generates", type=int, default=50)
    parser.add_argument("--pool-size", type=int, default=None, help="AVATAR_DB_POOL_SIZE (default: the setting's)")
    args = parser.parse_args()
    settings = {"db_pool_size": args.pool_size} if args.pool_size else {}
    results = {"creates": args.creates, "generates": args.generates, **settings}
    for backend in ("sqlite", "postgres"):
        with postgres_database() if backend == "postgres" else nullcontext(None) as database_url:
            row = results[backend] = measure(database_url, scaled_out=backend == "postgres", creates=args.creates,
                                             generates=args.generates, settings=settings)
        burst, server, me = row["burst_round_trip"], row["burst_server"], row["other_user_me"]
        print(f"{backend:9} statuses {row['statuses']}  (creates {row['creates']}, generates {row['generates']})")
        print(f"          burst round trip p50 {burst['p50_ms']:.0f} ms  p99 {burst['p99_ms']:.0f} ms  "
              f"(server p50 {server['p50_ms']:.1f} ms  p99 {server['p99_ms']:.1f} ms)")
        print(f"          other user's GET /me p50 {me['p50_ms']:.1f} ms  p99 {me['p99_ms']:.1f} ms over {me['n']} "
              f"requests, statuses {row['other_user_me_statuses']}")
    path = write_results("burst" if not args.pool_size else f"burst-pool-{args.pool_size}", results)
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
