"""A local server that speaks the Hugging Face inference protocol, for the provider's tests and the jobs that use it.

A pytest plugin (registered in the root conftest): its ``server`` fixture is a running server that also stands in for
the Hub, so no test ever reaches the internet.
"""

from __future__ import annotations

import io
import json
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from huggingface_hub import constants
from PIL import Image

from avatar_creator.providers.huggingface import HuggingFaceProvider

TOKEN = "hf_test-token-that-must-never-be-logged"  # fake, shaped like a real one


@dataclass
class Received:
    """One request as the server saw it."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    at: float = field(default_factory=time.monotonic)  # when it arrived

    def json(self) -> dict:
        return json.loads(self.body)


@dataclass
class Reply:
    """A scripted answer; ``hang`` keeps the connection open without answering until the server stops."""

    status: int = 200
    body: bytes = b""
    headers: dict[str, str] | None = None
    hang: bool = False


def png_bytes(width: int, height: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), "teal").save(buffer, format="PNG")
    return buffer.getvalue()


def image_reply(width: int = 32, height: int = 32) -> Reply:
    return Reply(body=png_bytes(width, height), headers={"Content-Type": "image/png"})


def json_reply(status: int, payload: dict, headers: dict[str, str] | None = None) -> Reply:
    return Reply(status, json.dumps(payload).encode(), {"Content-Type": "application/json", **(headers or {})})


class InferenceServer:
    """Answers each request with the next scripted ``Reply`` (500 when the script is empty) and records it."""

    def __init__(self):
        self.replies: deque[Reply] = deque()
        self.received: list[Received] = []
        self.released = threading.Event()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.02,), daemon=True)

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def script(self, *replies: Reply) -> None:
        self.replies.extend(replies)

    def start(self) -> InferenceServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.released.set()
        self._httpd.shutdown()
        self._httpd.server_close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self._answer()

            def do_POST(self) -> None:
                self._answer()

            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                headers = {name.lower(): value for name, value in self.headers.items()}
                server.received.append(Received(self.command, self.path, headers, body))
                reply = server.replies.popleft() if server.replies else Reply(500, b'{"error": "nothing scripted"}')
                if reply.hang:
                    server.released.wait(timeout=30)
                    return
                self.send_response(reply.status)
                for name, value in (reply.headers or {}).items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(reply.body)))
                self.end_headers()
                self.wfile.write(reply.body)

            def log_message(self, format: str, *args) -> None:  # keep test output quiet
                pass

        return Handler


@pytest.fixture
def server(monkeypatch):
    """A running server that also stands in for the Hub (HF_ENDPOINT), so no test ever reaches the internet."""
    running = InferenceServer().start()
    monkeypatch.setattr(constants, "ENDPOINT", running.url)
    monkeypatch.setattr(constants, "HF_HUB_DISABLE_TELEMETRY", True)  # no user-agent registry fetch
    yield running
    running.stop()


def provider_for(server: InferenceServer, **options) -> HuggingFaceProvider:
    options = {"token": TOKEN, "base_url": f"{server.url}/models/black-forest-labs/FLUX.1-schnell", **options}
    return HuggingFaceProvider(**options)
