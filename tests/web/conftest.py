"""Browser tests: a real ``avatar-creator serve`` on a free port, driven by Playwright in Debian's Chromium.

One server (SQLite) serves each test module; every test signs up its own user, so tests never share data. Without
Chromium or Playwright the browser tests skip with a reason, unless AVATAR_TEST_REQUIRE names ``browser`` (CI).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support.settings import TEST_SECRET, unavailable
from tests.support.web import DESKTOP

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("AVATAR_TEST_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
STARTUP_SECONDS = 30
VIOLATION = "Content-Security-Policy violation:"
VIOLATION_REPORTER = """document.addEventListener("securitypolicyviolation", function (event) {
  console.error("PREFIX " + event.violatedDirective + " by " + event.sourceFile + ":" + event.lineNumber + " on " +
                (event.target && event.target.outerHTML ? event.target.outerHTML.slice(0, 200) : event.blockedURI));
});""".replace("PREFIX", VIOLATION)
STEP_DELAY_MS = 700  # the offline provider's pause per step (5 steps): slow enough to watch, cancel and reload


@dataclass(frozen=True)
class LiveServer:
    url: str
    data_dir: Path
    database_url: str
    log: Path


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_until_up(url: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"avatar-creator serve exited with {process.returncode}:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    pytest.fail(f"avatar-creator serve did not answer within {STARTUP_SECONDS} s:\n{log.read_text()[-3000:]}")


def server_environment(folder: Path, database_url: str, **overrides: str) -> dict[str, str]:
    """The server's settings: its own data folder and database, cheap hashing, no rate limits."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("AVATAR_")}
    env.update(PYTHONPATH=str(REPO), AVATAR_DATA_DIR=str(folder / "data"), AVATAR_DATABASE_URL=database_url,
               AVATAR_SECRET_KEY=TEST_SECRET, AVATAR_RATE_LIMITS="off", AVATAR_ARGON2_TIME_COST="1",
               AVATAR_ARGON2_MEMORY_KIB="8", AVATAR_ARGON2_PARALLELISM="1", AVATAR_WORKERS="2",
               AVATAR_OFFLINE_STEP_DELAY_MS=str(STEP_DELAY_MS))
    env.update(overrides)
    return env


@contextmanager
def serving(folder: Path, sqlite_template: Path, **overrides: str) -> Iterator[LiveServer]:
    """``avatar-creator serve`` on a free port with its own copy of the migrated database, until the block ends."""
    database = folder / "web.db"
    shutil.copy(sqlite_template, database)
    database_url = f"sqlite:///{database}"
    port = _free_port()
    log = folder / "server.log"
    with log.open("wb") as log_file:
        # cwd is the scratch folder, so a developer's .env in the repository does not leak into the test server.
        process = subprocess.Popen(
            [sys.executable, "-m", "avatar_creator.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
            cwd=folder, env=server_environment(folder, database_url, **overrides), stdout=log_file,
            stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(url, process, log)
        yield LiveServer(url=url, data_dir=folder / "data", database_url=database_url, log=log)
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.fixture(scope="module")
def server_overrides() -> dict[str, str]:
    """Settings a test module's server takes on top of ``server_environment``'s; a module overrides this fixture."""
    return {}


@pytest.fixture(scope="module")
def live_server(tmp_path_factory, sqlite_template, server_overrides) -> Iterator[LiveServer]:
    """A server per test module, so work a module leaves queued stops with it instead of loading later tests."""
    with serving(tmp_path_factory.mktemp("web-server"), sqlite_template, **server_overrides) as server:
        yield server


@pytest.fixture(scope="module")
def browser():
    """Chromium for one test module: sync Playwright keeps an event loop marked running on this thread while it
    lives, which would break the asyncio code of tests in other modules."""
    if not Path(CHROMIUM).exists():
        unavailable("browser", f"{CHROMIUM} not found (apt-get install -y --no-install-recommends chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("browser", "playwright is not installed (pip install -e '.[dev]')")
    playwright = sync_playwright().start()
    try:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
    except Exception as error:  # a broken Chromium install: skip or fail like a missing one
        playwright.stop()
        unavailable("browser", f"Chromium did not start: {str(error).splitlines()[0]}")
    yield launched
    launched.close()
    playwright.stop()


@contextmanager
def _watched_page(browser, live_server: LiveServer):
    from playwright.sync_api import expect

    expect.set_options(timeout=10_000)
    context = browser.new_context(base_url=live_server.url, viewport=DESKTOP)
    context.set_default_timeout(10_000)
    browser_page = context.new_page()
    # A Content-Security-Policy violation breaks a page quietly (a style, a script not run): it fails the test,
    # with the directive and the element that broke it.
    refused: list[str] = []
    browser_page.add_init_script(VIOLATION_REPORTER)
    browser_page.on("console", lambda message: refused.append(message.text)
                    if message.text.startswith(VIOLATION) else None)
    yield browser_page
    context.close()
    assert refused == [], "\n".join(refused)


@pytest.fixture
def page(browser, live_server):
    with _watched_page(browser, live_server) as browser_page:
        yield browser_page


@pytest.fixture
def other_page(browser, live_server):
    """A second person's browser (its own cookies) on the same server, watched like ``page``."""
    with _watched_page(browser, live_server) as browser_page:
        yield browser_page


@pytest.fixture(scope="session")
def photos(tmp_path_factory) -> dict[str, Path]:
    """A portrait the upload accepts and one too small to be an avatar, drawn here."""
    from PIL import Image, ImageDraw

    folder = tmp_path_factory.mktemp("photos")
    portrait = Image.new("RGB", (640, 640), (90, 140, 200))
    drawing = ImageDraw.Draw(portrait)
    drawing.ellipse((220, 150, 420, 370), fill=(235, 190, 160))
    drawing.pieslice((140, 380, 500, 760), 180, 360, fill=(60, 60, 90))
    portrait.save(folder / "portrait.jpg", quality=90)
    Image.new("RGB", (40, 40), (200, 80, 80)).save(folder / "tiny.png")
    return {"portrait": folder / "portrait.jpg", "tiny": folder / "tiny.png"}
