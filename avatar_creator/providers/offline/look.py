"""Choose the parts and colours of an illustrated avatar: what was asked, and the seed for everything left open."""

from __future__ import annotations

import random
from dataclasses import dataclass

import python_avatars as pa
from python_avatars import AccessoryType as Glasses
from python_avatars import ClothingType as Clothes
from python_avatars import EyebrowType as Brows
from python_avatars import EyeType as Eyes
from python_avatars import FacialHairType as Beard
from python_avatars import HairType as Hair
from python_avatars import HatType as Hat
from python_avatars import MouthType as Mouth

from avatar_creator.providers.offline import garments, palette
from avatar_creator.providers.offline.reference_colours import ReferenceColours
from avatar_creator.providers.offline.vocabulary import FLAT, PLAIN
from avatar_creator.providers.offline.wishes import Wishes


@dataclass(frozen=True)
class Look:
    """Every part and colour of one avatar; ``eye_colour`` is None where the eyes are drawn without an iris."""

    top: pa.HairType | pa.HatType
    hair_colour: str
    headwear_colour: str
    facial_hair: pa.FacialHairType
    skin: str
    eyes: pa.EyeType
    eyebrows: pa.EyebrowType
    mouth: pa.MouthType
    glasses: pa.AccessoryType
    clothing: pa.ClothingType
    clothing_colour: str
    shirt_graphic: pa.ClothingGraphic
    background: str
    eye_colour: str | None
    garment: str | None = None  # our own part, or a recoloured one, drawn in clothing_colour (``garments.py``)
    inner_colour: str = "#F7F7F7"  # the shirt under an outer garment
    setting: str = PLAIN  # a backdrop of ``vocabulary.SETTINGS``, plain (the background colour) or transparent
    art_style: str = FLAT
    earrings: str | None = None
    headphones: str | None = None  # their colour
    cap: bool = False  # in headwear_colour
    freckles: bool = False

    def describe(self) -> dict[str, str]:
        """The chosen parts by name, for the generation's metadata."""
        return {name: getattr(value, "value", value) for name, value in vars(self).items() if value is not None}


_MALE_TOPS = (Hair.CAESAR, Hair.CAESAR_SIDE_PART, Hair.SHORT_FLAT, Hair.SHORT_ROUND, Hair.SHORT_WAVED,
              Hair.SHORT_CURLY, Hair.FRIZZLE, Hair.SHAGGY, Hair.POMPADOUR, Hair.QUIFF, Hair.BUZZCUT,
              Hair.SHORT_DREADS_1, Hair.DREADLOCKS, Hair.MOWGLI)
_FEMALE_TOPS = (Hair.BOB, Hair.BUN, Hair.CURLY, Hair.CURVY, Hair.LONG_NOT_TOO_LONG, Hair.MIA_WALLACE,
                Hair.STRAIGHT_1, Hair.STRAIGHT_2, Hair.STRAIGHT_STRAND, Hair.BIG_HAIR, Hair.FRO, Hair.FRO_BAND,
                Hair.LOOSE_HAIR, Hair.CURLY_2, Hair.PIXIE, Hair.BRAIDS, Hair.TWIST_LONG_HAIR)
_UNISEX_TOPS = (Hair.SHORT_CURLY, Hair.SHORT_WAVED, Hair.SHAGGY, Hair.PIXIE, Hair.FRO, Hair.DREADLOCKS,
                Hair.BUN, Hair.MOWGLI, Hair.HALF_SHAVED, Hair.SHORT_DREADS_2, Hair.BOB)
_MATURE_MALE_TOPS = (Hair.SIDES, Hair.NONE, Hair.CAESAR, Hair.CAESAR_SIDE_PART, Hair.SHORT_FLAT, Hair.SHORT_WAVED)
_MATURE_FEMALE_TOPS = (Hair.BOB, Hair.BUN, Hair.PIXIE, Hair.SHORT_WAVED, Hair.LONG_NOT_TOO_LONG, Hair.CURLY)
# These tops have no slot for a beard or for glasses.
_NO_FACIAL_HAIR_SLOT = {Hair.CURLY_2, Hair.LOOSE_HAIR, Hair.LONG_HAIR_CURLY, Hair.ASTRONAUT, Hat.HIJAB}
_NO_GLASSES_SLOT = {Hair.LONG_HAIR_CURLY}

