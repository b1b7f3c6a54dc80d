"""Web routes over HTTP: redirects, CSRF, HTML errors for pages, and the API's JSON left as it was."""

from __future__ import annotations

import re

from avatar_creator.deps import CSRF_COOKIE
from tests.support.factories import PASSWORD
from tests.support.web import sign_up

HTML = {"accept": "text/html"}


def test_root_sends_visitors_to_sign_in_and_members_to_projects(client):
    assert client.get("/", follow_redirects=False).headers["location"] == "/signin"
    sign_up(client)
    assert client.get("/", follow_redirects=False).headers["location"] == "/projects"


def test_sign_in_never_redirects_to_another_site(client):
    sign_up(client)
    client.cookies.clear()
    client.get("/signin")
    response = client.post("/signin", follow_redirects=False, data={
        "csrf_token": client.cookies[CSRF_COOKIE], "email": "web@example.com", "password": PASSWORD,
        "next": "//evil.example/steal"})
    assert response.status_code == 303 and response.headers["location"] == "/projects"


def test_posts_without_a_valid_csrf_token_are_refused_with_a_page(client):
    client.get("/signin")
    refused = client.post("/signin", data={"email": "web@example.com", "password": PASSWORD})
    assert refused.status_code == 403 and "This form has expired" in refused.text

    token = sign_up(client)
    for sent in ({}, {"csrf_token": client.cookies[CSRF_COOKIE] + "x"}):
        response = client.post("/projects", data={"name": "Forged", **sent})
        assert response.status_code == 403
        assert response.headers["content-type"].startswith("text/html")
    accepted = client.post("/projects", data={"name": "Real"}, headers={"X-CSRF-Token": token},
                           follow_redirects=False)
    assert accepted.status_code == 303


def test_a_signed_out_post_goes_to_sign_in_and_a_stranger_sees_not_found(client):
    response = client.post("/projects", data={"name": "x"}, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/signin"

    token = sign_up(client, "owner@example.com")
    project_url = client.post("/projects", data={"csrf_token": token, "name": "Mine"},
                              follow_redirects=False).headers["location"]
    client.cookies.clear()
    sign_up(client, "stranger@example.com")
    response = client.get(project_url)
    assert response.status_code == 404 and "Page not found" in response.text


def test_pages_answer_html_errors_and_the_api_keeps_its_json(client):
    page = client.get("/no-such-page", headers=HTML)
    assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")
    api = client.get("/api/no-such-route", headers=HTML)
    assert api.status_code == 404 and api.json()["error"]["code"] == "NOT_FOUND"
    unauthorized = client.get("/api/apps/avatar-creator/projects", headers=HTML)
    assert unauthorized.status_code == 401 and unauthorized.json()["error"]["code"] == "UNAUTHORIZED"


def test_a_refused_project_form_shows_its_message_in_the_reopened_dialog(client):
    token = sign_up(client)
    response = client.post("/projects", data={"csrf_token": token, "name": "   "})
    assert response.status_code == 400
    dialog = re.search(r'<dialog id="new-project".*?</dialog>', response.text, re.S).group(0)
    assert "data-open-on-load" in dialog
    assert 'aria-invalid="true"' in dialog and "Required." in dialog
