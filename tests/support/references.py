"""Reference photos (a drawn head and shoulders in known colours) and from-reference requests over HTTP."""

from __future__ import annotations

import io
import json

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

API = "/api/apps/avatar-creator"
SKIN, HAIR, BACKGROUND = (250, 215, 190), (200, 150, 60), (40, 120, 60)  # a pairing the face finder sees
FIELDS = {"name": "Like my photo", "prompt": "a portrait, no glasses, clean-shaven", "hairStyle": "bob"}


def reference_photo(format: str = "PNG", **options) -> bytes:
    return encode(draw_face(skin=SKIN, hair=HAIR, background=BACKGROUND), format, **options)


def from_reference(client, headers, project_id, *, image: bytes | None = None, expect=202, extra_headers=None,
                   **fields) -> dict:
    url = f"{API}/projects/{project_id}/avatars/from-reference"
    headers = {**headers, **(extra_headers or {})}
    if image is None:
        response = client.post(url, json=fields, headers=headers)
    else:
        form = {key: json.dumps(value) if isinstance(value, list) else str(value) for key, value in fields.items()}
        response = client.post(url, data=form, files={"image": ("photo.png", image, "image/png")}, headers=headers)
    assert response.status_code == expect, response.text
    return response.json()


def draw_face(*, skin, hair, background, size=400, blur=2.0) -> Image.Image:
    """A soft-edged drawn head and shoulders that OpenCV's frontal-face cascade finds, in known colours.

    The cascade misses this drawing when light hair frames darker skin, so tests pair colours it does find.
    """
    picture = Image.new("RGB", (size, size), background)
    pen = ImageDraw.Draw(picture)
    scale = size / 400

    def box(*coordinates):
        return [value * scale for value in coordinates]

    shadow, dark = (tuple(int(c * factor) for c in skin) for factor in (0.8, 0.35))
    pen.ellipse(box(95, 40, 305, 250), fill=hair)
    pen.ellipse(box(60, 330, 340, 520), fill=(70, 70, 80))  # shoulders
    pen.rectangle(box(150, 300, 250, 345), fill=skin)  # neck
    pen.ellipse(box(125, 95, 275, 315), fill=skin)  # face
    pen.rectangle(box(148, 165, 185, 172), fill=(60, 40, 30))  # eyebrows, dark whatever the hair: the cascade
    pen.rectangle(box(215, 165, 252, 172), fill=(60, 40, 30))  # looks for a dark band above the eyes
    for left in (152, 218):
        pen.ellipse(box(left, 180, left + 30, 196), fill=(250, 250, 250))
        pen.ellipse(box(left + 8, 181, left + 23, 195), fill=dark)
    pen.polygon(box(200, 195, 190, 240, 210, 240), fill=shadow)  # nose
    pen.ellipse(box(175, 262, 225, 278), fill=(150, 60, 60))  # mouth
    return picture.filter(ImageFilter.GaussianBlur(blur * scale))


def encode(picture: Image.Image, format: str = "PNG", **options) -> bytes:
    buffer = io.BytesIO()
    picture.save(buffer, format=format, **options)
    return buffer.getvalue()


def stored_image(client, avatar) -> np.ndarray:
    path = client.app.state.settings.files_dir / avatar_key(client, avatar["id"])
    return np.asarray(Image.open(path).convert("RGB")).astype(int)


def avatar_key(client, avatar_id: str) -> str:
    from avatar_creator.avatars.models import Avatar

    with client.app.state.database.session(write=False) as session:
        return session.get(Avatar, avatar_id).storage_key