_EXPRESSIONS = {
    "smile": ((Eyes.DEFAULT, Brows.DEFAULT_NATURAL, Mouth.SMILE), (Eyes.HAPPY, Brows.RAISED_EXCITED_NATURAL,
                                                                     Mouth.SMILE)),
    "laugh": ((Eyes.HAPPY, Brows.RAISED_EXCITED_NATURAL, Mouth.BIG_SMILE),),
    "wink": ((Eyes.WINK, Brows.DEFAULT_NATURAL, Mouth.TWINKLE), (Eyes.WINK, Brows.RAISED_EXCITED, Mouth.SMILE)),
    "serious": ((Eyes.DEFAULT, Brows.DEFAULT_NATURAL, Mouth.SERIOUS), (Eyes.DEFAULT, Brows.DEFAULT, Mouth.SERIOUS)),
    "surprised": ((Eyes.SURPRISED, Brows.RAISED_EXCITED_NATURAL, Mouth.DISBELIEF),),
    "sad": ((Eyes.DEFAULT, Brows.SAD_CONCERNED_NATURAL, Mouth.SAD),),
    "calm": ((Eyes.DEFAULT, Brows.DEFAULT_NATURAL, Mouth.TWINKLE), (Eyes.DEFAULT, Brows.DEFAULT, Mouth.DEFAULT)),
}
_EVERYDAY_EXPRESSIONS = ("smile", "smile", "calm", "laugh", "calm")
_OPEN_EYES = {Eyes.DEFAULT}  # the only eyes drawn as round irises

_SHIRTS = ("#F7F7F7", "#CFE3F7", "#F6D5DE", "#E4E7EA", "#FFF4D6")
_OUTFITS = {  # clothes, colours
    "professional": ((Clothes.BLAZER_SHIRT, Clothes.BLAZER_SWEATER, Clothes.SHIRT_WICK, Clothes.COLLAR_SWEATER),
                     _SHIRTS),
    "academic": ((Clothes.COLLAR_SWEATER, Clothes.BLAZER_SWEATER), ("#D9A521", "#7A7F3A", "#7A2335", "#25385E")),
    "casual": ((Clothes.HOODIE, Clothes.SHIRT_CREW_NECK, Clothes.SHIRT_V_NECK, Clothes.SHIRT_SCOOP_NECK,
                Clothes.GRAPHIC_SHIRT), ("#65C9FF", "#FF7F6B", "#3FA56B", "#F4CF4A", "#7D4FB8", "#3C4F5C", "#F28CB1")),
    "sports": ((Clothes.SHIRT_CREW_NECK, Clothes.SHIRT_V_NECK, Clothes.HOODIE),
               ("#D64045", "#3C78D8", "#3FA56B", "#F28C38", "#262E33", "#F4CF4A")),
    "fashion": ((Clothes.SHIRT_SCOOP_NECK, Clothes.COLLAR_SWEATER, Clothes.BLAZER_SWEATER, Clothes.SHIRT_V_NECK),
                ("#F28CB1", "#C7B5F0", "#FF7F6B", "#D9A521", "#262E33", "#F5ECD7")),
    "traditional": ((Clothes.COLLAR_SWEATER, Clothes.SHIRT_SCOOP_NECK, Clothes.SHIRT_V_NECK),
                    ("#7A2335", "#D4A63A", "#1E8C8C", "#2E6B45", "#E07A1F", "#5B2A86")),
    "medical": ((Clothes.SHIRT_V_NECK,), ("#1E8C8C", "#8CC8F0", "#7FD1B9", "#25385E")),
    "creative": ((Clothes.GRAPHIC_SHIRT, Clothes.OVERALL, Clothes.HOODIE, Clothes.SHIRT_SCOOP_NECK),
                 ("#F4CF4A", "#FF7F6B", "#2EC4B6", "#7D4FB8", "#F28CB1")),
    "chef": ((Clothes.CHEF,), ("#F7F7F7",)),
    "astronaut": ((Clothes.ASTRONAUT_SUIT,), ("#F7F7F7",)),
}
_OUTFIT_TOPS = {"chef": Hat.CHEF_CAP, "astronaut": Hair.ASTRONAUT}
_CAP_TOPS = {"male": (Hair.SHORT_FLAT, Hair.SHORT_ROUND, Hair.CAESAR, Hair.BUZZCUT),
             "female": (Hair.LONG_NOT_TOO_LONG, Hair.STRAIGHT_1, Hair.STRAIGHT_2, Hair.BOB)}
_HEADPHONES = ("#262E33", "#F7F7F7", "#D64045", "#3C78D8", "#F4CF4A", "#7D4FB8")
_GRAPHICS = (pa.ClothingGraphic.BEAR, pa.ClothingGraphic.DEER, pa.ClothingGraphic.DIAMOND, pa.ClothingGraphic.PIZZA)
_HEADWEAR_COLOURS = ("#25385E", "#7A2335", "#1E8C8C", "#D98FA6", "#262E33", "#C9B79C", "#7A7F3A", "#8E6BBF",
                     "#E07A1F")
