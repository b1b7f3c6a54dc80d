"""``/uploads/…``: the owner's session or a valid signature, else 404; headers for safe caching and no sniffing."""

from __future__ import annotations

import time
from urllib.parse import parse_qs, urlsplit

import pytest

from avatar_creator.signing import BUCKET_SECONDS, FileUrls
from tests.support.factories import create_project, register
from tests.support.settings import TEST_SECRET, make_settings
from tests.support.uploads import API, create_avatar


@pytest.fixture
def avatar(client, user, project) -> dict:
    return create_avatar(client, user, project["id"])


def key_of(url: str) -> str:
    return urlsplit(url).path.removeprefix("/uploads/")


def test_signed_url_works_without_a_session(client, avatar):
    response = client.get(avatar["baseImageUrl"])
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/jpeg"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["cache-control"].startswith("private")
    assert response.content.startswith(b"\xff\xd8\xff")
    thumbnail = client.get(avatar["thumbnailUrl"])
    assert thumbnail.status_code == 200 and thumbnail.headers["etag"] != response.headers["etag"]


def test_the_owners_session_works_without_a_signature(client, user, avatar):
    path = urlsplit(avatar["baseImageUrl"]).path
    assert client.get(path, headers=user["headers"]).status_code == 200
    client.cookies.set("avatar_session", user["token"])  # the web UI's cookie
    try:
        assert client.get(path).status_code == 200
    finally:
        client.cookies.clear()
    assert client.get(path).status_code == 404
    assert client.get(path, headers={"Authorization": "Bearer not-a-token"}).status_code == 404


def test_bad_signatures_are_404(app, client, avatar):
    url = urlsplit(avatar["baseImageUrl"])
    query = {name: values[0] for name, values in parse_qs(url.query).items()}
    thumbnail_query = urlsplit(avatar["thumbnailUrl"]).query
    expired = FileUrls(secret=app.state.settings.secret, public_url=None,
                       clock=lambda: time.time() - 2 * 86400)(key_of(avatar["baseImageUrl"]))
    other_secret = FileUrls(secret=b"another-secret-" * 4, public_url=None)(key_of(avatar["baseImageUrl"]))
    attempts = [
        f"{url.path}?exp={query['exp']}&sig={query['sig'][:-2]}AA",  # tampered signature
        f"{url.path}?exp={int(query['exp']) + BUCKET_SECONDS}&sig={query['sig']}",  # a later expiry
        f"{url.path}?exp={query['exp']}",  # no signature
        f"{url.path}?sig={query['sig']}",  # no expiry
        f"{url.path}?exp=soon&sig={query['sig']}",
        f"{url.path}?{thumbnail_query}",  # another file's signature
        expired,
        other_secret,
    ]
    for attempt in attempts:
        response = client.get(attempt)
        assert response.status_code == 404, attempt
        assert response.json()["error"]["code"] == "NOT_FOUND"


def test_another_users_session_is_404_even_with_the_key(client, avatar):
    stranger = register(client)
    assert client.get(urlsplit(avatar["baseImageUrl"]).path, headers=stranger["headers"]).status_code == 404


@pytest.mark.parametrize("path", [
    "/uploads/../secret_key", "/uploads/%2e%2e/secret_key", "/uploads/u/%2e%2e/%2e%2e/secret_key",
    "/uploads/..%2fsecret_key", "/uploads/.tmp-x", "/uploads/", "/uploads/u//a.jpg",
    "/uploads/%2fetc/passwd",
])
def test_paths_outside_the_files_never_resolve(client, user, path):
    response = client.get(path, headers=user["headers"])
    assert response.status_code == 404


def test_a_nul_in_a_file_path_is_refused_before_any_lookup(client, user):
    response = client.get("/uploads/u/x/%00.jpg", headers=user["headers"])
    assert (response.status_code, response.json()["error"]["code"]) == (400, "VALIDATION_ERROR")


