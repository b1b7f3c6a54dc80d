"""A real SMTP server (aiosmtpd) that keeps what it accepts, for the mail the accounts send."""

from __future__ import annotations

import email
import shutil
import ssl
import subprocess
from email.message import EmailMessage
from email.policy import default
from pathlib import Path
from typing import Literal

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

from tests.support.processes import free_port

SMTP_USER, SMTP_PASSWORD = "mailer", "smtp-pass-w0rd"


class Mailbox:
    """What the server accepted, in order; only a sender that logged in with the right password gets in."""

    def __init__(self, *, tls: Literal["none", "starttls", "implicit"] = "none", certificate: Path | None = None
                 ) -> None:
        """``starttls``: the server refuses mail and logins until the client upgrades; ``implicit``: TLS from the
        first byte (``smtps://``). Both need ``certificate`` (from ``certificate_for_localhost``)."""
        self.messages: list[EmailMessage] = []
        port = free_port()
        self.url = f"{'smtps' if tls == 'implicit' else 'smtp'}://{SMTP_USER}:{SMTP_PASSWORD}@127.0.0.1:{port}"
        # aiosmtpd counts only a STARTTLS upgrade as TLS for logins; an smtps:// connection is TLS throughout.
        options: dict = {"auth_require_tls": tls == "starttls"}
        if tls != "none":
            assert certificate is not None
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(certificate, certificate.with_suffix(".key"))
            options.update({"tls_context": context, "require_starttls": True} if tls == "starttls"
                           else {"ssl_context": context})
        self._controller = Controller(self, hostname="127.0.0.1", port=port, authenticator=_authenticate,
                                      auth_required=True, **options)

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


def certificate_for_localhost(folder: Path) -> Path:
    """A self-signed certificate for 127.0.0.1 (its key beside it, ``.key``), made with the openssl command."""
    if shutil.which("openssl") is None:
        pytest.skip("the openssl command is not installed")
    certificate = folder / "localhost.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(certificate.with_suffix(".key")),
                    "-out", str(certificate)], check=True, capture_output=True)
    return certificate
