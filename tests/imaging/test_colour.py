"""Colour management: embedded ICC profiles converted to sRGB as a colour-managed viewer shows them, then dropped."""

from __future__ import annotations

import io
import struct

import numpy
import pytest
from PIL import Image, ImageCms

from avatar_creator.imaging import process_upload
from avatar_creator.imaging.colour import to_srgb

# Display P3 as Apple's profiles describe it: D50-adapted colorants and the sRGB transfer curve.
P3_COLORANTS = {
    b"rXYZ": (0.515102, 0.241196, -0.001053),
    b"gXYZ": (0.291965, 0.692245, 0.041884),
    b"bXYZ": (0.157153, 0.066565, 0.784073),
}
SRGB_CURVE = (2.4, 1 / 1.055, 0.055 / 1.055, 1 / 12.92, 0.04045)
D50 = (0.9642, 1.0, 0.8249)


def s15(value: float) -> bytes:
    return struct.pack(">i", round(value * 65536))


def xyz_tag(x: float, y: float, z: float) -> bytes:
    return b"XYZ \x00\x00\x00\x00" + s15(x) + s15(y) + s15(z)


def text_tag(text: str) -> bytes:
    encoded = text.encode("utf-16-be")
    return b"mluc\x00\x00\x00\x00" + struct.pack(">II2s2sII", 1, 12, b"en", b"US", len(encoded), 28) + encoded


def curve_tag(parameters: tuple[float, ...]) -> bytes:
    kind = {1: 0, 5: 3}[len(parameters)]  # gamma only, or the sRGB-style piecewise curve
    return b"para\x00\x00\x00\x00" + struct.pack(">HH", kind, 0) + b"".join(s15(v) for v in parameters)


def icc_profile(colour_space: bytes, description: str, tags: dict[bytes, bytes]) -> bytes:
    """A minimal ICC v4 display profile, byte by byte (no ICC files ship with the packages we use)."""
    tags = {b"desc": text_tag(description), b"cprt": text_tag("No copyright"), b"wtpt": xyz_tag(*D50), **tags}
    offset = 128 + 4 + 12 * len(tags)
    table, body = b"", b""
    for signature, payload in tags.items():
        payload += b"\x00" * (-len(payload) % 4)
        table += signature + struct.pack(">II", offset + len(body), len(payload))
        body += payload
    header = (
        struct.pack(">I", offset + len(body))
        + b"lcms"
        + bytes([4, 0x30, 0, 0])
        + b"mntr"
        + colour_space
        + b"XYZ "
        + struct.pack(">6H", 2024, 1, 1, 0, 0, 0)
        + b"acsp"
        + b"\x00" * 28
        + b"".join(s15(v) for v in D50)
        + b"\x00" * 48
    )
    return header + struct.pack(">I", len(tags)) + table + body


def display_p3() -> bytes:
    curves = {channel: curve_tag(SRGB_CURVE) for channel in (b"rTRC", b"gTRC", b"bTRC")}
    return icc_profile(b"RGB ", "Display P3 (test)", {**{k: xyz_tag(*v) for k, v in P3_COLORANTS.items()}, **curves})


def linear_gray() -> bytes:
    return icc_profile(b"GRAY", "Linear gray (test)", {b"kTRC": curve_tag((1.0,))})


def srgb_encode(linear: float) -> int:
    linear = min(max(linear, 0.0), 1.0)
    return round((linear * 12.92 if linear <= 0.0031308 else 1.055 * linear ** (1 / 2.4) - 0.055) * 255)


def srgb_decode(value: int) -> float:
    value /= 255
    return value / 12.92 if value <= 0.04045 else ((value + 0.055) / 1.055) ** 2.4


def p3_to_srgb(rgb: tuple[int, int, int]) -> tuple[int, ...]:
    """What a colour-managed viewer shows for a Display P3 colour, from the published P3→sRGB matrix (not lcms)."""
    matrix = numpy.array([[1.2249, -0.2247, 0.0], [-0.0420, 1.0419, 0.0], [-0.0197, -0.0786, 1.0979]])
    return tuple(srgb_encode(v) for v in matrix @ numpy.array([srgb_decode(c) for c in rgb]))


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
