"""Every benchmark in one run: ``bench/results.json`` and ``docs/benchmarks.md`` with its plots.

    python -m bench.run [--quick] [--peers]

Runs each benchmark as its own process (embedded and, where it has them, PostgreSQL + Redis modes), the latency ones
three times to show the spread (``--quick``: api and upload three rounds in one process, the rest once, with fewer
repetitions but at the sizes the targets name: 2,000 streams, 1,000,000 rows, 12 MP uploads, 64² generations), records
the machine and the load average at the start and the end, and renders the report with matplotlib plots under
``docs/benchmarks/``. A benchmark whose script is missing (the generation path's ``generations`` and ``claim_1m``
come from another branch) is skipped with a note. ``--peers`` first runs ``../shared/peerbench/run.sh`` (BullMQ,
Huey; about 4 minutes) and puts our pickup and recovery next to theirs as ratios.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BENCH = REPO / "bench"
RESULTS_DIR = BENCH / "results"
RESULTS = BENCH / "results.json"
DOC = REPO / "docs" / "benchmarks.md"
PLOTS = REPO / "docs" / "benchmarks"
PEERBENCH = REPO.parent / "shared" / "peerbench"  # beside the checkout, as its README says: ../shared/peerbench


@dataclass(frozen=True)
class Benchmark:
    name: str  # bench/<name>.py, run as ``python -m bench.<name>``
    result: str  # bench/results/<result>.json, which it writes
    quick: tuple[str, ...]
    full: tuple[str, ...]
    repeat_quick: int = 1
    repeat_full: int = 3  # latency figures: three runs show the spread
    timeout_s: int = 900


BENCHMARKS = (
    # --quick times the latency figures three times in one process (--rounds 3): the same spread, without starting
    # the same servers three times.
    Benchmark("api", "api", ("--requests", "100", "--rounds", "3"), ("--requests", "1000")),
    Benchmark("upload", "upload", ("--repeat", "5", "--threads", "2", "--rounds", "3"), ("--repeat", "30")),
    Benchmark("serve_memory", "serve_memory", ("--quick",), ()),
    Benchmark("serve_idle", "serve_idle", ("--settle", "3"), (), repeat_full=1),
    Benchmark("startup", "startup", ("--runs", "1"), ("--runs", "3"), repeat_full=1),
    # --quick: the idle pickup and the recovery that go next to the peers; generations/s is bench.generations'.
    Benchmark("queue", "queue", ("--mode", "both", "--samples", "30", "--rounds", "1", "--jobs", "0", "--idle-only"),
              ("--mode", "both")),
    Benchmark("events", "events", ("--mode", "embedded", "--streams", "40", "--users", "4", "--generations", "8"),
              ("--mode", "both"), repeat_full=1),
    Benchmark("streams", "streams", ("--quick",), (), repeat_full=1),
    Benchmark("offline", "offline", ("--runs", "3"), ("--runs", "40"), repeat_full=1),
    Benchmark("burst", "burst", ("--creates", "20", "--generates", "5"), (), repeat_full=1),
    Benchmark("web", "web", ("--requests", "20"), ("--requests", "300")),
    Benchmark("catalog", "catalog", ("--requests", "20"), ("--requests", "200")),
    Benchmark("generations", "generations", ("--quick",), (), repeat_full=1),
    Benchmark("claim_1m", "claim_1m", (), (), repeat_full=1),
)


def machine() -> dict:
    """The CPU, cores, memory and versions the numbers came from."""
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    memory_kib = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                      if line.startswith("MemTotal:"))
    return {"cpu": cpu, "cores": len(os.sched_getaffinity(0)), "memory_gib": round(memory_kib / 1024**2, 1),
            "python": platform.python_version(), "platform": platform.platform(),
            "postgresql": _version(["psql", "--version"]) or _postgres_server_version(),
            "redis": _version(["redis-server", "--version"]) or _version(["redis-cli", "--version"])}


def _version(command: list[str]) -> str | None:
    try:
        return subprocess.run(command, capture_output=True, text=True, timeout=10).stdout.strip() or None
    except (OSError, subprocess.TimeoutExpired):
        return None


def _postgres_server_version() -> str | None:
    try:
        import psycopg
        from sqlalchemy.engine import make_url

        from bench._harness import POSTGRES_ADMIN_URL

        url = make_url(POSTGRES_ADMIN_URL).set(drivername="postgresql").render_as_string(hide_password=False)
        with psycopg.connect(url, connect_timeout=3) as connection:
            return connection.execute("SHOW server_version").fetchone()[0]
    except Exception as error:  # a report line, not a failure: the PostgreSQL runs will say what is wrong
        return f"unknown ({type(error).__name__})"


def run_one(benchmark: Benchmark, quick: bool) -> dict:
    """Run ``benchmark`` (repeated as its kind says) and collect its printed lines and its JSON."""
    if not (BENCH / f"{benchmark.name}.py").exists():
        note = f"skipped: bench/{benchmark.name}.py is not in this checkout"
        print(f"== {benchmark.name}: {note}", flush=True)
        return {"skipped": note}
    args = benchmark.quick if quick else benchmark.full
    runs = []
    for _ in range(benchmark.repeat_quick if quick else benchmark.repeat_full):
        (RESULTS_DIR / f"{benchmark.result}.json").unlink(missing_ok=True)
        command = [sys.executable, "-m", f"bench.{benchmark.name}", *args]
        print(f"== {' '.join(command[1:])}", flush=True)
        load_before, started = os.getloadavg(), time.perf_counter()
        try:
            done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=benchmark.timeout_s)
            returncode, output = done.returncode, done.stdout + done.stderr
        except subprocess.TimeoutExpired as expired:
            returncode, output = "timeout", f"{expired.stdout or ''}\nran past {benchmark.timeout_s} s"
        written = RESULTS_DIR / f"{benchmark.result}.json"
        lines = [line for line in output.splitlines() if line.strip()][-25:]
        print("\n".join(lines[-12:]), flush=True)
        runs.append({"args": list(args), "returncode": returncode, "seconds": round(time.perf_counter() - started, 1),
                     "load_average_before": load_before, "load_average_after": os.getloadavg(), "output": lines,
                     "result": json.loads(written.read_text()) if written.exists() else None})
    return {"runs": runs}


def run_peers() -> dict:
    """The peers' benchmark, then its raw figures (``$TMPDIR/peerbench/out/results.json``)."""
    script = PEERBENCH / "run.sh"
    if not script.exists():
        return {"skipped": f"{script} not found"}
    print(f"== bash {script}", flush=True)
    done = subprocess.run(["bash", str(script)], cwd=REPO, capture_output=True, text=True, timeout=900)
    out = Path(os.environ.get("PB_DIR") or Path(os.environ.get("TMPDIR", "/tmp")) / "peerbench") / "out"
    figures = out / "results.json"
    if done.returncode != 0 or not figures.exists():
        return {"skipped": f"run.sh exited {done.returncode}: {(done.stdout + done.stderr)[-500:]}"}
    return json.loads(figures.read_text())


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repetitions, under 3 minutes on this machine")
    parser.add_argument("--peers", action="store_true", help="run ../shared/peerbench first (about 4 minutes)")
    parser.add_argument("--only", nargs="*", help="re-run these benchmarks (by name) into the last report")
    args = parser.parse_args(argv)
    RESULTS_DIR.mkdir(exist_ok=True)
    started = time.time()
    report: dict = {"started": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(started)), "quick": args.quick,
                    "machine": machine(), "load_average_start": os.getloadavg(), "benchmarks": {}}
    previous: dict = {}
    if args.only and RESULTS.exists():  # a partial run refreshes those benchmarks in the last full report
        previous = json.loads(RESULTS.read_text())
        report["benchmarks"] = previous.get("benchmarks", {})
        report.update({key: previous[key] for key in ("peers",) if key in previous})
        report["note"] = f"{', '.join(args.only)} re-run on {report['started']}; the rest from {previous['started']}"
        report["started"], report["quick"] = previous["started"], previous["quick"]
        report["load_average_start"] = previous["load_average_start"]
    if args.peers:
        report["peers"] = run_peers()
    for benchmark in BENCHMARKS:
        if not args.only or benchmark.name in args.only:
            report["benchmarks"][benchmark.name] = run_one(benchmark, args.quick)
    report["load_average_end"] = os.getloadavg()
    report["seconds"] = round(time.time() - started, 1) + (previous.get("seconds", 0) if args.only else 0)
    soak = RESULTS_DIR / "soak.json"  # run on its own (bench/soak.py): shown when there is one
    if soak.exists():
        report["soak"] = json.loads(soak.read_text())
    RESULTS.write_text(json.dumps(report, indent=1) + "\n")
    from bench.report import render

    render(report, DOC, PLOTS)
    spent = {name: sum(run["seconds"] for run in entry.get("runs", [])) for name, entry in report["benchmarks"].items()}
    print("seconds per benchmark: " + ", ".join(f"{name} {seconds:.1f}" for name, seconds in spent.items()))
    print(f"wrote {RESULTS.relative_to(REPO)} and {DOC.relative_to(REPO)} in {report['seconds']} s; load average "
          f"{', '.join(f'{value:.2f}' for value in report['load_average_start'])} at the start, "
          f"{', '.join(f'{value:.2f}' for value in report['load_average_end'])} at the end")


if __name__ == "__main__":
    main()
