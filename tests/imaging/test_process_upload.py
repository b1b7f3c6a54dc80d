"""process_upload against a corpus of bad and tricky files (built in tests/support/corpus.py): each gets API.md's
answer."""

from __future__ import annotations

import io
import random
import struct

import pytest
from PIL import ExifTags, Image, ImageDraw, PngImagePlugin

from avatar_creator.imaging import (
    InvalidImage,
    ProcessedImage,
    UnsupportedImageType,
    process_upload,
    sniff,
)
from tests.support.corpus import BLUE, CORRUPT, RED, REFUSED, encode, heic, photo, rgb16_png, zip_bytes


@pytest.mark.parametrize(
    ("build", "error", "message"), [case[1:] for case in REFUSED], ids=[case[0] for case in REFUSED]
)
def test_refused_with_the_tables_answer(build, error, message):
    with pytest.raises(error) as raised:
        process_upload(build())
    assert raised.type is error
    assert raised.value.message.startswith(message)
    assert raised.value.field == "image"
    assert (raised.value.status_code, raised.value.code) == (
        (415, "UNSUPPORTED_MEDIA_TYPE") if error is UnsupportedImageType else (400, "VALIDATION_ERROR")
    )


def test_size_limits_are_parameters():
    png = encode(Image.new("RGB", (600, 300), BLUE), "PNG")
    with pytest.raises(InvalidImage, match=r"^image is 600×300; at most 512 pixels on a side and 0\.1 megapixels$"):
        process_upload(png, max_side=512, max_pixels=100_000)
    with pytest.raises(InvalidImage, match="at least 400 pixels"):
        process_upload(png, min_side=400)


def test_min_side_is_checked_after_orientation():
    # Stored 300×255 with orientation 6, it shows as 255×300: the message names the size the user sees.
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6
    data = encode(Image.new("RGB", (300, 255), BLUE), "JPEG", exif=exif)
    with pytest.raises(InvalidImage, match=r"^image is 255×300; at least 256"):
        process_upload(data)


# --- accepted files: stored clean -----------------------------------------------------------------------------------

METADATA_KEYS = {"exif", "icc_profile", "xmp", "XML:com.adobe.xmp", "comment", "dpi", "srgb", "gamma", "chromaticity"}


