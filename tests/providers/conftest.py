import io

import pytest
from PIL import Image, ImageDraw, ImageFilter


def _draw_face(*, skin, hair, background, size=400, blur=2.0) -> Image.Image:
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


@pytest.fixture
def draw_face():
    """``draw_face(skin=..., hair=..., background=..., size=400)``: a PIL image of a drawn face."""
    return _draw_face


@pytest.fixture
def face_photo():
    """``face_photo(skin=..., hair=..., background=..., size=400, format="PNG")``: a drawn face, encoded."""

    def make(*, skin, hair, background, size=400, format="PNG"):
        return encode(_draw_face(skin=skin, hair=hair, background=background, size=size), format)

    return make
