"""A real browser's ``EventSource`` (Debian's Chromium, driven by Playwright) opens a stream with a ticket."""

from __future__ import annotations

import os
import time
from pathlib import Path

import httpx
import pytest
from starlette.responses import HTMLResponse, Response

from avatar_creator.app import create_app
from tests.support.events import EVENTS_PATH, LiveServer, record
from tests.support.factories import register
from tests.support.settings import make_settings, unavailable

CHROMIUM = os.environ.get("AVATAR_TEST_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]

# What a frontend does: open the stream with a ticket, and keep every event it is sent. The script is a file of its
# own: the app's Content-Security-Policy allows no inline script.
PAGE = """<!doctype html><meta charset="utf-8"><title>events</title><script src="/events-page.js"></script>"""
SCRIPT = """window.received = [];
const ticket = new URLSearchParams(location.search).get("ticket");
const source = new EventSource("%s?ticket=" + encodeURIComponent(ticket));
for (const kind of ["generation", "avatar", "queue"]) {
  source.addEventListener(kind, (e) => window.received.push({kind, id: e.lastEventId, data: JSON.parse(e.data)}));
}
""" % EVENTS_PATH  # noqa: UP031 - the page's JavaScript is full of braces


def received_a(kind: str, page, timeout: float = 10.0) -> None:
    """Wait until the page has received an event of ``kind``. Polled with ``evaluate``: ``wait_for_function`` with a
    string compiles it in the page, which the app's CSP (no 'unsafe-eval') refuses."""
    deadline = time.monotonic() + timeout
    while not page.evaluate(f"window.received.some((e) => e.kind === '{kind}')"):
        assert time.monotonic() < deadline, f"no {kind} event within {timeout} s"
        time.sleep(0.05)


@pytest.fixture
def browser():
    if not Path(CHROMIUM).exists():
        unavailable("browser", f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("browser", "playwright is not installed (pip install -e '.[dev]')")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_event_source_with_a_ticket_receives_events(browser, tmp_path, database_url):
    app = create_app(make_settings(tmp_path, database_url))
    app.add_route("/events-page", lambda _request: HTMLResponse(PAGE))
    app.add_route("/events-page.js", lambda _request: Response(SCRIPT, media_type="text/javascript"))
    server = LiveServer(app)
    try:
        with httpx.Client(base_url=server.url, timeout=10) as http:
            user = register(http)
            ticket = http.post(f"{EVENTS_PATH}/ticket", headers=user["headers"]).json()["ticket"]
        page = browser.new_page()
        page.goto(f"{server.url}/events-page?ticket={ticket}")
        received_a("queue", page)
        record(app, user["user"]["id"], "generation", {"id": "g1", "status": "pending", "progress": 0})
        record(app, user["user"]["id"], "avatar", {"action": "created", "id": "a1"})
        received_a("avatar", page)
        received = page.evaluate("window.received")
        page.close()
    finally:
        server.stop()
    stored = [event for event in received if event["kind"] != "queue"]
    assert [(event["kind"], event["data"]["id"]) for event in stored] == [("generation", "g1"), ("avatar", "a1")]
    assert int(stored[0]["id"]) < int(stored[1]["id"])
