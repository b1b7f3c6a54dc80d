""""Forgot password" answers as fast for an email with an account as for one without: N requests of each, interleaved,
against a real `serve` (SQLite, default argon2 cost), timed from the client and by the server (Server-Timing). The
lookup, the link and the mail run after the answer (a background task), so the two should not differ beyond noise.
Prints and writes bench/results/forgot_password.json. Run: .venv/bin/python bench/forgot_password.py [--requests N]"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path[0] = str(Path(__file__).resolve().parents[1])  # run as a script: import the repository, not bench/

import argparse  # noqa: E402
import time  # noqa: E402

import httpx  # noqa: E402

from bench._harness import serve, server_ms, summary, write_results  # noqa: E402
from tests.support.processes import free_port  # noqa: E402

KNOWN = "known@example.com"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=200, help="requests per kind of email")
    args = parser.parse_args()
    # ERROR: the embedded fallback logs every link at WARNING, and nobody reads this server's log.
    with serve(None, port=free_port(), extra_env={"AVATAR_LOG_LEVEL": "ERROR"}) as (_process, base_url, _startup):
        with httpx.Client(base_url=base_url, timeout=30) as client:
            registered = client.post("/api/auth/register", json={"email": KNOWN, "password": "bench password 123"})
            registered.raise_for_status()
            times: dict[str, list[float]] = {"known": [], "unknown": []}
            server: dict[str, list[float]] = {"known": [], "unknown": []}
            for number in range(args.requests * 2):
                kind = "known" if number % 2 == 0 else "unknown"
                email = KNOWN if kind == "known" else f"nobody-{number}@example.com"
                started = time.perf_counter()
                answer = client.post("/api/auth/password/forgot", json={"email": email})
                times[kind].append((time.perf_counter() - started) * 1000)
                assert answer.status_code == 202, answer.text
                server[kind].append(server_ms(answer))
    results = {kind: {"round_trip": summary(times[kind]), "server": summary(server[kind])} for kind in times}
    for kind, row in results.items():
        trip, own = row["round_trip"], row["server"]
        print(f"{kind:8} round trip p50 {trip['p50_ms']:.2f} ms  p95 {trip['p95_ms']:.2f} ms  "
              f"(server p50 {own['p50_ms']:.2f} ms  p95 {own['p95_ms']:.2f} ms)  n={trip['n']}")
    print(f"wrote {write_results('forgot_password', results)}")


if __name__ == "__main__":
    main()
