"""Colour management: embedded ICC profiles converted to sRGB as a colour-managed viewer shows them, then dropped."""

from __future__ import annotations

import io

import pytest
from PIL import Image, ImageCms

from avatar_creator.imaging import process_upload
from avatar_creator.imaging.colour import to_srgb
from tests.support.colour import display_p3, linear_gray, p3_to_srgb, srgb_encode


def assert_close(actual, expected, tolerance: int = 4) -> None:
    assert all(abs(a - e) <= tolerance for a, e in zip(actual, expected, strict=True)), (actual, expected)


def tagged(image: Image.Image, icc: bytes) -> Image.Image:
    image.info["icc_profile"] = icc
    return image


P3_PATCHES = [(200, 100, 50), (60, 180, 90), (230, 60, 160), (255, 0, 0)]  # the last is out of sRGB: clipped


def test_display_p3_jpeg_keeps_its_colours():
    image = Image.new("RGB", (400, 300))
    for index, colour in enumerate(P3_PATCHES):
        image.paste(colour, (index * 100, 0, index * 100 + 100, 300))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", icc_profile=display_p3(), quality=98, subsampling=0)

    result = process_upload(buffer.getvalue())
    stored = Image.open(io.BytesIO(result.data))
    assert "icc_profile" not in stored.info  # dropped: the pixels are sRGB now, which is what untagged means
    for index, colour in enumerate(P3_PATCHES):
        actual = stored.getpixel((index * 100 + 50, 150))
        assert_close(actual, p3_to_srgb(colour))
        if colour != (255, 0, 0):
            assert max(abs(a - c) for a, c in zip(actual, colour, strict=True)) > 10  # converted, not passed through


def test_alpha_survives_conversion():
    image = tagged(Image.new("RGBA", (8, 8), (200, 100, 50, 77)), display_p3())
    converted = to_srgb(image, keep_alpha=True)
    assert converted.mode == "RGBA"
    assert_close(converted.getpixel((0, 0)), (*p3_to_srgb((200, 100, 50)), 77), 2)


def test_gray_profile_is_converted():
    converted = to_srgb(tagged(Image.new("L", (8, 8), 128), linear_gray()), keep_alpha=False)
    expected = srgb_encode(128 / 255)  # a linear 50% grey is lighter in sRGB's curve
    assert converted.mode == "RGB"
    assert_close(converted.getpixel((0, 0)), (expected,) * 3, 2)


def test_srgb_profile_changes_nothing():
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    image = tagged(Image.new("RGB", (8, 8), (200, 100, 50)), srgb)
    assert to_srgb(image, keep_alpha=False).getpixel((0, 0)) == (200, 100, 50)


@pytest.mark.parametrize(
    ("mode", "icc"),
    [("RGB", b"not a profile"), ("RGB", linear_gray()), ("L", display_p3()), ("CMYK", display_p3())],
    ids=["broken", "gray profile on RGB", "RGB profile on gray", "RGB profile on CMYK"],
)
def test_unusable_profiles_are_ignored(mode, icc):
    image = Image.new(mode, (8, 8), {"RGB": (200, 100, 50), "L": 90, "CMYK": (0, 255, 255, 0)}[mode])
    expected = image.convert("RGB").getpixel((0, 0))
    assert to_srgb(tagged(image, icc), keep_alpha=False).getpixel((0, 0)) == expected