BACKGROUNDS = {
    "professional": ("#DCE6F0", "#C5D3E3", "#E8ECEF", "#B9CCE0", "#D6E4E1"),
    "academic": ("#F3E7C9", "#E4D8C3", "#DCE6F0", "#E9DFF2"),
    "casual": ("#FFE8B8", "#C9F0DA", "#FFD9E1", "#D3EEFF", "#FFE1CC"),
    "sports": ("#8FD694", "#FFC36B", "#7CC6FF", "#FF8F8F", "#B8F25C"),
    "fashion": ("#F9C9DC", "#E3D4FF", "#FFDCC7", "#2B2D42", "#F6E6D8"),
    "traditional": ("#F0C96A", "#E9A66F", "#9FD8CB", "#D98A8A", "#C8B6E2"),
    "medical": ("#D4F1EC", "#DDEBF7", "#E5F5E0"),
    "creative": ("#FFD166", "#EF9CDA", "#9BF6FF", "#CAFFBF", "#FFADAD"),
}
_ANY_BACKGROUND = ("#D3EEFF", "#FFE8B8", "#C9F0DA", "#FFD9E1", "#E3D4FF", "#DCE6F0", "#FFE1CC")


def choose_look(wishes: Wishes, seed: int, *, reference: ReferenceColours | None = None,
                strength: float = 0.6) -> Look:
    """Every part of the avatar: what ``wishes`` asks, then ``seed`` (and a reference's colours) for the rest."""
    pick = _Picker(seed)
    gender = wishes.gender or pick.choice("gender", ("male", "female"))
    age = wishes.age_range or pick.weighted("age", {"young": 3, "adult": 5, "mature": 2})
    outfit = _outfit(wishes, pick)
    facial_hair = _facial_hair(wishes, gender, age, pick)
    glasses = _glasses(wishes, age, outfit, pick)
    top = _top(wishes, gender, age, outfit, facial_hair, glasses, pick)
    backgrounds = BACKGROUNDS.get(wishes.scene, _ANY_BACKGROUND) if wishes.scene else _ANY_BACKGROUND
    background = wishes.background or _from_reference(
        reference.background if reference else None, pick.choice("background", backgrounds), strength)
    skin = wishes.skin or _from_reference(reference.skin if reference else None,
                                          pick.choice("skin", wishes.skin_shades), strength)
    hair_colour = wishes.hair_colour or _from_reference(reference.hair if reference else None,
                                                        _hair_colour(age, skin, pick), strength)
    clothes, colours = _OUTFITS[outfit]
    clothes = tuple(kind for kind in clothes if kind.value not in wishes.refused_clothing) or clothes
    eyes, eyebrows, mouth = pick.choice("expression", _EXPRESSIONS[
        wishes.expression or pick.choice("mood", ("calm", "smile") if outfit == "professional"
                                         else _EVERYDAY_EXPRESSIONS)])
    if wishes.eye_colour and eyes not in _OPEN_EYES:
        eyes = Eyes.DEFAULT  # the asked eye colour only shows in open eyes
    return Look(
        top=top,
        hair_colour=hair_colour,
        headwear_colour=wishes.headwear_colour or _contrasting(pick, "headwear", _HEADWEAR_COLOURS, background),
        facial_hair=facial_hair,
        skin=skin,
        eyes=eyes,
        eyebrows=eyebrows,
        mouth=mouth,
        glasses=glasses,
        clothing=pick.choice("clothing", _asked_clothes(wishes) or clothes),
        clothing_colour=wishes.clothing_colour or _contrasting(pick, "clothing colour", colours, background),
        shirt_graphic=pick.choice("graphic", _GRAPHICS),
        background=background,
        eye_colour=wishes.eye_colour if eyes in _OPEN_EYES else None,
        # python_avatars' own blazer and suit keep their colours unless one is asked
        garment=wishes.garment if wishes.garment in garments.PARTS or wishes.clothing_colour else None,
        inner_colour=wishes.inner_colour or pick.choice("inner colour", _SHIRTS),
        setting=wishes.setting or PLAIN,
        art_style=wishes.art_style or FLAT,
        earrings=wishes.earrings if isinstance(wishes.earrings, str) else None,
        headphones=_contrasting(pick, "headphones", _HEADPHONES, background) if wishes.headphones else None,
        cap=bool(wishes.cap),
        freckles=bool(wishes.freckles),
    )


