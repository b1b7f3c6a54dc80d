"""Uploads over HTTP against a corpus of bad and tricky files built here: each gets API.md's answer, a refusal keeps
nothing (balance, storage used, avatars and files on disk unchanged), an acceptance charges and stores exactly."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from dataclasses import dataclass

from PIL import ExifTags, Image, ImageDraw

from avatar_creator.imaging import UnsupportedImageType, sniff
from tests.support.colour import display_p3, p3_to_srgb
from tests.support.corpus import REFUSED, encode, heic, photo, rgb16_png, zip_bytes
from tests.support.uploads import API, jpeg, multipart, snapshot, upload_path

LIMIT = 10 * 1024 * 1024


@dataclass(frozen=True)
class Refusal:
    name: str
    body: Callable[[], tuple[bytes, str]]  # the request body and its Content-Type
    status: int
    code: str
    field: str | None
    message: str = ""  # the start of the error message, when the case pins it


def with_image(data: bytes, filename: str = "photo.png") -> tuple[bytes, str]:
    return multipart([("image", filename, data), ("name", None, "Portrait")])


def cut(request: tuple[bytes, str], last: int) -> tuple[bytes, str]:
    """The request with the last bytes of its body missing."""
    return request[0][:-last], request[1]


def with_fields(**fields: str) -> Callable[[], tuple[bytes, str]]:
    return lambda: multipart([("image", "photo.jpg", jpeg(300, 300)), *((k, None, v) for k, v in fields.items())])


FILE_REFUSALS = [
    Refusal(name, lambda build=build: with_image(build()), 415 if error is UnsupportedImageType else 400,
            "UNSUPPORTED_MEDIA_TYPE" if error is UnsupportedImageType else "VALIDATION_ERROR", "image", message)
    for name, build, error, message in REFUSED
]
FORM_REFUSALS = [
    Refusal("file limit + 1 byte", lambda: with_image(b"\xff\xd8\xff\xe0" + b"\0" * (LIMIT - 3)), 413,
            "PAYLOAD_TOO_LARGE", "image", "The file is over 10 MB; the largest accepted is 10 MB."),
    Refusal("a file of 14.2 MB", lambda: with_image(b"\xff\xd8\xff\xe0" + b"\0" * int(14.2 * 2**20)), 413,
            "PAYLOAD_TOO_LARGE", "image", "The file is 14.2 MB; the largest accepted is 10 MB."),
    Refusal("no image part", lambda: multipart([("name", None, "Portrait")]), 400, "VALIDATION_ERROR", "image"),
    Refusal("image sent as 'file'", lambda: multipart([("file", "a.jpg", jpeg(300, 300)), ("name", None, "Portrait")]),
            400, "VALIDATION_ERROR", "image"),
    Refusal("no name", lambda: multipart([("image", "a.jpg", jpeg(300, 300))]), 400, "VALIDATION_ERROR", "name"),
    Refusal("name sent as 'title'", with_fields(title="Portrait"), 400, "VALIDATION_ERROR", "name"),
    Refusal("blank name", with_fields(name="   "), 400, "VALIDATION_ERROR", "name"),
    Refusal("name of 101 characters", with_fields(name="n" * 101), 400, "VALIDATION_ERROR", "name"),
    Refusal("name not UTF-8", lambda: multipart([("image", "a.jpg", jpeg(300, 300)), ("name", None, b"caf\xe9")]),
            400, "VALIDATION_ERROR", "name", "name: not UTF-8 text"),
    Refusal("personaAge 0", with_fields(name="P", personaAge="0"), 400, "VALIDATION_ERROR", "personaAge"),
    Refusal("personaAge in words", with_fields(name="P", personaAge="thirty"), 400, "VALIDATION_ERROR", "personaAge"),
    Refusal("gender outside the list", with_fields(name="P", gender="robot"), 400, "VALIDATION_ERROR", "gender"),
    Refusal("personality not JSON", with_fields(name="P", personaPersonality="calm, kind"), 400, "VALIDATION_ERROR",
            "personaPersonality"),
    Refusal("personality of 11 traits", with_fields(name="P", personaPersonality=json.dumps(["t"] * 11)), 400,
            "VALIDATION_ERROR", "personaPersonality"),
    Refusal("hairColor of 51 characters", with_fields(name="P", hairColor="h" * 51), 400, "VALIDATION_ERROR",
            "hairColor"),
    Refusal("two images", lambda: multipart([("image", "a.jpg", jpeg(300, 300)), ("image", "b.jpg", jpeg(300, 300)),
                                             ("name", None, "P")]), 400, "VALIDATION_ERROR", "image"),
    Refusal("JSON instead of multipart", lambda: (b'{"name": "P", "image": "aGVsbG8="}', "application/json"), 400,
            "VALIDATION_ERROR", "image"),
    Refusal("multipart cut before its closing boundary", lambda: cut(with_image(jpeg(300, 300)), 40), 400,
            "VALIDATION_ERROR", "image"),
]


def test_corpus_has_the_issues_files():
    names = {case.name for case in FILE_REFUSALS + FORM_REFUSALS} | {case[0] for case in ACCEPTED}
    assert len(names) >= 25
    for required in ("zero bytes", "truncated jpeg", "png declaring 30000x30000", "file limit + 1 byte", "gif", "bmp",
                     "tiff", "svg with a script", "html named .png", "animated webp", "255x4096", "4097x300",
                     "jpeg with trailing zip", "cmyk jpeg", "16-bit png", "grayscale jpeg", "heic",
                     "display-p3 jpeg", "exif orientation 6 and gps", "filename ../../etc/passwd",
                     "filename of 300 characters", "filename not UTF-8", "image sent as 'file'"):
        assert required in names, required


def test_refusals_keep_nothing(client, user, project, files_dir, subtests):
    before = snapshot(client, user, files_dir)
    for case in FILE_REFUSALS + FORM_REFUSALS:
        with subtests.test(case.name):
            body, content_type = case.body()
            response = client.post(upload_path(project["id"]), content=body,
                                   headers={**user["headers"], "Content-Type": content_type})
            assert response.status_code == case.status, response.text
            error = response.json()["error"]
            assert response.json()["success"] is False
            assert (error["code"], error.get("field")) == (case.code, case.field)
            assert error["message"].startswith(case.message)
            assert snapshot(client, user, files_dir) == before


def orientation_6_with_gps() -> bytes:
    """Stored sideways, 400×300 with a red corner top-left; EXIF says turn it, and carries GPS and a camera make."""
    image = Image.new("RGB", (400, 300), (20, 40, 200))
    ImageDraw.Draw(image).rectangle((0, 0, 59, 59), fill=(230, 20, 20))
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6
    exif[ExifTags.Base.Make] = "TestCam"
    exif.get_ifd(ExifTags.IFD.GPSInfo).update({ExifTags.GPS.GPSLatitudeRef: "N",
                                               ExifTags.GPS.GPSLatitude: (52.0, 31.0, 12.0)})
    return encode(image, "JPEG", exif=exif, quality=95)


P3_PATCH = (200, 100, 50)


def display_p3_jpeg() -> bytes:
    return encode(Image.new("RGB", (300, 300), P3_PATCH), "JPEG", icc_profile=display_p3(), quality=98, subsampling=0)


def close(actual, expected, tolerance: int) -> bool:
    return all(abs(a - e) <= tolerance for a, e in zip(actual, expected, strict=True))


# (name, file bytes, client filename, stored type, stored size, a check of the stored picture)
ACCEPTED = [
    ("jpeg with trailing zip", lambda: encode(photo(), "JPEG") + zip_bytes(), "photo.jpg", "image/jpeg", (640, 480),
     lambda data, picture: b"PK\x03\x04" not in data and data.endswith(b"\xff\xd9")),
    ("cmyk jpeg", lambda: encode(Image.new("CMYK", (300, 300), (255, 0, 0, 0)), "JPEG"), "cmyk.jpg", "image/jpeg",
     (300, 300), lambda data, picture: picture.mode == "RGB" and close(picture.getpixel((150, 150)), (0, 255, 255), 4)),
    ("16-bit png", rgb16_png, "deep.png", "image/png", (300, 300),
     lambda data, picture: picture.mode == "RGB" and picture.getpixel((10, 10)) == (0x80, 0x40, 0xC0)),
    ("grayscale jpeg", lambda: encode(Image.new("L", (300, 300), 90), "JPEG"), "gray.jpg", "image/jpeg", (300, 300),
     lambda data, picture: picture.mode == "RGB" and close(picture.getpixel((10, 10)), (90, 90, 90), 2)),
    ("heic", lambda: heic(Image.new("RGB", (400, 300), (20, 40, 200))), "IMG_0001.HEIC", "image/jpeg", (400, 300),
     lambda data, picture: close(picture.getpixel((200, 150)), (20, 40, 200), 16)),
    ("display-p3 jpeg", display_p3_jpeg, "p3.jpg", "image/jpeg", (300, 300),
     lambda data, picture: close(picture.getpixel((150, 150)), p3_to_srgb(P3_PATCH), 4)
     and "icc_profile" not in picture.info),
    ("exif orientation 6 and gps", orientation_6_with_gps, "phone.jpg", "image/jpeg", (300, 400),
     lambda data, picture: close(picture.getpixel((270, 30)), (230, 20, 20), 12) and not picture.getexif()
     and b"TestCam" not in data and b"Exif" not in data),
    ("filename ../../etc/passwd", lambda: jpeg(300, 300), "../../etc/passwd", "image/jpeg", (300, 300), None),
    ("filename of 300 characters", lambda: jpeg(300, 300), "a" * 296 + ".png", "image/jpeg", (300, 300), None),
    ("filename not UTF-8", lambda: jpeg(300, 300), b"\xff\xfe\xc3(\x00.jpg", "image/jpeg", (300, 300), None),
]


def test_accepted_files_are_charged_and_stored_exactly(client, user, project, files_dir, subtests):
    for name, build, filename, mime_type, size, check in ACCEPTED:
        with subtests.test(name):
            before = snapshot(client, user, files_dir)
            body, content_type = multipart([("image", filename, build()), ("name", None, name),
                                            ("personaPersonality", None, '["calm", "curious"]')])
            response = client.post(upload_path(project["id"]), content=body,
                                   headers={**user["headers"], "Content-Type": content_type})
            assert response.status_code == 201, response.text
            avatar = response.json()["avatar"]
            after = snapshot(client, user, files_dir)
            new_files = after.files - before.files
            stored_bytes = sum((files_dir / key).stat().st_size for key in new_files)
            assert response.json()["creditUsed"] == 2
            assert after.balance == before.balance - 2 == response.json()["creditBalance"]
            assert after.storage_used == before.storage_used + stored_bytes
            assert after.avatars == before.avatars + 1 and len(new_files) == 2
            for key in new_files:  # a random name in the user's folder, the extension of the content
                folder, file_name = key.rsplit("/", 1)
                assert folder == f"u/{user['user']['id']}"
                assert file_name.rsplit(".", 1)[1] == {"image/jpeg": "jpg", "image/png": "png"}[
                    sniff((files_dir / key).read_bytes()[:64])]
                assert "passwd" not in key and "aaaa" not in key
            assert (avatar["mimeType"], avatar["width"], avatar["height"]) == (mime_type, *size)
            assert avatar["personaPersonality"] == ["calm", "curious"] and avatar["sourceType"] == "uploaded"

            original = client.get(avatar["baseImageUrl"])
            assert original.headers["content-type"] == mime_type
            picture = Image.open(io.BytesIO(original.content))
            assert picture.size == size and avatar["fileSize"] == len(original.content)
            if check is not None:
                assert check(original.content, picture)


def test_thumbnail_is_centred_on_an_off_centre_face(client, user, project):
    from tests.support.faces import SKIN, mean_colour, scene

    # Face centre near x = 1000 of 1600: a plain centre crop would show it at three quarters of the width.
    body, content_type = multipart([("image", "face.png", encode(scene((1600, 800), [(850, 200, 300)]), "PNG")),
                                    ("name", None, "Face")])
    response = client.post(upload_path(project["id"]), content=body,
                           headers={**user["headers"], "Content-Type": content_type})
    assert response.status_code == 201, response.text
    thumbnail = Image.open(io.BytesIO(client.get(response.json()["avatar"]["thumbnailUrl"]).content))
    assert thumbnail.size == (300, 300)
    assert close(mean_colour(thumbnail, (130, 130, 170, 170)), SKIN, 40)


def test_upload_to_someone_elses_project_is_404_before_the_body_is_read(client, user, project, files_dir):
    from tests.support.factories import register

    stranger = register(client)
    before = snapshot(client, user, files_dir)
    body, content_type = with_image(b"not even an image")
    for project_id in (project["id"], "no-such-project"):
        response = client.post(upload_path(project_id), content=body,
                               headers={**stranger["headers"], "Content-Type": content_type})
        assert response.status_code == 404 and response.json()["error"]["code"] == "NOT_FOUND"
    assert snapshot(client, user, files_dir) == before
    assert client.post(upload_path(project["id"]), content=body,
                       headers={"Content-Type": content_type}).status_code == 401


def test_upload_appears_in_the_project(client, user, project):
    body, content_type = with_image(jpeg(400, 300), "x.jpg")
    avatar = client.post(upload_path(project["id"]), content=body,
                         headers={**user["headers"], "Content-Type": content_type}).json()["avatar"]
    shown = client.get(f"{API}/projects/{project['id']}", headers=user["headers"]).json()["project"]
    assert shown["avatarCount"] == 1 and shown["avatars"][0]["id"] == avatar["id"]
    assert shown["coverThumbnailUrl"] == avatar["thumbnailUrl"]


def test_cookie_uploads_need_the_csrf_token(client, user, project, files_dir):
    body, content_type = with_image(jpeg(300, 300), "x.jpg")
    client.cookies.set("avatar_session", user["token"])
    try:
        refused = client.post(upload_path(project["id"]), content=body, headers={"Content-Type": content_type})
        assert refused.status_code == 403 and refused.json()["error"]["code"] == "CSRF_FAILED"
        accepted = client.post(upload_path(project["id"]), content=body,
                               headers={"Content-Type": content_type, "X-CSRF-Token": user["csrfToken"]})
        assert accepted.status_code == 201, accepted.text
    finally:
        client.cookies.clear()


def test_uploads_are_rate_limited_per_user(tmp_path, database_url):
    from fastapi.testclient import TestClient

    from avatar_creator.app import create_app
    from tests.support.factories import create_project, register
    from tests.support.settings import make_settings

    app = create_app(make_settings(tmp_path, database_url, rate_limits="on", rate_limit_upload="2/minute"))
    with TestClient(app) as client:
        user, other = register(client), register(client)
        project = create_project(client, user["headers"])
        body, content_type = with_image(jpeg(300, 300), "x.jpg")
        answers = [client.post(upload_path(project["id"]), content=body,
                               headers={**user["headers"], "Content-Type": content_type}) for _ in range(3)]
        assert [answer.status_code for answer in answers] == [201, 201, 429]
        assert answers[0].headers["x-ratelimit-remaining"] == "1"
        assert answers[2].json()["error"]["code"] == "RATE_LIMITED" and int(answers[2].headers["retry-after"]) > 0
        assert len(client.get(f"{API}/avatars", headers=user["headers"]).json()["avatars"]) == 2
        other_project = create_project(client, other["headers"])
        assert client.post(upload_path(other_project["id"]), content=body,
                           headers={**other["headers"], "Content-Type": content_type}).status_code == 201
