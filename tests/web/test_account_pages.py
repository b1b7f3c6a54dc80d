"""The account's web pages over HTTP: each form through the use case the API calls, refused forms shown again with
their message, the forgot and reset pages, verification by button, and deletion."""

from __future__ import annotations

import logging
import re

from fastapi.testclient import TestClient

from avatar_creator.app import create_app
from avatar_creator.deps import CSRF_COOKIE
from tests.support.accounts import NEW_PASSWORD, login, me_status, sessions
from tests.support.factories import PASSWORD
from tests.support.settings import make_settings
from tests.support.web import page_csrf, sign_up


def test_the_account_page_lists_this_session_and_links_from_the_header(client):
    sign_up(client, "page@example.com")
    page = client.get("/account")
    assert page.status_code == 200
    assert '<a class="nav-link" href="/account" aria-current="page">Account</a>' in page.text
    for heading in ("Profile", "Password", "Sessions", "Your data"):
        assert f">{heading}</h2>" in page.text
    assert page.text.count("This device") == 1 and 'href="/api/auth/export"' in page.text


def test_profile_changes_and_a_refused_email_change_says_why(client):
    token = sign_up(client, "before@example.com")
    saved = client.post("/account/profile", data={"csrf_token": token, "name": "Grace",
                                                  "email": "before@example.com"})
    assert saved.status_code == 200 and 'value="Grace"' in saved.text
    refused = client.post("/account/profile", data={"csrf_token": token, "name": "Grace",
                                                    "email": "after@example.com"})
    assert refused.status_code == 400
    assert 'id="profile-currentPassword-error">currentPassword: enter your current password' in refused.text
    moved = client.post("/account/profile", data={"csrf_token": token, "name": "Grace", "email": "after@example.com",
                                                  "currentPassword": PASSWORD})
    assert moved.status_code == 200 and "Signed in as after@example.com" in moved.text


def test_changing_the_password_on_the_page_signs_out_the_other_session(client):
    token = sign_up(client, "web-pw@example.com")
    cookies = dict(client.cookies)
    other = login(client, "web-pw@example.com")
    client.cookies.update(cookies)
    wrong = client.post("/account/password", data={"csrf_token": token, "currentPassword": "nope nope nope",
                                                   "newPassword": NEW_PASSWORD})
    assert wrong.status_code == 400 and "Your current password is incorrect." in wrong.text
    changed = client.post("/account/password", data={"csrf_token": token, "currentPassword": PASSWORD,
                                                      "newPassword": NEW_PASSWORD})
    assert changed.status_code == 200 and changed.url.path == "/account"
    assert me_status(client, other) == 401
    assert client.get("/account").status_code == 200  # this browser stays signed in


def test_sessions_are_revoked_from_the_page(client):
    token = sign_up(client, "web-s@example.com")
    cookies = dict(client.cookies)
    other = login(client, "web-s@example.com", user_agent="curl/8.5.0")
    client.cookies.update(cookies)
    assert "curl" in client.get("/account").text
    [other_id] = [row["id"] for row in sessions(client, other) if row["current"]]
    client.post(f"/account/sessions/{other_id}/revoke", data={"csrf_token": token})
    assert me_status(client, other) == 401
    assert "curl" not in client.get("/account").text


def test_forgot_and_reset_through_the_pages(client, caplog):
    sign_up(client, "lost@example.com")
    client.cookies.clear()
    client.get("/password/forgot")
    visitor = client.cookies[CSRF_COOKIE]
    with caplog.at_level(logging.WARNING, logger="avatar_creator.mail"):
        known = client.post("/password/forgot", data={"csrf_token": visitor, "email": "lost@example.com"})
        unknown = client.post("/password/forgot", data={"csrf_token": visitor, "email": "ghost@example.com"})
    assert known.status_code == unknown.status_code == 200
    assert known.text.replace("lost@example.com", "X") == unknown.text.replace("ghost@example.com", "X")
    link = next(word for word in caplog.text.split() if "/password/reset?token=" in word)

    form = client.get(link.removeprefix("http://testserver"))
    assert form.status_code == 200 and "Choose a new password" in form.text
    token = re.search(r'name="token" value="([^"]+)"', form.text).group(1)
    done = client.post("/password/reset", data={"token": token, "newPassword": NEW_PASSWORD})
    assert done.status_code == 200 and done.url.path == "/signin"
    again = client.post("/password/reset", data={"token": token, "newPassword": NEW_PASSWORD})
    assert again.status_code == 400 and "invalid, used or expired" in again.text
    login(client, "lost@example.com", NEW_PASSWORD)


def test_deleting_the_account_from_the_page(client):
    token = sign_up(client, "bye@example.com")
    refused = client.post("/account/delete", data={"csrf_token": token, "password": PASSWORD,
                                                   "confirmEmail": "other@example.com"})
    assert refused.status_code == 400 and "type the email of this account" in refused.text
    page_csrf(refused.text)  # the page is whole again, with its forms
    gone = client.post("/account/delete", data={"csrf_token": token, "password": PASSWORD,
                                                "confirmEmail": "bye@example.com"})
    assert gone.status_code == 200 and gone.url.path == "/register"
    assert client.post("/api/auth/login", json={"email": "bye@example.com", "password": PASSWORD}).status_code == 401


def test_with_verification_required_the_welcome_says_so_and_the_link_opens_a_button(tmp_path, database_url, caplog):
    settings = make_settings(tmp_path, database_url, require_email_verification=True)
    with TestClient(create_app(settings)) as client, caplog.at_level(logging.WARNING, logger="avatar_creator.mail"):
        sign_up(client, "verify@example.com")
        assert "Send a new link" in client.get("/account").text
        link = next(word for word in caplog.text.split() if "/verify-email?token=" in word)
        page = client.get(link.removeprefix("http://testserver"))
        assert page.status_code == 200 and "Confirm my email" in page.text
        token = re.search(r'name="token" value="([^"]+)"', page.text).group(1)
        confirmed = client.post("/verify-email", data={"token": token})
        assert confirmed.status_code == 200 and confirmed.url.path == "/projects"
        assert "Your email is confirmed" in confirmed.text
        assert "Send a new link" not in client.get("/account").text
        assert client.post("/verify-email", data={"token": token}).status_code == 400
