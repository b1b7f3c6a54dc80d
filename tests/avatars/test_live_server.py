"""Uploads and file URLs through a real uvicorn server: the size limit holds while the body streams (whatever the
Content-Length says), and the access log never shows a URL signature."""

from __future__ import annotations

import logging
import select
import socket
import threading
import time
from collections.abc import Iterator

import httpx
import pytest
import uvicorn

from avatar_creator import logs
from avatar_creator.app import create_app
from tests.support.factories import create_project, register
from tests.support.settings import make_settings
from tests.support.uploads import create_avatar, snapshot, upload_path

LIMIT = 1024 * 1024  # a small limit: what matters is how much is read past it
BOUNDARY = "test-boundary"
FILE_PART = (f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="image"; filename="a.jpg"\r\n'
             "Content-Type: image/jpeg\r\n\r\n").encode()


@pytest.fixture
def app(tmp_path, database_url):
    return create_app(make_settings(tmp_path, database_url, max_upload_bytes=LIMIT))


@pytest.fixture
def server(app) -> Iterator[int]:
    """The app served by uvicorn on a free port (access log on, logging left to us as `serve` does)."""
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_config=None, access_log=True))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "uvicorn did not start"
        time.sleep(0.01)
    yield server.servers[0].sockets[0].getsockname()[1]
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture
def account(client) -> dict:
    user = register(client)
    return {"user": user, "project": create_project(client, user["headers"])}


def request_head(port: int, account: dict, framing: str) -> bytes:
    return (f"POST {upload_path(account['project']['id'])} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
            f"Authorization: {account['user']['headers']['Authorization']}\r\n"
            f"Content-Type: multipart/form-data; boundary={BOUNDARY}\r\n{framing}\r\n\r\n").encode()


def send_until_answered(port: int, head: bytes, body: Iterator[bytes], most: int) -> tuple[int, bytes]:
    """Send ``head`` then ``body`` until the server answers or ``most`` bytes went; the bytes sent and the answer."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    sock.sendall(head)
    sock.setblocking(False)
    sent, answer, pending = 0, b"", memoryview(b"")
    try:
        while b"\r\n\r\n" not in answer:
            readable, writable, _ = select.select([sock], [sock] if sent < most else [], [], 10)
            if not readable and not writable:
                break
            if readable:
                data = sock.recv(65536)
                if not data:
                    break
                answer += data
            elif writable:
                pending = pending or memoryview(next(body, b""))
                if not pending:
                    most = sent  # the body is complete: only wait for the answer
                    continue
                try:
                    written = sock.send(pending)
                except (BrokenPipeError, ConnectionResetError):
                    continue  # the server stopped reading: its answer is waiting to be read
                pending, sent = pending[written:], sent + written
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and (b"\r\n\r\n" not in answer or not answer.rstrip().endswith(b"}")):
            if select.select([sock], [], [], 1)[0]:
                data = sock.recv(65536)
                if not data:
                    break
                answer += data
    finally:
        sock.close()
    return sent, answer


def chunked(first: bytes) -> Iterator[bytes]:
    frame = lambda data: f"{len(data):x}\r\n".encode() + data + b"\r\n"  # noqa: E731
    yield frame(first)
    while True:
        yield frame(b"\xff" * 65536)


def plain(first: bytes) -> Iterator[bytes]:
    yield first
    while True:
        yield b"\xff" * 65536


def test_an_endless_chunked_upload_is_refused_at_the_limit(app, server, client, account, settings):
    before = snapshot(client, account["user"], app.state.settings.files_dir)
    sent, answer = send_until_answered(server, request_head(server, account, "Transfer-Encoding: chunked"),
                                       chunked(FILE_PART), most=128 * LIMIT)
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert b'"code":"PAYLOAD_TOO_LARGE"' in answer
    # Refused soon after the limit, not after the 128 MiB on offer (what was sent past it sat in socket buffers).
    assert LIMIT < sent < 32 * LIMIT
    assert snapshot(client, account["user"], app.state.settings.files_dir) == before


def test_a_content_length_below_the_truth_only_ever_delivers_what_it_declared(app, server, client, account):
    from tests.support.uploads import jpeg, multipart

    before = snapshot(client, account["user"], app.state.settings.files_dir)
    body, _ = multipart([("image", "a.jpg", jpeg(300, 300)), ("name", None, "Smuggled")], boundary=BOUNDARY)
    sent, answer = send_until_answered(server, request_head(server, account, "Content-Length: 500"), iter([body]),
                                       most=len(body))
    # The app is given the 500 bytes declared: a multipart body cut short. The bytes after them are not a request,
    # and uvicorn answers 400 for them first; either way nothing past the declared length became an upload.
    assert sent == len(body) > 500
    assert answer.startswith(b"HTTP/1.1 400"), answer[:200]
    assert snapshot(client, account["user"], app.state.settings.files_dir) == before


def test_an_honest_content_length_over_the_limit_is_refused_before_the_body(server, account):
    head = request_head(server, account, f"Content-Length: {50 * LIMIT}")
    sent, answer = send_until_answered(server, head, plain(FILE_PART), most=0)  # not one byte of body
    assert sent == 0
    assert answer.startswith(b"HTTP/1.1 413") and b'"code":"PAYLOAD_TOO_LARGE"' in answer


def test_a_normal_upload_over_the_network_works(server, client, account):
    from tests.support.uploads import jpeg, multipart

    body, content_type = multipart([("image", "a.jpg", jpeg(300, 300)), ("name", None, "Over HTTP")])
    response = httpx.post(f"http://127.0.0.1:{server}{upload_path(account['project']['id'])}", content=body,
                          headers={**account["user"]["headers"], "Content-Type": content_type})
    assert response.status_code == 201, response.text
    assert float(response.headers["server-timing"].split("dur=")[1]) > 0


def test_access_log_never_shows_a_signature(server, client, account, caplog):
    avatar = create_avatar(client, account["user"], account["project"]["id"])
    signature = avatar["baseImageUrl"].split("sig=")[1]
    logs.configure("INFO")  # what `serve` does before it starts uvicorn
    try:
        with caplog.at_level(logging.INFO, logger="uvicorn.access"):
            response = httpx.get(f"http://127.0.0.1:{server}{avatar['baseImageUrl']}")
            assert response.status_code == 200
            time.sleep(0.2)  # the access line is written after the response
    finally:
        for name in ("uvicorn.access", "uvicorn.error", "avatar_creator"):
            for log_filter in list(logging.getLogger(name).filters):
                if isinstance(log_filter, logs.RedactSecrets):
                    logging.getLogger(name).removeFilter(log_filter)
    lines = [record.getMessage() for record in caplog.records if record.name == "uvicorn.access"]
    assert any("/uploads/" in line and "sig=[redacted]" in line and "exp=" in line for line in lines), lines
    assert not any(signature in line for line in lines)
    assert signature not in caplog.text
