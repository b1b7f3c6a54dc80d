"""``docs/benchmarks.md`` and its plots from ``bench/results.json`` (what ``bench/run.py`` gathered)."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # files only, no display
import matplotlib.pyplot as plt  # noqa: E402

BENCH = Path(__file__).resolve().parent
PROFILES_README = BENCH / "profiles" / "README.md"
_RELATIVE_LINK = re.compile(r"(\[[^\]]*\]\()(?![a-z][a-z0-9+.-]*:|#|/)([^)\s]+)\)")


def _get(data: Any, *path: str | int) -> Any:
    for key in path:
        if isinstance(data, dict) and key in data:
            data = data[key]
        elif isinstance(data, list) and isinstance(key, int) and -len(data) <= key < len(data):
            data = data[key]
        else:
            return None
    return data


def _results(report: dict, name: str) -> list[dict]:
    """Every run's JSON of one benchmark (runs that wrote none left out)."""
    return [run["result"] for run in _get(report, "benchmarks", name, "runs") or [] if run.get("result")]


def _figures(report: dict, name: str, *path: str | int) -> str:
    """One figure from each run of a benchmark, joined: three runs show the spread; '–' when none measured it."""
    values = [_get(result, *path) for result in _results(report, name)]
    values = [max(value) if isinstance(value, list) and value else value for value in values]  # several processes
    shown = [f"{value:,}" if isinstance(value, int) else f"{value:g}" if isinstance(value, float) else str(value)
             for value in values if value is not None]
    return " / ".join(shown) or "–"


def _met(value: str, target: float, *, below: bool = True) -> str:
    parts = [part.replace(",", "") for part in value.split(" / ")]
    numbers = [float(part) for part in parts if part.replace(".", "", 1).isdigit()]
    if not numbers:
        return "not measured"
    worst = max(numbers) if below else min(numbers)
    return "met" if (worst <= target if below else worst >= target) else "**not met**"


def targets_table(report: dict) -> list[str]:
    rows = [
        ("full generations/s, offline 64², embedded", _figures(report, "generations", "embedded", "generations_per_s"),
         "≥ 200", 200, False),
        ("the same, 2 `worker` × 2 threads, PostgreSQL + Redis",
         _figures(report, "generations", "scaled", "generations_per_s"), "≥ 150", 150, False),
        ("own time per generation p50, embedded (ms)",
         _figures(report, "generations", "embedded_split_ms", "own", "p50_ms"), "≤ 3", 3, True),
        ("own time per generation p50, scaled (ms)",
         _figures(report, "generations", "scaled_split_ms", "own", "p50_ms"), "≤ 3", 3, True),
        ("`worker` RSS idle, the larger of 2 (MiB)",
         _figures(report, "generations", "scaled", "worker_rss_idle_mib"), "≤ 60", 60, True),
        ("`worker` RSS after the run, the larger of 2 (MiB)",
         _figures(report, "generations", "scaled", "worker_rss_after_mib"), "≤ 90", 90, True),
        (f"claim p50, {_figures(report, 'claim_1m', 'finished_rows')} finished + 10,000 pending rows, PostgreSQL (ms)",
         _figures(report, "claim_1m", "claim", "p50_ms"), "≤ 2", 2, True),
        ("`serve` RSS idle, fresh data folder: previews drawn (MiB)", _figures(report, "serve_memory", "rss_idle_mib"),
         "≤ 90", 90, True),
        ("`serve` RSS idle, restarted: nothing to draw (MiB)",
         _figures(report, "serve_idle", "restart", "rss_idle_mib"),
         "≤ 90", 90, True),
        ("`serve` RSS peak, 4 clients uploading 12 MP JPEGs (MiB)", _figures(report, "serve_memory", "rss_peak_mib"),
         "≤ 200", 200, True),
        ("12 MP JPEG upload, server time p50 (ms)",
         _figures(report, "serve_memory", "uploads", "jpeg_12mp", "p50_ms"), "≤ 100", 100, True),
        ("12 MP JPEG with an EXIF rotation (re-encoded), p50 (ms)",
         _figures(report, "serve_memory", "uploads", "jpeg_12mp_rotated", "p50_ms"), "(≤ 100)", 100, True),
        ("2048² PNG upload, server time p50 (ms)",
         _figures(report, "serve_memory", "uploads", "png_2048", "p50_ms"), "≤ 200", 200, True),
        ("`serve` start-up, fresh SQLite database (s)", _figures(report, "startup", "sqlite", "fresh_median_s"),
         "≤ 1.0", 1.0, True),
        ("`serve` start-up, fresh PostgreSQL database (s)", _figures(report, "startup", "postgres", "fresh_median_s"),
         "≤ 1.0", 1.0, True),
        ("open SSE streams on one `serve`", _figures(report, "streams", "streams_alive_at_end"), "2,000", 2000, False),
        ("memory per stream (KiB)", _figures(report, "streams", "kib_per_stream"), "≤ 50", 50, True),
        ("`/health` p99 meanwhile (ms)", _figures(report, "streams", "health", "p99_ms"), "< 50", 50, True),
        ("pickup p50, embedded (ms)", _figures(report, "queue", "modes", "embedded", "pickup_idle", "p50_ms"),
         "≤ 5", 5, True),
        ("pickup p50, PostgreSQL + Redis (ms)", _figures(report, "queue", "modes", "scaled", "pickup_idle", "p50_ms"),
         "≤ 2", 2, True),
    ]
    lines = ["| measure | this run (each repeat) | target | |", "|---|---|---|---|"]
    lines += [f"| {name} | {value} | {target} | {_met(value, limit, below=below)} |"
              for name, value, target, limit, below in rows]
    return lines


