"""Decoded pixels to 8-bit sRGB: modes collapsed, an embedded ICC profile applied and then forgotten."""

from __future__ import annotations

import functools
import io

from PIL import Image, ImageCms

_SRGB = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))
_PROFILE_MODES = {"RGB": "RGB", "GRAY": "L", "CMYK": "CMYK"}  # ICC colour space -> the Pillow mode it describes
_WHITE = (255, 255, 255)


def to_srgb(image: Image.Image, *, keep_alpha: bool) -> Image.Image:
    """``image`` as 8-bit sRGB: RGBA when it has transparency and ``keep_alpha``, else RGB flattened onto white."""
    icc_profile = image.info.get("icc_profile")
    image = _to_8bit(image)
    alpha = image.getchannel("A") if image.mode in ("LA", "RGBA") else None
    colour = image.convert(image.mode[:-1]) if alpha is not None else image
    rgb = _apply_profile(colour, icc_profile) if icc_profile else None
    if rgb is None:
        rgb = colour if colour.mode == "RGB" else colour.convert("RGB")
    if alpha is None:
        return rgb
    if keep_alpha:
        rgb.putalpha(alpha)
        return rgb
    return flatten(rgb, alpha)


def is_srgb(image: Image.Image) -> bool:
    """True when ``to_srgb`` would leave ``image``'s pixels as they are: 8-bit RGB or RGBA, no transparent colour, no
    colour profile that converts."""
    if image.mode not in ("RGB", "RGBA") or "transparency" in image.info:
        return False
    icc_profile = image.info.get("icc_profile")
    return not icc_profile or _transform_to_srgb(icc_profile, "RGB") is None


def flatten(rgb: Image.Image, alpha: Image.Image) -> Image.Image:
    """``rgb`` composited onto white through ``alpha``: what a transparent image looks like on a plain page."""
    background = Image.new("RGB", rgb.size, _WHITE)
    background.paste(rgb, mask=alpha)
    return background


def _to_8bit(image: Image.Image) -> Image.Image:
    """Collapse every mode a JPEG, PNG, WebP or HEIC can decode to into L, LA, RGB, RGBA or CMYK."""
    mode = image.mode
    if mode.startswith("I"):  # 16-bit grayscale PNG: scale, as convert() would clip everything above 255 to white
        scaled = image.point(lambda value: value / 257, "L")
        # Keep the ICC profile; a 16-bit transparent colour (very rare) no longer matches any 8-bit value.
        scaled.info = {key: value for key, value in image.info.items() if key != "transparency"}
        image, mode = scaled, "L"
    if "transparency" in image.info and mode in ("1", "L", "RGB", "P"):  # a PNG's transparent colour or palette
        return image.convert("RGBA")
    if mode in ("L", "LA", "RGB", "RGBA", "CMYK"):
        return image
    if mode == "1":
        return image.convert("L")
    if mode in ("PA", "La", "RGBa"):
        return image.convert("RGBA")
    return image.convert("RGB")  # P, YCbCr, RGBX


def _apply_profile(colour: Image.Image, icc_profile: bytes) -> Image.Image | None:
    """``colour`` (L, RGB or CMYK) converted from its profile to sRGB, or None when the profile changes nothing or is
    unusable: a broken profile, or one for another colour space, is ignored, as colour-managed viewers do."""
    transform = _transform_to_srgb(icc_profile, colour.mode)
    return ImageCms.applyTransform(colour, transform) if transform is not None else None


@functools.lru_cache(maxsize=32)
def _transform_to_srgb(icc_profile: bytes, mode: str) -> ImageCms.ImageCmsTransform | None:
    """A cached transform (building one costs milliseconds; uploads from one camera share a profile)."""
    try:
        profile = ImageCms.ImageCmsProfile(io.BytesIO(icc_profile))
        if _PROFILE_MODES.get(profile.profile.xcolor_space.strip()) != mode:
            return None
        if mode == "RGB" and "sRGB" in (profile.profile.profile_description or ""):
            return None  # already sRGB: skip a ~100 ms pass over a 12-megapixel photo
        return ImageCms.buildTransform(profile, _SRGB, mode, "RGB", renderingIntent=ImageCms.Intent.PERCEPTUAL)
    except (OSError, ImageCms.PyCMSError):
        return None