def assert_clean(result: ProcessedImage, mime_type: str, size: tuple[int, int]) -> Image.Image:
    """The common promises: the claimed type and size, 8-bit RGB(A), no metadata, no trailing bytes, a thumbnail."""
    assert sniff(result.data[:64]) == result.mime_type == mime_type
    assert result.extension == {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp"}[mime_type]
    stored = Image.open(io.BytesIO(result.data))
    stored.load()
    assert (result.width, result.height) == stored.size == size
    assert stored.mode in ("RGB", "RGBA")
    assert not METADATA_KEYS & set(stored.info), stored.info.keys()
    assert not stored.getexif()
    assert getattr(stored, "text", {}) == {}
    if mime_type == "image/jpeg":
        assert result.data.endswith(b"\xff\xd9") and result.data.count(b"\xff\xd9") == 1
        assert b"Exif" not in result.data and b"ICC_PROFILE" not in result.data
    elif mime_type == "image/png":
        assert result.data.endswith(b"IEND\xaeB`\x82")
    else:
        assert struct.unpack("<I", result.data[4:8])[0] + 8 == len(result.data)
    thumbnail = Image.open(io.BytesIO(result.thumbnail))
    assert (thumbnail.format, thumbnail.size, thumbnail.mode) == ("JPEG", (300, 300), "RGB")
    assert result.thumbnail_mime == "image/jpeg"
    return stored


def colour_at(image: Image.Image, xy: tuple[int, int]) -> tuple[int, ...]:
    return image.convert("RGB").getpixel(xy)


def assert_close(actual, expected, tolerance: int = 4) -> None:
    assert all(abs(a - e) <= tolerance for a, e in zip(actual, expected, strict=True)), (actual, expected)


def test_jpeg_with_trailing_zip_is_stored_without_it():
    data = encode(photo(), "JPEG") + zip_bytes()
    result = process_upload(data)
    assert_clean(result, "image/jpeg", (640, 480))
    assert b"PK\x03\x04" not in result.data


def test_exif_orientation_is_applied_and_gps_removed():
    image = Image.new("RGB", (400, 300), BLUE)
    ImageDraw.Draw(image).rectangle((0, 0, 59, 59), fill=RED)  # top-left as stored
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6  # "rotate 90° clockwise to display"
    exif[ExifTags.Base.Make] = "TestCam"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps.update({ExifTags.GPS.GPSLatitudeRef: "N", ExifTags.GPS.GPSLatitude: (52.0, 31.0, 12.0)})
    data = encode(image, "JPEG", exif=exif, quality=95)
    assert Image.open(io.BytesIO(data)).getexif().get_ifd(ExifTags.IFD.GPSInfo)  # the input really has GPS

    stored = assert_clean(process_upload(data), "image/jpeg", (300, 400))
    assert_close(colour_at(stored, (270, 30)), RED, 12)  # the marker turned to the top-right corner
    assert_close(colour_at(stored, (30, 30)), BLUE, 12)
    assert b"TestCam" not in process_upload(data).data


@pytest.mark.filterwarnings("ignore::UserWarning")  # Pillow warns about each damaged tag it skips
def test_corrupt_exif_never_crashes():
    """Random damage to a real EXIF block (seeded): each file is accepted or refused, never an unexpected error."""
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6
    exif[ExifTags.Base.Make] = "TestCam"
    exif.get_ifd(ExifTags.IFD.GPSInfo).update({ExifTags.GPS.GPSLatitudeRef: "N", ExifTags.GPS.GPSAltitude: 3.5})
    block = exif.tobytes()
    picture = encode(Image.new("RGB", (300, 256), BLUE), "JPEG")
    rng = random.Random(1)
    for _ in range(300):
        damaged = bytearray(block)
        for _ in range(rng.randint(1, 6)):
            damaged[rng.randrange(6, len(damaged))] = rng.randrange(256)
        segment = b"\xff\xe1" + struct.pack(">H", len(damaged) + 2) + damaged
        try:
            result = process_upload(picture[:2] + segment + picture[2:])
        except InvalidImage:
            continue
        assert b"TestCam" not in result.data and not Image.open(io.BytesIO(result.data)).getexif()


def test_jpeg_comment_and_xmp_are_removed():
    xmp = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF>secret-location</rdf:RDF></x:xmpmeta>'
    data = encode(photo(), "JPEG", comment=b"secret-comment", xmp=xmp)
    assert b"secret-comment" in data and b"secret-location" in data
    result = process_upload(data)
    assert_clean(result, "image/jpeg", (640, 480))
    assert b"secret" not in result.data and b"http://ns.adobe.com/xap" not in result.data


def test_png_text_chunks_are_removed():
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "secret-text")
    info.add_text("Software", "secret-ztxt", zip=True)
    info.add_itxt("Description", "secret-itxt")
    data = encode(photo(300, 300), "PNG", pnginfo=info)
    assert Image.open(io.BytesIO(data)).text
    result = process_upload(data)
    assert_clean(result, "image/png", (300, 300))
    assert b"tEXt" not in result.data and b"zTXt" not in result.data and b"iTXt" not in result.data


def test_an_upright_srgb_jpeg_is_stored_as_sent_less_its_metadata():
    """No re-encode: the stored pixels are the upload's exactly (quality 98 would not survive a quality-90 encode)."""
    data = encode(photo(), "JPEG", quality=98, comment=b"secret-comment", dpi=(300, 300))
    result = process_upload(data)
    assert_clean(result, "image/jpeg", (640, 480))
    scan = data.index(b"\xff\xda")  # the first scan and everything after it, up to the end of the picture
    assert result.data.endswith(data[scan:])
    assert _pixels(result.data) == _pixels(data)