def test_etag_answers_304(client, avatar):
    first = client.get(avatar["baseImageUrl"])
    again = client.get(avatar["baseImageUrl"], headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304 and again.content == b""
    assert again.headers["etag"] == first.headers["etag"]
    changed = client.get(avatar["baseImageUrl"], headers={"If-None-Match": '"something-else"'})
    assert changed.status_code == 200


def test_urls_are_stable_within_the_bucket_and_absolute_with_a_public_url(client, user, avatar, tmp_path,
                                                                          database_url):
    shown = client.get(f"{API}/avatars/{avatar['id']}", headers=user["headers"]).json()["avatar"]
    assert shown["baseImageUrl"] == avatar["baseImageUrl"]  # browsers can cache it
    urls = FileUrls(secret=TEST_SECRET.encode(), public_url="https://avatars.example.com/")
    assert urls("u/a/b.jpg").startswith("https://avatars.example.com/uploads/u/a/b.jpg?exp=")
    settings = make_settings(tmp_path / "other", database_url, public_url="https://avatars.example.com")
    from avatar_creator.app import create_app

    assert create_app(settings).state.file_url("u/a/b.jpg").startswith("https://avatars.example.com/uploads/")


def test_deleted_avatar_files_are_gone(client, user, project):
    avatar = create_avatar(client, user, project["id"])
    assert client.delete(f"{API}/avatars/{avatar['id']}", headers=user["headers"]).status_code == 204
    assert client.get(avatar["baseImageUrl"]).status_code == 404
    assert client.get(avatar["thumbnailUrl"], headers=user["headers"]).status_code == 404
    other = create_project(client, user["headers"], name="Other")
    assert create_avatar(client, user, other["id"])["baseImageUrl"] != avatar["baseImageUrl"]


def test_byte_ranges(client, avatar):
    whole = client.get(avatar["baseImageUrl"])
    size, etag = len(whole.content), whole.headers["etag"]
    assert whole.headers["accept-ranges"] == "bytes" and int(whole.headers["content-length"]) == size
    last = size - 1
    for header, start, end in [("bytes=0-99", 0, 99), ("bytes=100-", 100, last), ("bytes=-50", size - 50, last),
                               ("bytes=10-999999999", 10, last), (f"bytes={last}-{last}", last, last)]:
        part = client.get(avatar["baseImageUrl"], headers={"Range": header})
        assert part.status_code == 206, header
        assert part.content == whole.content[start:end + 1], header
        assert part.headers["content-range"] == f"bytes {start}-{end}/{size}"
        assert int(part.headers["content-length"]) == end - start + 1
    matching = client.get(avatar["baseImageUrl"], headers={"Range": "bytes=0-9", "If-Range": etag})
    assert matching.status_code == 206 and matching.content == whole.content[:10]
    # Anything else is answered whole, as HTTP allows: past the end, several ranges, other units, a stale If-Range.
    for headers in [{"Range": f"bytes={size}-"}, {"Range": "bytes=0-1,5-6"}, {"Range": "items=0-1"},
                    {"Range": "bytes=-"}, {"Range": "bytes=9-3"}, {"Range": "bytes=0-9", "If-Range": '"other"'}]:
        answer = client.get(avatar["baseImageUrl"], headers=headers)
        assert (answer.status_code, answer.content) == (200, whole.content), headers
        assert "content-range" not in answer.headers


def test_head_answers_the_headers_alone(client, avatar):
    whole = client.get(avatar["baseImageUrl"])
    head = client.head(avatar["baseImageUrl"])
    assert head.status_code == 200 and head.content == b""
    assert head.headers["content-length"] == str(len(whole.content)) and head.headers["etag"] == whole.headers["etag"]
    ranged = client.head(avatar["baseImageUrl"], headers={"Range": "bytes=0-9"})
    assert ranged.status_code == 206 and ranged.headers["content-length"] == "10"
