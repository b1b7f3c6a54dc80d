"""ICC profiles built byte by byte (no ICC files ship with the packages we use), and the colours a colour-managed
viewer shows for them."""

from __future__ import annotations

import struct

import numpy

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
