import hashlib
import io
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from PIL import Image

from avatar_creator.providers.base import (
    PROVIDER_BAD_REQUEST,
    AvatarAttributes,
    GenerationCancelled,
    GenerationRequest,
    ProviderError,
)
from avatar_creator.providers.offline import MODEL, OfflineProvider, palette
from avatar_creator.providers.offline.look import BACKGROUNDS
from avatar_creator.providers.offline.rasterise import default_rasteriser
from avatar_creator.providers.offline.svg import to_pixel
from tests.support.offline_avatars import LEFT_CHEEK, RIGHT_CHEEK, TOP_OF_HEAD, share

NO_EXTRAS = "no glasses, clean-shaven"  # keeps the cheeks bare for the skin checks


def _request(prompt="a portrait", *, seed=7, size=(192, 192), category=None, reference=None, strength=0.6,
             **attributes) -> GenerationRequest:
    return GenerationRequest(prompt=prompt, negative_prompt="", user_prompt=prompt, width=size[0], height=size[1],
                             seed=seed, attributes=AvatarAttributes(**attributes), category=category,
                             reference_image=reference, strength=strength)


def _generate(request, provider=None, **callbacks):
    callbacks.setdefault("on_progress", lambda fraction: None)
    callbacks.setdefault("should_cancel", lambda: False)
    return (provider or OfflineProvider()).generate(request, **callbacks)


def _pixels(result) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(result.image)).convert("RGB")).astype(int)


def _corners(pixels: np.ndarray) -> list[str]:
    return [palette.to_hex(tuple(pixels[y, x])) for y in (1, -2) for x in (1, -2)]


def test_the_same_request_and_seed_give_identical_bytes():
    request = _request("a smiling woman with red hair and glasses", eye_color="green", style="fashion")

    assert _generate(request).image == _generate(request).image


def test_other_seeds_give_visibly_different_avatars():
    renders = [_pixels(_generate(_request("a friendly person", seed=seed))) for seed in range(6)]

    for seed in range(1, 6):
        changed = (np.abs(renders[seed] - renders[0]).max(axis=2) > 30).mean()
        assert changed > 0.05, f"seed {seed} looks like seed 0"


def test_the_result_describes_itself():
    result = _generate(_request(seed=12345, size=(160, 96)))

    assert (result.mime_type, result.width, result.height, result.seed, result.model) == (
        "image/png", 160, 96, 12345, MODEL)
    assert result.metadata["rasteriser"] == default_rasteriser().name
    assert set(result.metadata["parts"]) >= {"top", "hair_colour", "skin", "clothing", "background"}


@pytest.mark.parametrize("size", [(64, 64), (256, 128), (128, 256), (64, 2048), (2048, 64), (200, 150)])
def test_the_png_has_exactly_the_requested_size(size):
    with Image.open(io.BytesIO(_generate(_request(size=size)).image)) as image:
        assert image.format == "PNG"
        assert image.size == size


@pytest.mark.parametrize("size", [(63, 128), (128, 2049), (0, 0)])
def test_sizes_outside_64_to_2048_are_a_bad_request(size):
    with pytest.raises(ProviderError) as raised:
        _generate(_request(size=size))

    assert raised.value.code == PROVIDER_BAD_REQUEST
    assert not raised.value.retryable


@pytest.mark.parametrize(
    ("prompt", "attributes", "expected"),
    [
        ("a portrait", {"hair_style": "bob", "hair_color": "red"}, palette.HAIR["red"]),
        ("a portrait", {"hair_style": "short curly", "hair_color": "#12AB34"}, "#12AB34"),
        ("a woman with a platinum bob", {}, palette.HAIR["platinum"]),
        ("a man with short curly blue hair", {}, palette.HAIR["blue"]),
        ("a portrait", {"hair_style": "bob", "hair_color": "Dark Brown"}, palette.HAIR["dark brown"]),
    ],
)
def test_hair_takes_the_asked_colour(prompt, attributes, expected):
    for seed in (1, 2, 3):
        pixels = _pixels(_generate(_request(prompt, seed=seed, **attributes)))

        assert share(pixels, TOP_OF_HEAD, expected) > 0.6