class _Picker:
    """Seeded choices, one stream per decision, so asking for glasses does not change the hair style."""

    def __init__(self, seed: int):
        self._seed = seed

    def _random(self, decision: str) -> random.Random:
        return random.Random(f"{self._seed}:{decision}")

    def choice(self, decision: str, options):
        return self._random(decision).choice(tuple(options))

    def chance(self, decision: str, probability: float) -> bool:
        return self._random(decision).random() < probability

    def weighted(self, decision: str, weights: dict):
        return self._random(decision).choices(tuple(weights), weights=tuple(weights.values()))[0]


def _outfit(wishes: Wishes, pick: _Picker) -> str:
    if wishes.outfit in _OUTFITS:
        return wishes.outfit
    if wishes.scene in _OUTFITS:
        return wishes.scene
    return pick.choice("outfit", ("casual", "casual", "professional", "creative"))


def _asked_clothes(wishes: Wishes) -> tuple:
    return tuple(Clothes(name) for name in wishes.clothing)


def _facial_hair(wishes: Wishes, gender: str, age: str, pick: _Picker) -> pa.FacialHairType:
    if wishes.facial_hair:
        return pick.choice("facial hair", wishes.facial_hair_kinds)
    wanted = (wishes.facial_hair is None and gender == "male" and wishes.headwear != "hijab"
              and pick.chance("bearded", {"young": 0.1, "adult": 0.35, "mature": 0.5}[age]))
    kinds = (Beard.BEARD_LIGHT, Beard.BEARD_MEDIUM, Beard.BEARD_MAGESTIC, Beard.MOUSTACHE_FANCY)
    return pick.choice("facial hair", kinds) if wanted else Beard.NONE


def _glasses(wishes: Wishes, age: str, outfit: str, pick: _Picker) -> pa.AccessoryType:
    if wishes.glasses:
        return pick.choice("glasses", wishes.glasses_kinds)
    likelihood = {"young": 0.06, "adult": 0.12, "mature": 0.35}[age] + (0.08 if outfit in ("professional",
                                                                                            "academic") else 0)
    if wishes.glasses is None and pick.chance("wears glasses", likelihood):
        return pick.choice("glasses", (Glasses.PRESCRIPTION_1, Glasses.PRESCRIPTION_2, Glasses.ROUND))
    return Glasses.NONE


def _top(wishes: Wishes, gender: str, age: str, outfit: str, facial_hair, glasses, pick: _Picker):
    if wishes.tops:
        pool = {"male": _MALE_TOPS, "female": _FEMALE_TOPS}.get(gender, _UNISEX_TOPS)
        candidates = tuple(top for top in wishes.tops if top in pool) or wishes.tops
    elif outfit in _OUTFIT_TOPS:
        candidates = (_OUTFIT_TOPS[outfit],)
    elif wishes.cap:
        candidates = _CAP_TOPS.get(gender, _CAP_TOPS["male"])
    elif age == "mature" and gender in ("male", "female"):
        candidates = _MATURE_MALE_TOPS if gender == "male" else _MATURE_FEMALE_TOPS
    else:
        candidates = {"male": _MALE_TOPS, "female": _FEMALE_TOPS}.get(gender, _UNISEX_TOPS)
    if facial_hair != Beard.NONE:
        candidates = tuple(top for top in candidates if top not in _NO_FACIAL_HAIR_SLOT) or candidates
    if glasses != Glasses.NONE:
        candidates = tuple(top for top in candidates if top not in _NO_GLASSES_SLOT) or candidates
    return pick.choice("top", candidates)


def _hair_colour(age: str, skin: str, pick: _Picker) -> str:
    if age == "mature" and pick.chance("greying", 0.7):
        return pick.choice("hair colour", palette.GREY_HAIR)
    darker_skin = sum(palette.to_rgb(skin)) < sum(palette.to_rgb("#C98955"))
    return pick.choice("hair colour", palette.DARK_HAIR if darker_skin else palette.NATURAL_HAIR)


def _from_reference(reference_colour: str | None, seeded: str, strength: float) -> str:
    """The reference's colour, pulled towards the seeded one as ``strength`` rises past 0.5 (1 ignores it)."""
    if reference_colour is None:
        return seeded
    return palette.mix(reference_colour, seeded, max(0.0, min(1.0, (strength - 0.5) * 2)))


def _contrasting(pick: _Picker, decision: str, colours, background: str) -> str:
    """A seeded colour that stands out from the background (any of them if none does)."""
    distinct = tuple(colour for colour in colours if palette.distance(colour, background) > 100)
    return pick.choice(decision, distinct or colours)
