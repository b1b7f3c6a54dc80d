import io

import pytest
from PIL import Image

from avatar_creator.providers.offline.palette import distance, to_hex
from avatar_creator.providers.offline.reference_colours import read_reference_colours

SKIN, HAIR, BACKGROUND = (224, 172, 130), (60, 40, 30), (90, 140, 200)


@pytest.mark.parametrize(
    ("skin", "hair", "background"),
    [(SKIN, HAIR, BACKGROUND), ((120, 75, 50), (20, 15, 15), (230, 230, 220)),
     ((250, 215, 190), (200, 150, 60), (40, 120, 60))],
)
def test_skin_hair_and_background_are_read_around_the_face(face_photo, skin, hair, background):
    colours = read_reference_colours(face_photo(skin=skin, hair=hair, background=background))

    assert colours.face_found
    assert distance(colours.skin, to_hex(skin)) < 12
    assert distance(colours.hair, to_hex(hair)) < 12
    assert distance(colours.background, to_hex(background)) < 12


def test_a_large_jpeg_is_read_as_well_as_a_small_png(face_photo):
    colours = read_reference_colours(face_photo(skin=SKIN, hair=HAIR, background=BACKGROUND, size=2400,
                                                format="JPEG"))

    assert colours.face_found
    assert distance(colours.skin, to_hex(SKIN)) < 15
    assert distance(colours.hair, to_hex(HAIR)) < 15


def test_the_exif_orientation_is_applied_before_looking_for_the_face(draw_face):
    upright = draw_face(skin=SKIN, hair=HAIR, background=BACKGROUND)
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90° clockwise to display": store the picture turned the other way
    buffer = io.BytesIO()
    upright.rotate(90, expand=True).save(buffer, format="JPEG", exif=exif, quality=95)

    colours = read_reference_colours(buffer.getvalue())

    assert colours.face_found
    assert distance(colours.hair, to_hex(HAIR)) < 15


def test_a_bald_head_gives_no_hair_colour(face_photo):
    colours = read_reference_colours(face_photo(skin=SKIN, hair=SKIN, background=BACKGROUND))

    assert colours.face_found
    assert colours.hair is None


def test_without_a_face_skin_comes_from_the_centre_and_hair_is_unknown():
    picture = Image.new("RGB", (300, 200), (30, 160, 90))
    picture.paste((200, 150, 120), (100, 60, 200, 140))

    colours = read_reference_colours(_png(picture))

    assert not colours.face_found
    assert colours.skin == "#C89678"
    assert colours.hair is None
    assert colours.background == "#1EA05A"


def test_bytes_that_are_no_picture_are_refused():
    with pytest.raises(ValueError, match="cannot be read"):
        read_reference_colours(b"not an image at all")


def _png(picture: Image.Image) -> bytes:
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG")
    return buffer.getvalue()