@pytest.mark.parametrize(("skin_tone", "expected"), [("very fair", "#FFE3CC"), ("olive", "#C99A6B"),
                                                     ("dark brown", "#8A4B2A"), ("deep", "#5A3A2A")])
def test_skin_takes_the_asked_tone(skin_tone, expected):
    for seed in (1, 2):
        pixels = _pixels(_generate(_request(NO_EXTRAS, seed=seed, skin_tone=skin_tone)))

        assert share(pixels, LEFT_CHEEK, expected) > 0.9
        assert share(pixels, RIGHT_CHEEK, expected) > 0.9


def test_skin_named_in_the_prompt_counts_too():
    pixels = _pixels(_generate(_request(f"an olive-skinned man, {NO_EXTRAS}")))

    assert share(pixels, LEFT_CHEEK, palette.SKIN["olive"]) > 0.9


def test_the_background_takes_a_colour_named_in_the_prompt():
    pixels = _pixels(_generate(_request("a teacher on a teal background")))

    assert set(_corners(pixels)) == {palette.FABRIC["teal"]}


@pytest.mark.parametrize("category", ["professional", "casual", "sports", "fashion", "traditional"])
def test_the_background_suits_the_preset_category(category):
    for seed in range(4):
        corners = _corners(_pixels(_generate(_request(seed=seed, category=category))))

        assert len(set(corners)) == 1
        assert corners[0] in BACKGROUNDS[category]


@pytest.mark.parametrize("asked", [{"prompt": "a young woman wearing a blue hijab"},
                                   {"prompt": "a portrait in a blue headscarf", "hair_style": "long"},
                                   {"prompt": "blue", "hair_style": "hijab"}])
def test_a_hijab_covers_the_head(asked):
    for seed in (1, 2, 3):
        result = _generate(_request(asked["prompt"], seed=seed, hair_color="red",
                                    hair_style=asked.get("hair_style")))
        pixels = _pixels(result)

        assert result.metadata["parts"]["top"] == "hijab"
        assert share(pixels, TOP_OF_HEAD, palette.HAIR["red"], tolerance=30) == 0
        if asked["prompt"] != "blue":
            assert share(pixels, TOP_OF_HEAD, palette.FABRIC["blue"], tolerance=30) > 0.5


def test_a_turban_covers_the_head():
    result = _generate(_request("a Sikh man in a turban", hair_color="red"))

    assert result.metadata["parts"]["top"] == "turban"
    assert share(_pixels(result), TOP_OF_HEAD, palette.HAIR["red"], tolerance=30) == 0


def test_the_asked_eye_colour_fills_the_irises():
    result = _generate(_request("a laughing man with hazel eyes, no glasses", size=(512, 512)))
    pixels = _pixels(result)

    for x in (106 - 4.85, 158 - 4.85):  # between the pupil and the iris edge of each eye
        column, row = to_pixel(x, 112, 512, 512)
        assert palette.distance(palette.to_hex(tuple(pixels[row, column])), palette.EYES["hazel"]) < 20
    assert result.metadata["parts"]["eyes"] == "default"  # laughing eyes are closed: open ones show the colour


