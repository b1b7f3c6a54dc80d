"""Accounts over HTTP: register, login, logout, me; bearer and cookie + CSRF."""

from __future__ import annotations

from avatar_creator.deps import CSRF_COOKIE, SESSION_COOKIE
from tests.support.factories import PASSWORD, register


def test_register_returns_user_token_and_welcome_bonus(client):
    response = client.post("/api/auth/register", json={"email": "Ada@Example.com", "password": PASSWORD,
                                                       "name": "Ada"})
    assert response.status_code == 201
    body = response.json()
    assert body["success"] is True
    user = body["data"]["user"]
    assert user["email"] == "ada@example.com"
    assert user["creditBalance"] == 100 and user["role"] == "user"
    assert set(user) == {"id", "email", "name", "role", "creditBalance", "storageUsed", "storageQuota", "createdAt"}
    assert user["createdAt"].endswith(("Z", "+00:00"))
    history = client.get("/api/credits/history", headers={"Authorization": f"Bearer {body['data']['token']}"})
    assert [(row["type"], row["amount"], row["balanceAfter"]) for row in history.json()] == [
        ("bonus", 100, 100)]


def test_same_email_in_other_letter_case_is_a_conflict(client):
    register(client, email="grace@example.com")
    response = client.post("/api/auth/register", json={"email": "GRACE@example.COM", "password": PASSWORD})
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "CONFLICT"


def test_password_length_is_enforced(client):
    for password in ("short", "x" * 129):
        response = client.post("/api/auth/register", json={"email": "p@example.com", "password": password})
        assert response.status_code == 400
        assert response.json()["error"]["field"] == "password"


def test_login_and_me_with_bearer(client):
    register(client, email="lin@example.com")
    response = client.post("/api/auth/login", json={"email": "LIN@example.com", "password": PASSWORD})
    assert response.status_code == 200
    token = response.json()["data"]["token"]
    client.cookies.clear()
    me = client.get("/api/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200
    assert me.json()["data"]["user"]["email"] == "lin@example.com"


def test_bad_credentials_get_the_same_answer_for_unknown_email(client):
    register(client, email="known@example.com")
    wrong_password = client.post("/api/auth/login", json={"email": "known@example.com", "password": "x" * 12})
    unknown_email = client.post("/api/auth/login", json={"email": "nobody@example.com", "password": "x" * 12})
    assert wrong_password.status_code == unknown_email.status_code == 401
    assert wrong_password.json() == unknown_email.json()


def test_logout_revokes_the_token_at_once(client):
    user = register(client)
    assert client.get("/api/auth/me", headers=user["headers"]).status_code == 200
    assert client.post("/api/auth/logout", headers=user["headers"]).status_code == 204
    response = client.get("/api/auth/me", headers=user["headers"])
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "UNAUTHORIZED"


def test_missing_or_garbage_token_is_401(client):
    assert client.get("/api/auth/me").status_code == 401
    assert client.get("/api/auth/me", headers={"Authorization": "Bearer nope"}).status_code == 401
    assert client.get("/api/auth/me", headers={"Authorization": "Basic abc"}).status_code == 401


def test_cookie_session_needs_csrf_for_state_changes(client):
    response = client.post("/api/auth/register", json={"email": "cookie@example.com", "password": PASSWORD})
    assert SESSION_COOKIE in client.cookies and CSRF_COOKIE in client.cookies
    cookie = response.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie.replace("Lax", "lax")
    # Reads need no CSRF token.
    assert client.get("/api/auth/me").status_code == 200
    refused = client.post("/api/apps/avatar-creator/projects", json={"name": "No CSRF"})
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "CSRF_FAILED"
    forged = client.post("/api/apps/avatar-creator/projects", json={"name": "Forged"},
                         headers={"X-CSRF-Token": "0" * 64})
    assert forged.status_code == 403
    accepted = client.post("/api/apps/avatar-creator/projects", json={"name": "With CSRF"},
                           headers={"X-CSRF-Token": client.cookies[CSRF_COOKIE]})
    assert accepted.status_code == 201
    listed = client.get("/api/apps/avatar-creator/projects").json()["projects"]
    assert [p["name"] for p in listed] == ["With CSRF"]


def test_logout_with_cookie_clears_it(client):
    client.post("/api/auth/register", json={"email": "out@example.com", "password": PASSWORD})
    csrf = client.cookies[CSRF_COOKIE]
    assert client.post("/api/auth/logout", headers={"X-CSRF-Token": csrf}).status_code == 204
    assert client.get("/api/auth/me").status_code == 401
