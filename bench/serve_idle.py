"""``serve``'s idle RSS on a fresh data folder (the catalogue's previews drawn in the background, which loads the
offline renderer) and on its second start (nothing to draw), with which image libraries each start mapped.

    python -m bench.serve_idle [--settle 5]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench._harness import rss_mib, wait_until_up, write_results

LIBRARIES = ("cv2", "numpy", "cairo")


def idle(data_dir: str, port: int, settle: float) -> tuple[float, list[str]]:
    env = {**os.environ, "AVATAR_DATA_DIR": data_dir, "AVATAR_LOG_LEVEL": "WARNING"}
    process = subprocess.Popen([sys.executable, "-m", "avatar_creator.cli", "serve", "--port", str(port)], env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        wait_until_up(f"http://127.0.0.1:{port}", process, time.perf_counter())
        time.sleep(settle)
        maps = Path(f"/proc/{process.pid}/maps").read_text()
        return rss_mib(process.pid), [name for name in LIBRARIES if f"/{name}" in maps or f"lib{name}" in maps]
    finally:
        process.terminate()
        process.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--settle", type=float, default=5, help="seconds to wait once /health answers")
    parser.add_argument("--port", type=int, default=8761)
    args = parser.parse_args()
    load = os.getloadavg()
    results: dict = {"load_before": load[0]}
    with tempfile.TemporaryDirectory(prefix="avatar-bench-") as data_dir:
        for start, key in (("fresh data folder", "fresh"), ("second start", "restart")):
            rss, mapped = idle(data_dir, args.port, args.settle)
            results[key] = {"rss_idle_mib": round(rss, 1), "image_libraries": mapped}
            print(f"serve idle, {start:17}: RSS {rss:6.1f} MiB; image libraries mapped: {', '.join(mapped) or 'none'}")
    results["load_after"] = os.getloadavg()[0]
    print(f"load average {load[0]:.2f} -> {results['load_after']:.2f} on {os.cpu_count()} CPUs")
    print(f"wrote {write_results('serve_idle', results)}")


if __name__ == "__main__":
    main()