@pytest.mark.parametrize(
    ("prompt", "attributes", "part", "allowed"),
    [
        ("a man with a beard", {}, "facial_hair", {"beard_medium", "beard_light", "beard_magestic"}),
        ("an old man with a moustache", {}, "facial_hair", {"moustache_fancy", "moustache_magnum"}),
        ("a clean-shaven old man", {}, "facial_hair", {""}),
        ("a man without a beard", {"age_range": "mature"}, "facial_hair", {""}),
        ("someone wearing glasses", {}, "glasses", {"prescription_01", "prescription_02", "round"}),
        ("a man in sunglasses", {}, "glasses", {"sunglasses", "wayfarers", "kurt"}),
        ("a grandmother with no glasses", {}, "glasses", {""}),
        ("a smiling nurse", {}, "mouth", {"smile"}),
        ("a portrait", {"style": "professional"}, "clothing",
         {"blazer_shirt", "blazer_sweater", "shirt_wick", "collar_sweater"}),
        ("a portrait", {"style": "casual"}, "clothing",
         {"hoodie", "shirt_crew_neck", "shirt_v_neck", "shirt_scoop_neck", "graphic_shirt"}),
        ("a portrait", {"style": "sports"}, "clothing", {"shirt_crew_neck", "shirt_v_neck", "hoodie"}),
        ("a man in a red hoodie", {"style": "professional"}, "clothing", {"hoodie"}),
        ("a man in a red hoodie", {}, "clothing_colour", {palette.FABRIC["red"]}),
        ("a portrait", {"gender": "female", "hair_style": "curly"}, "top",
         {"curly", "curly_2", "big_hair"}),
        ("a bald man", {}, "top", {"no_hair"}),
        ("a man", {"hair_style": "dreadlocks"}, "top", {"dreadlocks", "short_dreads_1"}),
    ],
)
def test_attributes_and_prompt_keywords_pick_the_parts(prompt, attributes, part, allowed):
    for seed in range(5):
        parts = _generate(_request(prompt, seed=seed, size=(64, 64), **attributes)).metadata["parts"]
        assert parts[part] in allowed


def test_gender_picks_the_hair_styles_and_facial_hair():
    women = [_generate(_request(seed=seed, size=(64, 64), gender="female")).metadata["parts"] for seed in range(12)]
    men = [_generate(_request(seed=seed, size=(64, 64), gender="male")).metadata["parts"] for seed in range(12)]

    assert not {parts["top"] for parts in women} & {parts["top"] for parts in men}
    assert all(parts["facial_hair"] == "" for parts in women)
    assert any(parts["facial_hair"] for parts in men)


def test_mature_avatars_grey_and_wear_glasses_more_often_than_young_ones():
    def parts(age_range):
        return [_generate(_request(seed=seed, size=(64, 64), age_range=age_range)).metadata["parts"]
                for seed in range(30)]

    mature, young = parts("mature"), parts("young")
    grey = set(palette.GREY_HAIR)
    assert sum(look["hair_colour"] in grey for look in mature) >= 15
    assert not any(look["hair_colour"] in grey for look in young)
    assert sum(look["glasses"] != "" for look in mature) > sum(look["glasses"] != "" for look in young)


def test_progress_is_reported_in_steps_from_zero_to_one():
    fractions = []

    _generate(_request(), on_progress=fractions.append)

    assert len(fractions) >= 5
    assert fractions[0] == 0.0 and fractions[-1] == 1.0
    assert fractions == sorted(fractions)


def test_cancelling_between_steps_stops_the_work():
    fractions = []

    with pytest.raises(GenerationCancelled):
        _generate(_request(), on_progress=fractions.append, should_cancel=lambda: len(fractions) >= 2)

    assert fractions == [0.0, 0.2]


def test_a_cancel_before_the_start_reports_nothing():
    fractions = []

    with pytest.raises(GenerationCancelled):
        _generate(_request(), on_progress=fractions.append, should_cancel=lambda: True)

    assert fractions == []


def test_the_step_delay_paces_the_steps():
    stamps = []
    provider = OfflineProvider(step_delay_ms=40)

    _generate(_request(size=(64, 64)), provider, on_progress=lambda _: stamps.append(time.monotonic()))

    gaps = [later - earlier for earlier, later in zip(stamps[1:], stamps[2:], strict=False)]
    assert len(gaps) >= 3 and all(gap >= 0.04 for gap in gaps[:-1])


def test_a_negative_step_delay_is_refused():
    with pytest.raises(ValueError):
        OfflineProvider(step_delay_ms=-1)


