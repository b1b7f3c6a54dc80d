"""Telling a dead worker process on this host from a live one, without trusting a reused PID."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

from avatar_creator.jobs import liveness

pytestmark = pytest.mark.skipif(not os.path.exists("/proc/self/stat"), reason="needs Linux /proc")


def test_this_process_is_alive_and_the_host_key_is_stable():
    started = liveness.process_started(os.getpid())
    assert started and not liveness.is_dead(os.getpid(), started)
    assert liveness.host_key() == liveness.host_key() and len(liveness.host_key()) == 32


def test_a_killed_process_is_dead_as_a_zombie_and_after_it_is_reaped():
    process = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    started = liveness.process_started(process.pid)
    assert not liveness.is_dead(process.pid, started)
    process.kill()
    deadline = time.monotonic() + 5
    while not liveness.is_dead(process.pid, started):
        assert time.monotonic() < deadline, "a killed, unreaped process never looked dead"
        time.sleep(0.01)
    process.wait()
    assert liveness.is_dead(process.pid, started)


def test_a_reused_pid_is_not_the_worker_that_registered_it():
    assert liveness.is_dead(os.getpid(), started="1")  # same PID, different start time
