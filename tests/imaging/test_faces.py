"""Largest-face detection (the real Haar cascade on drawn faces) and the thumbnails' face-centred cover crop."""

from __future__ import annotations

import io
from concurrent.futures import ThreadPoolExecutor

import numpy
import pytest
from PIL import Image, ImageDraw, ImageFilter

from avatar_creator.imaging import face_centred_crop, find_largest_face, process_upload

BACKGROUND = (40, 60, 90)
SKIN = (225, 180, 150)


def drawn_face(width: int) -> Image.Image:
    """A flat cartoon face (head, brows, eyes, nose, mouth) that OpenCV's frontal-face cascade detects."""
    image = Image.new("RGB", (width, width * 5 // 4), BACKGROUND)
    draw = ImageDraw.Draw(image)
    s = width / 200

    def box(*coordinates: float) -> list[float]:
        return [c * s for c in coordinates]

    draw.ellipse(box(20, 20, 180, 230), fill=SKIN)
    for left in (40, 115):
        draw.rectangle(box(left, 70, left + 45, 78), fill=(60, 40, 30))
        draw.ellipse(box(left + 5, 90, left + 45, 110), fill=(255, 255, 255))
        draw.ellipse(box(left + 17, 91, left + 33, 109), fill=(40, 30, 30))
    draw.polygon([(100 * s, 105 * s), (88 * s, 150 * s), (112 * s, 150 * s)], fill=(200, 150, 120))
    draw.ellipse(box(65, 170, 135, 190), fill=(150, 60, 60))
    return image.filter(ImageFilter.GaussianBlur(2 * s))


def scene(size: tuple[int, int], faces: list[tuple[int, int, int]]) -> Image.Image:
    """A plain canvas with faces of the given widths pasted at the given top-left corners."""
    canvas = Image.new("RGB", size, BACKGROUND)
    for left, top, width in faces:
        canvas.paste(drawn_face(width), (left, top))
    return canvas


def centre_of(box: tuple[int, int, int, int]) -> tuple[float, float]:
    x, y, width, height = box
    return x + width / 2, y + height / 2


def mean_colour(image: Image.Image, box: tuple[int, int, int, int]) -> tuple[float, ...]:
    return tuple(numpy.asarray(image.crop(box), dtype=float).mean(axis=(0, 1)))


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
