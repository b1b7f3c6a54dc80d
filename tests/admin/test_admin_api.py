"""``/api/admin``: only admins find it; users, credits, the queue and the audit log, every change audited."""

from __future__ import annotations

from fastapi.routing import APIRoute, iter_route_contexts
from sqlalchemy import func, select

from avatar_creator import deps
from avatar_creator.events.models import EventRecord
from avatar_creator.migrations import load_models
from avatar_creator.openapi import _calls
from tests.support.admin import register_admin
from tests.support.factories import PASSWORD, create_project, create_token, generate, register
from tests.support.uploads import API, create_avatar, files_on_disk


def _admin_routes(app) -> list[tuple[str, str]]:
    """Every (method, path) behind ``get_admin``, found by walking the app, so a route added later is covered."""
    found = []
    for route in iter_route_contexts(app.routes):
        if isinstance(route.original_route, APIRoute) and deps.get_admin in set(_calls(route.dependant)):
            found += [(method, route.path_format.replace("{", "").replace("}", ""))
                      for method in sorted(route.methods or ()) if method != "HEAD"]
    return found


def _audit(client, admin) -> list[dict]:
    return client.get("/api/admin/audit", headers=admin["headers"]).json()["entries"]


def test_everyone_but_an_admin_finds_nothing_under_api_admin(client, app):
    admin = register_admin(client, app)
    user = register(client)
    admin_token = create_token(client, admin["headers"], scopes=["avatars:read", "avatars:usage", "generate"])
    routes = _admin_routes(app)
    assert {path for _, path in routes} >= {"/api/admin/users", "/api/admin/queue", "/api/admin/audit"}
    for method, path in routes:
        for headers in ({}, user["headers"], admin_token["headers"]):
            answer = client.request(method, path, headers=headers, json={"amount": 5, "reason": "x"})
            assert answer.status_code == 404 and answer.json()["error"]["code"] == "NOT_FOUND", (method, path)
    assert client.get("/api/admin/users", headers=admin["headers"]).status_code == 200
    client.post("/api/auth/login", json={"email": user["user"]["email"], "password": PASSWORD})  # a cookie session
    path = f"/api/admin/users/{user['user']['id']}/credits"
    assert client.post(path, json={"amount": 5, "reason": "x"}).status_code == 404  # no CSRF token: still nothing
    client.post("/api/auth/login", json={"email": admin["user"]["email"], "password": PASSWORD})
    refused = client.post(path, json={"amount": 5, "reason": "x"})
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "CSRF_FAILED"  # an admin is told
    client.cookies.clear()
    assert client.get("/api/admin/users/nobody", headers=admin["headers"]).status_code == 404
    assert _audit(client, admin) == []  # nothing the refused calls asked for happened


def test_users_are_found_by_email_or_name_and_paged(client, app):
    admin = register_admin(client, app)
    for index in range(3):
        register(client, email=f"member-{index}@example.org", name=f"Member {index}")
    register(client, email="other@example.com", name="Grace Hopper")
    found = client.get("/api/admin/users", params={"q": "EXAMPLE.ORG", "limit": 2}, headers=admin["headers"]).json()
    assert [user["email"] for user in found["users"]] == ["member-2@example.org", "member-1@example.org"]
    rest = client.get("/api/admin/users", params={"q": "example.org", "limit": 2, "cursor": found["nextCursor"]},
                      headers=admin["headers"]).json()
    assert [user["email"] for user in rest["users"]] == ["member-0@example.org"] and rest["nextCursor"] is None
    by_name = client.get("/api/admin/users", params={"q": "hopper"}, headers=admin["headers"]).json()["users"]
    assert [user["email"] for user in by_name] == ["other@example.com"]
    assert by_name[0]["creditBalance"] == 100 and by_name[0]["lastSeenAt"] is not None
    assert by_name[0]["role"] == "user" and by_name[0]["disabled"] is False
    wildcard = client.get("/api/admin/users", params={"q": "%"}, headers=admin["headers"]).json()["users"]
    assert wildcard == []
    bad = client.get("/api/admin/users", params={"cursor": "nonsense"}, headers=admin["headers"])
    assert bad.status_code == 400


