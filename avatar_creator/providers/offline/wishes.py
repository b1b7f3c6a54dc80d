"""What a request asks of an illustrated avatar: the attributes and the free prompt's keywords, read into one record.

Attribute fields win over the prompt; the prompt fills what they leave open. ``None`` means "not asked", ``False``
means "explicitly refused" ("no glasses", "clean-shaven").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from python_avatars import AccessoryType as Glasses
from python_avatars import FacialHairType as Beard
from python_avatars import HairType as Hair
from python_avatars import HatType as Hat

from avatar_creator.providers.base import GenerationRequest
from avatar_creator.providers.offline import palette
from avatar_creator.providers.offline.picture_words import read_art_style, read_backdrop, read_clothes, read_details
from avatar_creator.providers.offline.terms import Record, find
from avatar_creator.providers.offline.vocabulary import BASE_CLOTHES


@dataclass(frozen=True)
class Wishes:
    """The request, read: every field is what was asked, or None where the avatar is free."""

    gender: str | None = None  # male | female | unisex
    age_range: str | None = None  # young | adult | mature
    skin: str | None = None
    skin_shades: tuple[str, ...] = palette.SKIN_SHADES
    hair_colour: str | None = None
    tops: tuple = ()  # hair styles or head coverings that fit the words used
    headwear: str | None = None  # hijab | turban | beanie | hat
    headwear_colour: str | None = None
    facial_hair: bool | None = None
    facial_hair_kinds: tuple = ()
    glasses: bool | None = None
    glasses_kinds: tuple = ()
    expression: str | None = None
    eye_colour: str | None = None
    outfit: str | None = None  # a key of OUTFIT_WORDS
    clothing: tuple = ()  # python_avatars clothing names asked by name ("hoodie")
    clothing_colour: str | None = None
    garment: str | None = None  # our own part drawn for the garment asked (``garments.py``)
    inner_colour: str | None = None  # what an outer garment is worn over ("a grey blazer over a white t-shirt")
    refused_clothing: tuple = ()  # python_avatars clothing names refused ("no hoodie")
    background: str | None = None
    scene: str | None = None  # an outfit name whose backgrounds suit: the preset category's, else the outfit's
    setting: str | None = None  # a backdrop of ``vocabulary.SETTINGS``, or plain or transparent
    art_style: str | None = None  # a name of ``vocabulary.ART_STYLES``
    earrings: str | bool | None = None
    headphones: bool | None = None
    cap: bool | None = None
    freckles: bool | None = None
    terms: dict = field(default_factory=dict)  # the prompt's words: {"used": [...], "notDrawn": [...]}


_MALE = r"male|man|men|boy|guy|gentleman|businessman|father|dad|husband|king|masculine|he|him|his|himself"
_FEMALE = r"female|woman|women|girl|lady|businesswoman|mother|mom|mum|wife|queen|feminine|she|her|hers|herself"
_UNISEX = r"unisex|non[\s-]?binary|androgynous|gender[\s-]?neutral"
_YOUNG = r"young|teen|teens|teenage|teenager|youthful|student|kid|child|boy|girl|twenties"
_ADULT = r"adult|grown[\s-]up|thirties|forties"
_MATURE = (r"mature|old|older|elderly|senior citizen|pensioner|middle[\s-]aged|grandfather|grandmother|grandpa|grandma|"
           r"fifties|sixties|seventies|eighties|nineties|"
           r"retired")

# Ethnicity words narrow the skin shades considered when no skin tone was given (indices into SKIN_SHADES);
# the first row that matches wins, so "South Asian" must come before plain "Asian".
_ETHNICITY_SHADES = (
    (r"south asian|indian|pakistani|bangladeshi|sri lankan|nepali|desi", (3, 8)),
    (r"east asian|chinese|japanese|korean|vietnamese|filipino|thai|indonesian|malaysian|malay|asian", (0, 5)),
    (r"middle eastern|arab|arabic|persian|iranian|turkish|egyptian|moroccan|north african", (2, 6)),
    (r"african|black|nigerian|kenyan|ghanaian|ethiopian|somali|caribbean", (6, 10)),
    (r"hispanic|latino|latina|latinx|mexican|brazilian|mixed|biracial", (2, 8)),
    (r"indigenous|native american|pacific islander|polynesian|maori|aboriginal", (4, 9)),
    (r"white|caucasian|european|scandinavian|nordic|irish", (0, 4)),
)
_AMBIGUOUS_IN_PROMPTS = {"white", "black"}  # "black hoodie" is no ethnicity

_CURLY, _WAVY, _STRAIGHT, _LONG, _SHORT = r"curly|curls|coily", r"wavy|waves", r"straight|sleek", r"long", r"short"
_GENERIC_STYLES = {_CURLY, _WAVY, _STRAIGHT, _LONG, _SHORT}
HAIR_STYLE_WORDS = (
    (r"bald|shaved head|no hair", (Hair.NONE,)),
    (r"balding|receding", (Hair.SIDES,)),
    (r"buzz[\s-]?cut|crew[\s-]?cut|close[\s-]?cropped", (Hair.BUZZCUT, Hair.CAESAR)),
    (r"side[\s-]?part", (Hair.CAESAR_SIDE_PART,)),
    (r"pixie", (Hair.PIXIE,)),
    (r"bob|bobbed", (Hair.BOB, Hair.MIA_WALLACE)),
    (r"bun|updo|top[\s-]?knot|ponytail", (Hair.BUN,)),
    (r"afro|fro", (Hair.FRO, Hair.FRO_BAND)),
    (r"dreadlocks|dreads|locs", (Hair.DREADS, Hair.DREADLOCKS, Hair.SHORT_DREADS_1, Hair.SHORT_DREADS_2)),
    (r"cornrows", (Hair.CORNROWS,)),
    (r"braids|braided|twists", (Hair.BRAIDS, Hair.CORNROWS, Hair.TWIST_LONG_HAIR, Hair.TWIST_LONG_HAIR_2)),
    (r"mohawk", (Hair.MOHAWK,)),
    (r"mullet", (Hair.SHAGGY_MULLET,)),
    (r"undercut|shaved sides|half[\s-]?shaved", (Hair.HALF_SHAVED,)),
    (r"pompadour|quiff|slicked", (Hair.POMPADOUR, Hair.QUIFF, Hair.ELVIS)),
    (r"spiky|spiked", (Hair.EVIL_SPIKE, Hair.FRIZZLE)),
    (r"messy|shaggy|tousled|unkempt", (Hair.SHAGGY, Hair.MOWGLI, Hair.WILD)),
    (r"flower crown|flowers in (?:her |his |their )?hair", (Hair.FRIDA,)),
    (_CURLY, (Hair.SHORT_CURLY, Hair.CURLY, Hair.CURLY_2, Hair.LONG_HAIR_CURLY, Hair.BIG_HAIR)),
    (_WAVY, (Hair.SHORT_WAVED, Hair.LOOSE_HAIR, Hair.CURVY, Hair.BIG_HAIR)),
    (_STRAIGHT, (Hair.STRAIGHT_1, Hair.STRAIGHT_2, Hair.STRAIGHT_STRAND, Hair.LONG_NOT_TOO_LONG)),
    (_LONG, (Hair.LONG_NOT_TOO_LONG, Hair.STRAIGHT_1, Hair.STRAIGHT_2, Hair.STRAIGHT_STRAND, Hair.CURVY,
               Hair.LOOSE_HAIR, Hair.CURLY_2, Hair.LONG_HAIR_CURLY, Hair.BIG_HAIR, Hair.TWIST_LONG_HAIR)),
    (_SHORT, (Hair.SHORT_FLAT, Hair.SHORT_ROUND, Hair.SHORT_WAVED, Hair.SHORT_CURLY, Hair.CAESAR,
                        Hair.CAESAR_SIDE_PART, Hair.PIXIE, Hair.FRIZZLE, Hair.QUIFF)),
)
HEADWEAR_WORDS = (
    ("hijab", r"hijab|hijabi|headscarf|head[\s-]scarf|khimar", (Hat.HIJAB,)),
    ("turban", r"turban|dastar|pagri|pagdi", (Hat.TURBAN,)),
    ("beanie", r"beanie|winter hat|woolly hat|bobble hat|knit hat",
     (Hat.WINTER_HAT_1, Hat.WINTER_HAT_2, Hat.WINTER_HAT_3, Hat.WINTER_HAT_4)),
    ("hat", r"(?<!chef )(?<!chef's )(?:sun hat|fedora|hat)", (Hat.HAT, Hair.HAT)),
)
_FACIAL_HAIR_WORDS = (
    (r"full beard|long beard|big beard|bushy beard|majestic beard", (Beard.BEARD_MAGESTIC,)),
    (r"stubble|light beard|short beard|goatee|five o'?clock shadow", (Beard.BEARD_LIGHT,)),
    (r"moustache|mustache", (Beard.MOUSTACHE_FANCY, Beard.MOUSTACHE_MAGNUM)),
    (r"beard|bearded", (Beard.BEARD_MEDIUM, Beard.BEARD_LIGHT, Beard.BEARD_MAGESTIC)),
)
_CLEAN_SHAVEN = r"clean[\s-]?shaven|beardless"
_GLASSES_WORDS = (
    (r"sunglasses|shades", (Glasses.SUNGLASSES, Glasses.WAYFARERS, Glasses.KURT)),
    (r"round glasses", (Glasses.ROUND,)),
    (r"eye[\s-]?patch|pirate", (Glasses.EYEPATCH,)),
    (r"glasses|spectacles|eyeglasses|specs|bespectacled",
     (Glasses.PRESCRIPTION_1, Glasses.PRESCRIPTION_2, Glasses.ROUND)),
)
EXPRESSION_WORDS = (
    ("laugh", r"laugh|laughing|grin|grinning|beaming"),
    ("wink", r"wink|winking"),
    ("smile", r"smile|smiling|smiley|happy|cheerful|joyful|friendly|optimistic|outgoing"),
    ("serious", r"serious|stern|neutral|stoic|focused|analytical|reserved"),
    ("surprised", r"surprised|shocked|amazed"),
    ("sad", r"sad|unhappy|melancholy"),
    ("calm", r"calm|gentle|relaxed|peaceful|thoughtful|shy"),
)
OUTFIT_WORDS = (
    ("astronaut", r"astronaut|space[\s-]?suit|cosmonaut"),
    ("chef", r"chef|cook|baker|culinary"),
    ("medical", r"doctor|nurse|medical|healthcare|surgeon|scrubs|physician|dentist|pharmacist|paramedic"),
    ("sports", r"sports?|sporty|athletic|athlete|gym|fitness|runner|football|soccer|basketball|tennis|coach|"
               r"jersey|workout"),
    ("professional", r"professional|business|formal|office|corporate|executive|lawyer|manager|ceo|"
                     r"entrepreneur|banker|consultant|suit"),
    ("academic", r"teacher|professor|academic|lecturer|scientist|researcher|librarian|education"),
    ("fashion", r"fashion|fashionable|stylish|trendy|chic|elegant|glamorous|model|vogue"),
    ("traditional", r"traditional|cultural|heritage|folk"),
    ("creative", r"creative|artist|artistic|painter|musician|illustrator|artsy|designer"),
    ("casual", r"casual|relaxed|everyday|streetwear|weekend|lifestyle"),
)
# Persona-example categories, as the outfit whose colours suit them.
_CATEGORY_OUTFITS = {"business": "professional", "education": "academic", "lifestyle": "casual",
                     "healthcare": "medical"}
_HAIR_NOUNS = (r"hair|haired|locks|curls|braids|bob|bun|beard|mohawk|afro|quiff|pompadour|dreadlocks|dreads|mullet|"
               r"pixie|ponytail|updo|cornrows")
_HEADWEAR_NOUNS = r"hijab|headscarf|scarf|turban|beanie|cap|hat"
_OTHER_NOUNS = r"and|or|with|in|on|hair|eyes|eyed|skin|background|hijab|turban|hat|beard|hoodie|shirt|top|suit|dress"


def read_wishes(request: GenerationRequest) -> Wishes:
    """Read what ``request`` asks for: its attribute fields first, then keywords of its free prompt."""
    attributes = request.attributes
    prompt = _clean(request.user_prompt)
    hair_style = _clean(attributes.hair_style)
    style = _clean(attributes.style)
    headwear_text = " ".join((hair_style, style, prompt))
    headwear, headwear_tops = _first_match(HEADWEAR_WORDS, headwear_text)
    facial_hair, facial_hair_kinds = _facial_hair(prompt)
    glasses, glasses_kinds = _glasses(prompt)
    outfit = (_outfit(style) or _outfit(prompt) or _outfit(_clean(attributes.persona_background))
              or _outfit(_clean(attributes.body_type)))
    record = Record(prompt)
    clothes = read_clothes(prompt, style, record)
    backdrop = read_backdrop(prompt, _clean(attributes.setting), record)
    art_style = read_art_style(prompt, style, record)
    details = read_details(prompt, record)
    _record_understood(prompt, record)
    return Wishes(
        gender=_gender(_clean(attributes.gender)) or _gender(prompt),
        age_range=_age_range(_clean(attributes.age_range), attributes.persona_age, prompt),
        skin=palette.lookup(attributes.skin_tone or "", palette.SKIN) or _coloured(prompt, palette.SKIN,
                                                                                 r"skin|skinned|complexion"),
        skin_shades=_skin_shades(_clean(attributes.ethnicity), prompt),
        hair_colour=_hair_colour(attributes.hair_color, prompt),
        tops=headwear_tops if headwear else _hair_tops(hair_style) or _hair_tops_in_prompt(prompt),
        headwear=headwear,
        headwear_colour=_coloured(headwear_text, palette.FABRIC, _HEADWEAR_NOUNS),
        facial_hair=facial_hair,
        facial_hair_kinds=facial_hair_kinds,
        glasses=glasses,
        glasses_kinds=glasses_kinds,
        expression=_expression(prompt) or _expression(_clean(" ".join(attributes.persona_personality))),
        eye_colour=palette.lookup(attributes.eye_color or "", palette.EYES) or _coloured(prompt, palette.EYES,
                                                                                        r"eyes|eyed"),
        outfit=outfit,
        clothing=(clothes.garment.clothes or BASE_CLOTHES) if clothes.garment else (),
        clothing_colour=clothes.colour or (clothes.garment.colour if clothes.garment else None),
        garment=clothes.garment.part if clothes.garment else None,
        inner_colour=clothes.inner_colour,
        refused_clothing=clothes.refused,
        background=backdrop.colour,
        scene=_CATEGORY_OUTFITS.get(_clean(request.category), _clean(request.category)) or outfit,
        setting=backdrop.setting,
        art_style=art_style,
        earrings=details.earrings,
        headphones=details.headphones,
        cap=details.cap,
        freckles=details.freckles,
        terms=record.summary(),
    )


def _clean(text: str | None) -> str:
    return re.sub(r"\s+", " ", (text or "").lower()).strip()


def said(text: str, pattern: str) -> bool | None:
    """True when ``text`` asks for ``pattern``, False when it refuses it ("no beard"), None when silent."""
    negated = rf"\b(?:no|without|not|never|non)[\s-]+(?:(?!and\b|but\b|with\b|or\b)[\w'-]+\s+){{0,2}}(?:{pattern})\b"
    if re.search(negated, text):
        return False
    return True if re.search(rf"\b(?:{pattern})\b", text) else None


def _first_match(table, text: str):
    for name, pattern, parts in table:
        if said(text, pattern):
            return name, parts
    return None, ()


def _gender(text: str) -> str | None:
    if re.search(rf"\b(?:{_UNISEX})\b", text):
        return "unisex"
    male, female = said(text, _MALE), said(text, _FEMALE)
    if male and not female:
        return "male"
    if female and not male:
        return "female"
    return None


def _age_range(age_range: str, persona_age: int | None, prompt: str) -> str | None:
    if named := _named_age(age_range):
        return named
    if persona_age is not None:
        return "young" if persona_age < 25 else "mature" if persona_age >= 55 else "adult"
    return _named_age(prompt)


def _named_age(text: str) -> str | None:
    if said(text, _MATURE):
        return "mature"
    if said(text, _YOUNG):
        return "young"
    return "adult" if said(text, _ADULT) else None


def _skin_shades(ethnicity: str, prompt: str) -> tuple[str, ...]:
    for text, from_prompt in ((ethnicity, False), (prompt, True)):
        for pattern, (low, high) in _ETHNICITY_SHADES:
            match = re.search(rf"\b(?:{pattern})\b", text)
            if match and not (from_prompt and match.group(0) in _AMBIGUOUS_IN_PROMPTS):
                return palette.SKIN_SHADES[low:high]
    return palette.SKIN_SHADES


def _coloured(text: str, table: dict[str, str], nouns: str) -> str | None:
    """The colour named just before one of ``nouns`` ("red hoodie", "blue-eyed", "red, curly hair")."""
    between = rf"(?:[\s,-]+(?!(?:{_OTHER_NOUNS})\b)[a-z]+){{0,2}}?"  # "red, curly hair", not "red top, long hair"
    match = re.search(rf"\b({palette.colour_pattern(table)}){between}[\s-]+(?:{nouns})\b", text)
    return palette.lookup(match.group(1), table) if match else None


def _hair_colour(attribute: str | None, prompt: str) -> str | None:
    named = palette.lookup(attribute or "", palette.HAIR) or _coloured(prompt, palette.HAIR, _HAIR_NOUNS)
    if named:
        return named
    for word, colour in (("redhead", "red"), ("strawberry blonde", "strawberry blonde"), ("blonde", "blonde"),
                         ("blond", "blond"), ("brunette", "brunette"), ("ginger", "ginger")):
        if said(prompt, word):
            return palette.HAIR[colour]
    return None


def _hair_tops(text: str, *, generic_text: str | None = None) -> tuple:
    """Tops matching every style word used ("long curly" → long ∩ curly), or any of them when none match all.

    ``generic_text``, when given, is where the generic words (long, short, curly...) are looked for instead.
    """
    matched = [set(parts) for pattern, parts in HAIR_STYLE_WORDS
               if said(generic_text if generic_text is not None and pattern in _GENERIC_STYLES else text, pattern)]
    if not matched:
        return ()
    chosen = set.intersection(*matched) or set.union(*matched)
    return tuple(sorted(chosen, key=lambda part: part.value))


def _hair_tops_in_prompt(prompt: str) -> tuple:
    # In a free prompt a generic word counts only before "hair": "long" alone may be "a long day".
    before_hair = " ".join(re.findall(r"((?:[a-z-]+[\s,]+){1,3})(?:hair|hairstyle|haircut)\b", prompt))
    return _hair_tops(prompt, generic_text=before_hair)


def _facial_hair(prompt: str) -> tuple[bool | None, tuple]:
    if said(prompt, _CLEAN_SHAVEN) or said(prompt, r"beard|moustache|mustache|facial hair") is False:
        return False, ()
    for pattern, kinds in _FACIAL_HAIR_WORDS:
        if said(prompt, pattern):
            return True, kinds
    return None, ()


def _glasses(prompt: str) -> tuple[bool | None, tuple]:
    if said(prompt, r"glasses|sunglasses|spectacles|eyeglasses") is False:
        return False, ()
    for pattern, kinds in _GLASSES_WORDS:
        if said(prompt, pattern):
            return True, kinds
    return None, ()


def _expression(text: str) -> str | None:
    return next((name for name, pattern in EXPRESSION_WORDS if said(text, pattern)), None)


def _outfit(text: str) -> str | None:
    return next((name for name, pattern in OUTFIT_WORDS if said(text, pattern)), None)


def _record_understood(prompt: str, record: Record) -> None:
    """Note the words about the person that this module reads (gender, age, hair, eyes, skin, headwear...)."""
    colour_phrases = ((palette.HAIR, _HAIR_NOUNS), (palette.EYES, r"eyes|eyed"),
                      (palette.SKIN, r"skin|skinned|complexion"), (palette.FABRIC, _HEADWEAR_NOUNS))
    between = rf"(?:[\s,-]+(?!(?:{_OTHER_NOUNS})\b)[a-z]+){{0,2}}?"
    colours = [("colour", rf"(?:{palette.colour_pattern(table)}){between}[\s-]+(?:{nouns})")
               for table, nouns in colour_phrases]
    table = [("person", pattern) for pattern in (
        _UNISEX, _MALE, _FEMALE, _YOUNG, _MATURE, _ADULT, _CLEAN_SHAVEN,
        r"redhead|strawberry blonde|blonde|blond|brunette|ginger", r"facial hair",
        *(pattern for pattern, _ in _ETHNICITY_SHADES), *(pattern for pattern, _ in HAIR_STYLE_WORDS),
        rf"(?:(?!(?:{_OTHER_NOUNS})\b)[a-z-]+[\s,]+){{0,2}}(?:hair|hairstyle|haircut)",
        *(pattern for _, pattern, _ in HEADWEAR_WORDS), *(pattern for pattern, _ in _FACIAL_HAIR_WORDS),
        *(pattern for pattern, _ in _GLASSES_WORDS), *(pattern for _, pattern in EXPRESSION_WORDS),
        *(pattern for _, pattern in OUTFIT_WORDS))]
    table.append(("person", r"hair|hairstyle|haircut|haired"))
    record.use(*find(prompt, colours))  # may hold a word read above: "red" of "a red baseball cap"
    understood = find(prompt, table, taken=list(record.used) + list(record.not_drawn))
    record.use(*(item for item in understood if not (item.name == "person" and prompt[item.start:item.end]
                                                    in _AMBIGUOUS_IN_PROMPTS)))
