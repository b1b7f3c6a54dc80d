"""The offline provider follows the whole prompt: garments and their colours, the setting, the art style and the
accessories, checked by the pixels drawn and by the words the avatar records as used and not drawn."""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pytest
from PIL import Image

from avatar_creator.providers.base import AvatarAttributes, GenerationRequest
from avatar_creator.providers.offline import OfflineProvider, palette
from avatar_creator.providers.offline.styles import PIXEL_BLOCKS
from avatar_creator.providers.offline.svg import to_pixel
from tests.support.offline_avatars import (
    CHIN,
    EAR_CUP,
    INK,
    LEFT_EARLOBE,
    MOUTH,
    RIGHT_CHEEK,
    RIGHT_EARLOBE,
    SAREE_DRAPE,
    TOP_OF_HEAD,
    TORSO,
    colour_share,
    region,
    share,
    uniform_blocks,
)

SIZE = 256
PROVIDER = OfflineProvider()


@dataclass
class Drawn:
    """One render: RGBA pixels (ints), the parts chosen and the prompt's words as recorded."""

    request: GenerationRequest
    rgba: np.ndarray
    parts: dict
    terms: dict

    @property
    def pixels(self) -> np.ndarray:
        return self.rgba[..., :3]

    def but(self, prompt: str) -> Drawn:
        """The same request and seed with another prompt."""
        return draw(prompt, seed=self.request.seed, **_attributes(self.request))


def draw(prompt: str, *, seed: int = 11, size: tuple[int, int] = (SIZE, SIZE), **attributes) -> Drawn:
    request = GenerationRequest(prompt=prompt, negative_prompt="", user_prompt=prompt, width=size[0], height=size[1],
                                seed=seed, attributes=AvatarAttributes(**attributes))
    result = PROVIDER.generate(request, on_progress=lambda _: None, should_cancel=lambda: False)
    rgba = np.asarray(Image.open(io.BytesIO(result.image)).convert("RGBA")).astype(int)
    return Drawn(request, rgba, result.metadata["parts"], result.metadata["promptTerms"])


def _attributes(request: GenerationRequest) -> dict:
    return {name: value for name, value in vars(request.attributes).items() if value not in (None, ())}


# Pixel checks, one per kind of thing asked.
def garment(colour: str, box=TORSO) -> Callable[[Drawn], bool]:
    return lambda drawn: share(drawn.pixels, box, colour, tolerance=12) > 0.6


def covers(colour: str, at_least: float) -> Callable[[Drawn], bool]:
    return lambda drawn: colour_share(drawn.pixels, colour) > at_least