def test_credits_are_granted_and_removed_with_a_reason_never_below_zero(client, app):
    admin = register_admin(client, app)
    user = register(client)
    path = f"/api/admin/users/{user['user']['id']}/credits"
    granted = client.post(path, json={"amount": 50, "reason": "Support ticket 12"}, headers=admin["headers"])
    assert granted.status_code == 201
    assert granted.json()["transaction"] | {"id": None, "createdAt": None} == {
        "id": None, "amount": 50, "balanceAfter": 150, "type": "grant", "description": "Support ticket 12",
        "referenceType": None, "referenceId": None, "createdAt": None}
    removed = client.post(path, json={"amount": -30, "reason": "Refunded by card"}, headers=admin["headers"]).json()
    assert removed["transaction"]["type"] == "adjustment" and removed["transaction"]["balanceAfter"] == 120
    too_much = client.post(path, json={"amount": -121, "reason": "oops"}, headers=admin["headers"])
    assert too_much.status_code == 409 and "120" in too_much.json()["error"]["message"]
    for body in ({"amount": 0, "reason": "x"}, {"amount": 5, "reason": " "}, {"amount": 5}):
        assert client.post(path, json=body, headers=admin["headers"]).status_code == 400
    history = client.get("/api/credits/history", headers=user["headers"]).json()
    assert [(row["type"], row["amount"]) for row in history] == [("adjustment", -30), ("grant", 50), ("bonus", 100)]
    assert [(entry["action"], entry["details"]["amount"]) for entry in _audit(client, admin)] == [
        ("credits.remove", -30), ("credits.grant", 50)]
    assert _audit(client, admin)[0]["actorId"] == admin["user"]["id"]
    with app.state.database.session(write=False) as session:  # the user's pages hear of it live
        balances = session.scalars(select(EventRecord.payload).where(EventRecord.user_id == user["user"]["id"],
                                                                      EventRecord.kind == "credits")).all()
    assert [payload["balance"] for payload in balances] == [150, 120]


def test_a_disabled_user_cannot_sign_in_and_their_sessions_and_tokens_end(client, app):
    admin = register_admin(client, app)
    user = register(client)
    token = create_token(client, user["headers"], scopes=["avatars:read"])
    path = f"/api/admin/users/{user['user']['id']}"
    disabled = client.put(path, json={"disabled": True}, headers=admin["headers"])
    assert disabled.status_code == 200 and disabled.json()["user"]["disabled"] is True
    assert client.get("/api/auth/me", headers=user["headers"]).status_code == 401
    assert client.get(f"{API}/avatars", headers=token["headers"]).status_code == 401
    login = {"email": user["user"]["email"], "password": PASSWORD}
    refused = client.post("/api/auth/login", json=login)
    assert refused.status_code == 401 and "disabled" in refused.json()["error"]["message"]

    assert client.put(path, json={"disabled": False}, headers=admin["headers"]).json()["user"]["disabled"] is False
    assert client.post("/api/auth/login", json=login).status_code == 200
    assert client.get(f"{API}/avatars", headers=token["headers"]).status_code == 401  # tokens stay revoked
    myself = client.put(f"/api/admin/users/{admin['user']['id']}", json={"disabled": True}, headers=admin["headers"])
    assert myself.status_code == 409
    assert [entry["action"] for entry in _audit(client, admin)] == ["user.enable", "user.disable"]


def test_the_last_admin_keeps_the_role(client, app):
    admin = register_admin(client, app)
    other = register(client)
    mine, theirs = f"/api/admin/users/{admin['user']['id']}", f"/api/admin/users/{other['user']['id']}"
    assert client.put(mine, json={"role": "user"}, headers=admin["headers"]).status_code == 409
    assert client.put(theirs, json={"role": "admin"}, headers=admin["headers"]).json()["user"]["role"] == "admin"
    assert client.put(mine, json={"role": "user"}, headers=admin["headers"]).json()["user"]["role"] == "user"
    assert client.get("/api/admin/users", headers=admin["headers"]).status_code == 404  # no longer an admin
    assert client.put(theirs, json={"role": "owner"}, headers=other["headers"]).status_code == 400
    assert [entry["action"] for entry in _audit(client, other)] == ["user.role", "user.role"]


