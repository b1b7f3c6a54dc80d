"""Any OS: nothing POSIX-only is imported or called without a portable path.

The POSIX-only modules are made unimportable in a child interpreter (``sys.modules[name] = None`` makes ``import``
raise, as on Windows), so this session's imports stay untouched.
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import avatar_creator
from avatar_creator.jobs import liveness

POSIX_ONLY = ("fcntl", "resource", "pwd", "grp", "termios")

# Libraries that pick a per-OS backend at import (psutil's Linux one uses resource) load theirs first, as they would
# load their Windows one there; from then on only our own imports can reach the blocked modules.
OWN_BACKENDS = ("psutil",)

WITHOUT_POSIX_MODULES = textwrap.dedent("""
    import importlib, sys
    for name in {own_backends!r}:
        importlib.import_module(name)
    for name in {posix_only!r}:
        sys.modules[name] = None

    import os, pkgutil
    import avatar_creator

    # Alembic runs env.py and the revisions itself (upgrade() below does); everything else is imported here.
    skipped = ("avatar_creator.migrations.env", "avatar_creator.migrations.versions")
    imported = []
    for module in pkgutil.walk_packages(avatar_creator.__path__, "avatar_creator."):
        if not module.name.startswith(skipped):
            importlib.import_module(module.name)
            imported.append(module.name)

    from fastapi.testclient import TestClient
    from avatar_creator.app import create_app
    from avatar_creator.db import make_engine
    from avatar_creator.jobs import liveness
    from avatar_creator.migrations import upgrade
    from avatar_creator.settings import Settings

    data = sys.argv[1]
    settings = Settings(_env_file=None, data_dir=data, secret_key="portable-" + "x" * 40, workers=1)
    engine = make_engine(settings.resolved_database_url, pool_size=1)
    upgrade(engine, lock_dir=settings.data_dir)
    engine.dispose()
    with TestClient(create_app(settings)) as client:
        assert client.get("/health").json() == {{"status": "ok"}}
        assert client.get("/health/ready").status_code == 200
        assert client.get("/api/apps").status_code == 200
    assert not liveness.is_dead(os.getpid(), liveness.process_started(os.getpid()))
    print("imported", len(imported), "modules")
""").format(posix_only=POSIX_ONLY, own_backends=OWN_BACKENDS)


def test_every_module_imports_and_the_app_serves_without_posix_only_modules(tmp_path):
    result = subprocess.run([sys.executable, "-c", WITHOUT_POSIX_MODULES, str(tmp_path / "data")],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    imported = int(result.stdout.split("imported ")[1].split()[0])
    assert imported > 100  # the walk really went through the package


def test_no_module_calls_os_kill():
    """On Windows ``os.kill(pid, 0)`` terminates the process it was meant to check: psutil asks instead."""
    package = Path(avatar_creator.__file__).parent
    calls = [f"{path.relative_to(package)}:{node.lineno}" for path in package.rglob("*.py")
             for node in ast.walk(ast.parse(path.read_text())) if isinstance(node, ast.Attribute)
             and node.attr in ("kill", "killpg") and isinstance(node.value, ast.Name) and node.value.id == "os"]
    assert calls == []


def test_the_child_really_cannot_import_posix_only_modules():
    probe = f"import sys\nfor n in {POSIX_ONLY!r}: sys.modules[n] = None\nimport fcntl"
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=30)
    assert result.returncode == 1 and "ModuleNotFoundError" in result.stderr


def _check_a_live_then_a_dead_process() -> None:
    process = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    started = liveness.process_started(process.pid)
    assert started is not None
    assert not liveness.is_dead(process.pid, started)
    assert not liveness.is_dead(os.getpid(), liveness.process_started(os.getpid()))
    process.kill()
    deadline = time.monotonic() + 5
    while not liveness.is_dead(process.pid, started):  # a zombie until reaped: already dead
        assert time.monotonic() < deadline, "a killed, unreaped process never looked dead"
        time.sleep(0.01)
    process.wait()
    assert liveness.is_dead(process.pid, started)
    assert liveness.is_dead(os.getpid(), started="1")  # the same PID, started at another time: reused


def test_liveness_on_this_os():
    _check_a_live_then_a_dead_process()


def test_liveness_where_there_is_no_proc(tmp_path, monkeypatch):
    """Windows and macOS have no /proc: start times and the boot come from psutil instead."""
    monkeypatch.setattr(liveness, "_PROC", tmp_path / "no-proc")
    liveness.host_key.cache_clear()
    try:
        assert len(liveness.host_key()) == 32
        assert "." in (liveness.process_started(os.getpid()) or "")  # psutil's creation time, not /proc's ticks
        _check_a_live_then_a_dead_process()
    finally:
        liveness.host_key.cache_clear()
