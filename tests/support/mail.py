"""A real SMTP server (aiosmtpd) that keeps what it accepts, for the mail the accounts send."""

from __future__ import annotations

import email
from email.message import EmailMessage
from email.policy import default

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

from tests.support.processes import free_port

SMTP_USER, SMTP_PASSWORD = "mailer", "smtp-pass-w0rd"


class Mailbox:
    """What the server accepted, in order; only a sender that logged in with the right password gets in."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        port = free_port()
        self.url = f"smtp://{SMTP_USER}:{SMTP_PASSWORD}@127.0.0.1:{port}"
        self._controller = Controller(self, hostname="127.0.0.1", port=port, authenticator=_authenticate,
                                      auth_required=True, auth_require_tls=False)

    def start(self) -> None:
        self._controller.start()

    def stop(self) -> None:
        self._controller.stop()

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 - aiosmtpd's handler hook
        self.messages.append(email.message_from_bytes(envelope.content, policy=default))  # type: ignore[arg-type]
        return "250 Message accepted"

    def links(self, marker: str) -> list[str]:
        """The links containing ``marker`` in the received messages, in order."""
        return [word for message in self.messages for word in message.get_content().split() if marker in word]


def _authenticate(server, session, envelope, mechanism, auth_data) -> AuthResult:
    return AuthResult(success=auth_data.login == SMTP_USER.encode() and auth_data.password == SMTP_PASSWORD.encode())