def test_deleting_a_user_removes_their_rows_and_files(client, app, settings):
    admin = register_admin(client, app)
    user = register(client)
    create_avatar(client, user, create_project(client, user["headers"])["id"])
    files_dir = settings.files_dir
    assert any(key.startswith(f"u/{user['user']['id']}/") for key in files_on_disk(files_dir))
    assert client.delete(f"/api/admin/users/{user['user']['id']}", headers=admin["headers"]).status_code == 204
    assert client.get("/api/auth/me", headers=user["headers"]).status_code == 401
    assert not any(key.startswith(f"u/{user['user']['id']}/") for key in files_on_disk(files_dir))
    load_models()
    from avatar_creator.db import Base

    with app.state.database.session(write=False) as session:
        for table in Base.metadata.sorted_tables:
            if "user_id" in table.c:
                left = session.scalar(select(func.count()).select_from(table)
                                      .where(table.c.user_id == user["user"]["id"]))
                assert left == 0, table.name
    assert _audit(client, admin)[0]["action"] == "user.delete"
    assert client.delete(f"/api/admin/users/{admin['user']['id']}", headers=admin["headers"]).status_code == 409


def test_an_admin_cancels_and_retries_a_users_job_charged_and_refunded_once(client, app):
    admin = register_admin(client, app)
    user = register(client)
    project = create_project(client, user["headers"])
    job = generate(client, user["headers"], project["id"])["generation"]  # no workers here: it stays pending
    balance = lambda: client.get("/api/credits/balance", headers=user["headers"]).json()["data"]["balance"]  # noqa: E731
    assert balance() == 90
    queue = client.get("/api/admin/queue", headers=admin["headers"]).json()
    assert queue["counts"]["pending"] == 1 and queue["oldestPendingAgeSeconds"] >= 0
    listed = client.get("/api/admin/generations", params={"status": "pending", "userId": user["user"]["id"]},
                        headers=admin["headers"]).json()["generations"]
    assert [(item["id"], item["userId"]) for item in listed] == [(job["id"], user["user"]["id"])]

    path = f"/api/admin/generations/{job['id']}"
    cancelled = client.post(f"{path}/cancel", headers=admin["headers"])
    assert cancelled.status_code == 200 and cancelled.json()["generation"]["status"] == "cancelled"
    assert balance() == 100
    assert client.post(f"{path}/cancel", headers=admin["headers"]).status_code == 409
    assert balance() == 100
    retried = client.post(f"{path}/retry", headers=admin["headers"])
    assert retried.status_code == 202 and retried.json()["generation"]["status"] == "pending"
    again = client.post(f"{path}/retry", headers=admin["headers"])
    assert again.status_code == 200 and again.json()["generation"]["id"] == retried.json()["generation"]["id"]
    assert balance() == 90
    assert [entry["action"] for entry in _audit(client, admin)] == ["generation.retry", "generation.cancel"]
    assert client.get(f"{path}", headers=admin["headers"]).json()["generation"]["status"] == "cancelled"
    queue = client.get("/api/admin/queue", headers=admin["headers"]).json()
    assert queue["counts"] | {"completed": 0} == {"pending": 1, "processing": 0, "completed": 0, "failed": 0,
                                                  "cancelled": 1}


def test_the_audit_log_pages_newest_first(client, app):
    admin = register_admin(client, app)
    user = register(client)
    for amount in (1, 2, 3):
        client.post(f"/api/admin/users/{user['user']['id']}/credits", json={"amount": amount, "reason": "r"},
                    headers=admin["headers"])
    first = client.get("/api/admin/audit", params={"limit": 2}, headers=admin["headers"]).json()
    rest = client.get("/api/admin/audit", params={"limit": 2, "cursor": first["nextCursor"]},
                      headers=admin["headers"]).json()
    amounts = [entry["details"]["amount"] for entry in first["entries"] + rest["entries"]]
    assert amounts == [3, 2, 1] and rest["nextCursor"] is None
    assert set(first["entries"][0]) == {"id", "actorId", "action", "targetType", "targetId", "details", "createdAt"}
