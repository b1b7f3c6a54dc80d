"""NUL, lone surrogates and 1,000-character strings in every path parameter, query parameter and body string field
of every operation in the OpenAPI document, signed in with a project, an avatar and a generation to reach: never a
5xx, and text the database cannot store is a 400 that changes nothing."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from avatar_creator.app import create_app
from tests.support.factories import create_project, generate, register
from tests.support.probes import LONG, NUL, SURROGATE, probes
from tests.support.settings import make_settings
from tests.support.uploads import create_avatar, jpeg, multipart, upload_path

API = "/api/apps/avatar-creator"


@pytest.fixture
def world(tmp_path, database_url):
    settings = make_settings(tmp_path, database_url)
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        user = register(client)
        project = create_project(client, user["headers"])
        avatar = create_avatar(client, user, project["id"])
        generation = generate(client, user["headers"], project["id"])["generation"]
        known = {"project_id": project["id"], "projectId": project["id"], "avatar_id": avatar["id"],
                 "avatarId": avatar["id"], "generation_id": generation["id"]}
        yield client, user, known, database_url


def snapshot(database_url: str) -> dict[str, list]:
    """Every row of every table, to prove a refused request changed nothing."""
    engine = sa.create_engine(database_url)
    try:
        metadata = sa.MetaData()
        metadata.reflect(engine)
        with engine.connect() as connection:
            return {name: sorted(map(repr, connection.execute(sa.select(table)).all()))
                    for name, table in metadata.tables.items()}
    finally:
        engine.dispose()


def refused(response) -> bool:
    return response.status_code == 400 and response.json()["error"]["code"] == "VALIDATION_ERROR"


def test_unstorable_text_is_refused_everywhere_and_stores_nothing(world):
    client, user, known, database_url = world
    document = client.app.openapi()
    before = snapshot(database_url)
    wrong = []
    sent = 0
    # NUL anywhere, and a lone surrogate in a body (in a URL it arrives decoded as U+FFFD, which is storable).
    for probe in [*probes(document, NUL, known=known, image=jpeg(300, 300)),
                  *probes(document, SURROGATE, known=known, image=jpeg(300, 300), where=("body",))]:
        response = probe.send(client, user["headers"])
        sent += 1
        if not refused(response):
            wrong.append(f"{probe}: {response.status_code} {response.text[:120]}")
    assert sent > 100, sent
    assert not wrong, "\n".join(wrong)
    assert snapshot(database_url) == before


def test_long_strings_and_encoded_surrogates_never_fail(world):
    client, user, known, _ = world
    document = client.app.openapi()
    failures = []
    sent = 0
    for probe in [*probes(document, LONG, known=known, image=jpeg(300, 300), where=("path", "query", "header", "body")),
                  *probes(document, SURROGATE, known=known, image=jpeg(300, 300), where=("path", "query"))]:
        response = probe.send(client, user["headers"])
        sent += 1
        if response.status_code >= 500:
            failures.append(f"{probe}: {response.status_code} {response.text[:200]}")
    assert sent > 100, sent
    assert not failures, "\n".join(failures)


def test_multipart_text_fields_and_web_forms_refuse_nul(world):
    """Not in the document's request bodies (yet): the upload's text fields and the sign-in form."""
    client, user, known, database_url = world
    before = snapshot(database_url)
    body, content_type = multipart([("image", "photo.jpg", jpeg(300, 300)), ("name", None, NUL)])
    for path in (upload_path(known["project_id"]), f"{API}/projects/{known['project_id']}/avatars/from-reference"):
        response = client.post(path, content=body, headers={**user["headers"], "Content-Type": content_type})
        assert refused(response), response.text
        assert response.json()["error"]["field"] == "name"
    form = client.post("/signin", data={"email": NUL, "password": "whatever"}, headers={"Accept": "text/html"})
    assert form.status_code == 400
    assert form.headers["content-type"].startswith("text/html")
    assert snapshot(database_url) == before


def test_the_refusal_names_the_field(world):
    client, user, known, _ = world
    response = client.put(f"{API}/projects/{known['project_id']}", json={"name": "ok", "description": NUL},
                          headers=user["headers"])
    assert refused(response) and response.json()["error"]["field"] == "description"
    response = client.get(f"{API}/avatars?q=%00", headers=user["headers"])
    assert refused(response) and response.json()["error"]["field"] == "q"
    response = client.get(f"{API}/avatars/a%00b", headers=user["headers"])
    assert refused(response) and response.json()["error"]["field"] == "avatar_id"
    response = client.post("/api/auth/login", content=b'{"email": "a@b.c", "password": "\\ud800"}',
                           headers={"Content-Type": "application/json"})
    assert refused(response) and response.json()["error"]["field"] == "password"
