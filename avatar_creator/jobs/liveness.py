"""Is a worker process on this host still running? Answering that at once lets a killed job run again in seconds
instead of waiting out its lease.

Only processes with the same *host key* are judged: same hostname, same boot, same PID namespace. Two containers that
share a hostname but not a PID namespace get different keys, so neither ever declares the other dead. Anything not
judged here is left to its lease.

Portable: psutil answers "does this PID exist, is it a zombie" on every OS (``os.kill(pid, 0)`` would terminate the
process on Windows). Where Linux's /proc is there, a process's start time and the boot id come from it, exactly as
they always have, so rows written by older versions on the same host still compare equal.
"""

from __future__ import annotations

import functools
import hashlib
import os
import socket
from pathlib import Path

import psutil

_PROC = Path("/proc")


@functools.cache
def host_key() -> str:
    """A stable id for "processes whose PIDs this process can check"."""
    boot = _read(_PROC / "sys/kernel/random/boot_id") or f"{psutil.boot_time():.0f}"
    parts = [socket.gethostname(), boot]
    try:
        parts.append(str(os.stat(_PROC / "self/ns/pid").st_ino))
    except OSError:
        parts.append("")
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()[:32]


def process_started(pid: int) -> str | None:
    """When ``pid`` started, to tell a reused PID apart; None when nobody can tell.

    Linux: clock ticks since boot from /proc; elsewhere psutil's creation time (seconds since the epoch).
    """
    stat = _read(_PROC / str(pid) / "stat")
    if stat:
        # The command name (field 2) may hold spaces and parentheses: count fields from the last ')'.
        return stat.rpartition(")")[2].split()[19]
    try:
        return f"{psutil.Process(pid).create_time():.3f}"
    except psutil.Error:
        return None


def is_dead(pid: int, started: str | None) -> bool:
    """True only when ``pid`` (started at ``started``) is certainly gone: exited, a zombie, or the PID reused."""
    if not psutil.pid_exists(pid):
        return True
    try:
        # Killed but not yet reaped by its parent: it will never heartbeat again.
        if psutil.Process(pid).status() in (psutil.STATUS_ZOMBIE, psutil.STATUS_DEAD):
            return True
    except psutil.NoSuchProcess:
        return True
    except psutil.AccessDenied:  # alive, owned by someone else
        pass
    current = process_started(pid)
    return started is not None and current is not None and current != started


def _read(path: Path) -> str:
    try:
        return path.read_text().strip()
    except OSError:
        return ""