def test_a_large_jpeg_gets_its_thumbnail_from_a_reduced_decode():
    result = process_upload(encode(photo(2400, 1800), "JPEG"))
    assert (result.width, result.height) == (2400, 1800)
    assert Image.open(io.BytesIO(result.thumbnail)).size == (300, 300)


def test_an_8_bit_png_keeps_its_compressed_data():
    data = encode(photo(300, 300), "PNG", pnginfo=_text_chunk(), dpi=(72, 72))
    result = process_upload(data)
    assert_clean(result, "image/png", (300, 300))
    idat = data.index(b"IDAT") - 4
    assert data[idat:data.index(b"IEND") - 4] in result.data


def _pixels(data: bytes) -> bytes:
    return Image.open(io.BytesIO(data)).convert("RGB").tobytes()


def _text_chunk() -> PngImagePlugin.PngInfo:
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "secret-text")
    return info


def test_cmyk_jpeg_becomes_rgb():
    data = encode(Image.new("CMYK", (300, 300), (255, 0, 0, 0)), "JPEG")  # pure cyan ink
    stored = assert_clean(process_upload(data), "image/jpeg", (300, 300))
    assert_close(colour_at(stored, (150, 150)), (0, 255, 255))


def test_16_bit_rgb_png_becomes_8_bit():
    stored = assert_clean(process_upload(rgb16_png()), "image/png", (300, 300))
    assert stored.mode == "RGB"
    assert colour_at(stored, (10, 10)) == (0x80, 0x40, 0xC0)


def test_16_bit_grayscale_png_is_scaled_not_clipped():
    data = encode(Image.new("I;16", (300, 300), 0x6060), "PNG")
    assert Image.open(io.BytesIO(data)).mode == "I;16"
    stored = assert_clean(process_upload(data), "image/png", (300, 300))
    assert colour_at(stored, (10, 10)) == (0x60, 0x60, 0x60)


def test_grayscale_jpeg_becomes_rgb():
    stored = assert_clean(process_upload(encode(Image.new("L", (300, 300), 90), "JPEG")), "image/jpeg", (300, 300))
    assert stored.mode == "RGB"
    assert_close(colour_at(stored, (10, 10)), (90, 90, 90), 2)


def test_bilevel_png_becomes_rgb():
    image = Image.new("1", (300, 300), 0)
    ImageDraw.Draw(image).rectangle((150, 0, 299, 299), fill=1)
    stored = assert_clean(process_upload(encode(image, "PNG")), "image/png", (300, 300))
    assert colour_at(stored, (10, 10)) == (0, 0, 0) and colour_at(stored, (290, 10)) == (255, 255, 255)


def test_palette_png_with_transparency_keeps_its_alpha():
    image = Image.new("P", (300, 300), 0)
    image.putpalette([*BLUE, *RED] + [0] * 762)
    ImageDraw.Draw(image).rectangle((0, 0, 149, 299), fill=1)
    data = encode(image, "PNG", transparency=0)  # palette entry 0, the blue half, is transparent
    stored = assert_clean(process_upload(data), "image/png", (300, 300))
    assert stored.mode == "RGBA"
    assert stored.getpixel((10, 10)) == (*RED, 255)
    assert stored.getpixel((290, 10))[3] == 0


def test_rgb_png_with_a_transparent_colour_gets_alpha():
    image = Image.new("RGB", (300, 300), BLUE)
    ImageDraw.Draw(image).rectangle((0, 0, 99, 99), fill=RED)
    stored = assert_clean(process_upload(encode(image, "PNG", transparency=RED)), "image/png", (300, 300))
    assert stored.mode == "RGBA"
    assert stored.getpixel((50, 50))[3] == 0 and stored.getpixel((200, 200)) == (*BLUE, 255)


def test_grayscale_png_with_alpha_keeps_it():
    image = Image.new("LA", (300, 300), (200, 255))
    ImageDraw.Draw(image).rectangle((0, 0, 99, 99), fill=(200, 0))
    stored = assert_clean(process_upload(encode(image, "PNG")), "image/png", (300, 300))
    assert stored.getpixel((50, 50))[3] == 0 and stored.getpixel((200, 200)) == (200, 200, 200, 255)


