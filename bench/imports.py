"""What each process pays in RSS and start-up time for what it imports.

    python -m bench.imports [--out bench/profiles/imports.txt]

Each line runs in a fresh interpreter: the RSS after importing one heavy library alone (on top of a bare
interpreter), then the RSS and import time of each process's entry points (``worker``'s ``build_runtime``, ``serve``'s
``create_app``), and which heavy libraries those entry points loaded. Prints a text report (and writes it with
``--out``); the load average goes with it.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

HEAVY = ("sqlalchemy", "alembic", "pydantic", "pydantic_settings", "fastapi", "starlette", "sse_starlette", "uvicorn",
         "jinja2", "PIL.Image", "numpy", "cv2", "cairosvg", "py_avataaars", "python_avatars", "redis", "psycopg",
         "prometheus_client", "boto3", "huggingface_hub", "argon2", "typer", "rich", "httpx", "limits", "pillow_heif")
ENTRY_POINTS = {
    "cli (typer app, nothing run)": "import avatar_creator.cli",
    "worker: build_runtime imported": "from avatar_creator.generation.runner import build_runtime",
    "worker: offline provider imported": "from avatar_creator.providers.offline import OfflineProvider",
    "serve: create_app imported": "from avatar_creator.app import create_app",
}
_PROBE = """
import json, sys, time
def rss():
    for line in open('/proc/self/status'):
        if line.startswith('VmRSS:'):
            return int(line.split()[1]) / 1024
before = rss(); started = time.perf_counter()
exec(sys.argv[1])
seconds = time.perf_counter() - started
heavy = [name for name in json.loads(sys.argv[2]) if name in sys.modules]
print(json.dumps({"before": before, "after": rss(), "seconds": seconds, "modules": len(sys.modules), "heavy": heavy}))
"""


def probe(statement: str) -> dict:
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    done = subprocess.run([sys.executable, "-c", _PROBE, statement, json.dumps(HEAVY)], capture_output=True,
                          text=True, env=env, check=False)
    if done.returncode:
        return {"error": done.stderr.strip().splitlines()[-1]}
    return json.loads(done.stdout)


def importtime_top(statement: str, count: int = 15) -> list[str]:
    """Import time (``-X importtime``, each module's own time) summed by top-level package, slowest first."""
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    done = subprocess.run([sys.executable, "-X", "importtime", "-c", statement], capture_output=True, text=True,
                          env=env, check=False)
    totals: dict[str, int] = {}
    for line in done.stderr.splitlines():
        fields = line.removeprefix("import time:").split("|")
        if len(fields) != 3 or not fields[0].strip().isdigit():
            continue
        package = fields[2].strip().split(".")[0]
        totals[package] = totals.get(package, 0) + int(fields[0])
    slowest = sorted(totals.items(), key=lambda item: item[1], reverse=True)[:count]
    return [f"{microseconds / 1000:8.1f} ms  {package}" for package, microseconds in slowest]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    load = os.getloadavg()
    lines = [f"# python -m bench.imports on {os.cpu_count()} CPUs, load average {load[0]:.2f} {load[1]:.2f}",
             "", "## RSS each library adds alone (fresh interpreter each; MiB over a bare interpreter, import ms)"]
    for name in HEAVY:
        result = probe(f"import {name}")
        if "error" in result:
            lines.append(f"{name:24} not importable: {result['error']}")
            continue
        lines.append(f"{name:24} +{result['after'] - result['before']:6.1f} MiB  {result['seconds'] * 1000:7.1f} ms"
                     f"  (also loads: {', '.join(h for h in result['heavy'] if h != name) or '-'})")
    lines += ["", "## Entry points (fresh interpreter each): total RSS, import time, heavy libraries loaded"]
    for label, statement in ENTRY_POINTS.items():
        result = probe(statement)
        if "error" in result:
            lines.append(f"{label}: {result['error']}")
            continue
        lines += [f"{label}: RSS {result['after']:.1f} MiB (interpreter {result['before']:.1f}), "
                  f"{result['seconds'] * 1000:.0f} ms, {result['modules']} modules",
                  f"    heavy: {', '.join(result['heavy'])}"]
    for label in ("worker: build_runtime imported", "serve: create_app imported"):
        lines += ["", f"## -X importtime, own import time by top-level package: {label}",
                  *importtime_top(ENTRY_POINTS[label])]
    text = "\n".join(lines) + "\n"
    print(text, end="")
    if args.out:
        args.out.write_text(text)
        print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