def peers_table(report: dict) -> list[str]:
    peers = report.get("peers")
    if not peers:
        return ["Not run (`python -m bench.run --peers` runs `../shared/peerbench/run.sh` first)."]
    if "skipped" in peers:
        return [f"Not available: {peers['skipped']}"]
    ours = {label: _get(_results(report, "queue")[-1:], 0, "modes", mode) for label, mode in
            (("ours, embedded", "embedded"), ("ours, PostgreSQL + Redis", "scaled"))}
    bull_pickup = _get(peers, "idle", "bullmq", "p50")
    bull_recovery = _get(peers, "crash", "bullmq", "recovery_s")
    lines = ["| queue | idle pickup p50 (ms) | × BullMQ | SIGKILLed job runs again after (s) | × BullMQ |",
             "|---|---|---|---|---|"]
    for name, figures in ours.items():
        pickup = _get(figures, "pickup_idle", "p50_ms")
        recovery = max(_get(figures, "recovery_s") or [float("nan")])
        lines.append(f"| {name} | {pickup} | {_ratio(pickup, bull_pickup)} | {recovery} | "
                     f"{_ratio(recovery, bull_recovery)} |")
    for peer in ("bullmq", "redishuey", "sqlitehuey"):
        pickup, recovery = _get(peers, "idle", peer, "p50"), _get(peers, "crash", peer, "recovery_s")
        lines.append(f"| {peer} | {pickup if pickup is None else round(pickup, 2)} | {_ratio(pickup, bull_pickup)} | "
                     f"{recovery if recovery is not None else 'lost'} | {_ratio(recovery, bull_recovery)} |")
    return lines


