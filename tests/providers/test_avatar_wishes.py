import pytest
from python_avatars import HairType, HatType

from avatar_creator.providers.base import AvatarAttributes, GenerationRequest
from avatar_creator.providers.offline import palette
from avatar_creator.providers.offline.wishes import read_wishes


def _wishes(prompt="", category=None, **attributes):
    return read_wishes(GenerationRequest(prompt="", negative_prompt="", user_prompt=prompt, width=64, height=64,
                                         seed=0, attributes=AvatarAttributes(**attributes), category=category))


def test_an_attribute_field_wins_over_the_prompt():
    assert _wishes("a man with red hair", hair_color="black").hair_colour == palette.HAIR["black"]


def test_the_prompt_fills_in_when_the_field_names_no_known_colour():
    assert _wishes("a man with red hair", hair_color="mahogany").hair_colour == palette.HAIR["red"]


@pytest.mark.parametrize("prompt", ["a woman in a white top with long hair", "red top, long hair",
                                    "a black hoodie and curly hair"])
def test_a_garment_colour_is_not_taken_for_the_hair(prompt):
    wishes = _wishes(prompt)

    assert wishes.hair_colour is None
    assert wishes.clothing_colour is not None


@pytest.mark.parametrize(("prompt", "colour"), [("red, curly hair", "red"), ("silver-haired", "silver"),
                                                ("a purple mohawk", "purple"), ("a redhead", "red"),
                                                ("strawberry blonde", "strawberry blonde")])
def test_hair_colour_words_in_the_prompt(prompt, colour):
    assert _wishes(prompt).hair_colour == palette.HAIR[colour]


@pytest.mark.parametrize(("prompt", "expected"), [("no glasses", False), ("without any glasses", False),
                                                  ("no hat and glasses", True), ("glasses", True),
                                                  ("a portrait", None)])
def test_negation_refuses_only_what_it_names(prompt, expected):
    assert _wishes(prompt).glasses is expected


@pytest.mark.parametrize(("prompt", "attributes", "expected"), [
    ("a man aged 30", {}, None),
    ("a senior engineer", {}, None),
    ("an elderly man", {}, "mature"),
    ("an elderly man", {"age_range": "young"}, "young"),
    ("a portrait", {"persona_age": 61}, "mature"),
    ("a portrait", {"persona_age": 19}, "young"),
])
def test_age_range(prompt, attributes, expected):
    assert _wishes(prompt, **attributes).age_range == expected


def test_black_in_a_prompt_is_no_ethnicity_but_in_the_field_it_is():
    assert _wishes("a man in a black hoodie").skin_shades == palette.SKIN_SHADES
    assert set(_wishes("a portrait", ethnicity="Black").skin_shades) < set(palette.SKIN_SHADES)
    assert set(_wishes("a Korean student").skin_shades) < set(palette.SKIN_SHADES)
    assert _wishes("a portrait", ethnicity="South Asian").skin_shades != _wishes("a portrait",
                                                                                 ethnicity="Asian").skin_shades


def test_generic_hair_words_count_only_before_hair_in_the_prompt():
    assert _wishes("tired after a long day").tops == ()
    assert HairType.STRAIGHT_1 in _wishes("a woman with long straight hair").tops
    assert _wishes("a woman with a bob").tops == (HairType.BOB, HairType.MIA_WALLACE)


def test_headwear_replaces_hair_and_a_chefs_hat_is_no_hat():
    assert _wishes("a woman", hair_style="long, hijab").tops == (HatType.HIJAB,)
    chef = _wishes("a chef's hat")
    assert (chef.headwear, chef.outfit) == (None, "chef")


@pytest.mark.parametrize(("category", "scene"), [("business", "professional"), ("healthcare", "medical"),
                                                 ("sports", "sports"), (None, None)])
def test_persona_categories_map_to_outfit_scenes(category, scene):
    assert _wishes("a portrait", category=category).scene == scene


@pytest.mark.parametrize(("prompt", "gender", "age_range"), [("an architect in her forties", "female", "adult"),
                                                              ("a teacher in his sixties", "male", "mature"),
                                                              ("a student in their twenties", None, "young")])
def test_pronouns_say_the_gender_and_decades_the_age(prompt, gender, age_range):
    wishes = _wishes(prompt)

    assert (wishes.gender, wishes.age_range) == (gender, age_range)
