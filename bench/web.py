"""Web app speed: server time of the pages a person opens (projects with 100 projects, a project, its generate page,
its Generating panel as a live event refreshes it, credits, sign-in), their HTML size, and what the browser downloads
once (CSS and JS, raw and gzipped). SQLite, `serve --no-worker`. Run: .venv/bin/python bench/web.py [--requests N]"""

from __future__ import annotations

import sys  # noqa: I001 - must run before any import that could load the standard library's queue
from pathlib import Path

# Run as a script, sys.path[0] is bench/, whose queue.py would shadow the standard library's queue module.
sys.path[0] = str(Path(__file__).resolve().parents[1])

import argparse
import gzip
import re
import sys
import time
from pathlib import Path

import httpx

from bench._harness import serve, server_ms, summary, write_results  # noqa: E402

STATIC = Path(__file__).parent.parent / "avatar_creator" / "web" / "static"
PROJECT_COUNT = 100
PANEL_CARDS = 8


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def sign_up(client: httpx.Client) -> str:
    """Register through the web form; returns the signed-in pages' CSRF token."""
    client.get("/register")
    page = client.post("/register", follow_redirects=True, data={
        "csrf_token": client.cookies["avatar_csrf"], "email": "bench-web@example.com", "password": "bench password 1"})
    page.raise_for_status()
    return _csrf(page.text)


def measure(base_url: str, requests: int) -> dict:
    with httpx.Client(base_url=base_url, timeout=10) as client:
        token = sign_up(client)
        project_url = None
        for index in range(PROJECT_COUNT):
            created = client.post("/projects", data={"csrf_token": token, "name": f"Project {index}"})
            project_url = created.headers["location"]
        for _ in range(PANEL_CARDS // 4):  # waiting generations for the panel (no worker runs them)
            client.post(f"{project_url}/generate", data={"csrf_token": token, "name": "Bench", "count": "4",
                                                         "prompt": "A calm portrait for the benchmark"})
        pages = {"projects": "/projects", "project": project_url, "generate": f"{project_url}/generate",
                 "panel": f"{project_url}/generating", "credits": "/credits"}
        results = {}
        for label, path in pages.items():
            for _ in range(30):  # warm-up
                client.get(path)
            times, size = [], 0
            for _ in range(requests):
                response = client.get(path)
                response.raise_for_status()
                times.append(server_ms(response))
                size = len(response.content)
            results[label] = {"server": summary(times), "html_bytes": size}
        client.cookies.clear()
        signin = [server_ms(client.get("/signin")) for _ in range(requests)]
        results["signin"] = {"server": summary(signin)}
    return results


def static_sizes() -> dict:
    sizes = {}
    for path in sorted(STATIC.glob("*.*")):
        data = path.read_bytes()
        sizes[path.name] = {"bytes": len(data), "gzip_bytes": len(gzip.compress(data, 6))}
    sizes["total"] = {key: sum(row[key] for row in sizes.values()) for key in ("bytes", "gzip_bytes")}
    return sizes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args()
    with serve(None, port=8741, args=("--no-worker",)) as (_process, url, _startup):
        time.sleep(0.5)
        pages = measure(url, args.requests)
    results = {"pages": pages, "static": static_sizes(), "projects_on_page": PROJECT_COUNT,
               "generations_in_panel": PANEL_CARDS}
    for label, row in pages.items():
        size = f", {row['html_bytes'] / 1024:.1f} KiB HTML" if "html_bytes" in row else ""
        print(f"{label:9} server p50 {row['server']['p50_ms']:.2f} ms, p95 {row['server']['p95_ms']:.2f} ms{size}")
    total = results["static"]["total"]
    print(f"static    {total['bytes'] / 1024:.1f} KiB, {total['gzip_bytes'] / 1024:.1f} KiB gzipped (cached a year)")
    write_results("web", results)


if __name__ == "__main__":
    main()
