"""Personal API tokens: shown once, stored hashed, limited to their scopes, revoked at once, rate-limited each."""

from __future__ import annotations

import hashlib
from datetime import timedelta

from fastapi.routing import APIRoute, iter_route_contexts
from sqlalchemy import select, update

from avatar_creator import deps
from avatar_creator.app import create_app
from avatar_creator.auth import tokens
from avatar_creator.auth.models import ApiToken
from avatar_creator.db import utcnow
from avatar_creator.openapi import _calls
from tests.support.factories import create_project, create_token, generate, register
from tests.support.settings import make_settings
from tests.support.uploads import API, create_avatar

USAGE = {"appId": "chat", "appName": "Chat app", "action": "profile-picture"}


def _usage(client, headers: dict, avatar_id: str):
    return client.post(f"{API}/avatars/{avatar_id}/usage", json=USAGE, headers=headers)


def test_a_usage_token_records_its_owners_usage_and_nothing_more(client):
    owner, stranger = register(client), register(client)
    avatar = create_avatar(client, owner, create_project(client, owner["headers"])["id"])
    theirs = create_avatar(client, stranger, create_project(client, stranger["headers"])["id"])
    token = create_token(client, owner["headers"], scopes=["avatars:usage"])

    assert _usage(client, token["headers"], avatar["id"]).status_code == 201
    seen = client.get(f"{API}/avatars/{avatar['id']}", headers=owner["headers"]).json()["avatar"]
    assert seen["usageCount"] == 1
    refused = generate(client, token["headers"], avatar["projectId"], expect=403)
    assert refused["error"]["code"] == "FORBIDDEN" and "generate" in refused["error"]["message"]
    assert client.get(f"{API}/avatars/{avatar['id']}", headers=token["headers"]).status_code == 403
    assert _usage(client, token["headers"], theirs["id"]).status_code == 404

    assert client.delete(f"/api/auth/tokens/{token['token']['id']}", headers=owner["headers"]).status_code == 204
    gone = _usage(client, token["headers"], avatar["id"])
    assert gone.status_code == 401 and gone.json()["error"]["code"] == "UNAUTHORIZED"


def test_a_read_token_lists_and_downloads_its_owners_avatars(client):
    owner = register(client)
    avatar = create_avatar(client, owner, create_project(client, owner["headers"])["id"])
    token = create_token(client, owner["headers"], scopes=["avatars:read"])
    listed = client.get(f"{API}/avatars", headers=token["headers"])
    assert listed.status_code == 200 and [item["id"] for item in listed.json()["avatars"]] == [avatar["id"]]
    download = client.get(f"{API}/avatars/{avatar['id']}/download", headers=token["headers"])
    assert download.status_code == 200 and download.content[:2] == b"\xff\xd8"
    assert _usage(client, token["headers"], avatar["id"]).status_code == 403
    assert client.delete(f"{API}/avatars/{avatar['id']}", headers=token["headers"]).status_code == 403


def test_a_token_is_shown_once_stored_hashed_and_listed_with_its_last_use(client, app):
    owner = register(client)
    token = create_token(client, owner["headers"], scopes=["generate", "avatars:read"], expires_in_days=30)
    secret = token["secret"]
    assert secret.startswith("act_") and token["token"]["prefix"] == secret[:12]
    assert token["token"]["scopes"] == ["avatars:read", "generate"]
    listed = client.get("/api/auth/tokens", headers=owner["headers"]).json()["data"]["tokens"]
    assert listed == [token["token"]] and listed[0]["lastUsedAt"] is None and secret not in str(listed)
    with app.state.database.session(write=False) as session:
        stored = session.scalar(select(ApiToken))
        assert stored.token_hash == hashlib.sha256(secret.encode()).hexdigest()
        assert secret not in {stored.prefix, stored.token_hash, stored.name}

    assert client.get(f"{API}/generations", headers=token["headers"]).status_code == 200
    first_use = client.get("/api/auth/tokens", headers=owner["headers"]).json()["data"]["tokens"][0]["lastUsedAt"]
    assert first_use is not None
    client.get(f"{API}/generations", headers=token["headers"])  # within the minute: not written again
    again = client.get("/api/auth/tokens", headers=owner["headers"]).json()["data"]["tokens"][0]["lastUsedAt"]
    assert again == first_use