def soak_table(report: dict) -> list[str]:
    runs = _get(report, "soak", "runs")
    if not runs:
        return ["No soak result in bench/results/soak.json."]
    lines = []
    for run in runs:
        load = f"{run['load_average_before'][0]:.2f} → {run['load_average_after'][0]:.2f}"
        lines += [f"**{run['topology']}**: {run['users']} users × {run['minutes']:g} min, {run['requests']} requests, "
                  f"load {load}: 5xx {run['server_errors']}, transport errors {len(run['transport_errors'])} "
                  f"(GETs sent again after a stale kept-alive connection: {run.get('stale_connections_retried', 0)}), "
                  f"worker SIGKILLs {run['worker_kills']}, generations {run['generations']}, lost "
                  f"{len(run['lost'])}, ledger problems {len(run['ledger_problems'])}; peak RSS (MiB) "
                  f"{run['peak_rss_mib']}.", "", "| route | n | p50 ms | p95 ms | p99 ms | statuses |",
                  "|---|---|---|---|---|---|"]
        lines += [f"| {route} | {figures['n']} | {figures['p50_ms']:.1f} | {figures['p95_ms']:.1f} | "
                  f"{figures['p99_ms']:.1f} | {figures['statuses']} |" for route, figures in run["routes"].items()]
        lines.append("")
    return lines


def _ratio(value: float | None, base: float | None) -> str:
    if not isinstance(value, int | float) or not isinstance(base, int | float) or not base or value != value:
        return "–"
    return f"{value / base:.2f}"


def plots(report: dict, folder: Path) -> list[str]:
    """PNGs of RSS over time, upload latency over time and generations per second; their Markdown lines."""
    folder.mkdir(parents=True, exist_ok=True)
    lines = []
    memory = _results(report, "serve_memory")
    if memory:
        figure, axes = plt.subplots(figsize=(8, 3.5))
        for index, result in enumerate(memory):
            seconds, mib = zip(*result["rss_samples"], strict=True) if result["rss_samples"] else ((), ())
            axes.plot(seconds, mib, label=f"run {index + 1}")
        axes.set(xlabel="seconds", ylabel="RSS (MiB)", title="serve RSS while 4 clients upload 12 MP JPEGs")
        axes.axhline(200, color="grey", linestyle="--", linewidth=1, label="target peak")
        axes.legend()
        lines += _save(figure, folder, "rss.png", "serve RSS over time")
        figure, axes = plt.subplots(figsize=(8, 3.5))
        for name, times in memory[-1]["upload_series_ms"].items():
            axes.plot(range(1, len(times) + 1), times, marker=".", label=name)
        axes.set(xlabel="upload, in order", ylabel="server time (ms)", title="Upload latency over time (last run)")
        axes.legend()
        lines += _save(figure, folder, "upload-latency.png", "upload latency over time")
    rates = _rates(report)
    if rates:
        figure, axes = plt.subplots(figsize=(8, 0.5 + 0.4 * len(rates)))
        axes.barh(list(rates), list(rates.values()))
        axes.set(xlabel="per second", title="Throughput figures of this run")
        figure.tight_layout()
        lines += _save(figure, folder, "throughput.png", "generations and requests per second")
    return lines


def _rates(report: dict) -> dict[str, float]:
    """Every ``…per_s`` or ``…per_second`` figure the last run of each benchmark wrote, by its path."""
    found: dict[str, float] = {}

    def walk(data: Any, path: str) -> None:
        if isinstance(data, dict):
            for key, value in data.items():
                if key != "targets":  # goals, not measurements
                    walk(value, f"{path}.{key}")
        elif isinstance(data, int | float) and (path.endswith("per_s") or path.endswith("per_second")):
            found[path.lstrip(".")] = float(data)

    for name in report["benchmarks"]:
        results = _results(report, name)
        if results:
            walk(results[-1], name)
    return dict(list(found.items())[:30])


def _save(figure, folder: Path, name: str, alt: str) -> list[str]:
    figure.tight_layout()
    figure.savefig(folder / name, dpi=90)
    plt.close(figure)
    return [f"![{alt}](benchmarks/{name})", ""]


