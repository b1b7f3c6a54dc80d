"""Is a worker process on this host still running? Answering that at once lets a killed job run again in seconds
instead of waiting out its lease.

Only processes with the same *host key* are judged: same hostname, same boot, same PID namespace. Two containers that
share a hostname but not a PID namespace get different keys, so neither ever declares the other dead. Anything not
judged here is left to its lease.
"""

from __future__ import annotations

import functools
import hashlib
import os
import socket
from pathlib import Path

_PROC = Path("/proc")


@functools.cache
def host_key() -> str:
    """A stable id for "processes whose PIDs this process can check"."""
    parts = [socket.gethostname(), _read(_PROC / "sys/kernel/random/boot_id")]
    try:
        parts.append(str(os.stat(_PROC / "self/ns/pid").st_ino))
    except OSError:
        parts.append("")
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()[:32]


def process_started(pid: int) -> str | None:
    """When ``pid`` started (clock ticks since boot), to tell a reused PID apart; None where /proc cannot tell."""
    stat = _read(_PROC / str(pid) / "stat")
    if not stat:
        return None
    # The command name (field 2) may hold spaces and parentheses: count fields from the last ')'.
    return stat.rpartition(")")[2].split()[19]


def is_dead(pid: int, started: str | None) -> bool:
    """True only when ``pid`` (started at ``started``) is certainly gone: exited, a zombie, or the PID reused."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # alive, owned by someone else
        pass
    stat = _read(_PROC / str(pid) / "stat")
    if not stat:
        return False
    fields = stat.rpartition(")")[2].split()
    zombie = fields[0] in ("Z", "X")  # killed but not yet reaped by its parent: it will never heartbeat again
    return zombie or (started is not None and fields[19] != started)


def _read(path: Path) -> str:
    try:
        return path.read_text().strip()
    except OSError:
        return ""
