"""A real SMTP server (aiosmtpd) for the mail the accounts send, and an app that sends through it."""

from __future__ import annotations

import email
from collections.abc import Iterator
from email.message import EmailMessage
from email.policy import default

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from fastapi.testclient import TestClient

from avatar_creator.app import create_app
from tests.support.processes import free_port
from tests.support.settings import make_settings

SMTP_USER, SMTP_PASSWORD = "mailer", "smtp-pass-w0rd"


class Mailbox:
    """What the SMTP server accepted, in order; only senders that logged in with the right password get in."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.url = ""  # with the login, once the server listens

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 - aiosmtpd's handler hook
        self.messages.append(email.message_from_bytes(envelope.content, policy=default))  # type: ignore[arg-type]
        return "250 Message accepted"

    def links(self, marker: str) -> list[str]:
        """The links containing ``marker`` in the received messages, in order."""
        found = []
        for message in self.messages:
            body = message.get_content()
            found += [word for word in body.split() if marker in word]
        return found


def _authenticate(server, session, envelope, mechanism, auth_data) -> AuthResult:
    return AuthResult(success=auth_data.login == SMTP_USER.encode() and auth_data.password == SMTP_PASSWORD.encode())


@pytest.fixture
def mailbox() -> Iterator[Mailbox]:
    box = Mailbox()
    port = free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port, authenticator=_authenticate, auth_required=True,
                            auth_require_tls=False)
    controller.start()
    box.url = f"smtp://{SMTP_USER}:{SMTP_PASSWORD}@127.0.0.1:{port}"
    yield box
    controller.stop()


@pytest.fixture
def mailing_app(tmp_path, database_url, mailbox):
    """Start the app with the settings ``overrides``, mailing through ``mailbox``'s SMTP server."""
    clients: list[TestClient] = []

    def start(**overrides) -> TestClient:
        settings = make_settings(tmp_path, database_url, smtp_url=mailbox.url, mail_from="Avatars <a@example.com>",
                                 **overrides)
        clients.append(TestClient(create_app(settings)).__enter__())
        return clients[-1]

    yield start
    for client in clients:
        client.__exit__(None, None, None)
