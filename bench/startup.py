"""``serve`` start-up on a fresh database: process start to the first ``/health`` 200 (migrations, catalogue).

    python -m bench.startup [--quick] [--repeat 3]

Each run gets a new data folder and database (SQLite, and a throwaway PostgreSQL database unless ``--quick``).
Prints the times and writes bench/results/startup.json. Target: ≤ 1.0 s.
"""

from __future__ import annotations

import argparse
import os
import socket
from contextlib import nullcontext

from bench._harness import postgres_database, rss_mib, serve, write_results

TARGET_S = 1.0


def start_once(database: str) -> tuple[float, float]:
    """Seconds until ``/health`` answered, and the RSS (MiB) at that moment."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with (postgres_database() if database == "postgres" else nullcontext(None)) as url, \
            serve(url, port=port) as (process, _base_url, seconds):
        return seconds, rss_mib(process.pid)


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="SQLite only")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    load_before = os.getloadavg()
    result: dict = {"target_s": TARGET_S, "load_average_before": load_before}
    for database in ("sqlite",) if args.quick else ("sqlite", "postgres"):
        runs = [start_once(database) for _ in range(args.repeat)]
        result[database] = {"seconds": [round(seconds, 3) for seconds, _ in runs],
                            "rss_at_start_mib": [round(rss, 1) for _, rss in runs]}
        print(f"serve start-up on a fresh {database} database: "
              f"{', '.join(f'{seconds:.2f}' for seconds, _ in runs)} s (target ≤ {TARGET_S} s); RSS then "
              f"{', '.join(f'{rss:.0f}' for _, rss in runs)} MiB")
    result["load_average_after"] = os.getloadavg()
    print(f"load average {load_before[0]:.2f} before, {result['load_average_after'][0]:.2f} after")
    print(f"wrote {write_results('startup', result)}")
    return result


if __name__ == "__main__":
    main()