def profiles_section(doc: Path, source: Path = PROFILES_README) -> list[str]:
    """The hand-written findings of ``bench/profiles/README.md``, its headings one level down and its links made
    relative to ``doc``: where the time and memory go for each target not met, and what was cut."""
    if not source.exists():
        return [f"No findings yet ({source.name} under bench/profiles/)."]
    prefix = Path(os.path.relpath(source.parent, doc.resolve().parent))
    lines = []
    for line in source.read_text().split("\n", 1)[1].strip().splitlines():  # its own title becomes the section's
        line = f"#{line}" if line.startswith("#") else line
        lines.append(_RELATIVE_LINK.sub(lambda found: f"{found[1]}{(prefix / found[2]).as_posix()})", line))
    return lines


def render(report: dict, doc: Path, plot_folder: Path) -> None:
    machine = report["machine"]
    start, end = report["load_average_start"], report["load_average_end"]
    lines = [
        "# Benchmarks", "",
        f"Generated by `python -m bench.run{' --quick' if report['quick'] else ''}"
        f"{' --peers' if 'peers' in report else ''}` on {report['started']} in {report['seconds']} s; raw figures in "
        "`bench/results.json`. Each benchmark ran as its own process; the latency ones three times (a / b / c below) "
        "to show the spread (with `--quick`, api and upload only). The machine is shared: read every number with the "
        "load average beside it.", *([f"({report['note']}.)"] if "note" in report else []), "",
        "| machine | |", "|---|---|",
        *[f"| {key} | {value} |" for key, value in machine.items()],
        f"| load average at start (1, 5, 15 min) | {', '.join(f'{value:.2f}' for value in start)} |",
        f"| load average at end | {', '.join(f'{value:.2f}' for value in end)} |", "",
        "## Targets (issue 18)", "", *targets_table(report), "",
        "Uploads: an upright sRGB JPEG or 8-bit PNG is stored as sent less its metadata (no re-encode) and a JPEG's "
        "thumbnail is decoded at 1/4 or 1/8 scale (`draft`); a photo whose EXIF says to turn it, or whose colour "
        "profile converts, is decoded in full and re-encoded (the 'EXIF rotation' row), at most "
        "`AVATAR_MAX_CONCURRENT_DECODES` at once. Streams: the open-file limit is raised to its hard limit "
        f"({_figures(report, 'streams', 'file_limit', 'hard')}), which did not limit 2,000 streams; "
        "`/health` is timed while one generation per user fans its events out to every stream.", "",
        "## Where the time and memory go", "", *profiles_section(doc), "",
        "## Next to the peers (same run)", "", *peers_table(report), "",
        "## Plots", "", *plots(report, plot_folder),
        "## Soak (`python -m bench.soak`, run on its own)", "", *soak_table(report), "",
        "## Each benchmark", "",
    ]
    for name, entry in report["benchmarks"].items():
        lines += [f"### {name}", ""]
        if "skipped" in entry:
            lines += [entry["skipped"], ""]
            continue
        for index, run in enumerate(entry["runs"], 1):
            load = f"{run['load_average_before'][0]:.2f} → {run['load_average_after'][0]:.2f}"
            lines += [f"Run {index}: `python -m bench.{name} {' '.join(run['args'])}`, {run['seconds']} s, exit "
                      f"{run['returncode']}, load {load}", "", "```", *run["output"][-15:], "```", ""]
    doc.write_text("\n".join(lines).rstrip() + "\n")


if __name__ == "__main__":  # re-render docs/benchmarks.md from the last bench/results.json, running nothing
    repository = BENCH.parent
    results_file, soak = BENCH / "results.json", BENCH / "results" / "soak.json"
    results = json.loads(results_file.read_text())
    if soak.exists():  # a soak run on its own since (bench/soak.py) joins the results it is shown with
        results["soak"] = json.loads(soak.read_text())
        results_file.write_text(json.dumps(results, indent=1) + "\n")
    render(results, repository / "docs" / "benchmarks.md", repository / "docs" / "benchmarks")
    print("wrote docs/benchmarks.md from bench/results.json")
