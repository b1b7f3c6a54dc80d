"""Another user, in a process of its own: ``GET /api/auth/me`` one request after another until stdin closes, then
the answers as JSON on stdout. Its own process, so what it measures is the server, not the busy client of a burst.

Run: ``python -m tests.support.bystander BASE_URL TOKEN``; it prints ``ready`` once its first answer came back.
"""

from __future__ import annotations

import json
import select
import sys
import time

import httpx

PAUSE_S = 0.01


def main(base_url: str, token: str) -> None:
    answers = []
    with httpx.Client(base_url=base_url, timeout=60, headers={"Authorization": f"Bearer {token}"}) as client:
        client.get("/api/auth/me").raise_for_status()
        print("ready", flush=True)
        while not select.select([sys.stdin], [], [], 0)[0]:  # readable: the parent closed it
            started = time.perf_counter()
            response = client.get("/api/auth/me")
            answers.append({"status": response.status_code, "seconds": time.perf_counter() - started,
                            "retry_after": response.headers.get("retry-after")})
            time.sleep(PAUSE_S)
    print(json.dumps(answers), flush=True)


if __name__ == "__main__":
    main(*sys.argv[1:3])