def test_transparent_png_thumbnail_is_flattened_onto_white():
    image = Image.new("RGBA", (300, 300), (0, 0, 0, 0))
    result = process_upload(encode(image, "PNG"))
    assert_clean(result, "image/png", (300, 300))
    assert_close(colour_at(Image.open(io.BytesIO(result.thumbnail)), (150, 150)), (255, 255, 255), 2)


def test_still_webp_stays_webp():
    stored = assert_clean(process_upload(encode(photo(), "WEBP", quality=90)), "image/webp", (640, 480))
    assert stored.mode == "RGB"


def test_lossless_webp_with_alpha_stays_lossless():
    image = photo(300, 300).convert("RGBA")
    image.putalpha(128)
    result = process_upload(encode(image, "WEBP", lossless=True))
    stored = assert_clean(result, "image/webp", (300, 300))
    assert b"VP8L" in result.data[:64]
    assert stored.tobytes() == image.tobytes()  # lossless in, lossless out


def test_heic_is_stored_as_jpeg():
    image = Image.new("RGB", (400, 300), BLUE)
    ImageDraw.Draw(image).rectangle((0, 0, 59, 59), fill=RED)
    stored = assert_clean(process_upload(heic(image)), "image/jpeg", (400, 300))
    assert_close(colour_at(stored, (30, 30)), RED, 16)
    assert_close(colour_at(stored, (300, 200)), BLUE, 16)


def heic_declaring(width: int, height: int) -> bytes:
    """A real HEIC whose image-size property ('ispe') is rewritten to declare another size."""
    data = bytearray(heic(Image.new("RGB", (300, 300), BLUE)))
    size = data.index(b"ispe") + 8  # after the box type: version and flags, then width and height
    data[size : size + 8] = struct.pack(">II", width, height)
    return bytes(data)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (lambda: heic_declaring(5000, 5000), "image is 5000×5000; at most 4096 pixels on a side and 40 megapixels"),
        (lambda: heic_declaring(20000, 20000), "image is over 179 megapixels; at most 4096 pixels on a side"),
        (lambda: heic_declaring(300, 200), CORRUPT),  # declares a size its picture does not have
        (lambda: heic(photo())[:600], CORRUPT),
    ],
    ids=["5000x5000", "20000x20000", "wrong size", "truncated"],
)
def test_bad_heic_is_refused(data, message):
    with pytest.raises(InvalidImage) as raised:
        process_upload(data())
    assert raised.value.message.startswith(message)


def test_transparent_heic_is_flattened_onto_white():
    image = Image.new("RGBA", (300, 300), (*BLUE, 255))
    ImageDraw.Draw(image).rectangle((0, 0, 149, 299), fill=(0, 0, 0, 0))
    stored = assert_clean(process_upload(heic(image)), "image/jpeg", (300, 300))
    assert_close(colour_at(stored, (50, 150)), (255, 255, 255), 16)
    assert_close(colour_at(stored, (250, 150)), BLUE, 16)


def test_multi_picture_jpeg_keeps_its_first_picture():
    # Phones write MPO: a JPEG followed by more pictures. It is not animated; the first picture is the photo.
    first, second = Image.new("RGB", (300, 300), BLUE), Image.new("RGB", (300, 300), RED)
    data = encode(first, "MPO", save_all=True, append_images=[second])
    assert Image.open(io.BytesIO(data)).n_frames == 2
    stored = assert_clean(process_upload(data), "image/jpeg", (300, 300))
    assert_close(colour_at(stored, (150, 150)), BLUE, 4)


@pytest.mark.parametrize("size", [(256, 256), (4096, 256)])
def test_the_limits_themselves_are_accepted(size):
    assert_clean(process_upload(encode(Image.new("RGB", size, BLUE), "JPEG")), "image/jpeg", size)
