"""The admin pages and the tokens section over HTTP: 404 for anyone but an admin on every ``/admin`` route, the
forms' changes audited, a token's secret shown once."""

from __future__ import annotations

import re

from fastapi.routing import APIRoute, iter_route_contexts

from avatar_creator.auth import service as auth_service
from tests.support.factories import create_project, generate, register
from tests.support.web import sign_up

HTML = {"accept": "text/html"}


def _admin_pages(app) -> list[tuple[str, str]]:
    """Every (method, path) of the web app under /admin, found by walking the app's routes."""
    return [(method, route.path_format) for route in iter_route_contexts(app.routes)
            if isinstance(route.original_route, APIRoute) and (route.path_format or "").startswith("/admin")
            for method in sorted(route.methods or ()) if method != "HEAD"]


def _promote(app, email: str) -> None:
    with app.state.database.session() as session:
        auth_service.set_role(session=session, email=email, role="admin")


def _filled(path: str, ids: dict[str, str]) -> str:
    return re.sub(r"\{(\w+)\}", lambda match: ids[match.group(1)], path)


def test_every_admin_page_and_form_is_a_404_for_anyone_but_an_admin(client, app):
    member = register(client)
    job = generate(client, member["headers"], create_project(client, member["headers"])["id"])["generation"]
    ids = {"user_id": member["user"]["id"], "generation_id": job["id"]}
    pages = _admin_pages(app)
    assert {path for _, path in pages} >= {"/admin", "/admin/users/{user_id}", "/admin/queue", "/admin/system",
                                           "/admin/audit", "/admin/generations/{generation_id}/cancel"}
    visitor = [(method, path, client.request(method, _filled(path, ids), headers=HTML)) for method, path in pages]
    csrf = sign_up(client, "not-an-admin@example.com")
    signed_in = [(method, path, client.request(method, _filled(path, ids), headers=HTML,
                                               data={"csrf_token": csrf, "amount": "5", "reason": "x",
                                                     "disabled": "true", "role": "admin"}))
                 for method, path in pages]
    for method, path, answer in visitor + signed_in:
        assert answer.status_code == 404 and "Page not found" in answer.text, (method, path, answer.status_code)
    assert "/admin" not in client.get("/projects").text  # no Admin link in the header either

    _promote(app, "not-an-admin@example.com")
    for method, path in pages:
        if method == "GET":
            assert client.get(_filled(path, ids)).status_code == 200, path
    assert 'href="/admin"' in client.get("/projects").text
    assert "Nothing yet" in client.get("/admin/audit").text  # the refused forms changed nothing


def test_an_admin_grants_credits_disables_and_cancels_through_the_forms(client, app):
    member = register(client, email="member@example.com")
    job = generate(client, member["headers"], create_project(client, member["headers"])["id"])["generation"]
    csrf = sign_up(client, "boss@example.com")
    _promote(app, "boss@example.com")
    found = client.get("/admin", params={"q": "MEMBER@"})
    assert "member@example.com" in found.text and "boss@example.com" not in found.text
    page = f"/admin/users/{member['user']['id']}"

    refused = client.post(f"{page}/credits", data={"csrf_token": csrf, "amount": "0", "reason": "x"})
    assert refused.status_code == 400 and "other than 0" in refused.text
    granted = client.post(f"{page}/credits", data={"csrf_token": csrf, "amount": "50", "reason": "Goodwill"})
    assert granted.url.path == page and "the balance is now 140" in granted.text
    assert client.post(f"{page}/credits", data={"amount": "50", "reason": "x"}).status_code == 403  # no CSRF token

    cancelled = client.post(f"/admin/generations/{job['id']}/cancel", data={"csrf_token": csrf})
    assert "10 credits went back" in cancelled.text and "Retry for the user" in cancelled.text
    retried = client.post(f"/admin/generations/{job['id']}/retry", data={"csrf_token": csrf})
    assert retried.url.path != f"/admin/generations/{job['id']}" and "Queued again for the user" in retried.text
    assert "Cancel for the user" in retried.text
    disabled = client.post(f"{page}/status", data={"csrf_token": csrf, "disabled": "true"})
    assert "sessions and tokens have ended" in disabled.text
    assert client.get("/api/auth/me", headers=member["headers"]).status_code == 401
    wrong = client.post(f"{page}/delete", data={"csrf_token": csrf, "confirmEmail": "someone@else"})
    assert wrong.status_code == 400

    audit = client.get("/admin/audit").text
    actions = ("user.disable", "generation.retry", "generation.cancel", "credits.grant")
    assert [audit.index(action) for action in actions] == sorted(audit.index(action) for action in actions)
    queue = client.get("/admin/queue").text
    assert "<svg" in queue and "1 cancelled" in queue and "member@example.com" in audit


def test_a_tokens_secret_is_shown_once_and_revoking_ends_it(client):
    csrf = sign_up(client)
    created = client.post("/account/tokens", data={"csrf_token": csrf, "name": "Chat bot",
                                                   "scopes": ["avatars:usage", "avatars:read"],
                                                   "expiresInDays": "30"})
    secret = re.search(r'value="(act_[^"]+)"', created.text).group(1)
    headers = {"Authorization": f"Bearer {secret}"}
    assert client.get("/api/apps/avatar-creator/avatars", headers=headers).status_code == 200
    listed = client.get("/account/tokens").text
    assert secret not in listed and secret[:12] in listed and "Chat bot" in listed

    refused = client.post("/account/tokens", data={"csrf_token": csrf, "name": "No scopes"})
    assert refused.status_code == 400 and "Tick at least one" in refused.text
    token_id = re.search(r'/account/tokens/([^/"]+)/revoke', listed).group(1)
    revoked = client.post(f"/account/tokens/{token_id}/revoke", data={"csrf_token": csrf})
    assert "Token revoked" in revoked.text and "Chat bot" not in revoked.text
    assert client.get("/api/apps/avatar-creator/avatars", headers=headers).status_code == 401