def studio_light(drawn: Drawn) -> bool:
    grey = drawn.pixels.mean(axis=2)
    return grey[2, SIZE // 2] - grey[2, 2] > 20 and np.ptp(drawn.pixels[2, 2]) < 30  # grey, brighter in the middle


def one_corner_colour(colour: str | None = None) -> Callable[[Drawn], bool]:
    def check(drawn: Drawn) -> bool:
        corners = {palette.to_hex(tuple(drawn.pixels[y, x])) for y in (1, -2) for x in (1, -2)}
        return len(corners) == 1 and (colour is None or corners == {colour})
    return check


def transparent_corners(drawn: Drawn) -> bool:
    corners = [drawn.rgba[y, x, 3] for y in (0, -1) for x in (0, -1)]
    return corners == [0, 0, 0, 0] and drawn.rgba[SIZE // 2, SIZE // 2, 3] == 255


def pixel_blocks(drawn: Drawn) -> bool:
    block = round(SIZE / PIXEL_BLOCKS)
    return uniform_blocks(drawn.rgba, block) and not uniform_blocks(drawn.rgba, block * 2)


def spread(pixels: np.ndarray) -> float:
    """The largest standard deviation of one colour channel: 0 where every pixel is the same colour."""
    return float(pixels.reshape(-1, pixels.shape[-1]).std(axis=0).max())


def textured_paper(drawn: Drawn) -> bool:
    flat = drawn.but(drawn.request.user_prompt.replace("watercolour", "flat"))
    corner = slice(0, SIZE // 6)
    return spread(flat.pixels[corner, corner]) == 0 and spread(drawn.pixels[corner, corner]) > 2


def graphite(drawn: Drawn) -> bool:
    pixels = drawn.pixels
    greyish = np.abs(pixels[..., 0] - pixels[..., 2]).mean() < 8
    return greyish and pixels.mean() > 170 and (pixels.mean(axis=2) < 110).mean() > 0.01


def inked(at_least: float, colours_under: int | None = None) -> Callable[[Drawn], bool]:
    def check(drawn: Drawn) -> bool:
        flat = drawn.but("flat " + drawn.request.user_prompt)
        distinct = len(np.unique(drawn.pixels.reshape(-1, 3), axis=0))
        return (colour_share(drawn.pixels, INK, 8) > at_least > colour_share(flat.pixels, INK, 8)
                and (colours_under is None or distinct < colours_under))
    return check


def clay_shading(drawn: Drawn) -> bool:
    flat = drawn.but("flat " + drawn.request.user_prompt)
    return spread(region(flat.pixels, TORSO)) < 2 and spread(region(drawn.pixels, TORSO)) > 3


def differs_from(other_prompt: str, *boxes) -> Callable[[Drawn], bool]:
    """The asked thing changed the picture where it belongs, against the same seed with ``other_prompt``."""
    def check(drawn: Drawn) -> bool:
        other = drawn.but(other_prompt)
        return all((np.abs(region(drawn.pixels, box) - region(other.pixels, box)).max(axis=2) > 40).mean() > 0.05
                   for box in boxes)
    return check


def on_head(colour: str) -> Callable[[Drawn], bool]:
    return lambda drawn: share(drawn.pixels, TOP_OF_HEAD, colour, tolerance=30) > 0.5


def _spotted_cheek(drawn: Drawn) -> bool:
    skin = np.array(palette.to_rgb(drawn.parts["skin"]))
    return (np.abs(region(drawn.pixels, RIGHT_CHEEK) - skin).max(axis=2) > 40).mean() > 0.03


def freckled(drawn: Drawn) -> bool:
    return _spotted_cheek(drawn) and not _spotted_cheek(drawn.but("a girl, no freckles"))


def same_as(other_prompt: str) -> Callable[[Drawn], bool]:
    return lambda drawn: (drawn.rgba == drawn.but(other_prompt).rgba).all()


def part(name: str, *allowed: str) -> Callable[[Drawn], bool]:
    return lambda drawn: drawn.parts[name] in allowed


def both(*checks: Callable[[Drawn], bool]) -> Callable[[Drawn], bool]:
    return lambda drawn: all(check(drawn) for check in checks)


@dataclass(frozen=True)
class Case:
    prompt: str
    check: Callable[[Drawn], bool]
    used: tuple[str, ...] = ()
    not_drawn: tuple[str, ...] = ()
    attributes: dict = field(default_factory=dict)


F = palette.FABRIC
CASES = [
    # Garments and their colours
    Case("a man in a navy hoodie", garment(F["navy"]), ("navy hoodie",)),
    Case("a woman in a red hoodie, no glasses", garment(F["red"]), ("red hoodie", "no glasses")),
    Case("a confident architect in her forties, grey blazer, city skyline behind her, holding a coffee cup",
         both(garment(F["grey"]), covers("#CFE6F5", 0.1)),
         ("her forties", "grey blazer", "city skyline"), ("confident architect", "coffee cup")),
    Case("a man in a denim jacket, coffee shop", both(garment(F["denim"]), covers("#C89F7A", 0.1)),
         ("denim jacket", "coffee shop")),
    Case("a woman in a black leather jacket", garment(F["black"]), ("black leather jacket",)),
    Case("a scientist in a white lab coat", garment(F["white"]), ("white lab coat",)),
    Case("a woman in an olive kimono", garment(F["olive"]), ("olive kimono",)),
    Case("a bride in a crimson saree", garment(F["crimson"], SAREE_DRAPE), ("crimson saree",), ("bride",)),
    Case("a woman in a lilac hanbok", garment(F["lilac"]), ("lilac hanbok",)),
    Case("a woman in a burgundy kebaya", garment(F["burgundy"]), ("burgundy kebaya",)),
    Case("a footballer in an orange sports jersey", garment(F["orange"]), ("orange sports jersey",), ("footballer",)),
    Case("a man in a dark green sweater", garment(F["dark green"]), ("dark green sweater",)),
    Case("a man in a pale pink shirt", garment(palette.mix(F["pink"], "#FFFFFF", 0.55)), ("pale pink shirt",)),
    Case("a nurse in scrubs", garment("#1E8C8C"), ("nurse", "scrubs")),
    Case("a man in a charcoal suit and tie", garment(F["charcoal"]), ("charcoal suit and tie",)),
    Case("a woman in a mustard dress", garment(F["mustard"]), ("mustard dress",)),
    Case("a child in yellow overalls", both(part("clothing", "overall"), garment(F["yellow"], (112, 256, 152, 272))),
         ("child", "yellow overalls")),
    Case("a portrait", garment(F["teal"]), attributes={"style": "teal t-shirt"}),
    Case("a woman in a red polka-dot dress", garment(F["red"]), ("woman", "red polka-dot dress")),
    Case("a gentleman in a beige overcoat", garment(F["beige"]), ("gentleman", "beige overcoat")),
    # Settings and backgrounds
    Case("a teacher in an office", covers("#BFDDF2", 0.03), ("teacher", "office")),
    Case("a man at night, city lights", covers("#141B33", 0.1), ("city lights",), ("night",)),
    Case("a surfer at the beach", both(covers("#F2D8A7", 0.05), covers("#3FA7C9", 0.05)), ("beach",), ("surfer",)),
    Case("a hiker in the forest", covers("#3E7D4F", 0.08), ("forest",), ("hiker",)),
    Case("a writer in a library", covers("#5A3620", 0.02), ("library",), ("writer",)),
    Case("an actor in a photo studio", studio_light, ("photo studio",), ("actor",)),
    Case("a fan at the stadium", covers("#4FA34A", 0.05), ("stadium",), ("fan",)),
    Case("a man in front of a mosque", covers("#3E8E7E", 0.02), ("man", "mosque")),
    Case("a monk at a temple", covers("#B8322A", 0.02), ("temple",), ("monk",)),
    Case("a portrait", covers("#4FA34A", 0.05), attributes={"setting": "football stadium"}),
    Case("a woman on a transparent background", transparent_corners, ("woman", "transparent background")),
    Case("a portrait", transparent_corners, attributes={"setting": "transparent"}),
    Case("a man on a plain background", one_corner_colour(), ("man", "plain background")),
    Case("a teacher on a teal background", one_corner_colour(F["teal"]), ("teacher", "teal background")),
    Case("a portrait", one_corner_colour(palette.mix(F["red"], "#000000", 0.35)), attributes={"setting": "dark red"}),
    Case("a portrait", one_corner_colour(), (), ("on the moon",), attributes={"setting": "on the moon"}),
    # Art styles
    Case("a woman, pixel art", pixel_blocks, ("woman", "pixel art")),
    Case("a man, watercolour", textured_paper, ("man", "watercolour")),
    Case("a pencil sketch of a woman", graphite, ("pencil sketch", "woman")),
    Case("an anime girl in a blue hoodie", inked(0.01), ("anime girl", "blue hoodie")),
    Case("a comic book hero", inked(0.02, colours_under=400), ("comic book",), ("hero",)),
    Case("a man in a red hoodie, 3d clay", clay_shading, ("man", "red hoodie", "3d clay")),
    Case("a portrait", pixel_blocks, attributes={"style": "pixel art"}),
    Case("a woman in a hoodie, transparent background, pixel art",
         both(pixel_blocks, transparent_corners), ("woman", "hoodie", "transparent background", "pixel art")),
    # Accessories and details
    Case("a woman with hoop earrings", both(part("earrings", "hoops"), differs_from("a woman", LEFT_EARLOBE,
                                                                                     RIGHT_EARLOBE)),
         ("woman", "hoop earrings")),
    Case("a woman with pearl earrings", both(part("earrings", "drops"), differs_from("a woman", LEFT_EARLOBE)),
         ("woman", "pearl earrings")),
    Case("a DJ with headphones", both(lambda drawn: share(drawn.pixels, EAR_CUP, drawn.parts["headphones"], 12) > 0.5,
                                      differs_from("a DJ", EAR_CUP)), ("headphones",), ("dj",)),
    Case("a boy in a red baseball cap", both(on_head(F["red"]), part("cap", True)), ("boy", "red baseball cap")),
    Case("a girl with freckles", freckled, ("girl", "freckles")),
    Case("a man with a full beard", both(part("facial_hair", "beard_magestic"), differs_from("a clean-shaven man",
                                                                                              CHIN)),
         ("man", "full beard")),
    Case("a man with a goatee", both(part("facial_hair", "beard_light"), differs_from("a clean-shaven man", CHIN)),
         ("man", "goatee")),
    Case("a woman in round glasses", both(part("glasses", "round"), differs_from("a woman, no glasses", (96, 100,
                                                                                                         168, 124))),
         ("woman", "round glasses")),
    Case("a woman in sunglasses", both(part("glasses", "sunglasses", "wayfarers", "kurt"),
                                       differs_from("a woman, no glasses", (96, 100, 168, 124))),
         ("woman", "sunglasses")),
    Case("a smiling man, no glasses", both(part("mouth", "smile"), part("glasses", ""),
                                           differs_from("a serious man, no glasses", MOUTH)),
         ("smiling man", "no glasses")),
    Case("a man with a neutral expression", both(part("mouth", "serious"), differs_from("a laughing man", MOUTH)),
         ("man", "neutral")),
    Case("a woman without a hat, in a beanie",
         both(part("top", "winter_hat_1", "winter_hat_2", "winter_hat_3", "winter_hat_4"),
              differs_from("a woman", TOP_OF_HEAD)), ("woman without a hat", "beanie")),
    # Unknown words are ignored, and said so
    Case("a wizard holding a coffee cup", same_as("a portrait"), (), ("wizard", "coffee cup")),
]


@pytest.mark.parametrize("case", CASES, ids=lambda case: f"{case.prompt}|{case.attributes}")
def test_the_picture_and_the_recorded_words_follow_the_prompt(case):
    drawn = draw(case.prompt, **case.attributes)

    assert case.check(drawn), (case.prompt, drawn.parts)
    assert set(case.used) <= set(drawn.terms["used"]), drawn.terms
    assert set(case.not_drawn) <= set(drawn.terms["notDrawn"]), drawn.terms
    assert not set(drawn.terms["used"]) & set(drawn.terms["notDrawn"])


def test_there_are_at_least_forty_prompts():
    assert len({(case.prompt, tuple(case.attributes.items())) for case in CASES}) >= 40


@pytest.mark.parametrize("style", ["watercolour", "pencil sketch", "anime", "comic", "pixel art", "3d clay"])
def test_every_style_is_the_same_for_a_seed_and_differs_across_seeds(style):
    first, again, other = (draw(f"a woman in a coffee shop, {style}", seed=seed) for seed in (5, 5, 6))

    assert (first.rgba == again.rgba).all()
    assert (first.rgba != other.rgba).any()


def test_a_second_garment_or_setting_is_recorded_as_not_drawn():
    drawn = draw("a man in a hoodie and a kimono, at the beach, in a forest")

    assert drawn.parts["clothing"] == "hoodie"
    assert drawn.terms == {"used": ["man", "hoodie", "beach"], "notDrawn": ["kimono", "forest"]}


def test_an_outer_garment_is_drawn_over_the_named_one():
    drawn = draw("a grey blazer over a white t-shirt")

    assert share(drawn.pixels, TORSO, F["grey"], tolerance=12) > 0.6
    assert drawn.parts["inner_colour"] == F["white"]
    assert drawn.terms["used"] == ["grey blazer", "white t-shirt"]


@pytest.mark.parametrize("size", [(128, 256), (320, 128)])
def test_a_backdrop_fills_frames_of_every_shape(size):
    pixels = draw("a man, night city", seed=3, size=size).rgba

    assert (pixels[..., 3] == 255).all()
    assert (pixels[0, :, :3].mean(axis=1) < 80).all()  # the night sky reaches the top of a tall frame too


def test_the_ground_of_a_backdrop_stays_at_the_shoulders_in_a_tall_frame():
    pixels = draw("a man at the beach", seed=3, size=(180, 300)).pixels

    column, row = to_pixel(40, 178, 180, 300)  # beside the neck: the sea, as in a square picture, not the sand
    assert palette.distance(palette.to_hex(tuple(pixels[row, column])), "#3FA7C9") < 10


def test_a_refused_garment_is_left_out_of_the_outfit():
    for seed in range(8):
        parts = draw("a casual portrait, no hoodie, no denim jacket", seed=seed).parts
        assert parts["clothing"] in {"shirt_crew_neck", "shirt_v_neck", "shirt_scoop_neck", "graphic_shirt"}