def test_an_expired_token_is_401(client, app):
    owner = register(client)
    token = create_token(client, owner["headers"], scopes=["avatars:read"], expires_in_days=1)
    assert client.get(f"{API}/avatars", headers=token["headers"]).status_code == 200
    with app.state.database.session() as session:
        session.execute(update(ApiToken).values(expires_at=utcnow() - timedelta(seconds=1)))
    expired = client.get(f"{API}/avatars", headers=token["headers"])
    assert expired.status_code == 401 and expired.json()["error"]["code"] == "UNAUTHORIZED"


def test_bad_token_requests_are_400_and_create_nothing(client):
    owner = register(client)
    for body in ({"name": "x", "scopes": []}, {"name": "x", "scopes": ["admin"]}, {"name": "", "scopes": ["generate"]},
                 {"name": "x", "scopes": ["generate"], "expiresInDays": 0}):
        response = client.post("/api/auth/tokens", json=body, headers=owner["headers"])
        assert response.status_code == 400, body
    assert client.get("/api/auth/tokens", headers=owner["headers"]).json()["data"]["tokens"] == []
    assert client.delete("/api/auth/tokens/nope", headers=owner["headers"]).status_code == 404


def _token_routes(app) -> tuple[list[tuple[str, set[str]]], list[tuple[str, set[str]]]]:
    """The API's signed-in routes as (path, methods): those a token may reach (they name a scope), and the rest."""
    scoped = {deps.require_scope(scope) for scope in tokens.SCOPES}
    reachable, closed = [], []
    for route in iter_route_contexts(app.routes):  # included routers' routes, with their full paths
        if not isinstance(route.original_route, APIRoute):
            continue
        calls = set(_calls(route.dependant))
        if calls & {deps.get_principal, deps.get_admin}:
            (reachable if scoped & calls else closed).append((route.path_format, set(route.methods or ())))
    return reachable, closed


def _filled(path: str) -> str:
    return path.replace("{", "").replace("}", "")  # every path parameter becomes a name that exists nowhere


def test_a_token_reaches_no_route_that_does_not_name_its_scope(client, app):
    """Every signed-in route of the app, found by walking them, so a route added later is covered: the account,
    session, token and admin routes (admin answers 404 to anyone not an admin), and no web page."""
    owner = register(client)
    token = create_token(client, owner["headers"], scopes=["avatars:read", "avatars:usage", "generate"])
    reachable, closed = _token_routes(app)
    assert {"/api/auth/me", "/api/auth/logout", "/api/auth/tokens", "/api/admin/users"} <= {path for path, _ in closed}
    assert f"{API}/avatars/{{avatar_id}}/usage" in {path for path, _ in reachable}
    for path, methods in closed:
        for method in methods - {"HEAD"}:
            answer = client.request(method, _filled(path), headers=token["headers"])
            expected = 404 if path.startswith("/api/admin") else 403
            assert answer.status_code == expected, (method, path, answer.text)
    for page in ("/projects", "/credits", "/account/tokens", "/admin"):
        answer = client.get(page, headers={**token["headers"], "Accept": "text/html"}, follow_redirects=False)
        location = answer.headers.get("location", "/signin")
        assert answer.status_code in (303, 404) and location.startswith("/signin"), page
    assert client.get("/api/auth/me", headers=owner["headers"]).status_code == 200


def test_each_token_has_its_own_rate_limit(tmp_path, database_url, redis_url, redis_prefix):
    settings = make_settings(tmp_path, database_url, rate_limits="on", rate_limit_api_token="3/minute",
                             redis_url=redis_url, redis_prefix=redis_prefix)
    from fastapi.testclient import TestClient

    with TestClient(create_app(settings)) as client:
        owner = register(client)
        first, second = (create_token(client, owner["headers"], scopes=["avatars:read"]) for _ in range(2))
        answers = [client.get(f"{API}/avatars", headers=first["headers"]).status_code for _ in range(4)]
        assert answers == [200, 200, 200, 429]
        assert client.get(f"{API}/avatars", headers=second["headers"]).status_code == 200
        assert client.get(f"{API}/avatars", headers=owner["headers"]).status_code == 200  # the session: not a token
