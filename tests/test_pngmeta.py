import io
import zlib

import pytest
from PIL import Image, PngImagePlugin

from avatar_creator import pngmeta


def _png(size=(32, 24), colour=(200, 30, 60), **save_options) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, format="PNG", **save_options)
    return buffer.getvalue()


def test_inserted_text_is_read_back_by_pillow_and_by_read_text():
    text = '{"prompt": "a café owner, 笑顔", "seed": 42}'
    tagged = pngmeta.insert_text(_png(), "parameters", text)

    with Image.open(io.BytesIO(tagged)) as image:
        image.load()  # Pillow checks every chunk's CRC while decoding
        assert image.text == {"parameters": text}
        assert image.size == (32, 24)
    assert pngmeta.read_text(tagged) == {"parameters": text}


def test_insertion_keeps_the_image_data_byte_for_byte():
    original = _png()
    tagged = pngmeta.insert_text(original, "seed", "7")

    assert tagged.startswith(original[:33])  # signature + IHDR unchanged
    assert tagged.endswith(original[33:])  # every chunk after IHDR unchanged
    assert tagged[33 + 4:33 + 8] == b"iTXt"  # the new chunk sits right after IHDR


def test_the_chunk_is_uncompressed_utf8_with_a_correct_crc():
    tagged = pngmeta.insert_text(_png(), "prompt", "né")
    length = int.from_bytes(tagged[33:37], "big")
    kind_and_data = tagged[37:41 + length]
    crc = int.from_bytes(tagged[41 + length:45 + length], "big")

    assert kind_and_data == b"iTXt" + b"prompt\x00\x00\x00\x00\x00" + "né".encode()
    assert crc == zlib.crc32(kind_and_data)


def test_read_text_reads_text_written_by_pillow_in_all_three_chunk_kinds():
    info = PngImagePlugin.PngInfo()
    info.add_text("plain", "latin ç")
    info.add_text("squeezed", "compressed " * 20, zip=True)
    info.add_itxt("international", "日本語", lang="ja", tkey="国際")
    info.add_itxt("international-zipped", "ünïcode " * 20, zip=True)

    assert pngmeta.read_text(_png(pnginfo=info)) == {
        "plain": "latin ç",
        "squeezed": "compressed " * 20,
        "international": "日本語",
        "international-zipped": "ünïcode " * 20,
    }


def test_a_png_without_text_reads_as_empty():
    assert pngmeta.read_text(_png()) == {}


@pytest.mark.parametrize("not_png", [b"", b"GIF89a" + b"\x00" * 40, b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff\xe0" * 10])
def test_non_png_input_is_rejected(not_png):
    with pytest.raises(ValueError):
        pngmeta.insert_text(not_png, "key", "value")
    with pytest.raises(ValueError):
        pngmeta.read_text(not_png)


@pytest.mark.parametrize("key", ["", " leading", "trailing ", "double  space", "x" * 80, "tab\there", "snow☃"])
def test_invalid_keywords_are_rejected(key):
    with pytest.raises(ValueError):
        pngmeta.insert_text(_png(), key, "value")


def test_text_with_a_nul_is_rejected():
    with pytest.raises(ValueError):
        pngmeta.insert_text(_png(), "key", "a\x00b")


def test_a_truncated_file_is_rejected_when_read():
    tagged = pngmeta.insert_text(_png(), "key", "value")

    with pytest.raises(ValueError):
        pngmeta.read_text(tagged[:40])
