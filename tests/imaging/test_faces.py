"""Largest-face detection (the real Haar cascade on drawn faces) and the thumbnails' face-centred cover crop."""

from __future__ import annotations

import io
from concurrent.futures import ThreadPoolExecutor

import numpy
import pytest
from PIL import Image, ImageDraw

from avatar_creator.imaging import face_centred_crop, find_largest_face, process_upload
from tests.support.faces import BACKGROUND, SKIN, mean_colour, scene


def centre_of(box: tuple[int, int, int, int]) -> tuple[float, float]:
    x, y, width, height = box
    return x + width / 2, y + height / 2


def assert_shows(thumbnail: Image.Image, image: Image.Image, box: tuple[int, int, int, int]) -> None:
    """``thumbnail`` is ``box`` of ``image`` scaled down (allowing for resampling differences)."""
    expected = numpy.asarray(image.crop(box).resize(thumbnail.size, Image.Resampling.LANCZOS), dtype=float)
    difference = numpy.abs(numpy.asarray(thumbnail, dtype=float) - expected)
    assert difference.mean() < 1 and difference.max() < 24, (difference.mean(), difference.max())


def is_close(colour, expected, tolerance: float = 30) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(colour, expected, strict=True))


def test_finds_the_face_where_it_was_drawn():
    face = find_largest_face(scene((1600, 1200), [(1100, 300, 300)]))
    assert face is not None
    x, y = centre_of(face)
    assert abs(x - 1250) < 40 and abs(y - 470) < 60  # the drawn face's centre: (1100 + 150, 300 + 375 / 2 + ~)


def test_the_largest_of_several_faces_wins():
    face = find_largest_face(scene((2400, 1200), [(100, 100, 200), (1500, 200, 500)]))
    assert face is not None
    assert 1500 < centre_of(face)[0] < 2000


def test_thumbnail_is_centred_on_an_off_centre_face():
    # Face centre at x = 1000 of 1600: the centre crop (x 400–1200) would put it at 0.75 of the width.
    image = scene((1600, 800), [(850, 200, 300)])
    thumbnail = face_centred_crop(image, 300)
    assert thumbnail.size == (300, 300)
    assert is_close(mean_colour(thumbnail, (130, 130, 170, 170)), SKIN, 40)
    face = find_largest_face(thumbnail)
    assert face is not None
    x, y = centre_of(face)
    assert abs(x - 150) < 20 and abs(y - 150) < 40


def test_portrait_photo_is_centred_vertically_on_the_face():
    image = scene((800, 1600), [(250, 150, 300)])  # face centre around y = 340
    thumbnail = face_centred_crop(image, 300)
    face = find_largest_face(image)
    assert face is not None and centre_of(face)[1] < 400
    assert_shows(thumbnail, image, (0, 0, 800, 800))  # clamped to the top


def test_face_at_the_edge_clamps_the_crop_inside_the_image():
    image = scene((1600, 800), [(1290, 200, 300)])
    thumbnail = face_centred_crop(image, 300)
    assert_shows(thumbnail, image, (800, 0, 1600, 800))


def stripes(size: tuple[int, int]) -> Image.Image:
    image = Image.new("RGB", size, BACKGROUND)
    draw = ImageDraw.Draw(image)
    for left in range(0, size[0], 80):
        draw.rectangle((left, 0, left + 39, size[1]), fill=(200, 40 + left % 200, 40))
    return image


def test_no_face_gives_the_centre_crop():
    image = stripes((1600, 800))
    assert find_largest_face(image) is None
    thumbnail = face_centred_crop(image, 300)
    assert_shows(thumbnail, image, (400, 0, 1200, 800))


def test_detection_is_safe_from_many_threads():
    images = [scene((1600, 800), [(left, 200, 300)]) for left in (100, 600, 1100, 1250)]
    expected = [find_largest_face(image) for image in images]
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(find_largest_face, images * 4))
    assert results == expected * 4


@pytest.mark.parametrize("fmt", ["JPEG", "PNG"])
def test_upload_thumbnail_follows_the_face(fmt):
    buffer = io.BytesIO()
    scene((2000, 1000), [(1250, 300, 400)]).save(buffer, fmt)
    result = process_upload(buffer.getvalue())
    thumbnail = Image.open(io.BytesIO(result.thumbnail))
    assert is_close(mean_colour(thumbnail, (130, 130, 170, 170)), SKIN, 40)
    face = find_largest_face(thumbnail)
    assert face is not None
    assert abs(centre_of(face)[0] - 150) < 25
