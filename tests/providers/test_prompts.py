import re

import pytest

from avatar_creator.providers.base import AvatarAttributes
from avatar_creator.providers.prompts import MAX_NEGATIVE_CHARS, MAX_PROMPT_CHARS, BuiltPrompt, build_prompt
from avatar_creator.settings import DEFAULT_NEGATIVE_TERMS, DEFAULT_QUALITY_TERMS

EVERYTHING = AvatarAttributes(
    persona_name="Aiko",
    persona_age=28,
    persona_personality=("cheerful", "curious"),
    persona_background="Software engineer from Osaka",
    gender="female",
    age_range="young",
    ethnicity="East Asian",
    body_type="slim",
    hair_style="long wavy",
    hair_color="auburn",
    eye_color="green",
    skin_tone="fair",
    style="professional",
    setting="coffee shop",
)


def _count(phrase: str, text: str) -> int:
    return len(re.findall(re.escape(phrase), text, re.IGNORECASE))


def test_every_persona_and_visual_field_appears_as_a_readable_phrase():
    built = build_prompt("A portrait for my team page", EVERYTHING)

    for phrase in ("A portrait for my team page", "a young East Asian woman", "named Aiko", "28 years old",
                   "long wavy auburn hair", "green eyes", "fair skin", "slim build", "professional outfit",
                   "coffee shop background", "cheerful, curious personality", "Software engineer from Osaka"):
        assert _count(phrase, built.prompt) == 1, phrase
    assert built.prompt.startswith("A portrait for my team page, a young East Asian woman, named Aiko")


def test_quality_and_negative_terms_are_configurable():
    built = build_prompt("a chef", AvatarAttributes(), quality_terms="oil painting,  warm light",
                         negative_terms="photo, 3d render")

    assert built == BuiltPrompt(prompt="a chef, oil painting, warm light", negative_prompt="photo, 3d render")


def test_default_terms_are_used_when_none_are_given():
    built = build_prompt("a chef", AvatarAttributes())

    assert built.prompt == f"a chef, {DEFAULT_QUALITY_TERMS}"
    assert built.negative_prompt == DEFAULT_NEGATIVE_TERMS


def test_empty_fields_are_left_out():
    built = build_prompt("a lighthouse keeper", AvatarAttributes(persona_name="  ", hair_color="", eye_color=None,
                                                                 persona_personality=("", " ")),
                         quality_terms="")

    assert built.prompt == "a lighthouse keeper"


def test_what_the_user_prompt_already_says_is_not_repeated():
    built = build_prompt("Portrait of a man with Green Eyes and dark skin, sharp focus",
                         AvatarAttributes(eye_color="green", skin_tone="dark", hair_color="black"))

    assert _count("green eyes", built.prompt) == 1
    assert _count("dark skin", built.prompt) == 1
    assert _count("sharp focus", built.prompt) == 1
    assert "black hair" in built.prompt


def test_a_phrase_is_only_skipped_when_said_as_whole_words():
    built = build_prompt("a redhead in red hairnets", AvatarAttributes(hair_color="red"))

    assert "red hair," in built.prompt


@pytest.mark.parametrize(
    ("attributes", "phrase"),
    [
        (AvatarAttributes(gender="male"), "a man"),
        (AvatarAttributes(gender="unisex", age_range="adult"), "an adult person"),
        (AvatarAttributes(gender="non-binary"), "a non-binary person"),
        (AvatarAttributes(ethnicity="Indian"), "an Indian person"),
        (AvatarAttributes(hair_style="short hair", hair_color="black"), "black hair, short hair"),
        (AvatarAttributes(hair_style="hijab"), "hijab"),
        (AvatarAttributes(hair_style="curly"), "curly hair"),
        (AvatarAttributes(eye_color="blue-eyed"), "blue-eyed"),
        (AvatarAttributes(style="business attire"), "business attire"),
        (AvatarAttributes(setting="city skyline behind her"), "city skyline behind her"),
        (AvatarAttributes(setting="beach"), "beach background"),
    ],
)
def test_phrases_read_naturally_whatever_words_the_fields_hold(attributes, phrase):
    built = build_prompt("someone", attributes, quality_terms="")

    assert built.prompt == f"someone, {phrase}"


def test_text_is_kept_as_text_and_whitespace_is_tidied():
    built = build_prompt("  a\n\nportrait\tof  Bo ", AvatarAttributes(persona_name="123"), quality_terms="")

    assert built.prompt == "a portrait of Bo, named 123"


def test_the_prompt_stays_bounded_and_keeps_the_users_words_and_attributes_first():
    long_story = "grew up by the sea " * 40
    built = build_prompt("x" * 2000, EVERYTHING, quality_terms=", ".join(f"term {n}" for n in range(400)),
                         negative_terms=", ".join(f"bad {n}" for n in range(400)))

    assert len(built.prompt) <= MAX_PROMPT_CHARS
    assert len(built.negative_prompt) <= MAX_NEGATIVE_CHARS
    assert built.prompt.startswith("x" * 2000)
    assert "green eyes" in built.prompt and "named Aiko" in built.prompt
    assert "term 399" not in built.prompt  # quality terms are the first to go
    assert len(build_prompt("y", AvatarAttributes(persona_background=long_story)).prompt) < len(long_story)
