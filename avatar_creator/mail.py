"""Outgoing mail: the one-time links of password reset and email verification.

``AVATAR_SMTP_URL`` (``smtp://user:password@host:587``, STARTTLS when the server offers it, or ``smtps://…:465``)
sends real mail. Without it (the embedded default) the message is written to the server log at WARNING, so a
self-hoster can still use the link (docs/accounts.md). Mail is always sent after the transaction that made the link
has committed, never from inside it: an SMTP server may take seconds. The URL's password is never logged.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from abc import ABC, abstractmethod
from dataclasses import dataclass
from email.message import EmailMessage
from urllib.parse import unquote, urlsplit

from avatar_creator.settings import Settings

log = logging.getLogger("avatar_creator.mail")
SMTP_TIMEOUT_S = 15


@dataclass(frozen=True)
class Mail:
    to: str
    subject: str
    text: str


class Mailer(ABC):
    """Sends one message.

    ``send`` returns once the message is handed over (or logged); it raises ``OSError`` or ``smtplib.SMTPException``
    when the server refuses it or cannot be reached. Callers that answer a request send from a background task.
    """

    @abstractmethod
    def send(self, mail: Mail) -> None: ...


class LogMailer(Mailer):
    """The embedded fallback: the message, link included, goes to the log for the operator to pass on."""

    def send(self, mail: Mail) -> None:
        log.warning("mail (no AVATAR_SMTP_URL set) to %s: %s\n%s", mail.to, mail.subject, mail.text)


class SmtpMailer(Mailer):
    def __init__(self, url: str, *, sender: str):
        parts = urlsplit(url)
        self.implicit_tls = parts.scheme == "smtps"
        self.host = parts.hostname or ""
        self.port = parts.port or (465 if self.implicit_tls else 587)
        self.username = unquote(parts.username) if parts.username else None
        self.password = unquote(parts.password) if parts.password else None
        self.sender = sender

    def __repr__(self) -> str:  # the password stays out of every log line and traceback
        return f"SmtpMailer({'smtps' if self.implicit_tls else 'smtp'}://{self.host}:{self.port})"

    def send(self, mail: Mail) -> None:
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = self.sender, mail.to, mail.subject
        message.set_content(mail.text)
        context = ssl.create_default_context()
        client: smtplib.SMTP
        if self.implicit_tls:
            client = smtplib.SMTP_SSL(self.host, self.port, timeout=SMTP_TIMEOUT_S, context=context)
        else:
            client = smtplib.SMTP(self.host, self.port, timeout=SMTP_TIMEOUT_S)
        with client:
            client.ehlo()
            if not self.implicit_tls and client.has_extn("starttls"):
                client.starttls(context=context)
                client.ehlo()
            if self.username and self.password:
                client.login(self.username, self.password)
            client.send_message(message)


def build_mailer(settings: Settings) -> Mailer:
    return SmtpMailer(settings.smtp_url, sender=settings.mail_from) if settings.smtp_url else LogMailer()


def send_quietly(mailer: Mailer, mail: Mail) -> None:
    """Send from a background task: a failure is logged (without the link) and the request's answer stands."""
    try:
        mailer.send(mail)
    except (OSError, smtplib.SMTPException) as error:
        log.error("mail to %s (%s) could not be sent: %s", mail.to, mail.subject, type(error).__name__)