def test_threads_share_one_provider_safely(face_photo):
    provider = OfflineProvider()
    photo = face_photo(skin=(120, 75, 50), hair=(20, 15, 15), background=(230, 230, 220), size=300)
    requests = [_request(prompt, seed=seed, reference=photo if seed % 3 == 0 else None)
                for seed, prompt in enumerate(["a chef", "a nurse with a hijab", "a man with a beard",
                                               "a fashion model", "a red-haired teacher", "an astronaut"] * 2)]
    alone = [hashlib.sha256(_generate(request, provider).image).hexdigest() for request in requests]
    barrier = threading.Barrier(4)

    def together(request):
        if request.seed < 4:  # the first four start at the same moment
            barrier.wait()
        return hashlib.sha256(_generate(request, provider).image).hexdigest()

    with ThreadPoolExecutor(max_workers=4) as pool:
        assert list(pool.map(together, requests)) == alone


def test_check_is_ok_and_names_the_rasteriser():
    check = OfflineProvider().check()

    assert check.ok
    assert default_rasteriser().name in check.detail
    assert OfflineProvider().is_configured()


@pytest.fixture
def without_cairo(monkeypatch):
    """This process as it is where CairoSVG or the cairo library is missing (``import cairosvg`` fails)."""
    monkeypatch.setitem(sys.modules, "cairosvg", None)
    default_rasteriser.cache_clear()
    yield
    default_rasteriser.cache_clear()


def test_resvg_draws_the_same_avatar_where_cairo_is_missing(without_cairo):
    request = _request(f"a woman on a yellow background, {NO_EXTRAS}", size=(200, 120), skin_tone="olive")

    result = _generate(request)
    check = OfflineProvider().check()

    assert result.metadata["rasteriser"] == "resvg"
    assert check.ok and "resvg" in check.detail and "CairoSVG unavailable" in check.detail and check.fix
    pixels = _pixels(result)
    assert pixels.shape == (120, 200, 3)
    assert set(_corners(pixels)) == {palette.FABRIC["yellow"]}
    assert share(pixels, LEFT_CHEEK, palette.SKIN["olive"]) > 0.9


def test_a_reference_photo_lends_its_skin_hair_and_background(face_photo):
    photo = face_photo(skin=(250, 215, 190), hair=(200, 150, 60), background=(40, 120, 60))

    result = _generate(_request(NO_EXTRAS, reference=photo, strength=0.0, hair_style="bob"))
    pixels = _pixels(result)

    assert result.metadata["reference_colours"]["face_found"]
    assert share(pixels, LEFT_CHEEK, "#FAD7BE", tolerance=12) > 0.9
    assert share(pixels, TOP_OF_HEAD, "#C8963C", tolerance=12) > 0.6
    assert all(palette.distance(corner, "#28783C") < 12 for corner in _corners(pixels))


def test_what_the_user_asked_wins_over_the_reference(face_photo):
    photo = face_photo(skin=(250, 215, 190), hair=(200, 150, 60), background=(40, 120, 60))

    pixels = _pixels(_generate(_request(f"on a pink background, {NO_EXTRAS}", reference=photo, strength=0.0,
                                        hair_style="bob", hair_color="black", skin_tone="very fair")))

    assert share(pixels, TOP_OF_HEAD, palette.HAIR["black"]) > 0.6
    assert share(pixels, LEFT_CHEEK, palette.SKIN["very fair"]) > 0.9
    assert set(_corners(pixels)) == {palette.FABRIC["pink"]}


def test_full_strength_ignores_the_reference(face_photo):
    photo = face_photo(skin=(250, 215, 190), hair=(200, 150, 60), background=(40, 120, 60))

    assert (_generate(_request(reference=photo, strength=1.0)).image == _generate(_request()).image)
    assert (_generate(_request(reference=photo, strength=0.6)).image != _generate(_request()).image)


def test_an_unreadable_reference_is_a_bad_request():
    with pytest.raises(ProviderError) as raised:
        _generate(_request(reference=b"definitely not a picture"))

    assert raised.value.code == PROVIDER_BAD_REQUEST
