"""Forgot password → one mail through a real SMTP server → a link that works once, for 30 minutes, and ends every
session; the same answer for an unknown email; rate limits per address and per email; the embedded fallback (the link
in the log) and ``avatar-creator users reset-link``."""

from __future__ import annotations

import logging
import ssl
from datetime import timedelta

import pytest
from typer.testing import CliRunner

from avatar_creator.auth import service as auth_service
from avatar_creator.cli import app as cli
from avatar_creator.mail import Mail, SmtpMailer, send_quietly
from tests.support.accounts import NEW_PASSWORD, Clock, login, me_status, token_of
from tests.support.factories import PASSWORD, register
from tests.support.mail import SMTP_PASSWORD, Mailbox, certificate_for_localhost
from tests.support.processes import free_port
from tests.support.settings import TEST_SECRET

# The test server takes the login without TLS (aiosmtpd warns about that): the client's side is what is tested.
pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
FORGOT, RESET = "/api/auth/password/forgot", "/api/auth/password/reset"


def test_a_reset_mail_carries_a_link_that_works_once_and_ends_every_session(mailing_app, mailbox):
    client = mailing_app()
    user = register(client, email="reset@example.com")
    other = login(client, "reset@example.com")

    asked = client.post(FORGOT, json={"email": "Reset@Example.com"})
    assert asked.status_code == 202
    [mail] = mailbox.messages
    assert mail["To"] == "reset@example.com" and mail["From"] == "Avatars <a@example.com>"
    [link] = mailbox.links("/password/reset?token=")
    assert link.startswith("http://testserver/password/reset?token=")

    used = client.post(RESET, json={"token": token_of(link), "newPassword": NEW_PASSWORD})
    assert used.status_code == 204
    assert me_status(client, user["headers"]) == 401 and me_status(client, other) == 401
    assert client.post("/api/auth/login", json={"email": "reset@example.com", "password": PASSWORD}).status_code == 401
    login(client, "reset@example.com", NEW_PASSWORD)

    again = client.post(RESET, json={"token": token_of(link), "newPassword": "yet another passphrase"})
    assert again.status_code == 400 and again.json()["error"]["field"] == "token"
    login(client, "reset@example.com", NEW_PASSWORD)  # the refused second use changed nothing


def test_an_unknown_email_gets_the_same_answer_and_no_mail(mailing_app, mailbox):
    client = mailing_app()
    register(client, email="known@example.com")
    known = client.post(FORGOT, json={"email": "known@example.com"})
    unknown = client.post(FORGOT, json={"email": "nobody@example.com"})
    assert known.status_code == unknown.status_code == 202
    assert known.json() == unknown.json()
    assert [message["To"] for message in mailbox.messages] == ["known@example.com"]


def test_a_link_expires_after_30_minutes(mailing_app, mailbox, monkeypatch):
    clock = Clock()
    monkeypatch.setattr(auth_service, "utcnow", clock)
    client = mailing_app()
    register(client, email="late@example.com")
    client.post(FORGOT, json={"email": "late@example.com"})
    [link] = mailbox.links("token=")
    clock.offset = timedelta(minutes=31)
    expired = client.post(RESET, json={"token": token_of(link), "newPassword": NEW_PASSWORD})
    assert expired.status_code == 400 and expired.json()["error"]["code"] == "VALIDATION_ERROR"
    clock.offset = timedelta()
    login(client, "late@example.com")  # the password is unchanged


def test_a_newer_reset_spends_the_older_links_too(mailing_app, mailbox):
    client = mailing_app()
    register(client, email="twice@example.com")
    for _ in range(2):
        client.post(FORGOT, json={"email": "twice@example.com"})
    first, second = mailbox.links("token=")
    assert client.post(RESET, json={"token": token_of(second), "newPassword": NEW_PASSWORD}).status_code == 204
    assert client.post(RESET, json={"token": token_of(first), "newPassword": PASSWORD}).status_code == 400


def test_forgot_password_is_limited_per_email_and_per_address(mailing_app, mailbox):
    client = mailing_app(rate_limits="on", rate_limit_password_reset="4/hour", rate_limit_password_reset_email="2/hour")
    register(client, email="limited@example.com")
    answers = [client.post(FORGOT, json={"email": "LIMITED@example.com"}).status_code for _ in range(3)]
    assert answers == [202, 202, 429]
    assert len(mailbox.messages) == 2
    # Unknown emails count the same: a 429 says nothing about whether the account exists.
    assert [client.post(FORGOT, json={"email": "ghost@example.com"}).status_code for _ in range(3)] == [202, 429, 429]
    refused = client.post(FORGOT, json={"email": "third@example.com"})
    assert refused.status_code == 429 and "Retry-After" in refused.headers  # the address's 4 per hour are spent


def test_without_smtp_the_link_is_logged_at_warning(client, caplog):
    register(client, email="embedded@example.com")
    with caplog.at_level(logging.WARNING, logger="avatar_creator.mail"):
        assert client.post(FORGOT, json={"email": "embedded@example.com"}).status_code == 202
    [record] = [record for record in caplog.records if record.name == "avatar_creator.mail"]
    assert record.levelno == logging.WARNING
    link = next(word for word in record.getMessage().split() if "token=" in word)
    assert client.post(RESET, json={"token": token_of(link), "newPassword": NEW_PASSWORD}).status_code == 204


def test_the_cli_prints_a_working_reset_link(client, settings):
    register(client, email="cli@example.com")
    env = {"AVATAR_DATA_DIR": str(settings.data_dir), "AVATAR_DATABASE_URL": settings.database_url,
           "AVATAR_SECRET_KEY": TEST_SECRET}
    printed = CliRunner().invoke(cli, ["users", "reset-link", "CLI@example.com"], env=env)
    assert printed.exit_code == 0, printed.output
    link = printed.output.strip()
    assert link.startswith("http://127.0.0.1:8000/password/reset?token=")
    assert client.post(RESET, json={"token": token_of(link), "newPassword": NEW_PASSWORD}).status_code == 204
    missing = CliRunner().invoke(cli, ["users", "reset-link", "nobody@example.com"], env=env)
    assert missing.exit_code == 1 and "No user" in missing.output


def test_an_unreachable_smtp_server_is_logged_without_its_password(caplog):
    mailer = SmtpMailer(f"smtp://mailer:{SMTP_PASSWORD}@127.0.0.1:{free_port()}", sender="a@example.com")
    with caplog.at_level(logging.DEBUG):
        send_quietly(mailer, Mail(to="b@example.com", subject="Hello", text="secret link"))
    assert any(record.levelno == logging.ERROR for record in caplog.records)
    assert SMTP_PASSWORD not in caplog.text and SMTP_PASSWORD not in repr(mailer)
    assert "secret link" not in caplog.text


@pytest.mark.parametrize("tls", ["starttls", "implicit"])
def test_mail_goes_over_tls_and_the_certificate_is_checked(tls, tmp_path, monkeypatch):
    certificate = certificate_for_localhost(tmp_path)
    box = Mailbox(tls=tls, certificate=certificate)
    box.start()
    try:
        mailer = SmtpMailer(box.url, sender="a@example.com")
        with pytest.raises(ssl.SSLCertVerificationError):  # a certificate nobody vouches for is refused
            mailer.send(Mail(to="b@example.com", subject="Hello", text="first"))
        monkeypatch.setenv("SSL_CERT_FILE", str(certificate))  # now the test's certificate authority is trusted
        mailer.send(Mail(to="b@example.com", subject="Hello", text="over TLS"))
    finally:
        box.stop()
    assert [message.get_content().strip() for message in box.messages] == ["over TLS"]
