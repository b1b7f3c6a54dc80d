"""AVATAR_REQUIRE_EMAIL_VERIFICATION: generating is locked (403 EMAIL_NOT_VERIFIED) until the welcome mail's link is
used; a changed email is verified again; with the setting off nothing is locked."""

from __future__ import annotations

import pytest

from tests.support.accounts import token_of
from tests.support.factories import PASSWORD, create_project, generate, register

pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
VERIFY = "/api/auth/verify"


def test_generation_waits_for_the_welcome_mails_link(mailing_app, mailbox):
    client = mailing_app(require_email_verification=True)
    user = register(client, email="new@example.com")
    [welcome] = mailbox.messages
    assert welcome["To"] == "new@example.com" and "Welcome" in welcome.get_content()
    [link] = mailbox.links("/verify-email?token=")
    project = create_project(client, user["headers"])

    locked = generate(client, user["headers"], project["id"], expect=403)
    assert locked["error"]["code"] == "EMAIL_NOT_VERIFIED"
    assert client.get("/api/auth/me", headers=user["headers"]).json()["data"]["user"]["creditBalance"] == 100

    assert client.post(VERIFY, json={"token": token_of(link)}).status_code == 204
    assert client.post(VERIFY, json={"token": token_of(link)}).status_code == 400  # once
    generate(client, user["headers"], project["id"])


def test_a_new_email_is_verified_again_and_a_link_can_be_asked_for_again(mailing_app, mailbox):
    client = mailing_app(require_email_verification=True)
    user = register(client, email="old@example.com")
    client.post(VERIFY, json={"token": token_of(mailbox.links("token=")[0])})
    changed = client.put("/api/auth/me", json={"email": "new@example.com", "currentPassword": PASSWORD},
                         headers=user["headers"])
    assert changed.status_code == 200
    project = create_project(client, user["headers"])
    assert generate(client, user["headers"], project["id"], expect=403)["error"]["code"] == "EMAIL_NOT_VERIFIED"
    assert mailbox.messages[-1]["To"] == "new@example.com"

    assert client.post(f"{VERIFY}/resend", headers=user["headers"]).status_code == 202
    assert len(mailbox.messages) == 3
    assert client.post(VERIFY, json={"token": token_of(mailbox.links("token=")[-1])}).status_code == 204
    generate(client, user["headers"], project["id"])


def test_with_the_setting_off_no_mail_goes_out_and_nothing_is_locked(mailing_app, mailbox):
    client = mailing_app()
    user = register(client)
    project = create_project(client, user["headers"])
    generate(client, user["headers"], project["id"])
    assert mailbox.messages == []
