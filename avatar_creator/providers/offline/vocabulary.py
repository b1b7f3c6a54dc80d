"""The words the offline provider draws, as data: garments, settings, art styles and accessories.

Each table is read in order and a span of text is claimed by its first entry, so the longer names come first
("denim jacket" before "jacket", "night city" before "city"). Patterns are regular expressions matched on whole
words of lower-cased text.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Garment:
    """A garment people name. ``clothes`` are python_avatars clothing names to draw it with (none: ``BASE_CLOTHES``
    under our part); ``part`` names our own SVG part drawn over them (``garments.py``); ``colour`` is its usual colour
    when none is asked (else seeded); ``outer`` garments are worn over another, whose colour a second garment word may
    name."""

    name: str
    pattern: str
    clothes: tuple[str, ...] = ()
    part: str | None = None
    colour: str | None = None
    outer: bool = False


BASE_CLOTHES = ("shirt_crew_neck",)  # the torso our own parts cover
GARMENTS = (
    Garment("tuxedo", r"tuxedo|bow[\s-]?tie|dinner jacket", ("bond_suit",), outer=True),
    Garment("suit and tie", r"suit and tie|suit with a tie|necktie|tie", ("shirt_wick",), part="suit", outer=True),
    Garment("lab coat", r"lab[\s-]?coat|white coat", part="lab_coat", colour="#F4F6F8", outer=True),
    Garment("denim jacket", r"denim jacket|jean jacket|denim", part="denim_jacket", colour="#4A6FA5", outer=True),
    Garment("leather jacket", r"leather jacket|biker jacket|leather", part="leather_jacket", colour="#2B2522",
            outer=True),
    Garment("blazer", r"blazer|suit jacket|suit|sport coat", ("blazer_shirt", "blazer_sweater"), part="blazer",
            outer=True),
    Garment("jacket", r"jacket|coat|overcoat|trench coat|parka|windbreaker|puffer|tracksuit|track jacket",
            part="jacket", outer=True),
    Garment("hoodie", r"hoodie|hoody|hooded sweatshirt|sweatshirt", ("hoodie",)),
    Garment("sweater", r"sweater|jumper|cardigan|pullover|turtleneck|knitwear|fleece", ("collar_sweater",)),
    Garment("kebaya", r"kebaya", part="kebaya"),
    Garment("saree", r"saree|sari", part="saree"),
    Garment("kimono", r"kimono|yukata", part="kimono"),
    Garment("hanbok", r"hanbok", part="hanbok"),
    Garment("sports jersey", r"(?:football |soccer |basketball |hockey |team |sports )?jersey|team kit",
            part="jersey"),
    Garment("scrubs", r"scrubs", ("shirt_v_neck",), part="scrubs", colour="#1E8C8C"),
    Garment("overalls", r"overalls|dungarees", ("overall",)),
    Garment("dress", r"dress|gown|frock|sundress", ("shirt_scoop_neck",)),
    Garment("t-shirt", r"t[\s-]?shirt|tee|tshirt", ("shirt_crew_neck", "shirt_v_neck", "graphic_shirt")),
    Garment("shirt", r"button[\s-]?(?:up|down)(?: shirt)?|dress shirt|collared shirt|shirt", part="shirt"),
    Garment("v-neck", r"v[\s-]?neck", ("shirt_v_neck",)),
    Garment("top", r"top|blouse|tank top|vest|singlet", ("shirt_scoop_neck", "shirt_crew_neck")),
)

# Where the person is: a backdrop drawn by ``backdrops.py``.
SETTINGS = (
    ("night city", r"night[\s-]?city|city at night|city lights|neon city|night skyline|cityscape at night"),
    ("city skyline", r"city[\s-]?skyline|skyline|cityscape|skyscrapers|downtown|city"),
    ("coffee shop", r"coffee[\s-]?shop|caf[eé]|coffee[\s-]?house"),
    ("office", r"office|workplace|cubicle|co-?working space|boardroom|meeting room|conference room"),
    ("library", r"library|bookshel(?:f|ves)|bookcase|bookstore"),
    ("studio", r"photo studio|studio"),
    ("beach", r"beach|seaside|seashore|ocean|by the sea"),
    ("forest", r"forest|woods|woodland|jungle"),
    ("stadium", r"stadium|arena|football pitch|sports field"),
    ("mosque", r"mosque|masjid"),
    ("temple", r"temple|pagoda|shrine"),
)
# Backgrounds without a scene; "plain" and "transparent" need the word background (or backdrop) in a prompt.
PLAIN, TRANSPARENT = "plain", "transparent"
BACKGROUND_KINDS = (
    (TRANSPARENT, r"transparent|see[\s-]?through|no|without a|cut[\s-]?out"),
    (PLAIN, r"plain|solid|simple|blank|neutral|clean"),
)

# Art styles: a rendering of the same drawing (``styles.py``); "flat" is the drawing as it is.
FLAT = "flat"
ART_STYLES = (
    ("watercolour", r"water[\s-]?colou?rs?|aquarelle|watercolou?r painting"),
    ("pencil sketch", r"pencil(?:[\s-]+(?:sketch|drawing))?|sketch(?:ed|y)?|graphite|line drawing"),
    ("pixel art", r"pixel[\s-]?art|pixelated|pixel|8[\s-]?bit|16[\s-]?bit|retro game"),
    ("anime", r"anime|manga|cel[\s-]?shad(?:ed|ing)|cel"),
    ("comic", r"comic(?:[\s-]?book)?|comics|pop[\s-]?art|halftone|graphic novel"),
    ("3d clay", r"3d[\s-]clay|3d(?:[\s-]render(?:ed)?)?|clay(?:mation)?|plasticine|vinyl toy"),
    (FLAT, r"flat(?:[\s-]design)?|vector|minimalist|illustration|illustrated|cartoon"),
)

# Accessories and details (``details.py``): kind names per pattern, the first that matches wins.
EARRINGS = (
    ("hoops", r"hoop earrings|hoops"),
    ("studs", r"stud earrings|studs|diamond earrings"),
    ("drops", r"drop earrings|dangl(?:y|ing) earrings|pearl earrings"),
    ("hoops", r"earrings?"),
)
HEADPHONES = r"headphones|headset|earphones|over[\s-]ear"
CAP = r"(?<!chef )(?<!chef's )(?:baseball cap|snapback|trucker hat|cap)"
FRECKLES = r"freckles|freckled|freckly"

# Words that say nothing to draw (articles, pronouns, linking verbs, the picture itself): never "not drawn".
SMALL_WORDS = frozenset("""
a an the and or but with without in on at of for from to by into onto over under behind before after near next front
her his their its my your our him them she he they it i me we you who whose that this these those which what
is are was were be been being has have had wearing wears wear dressed standing sitting posing poses looking looks
holding holds against background backdrop setting scene style styled portrait headshot photo picture image avatar
profile shot close-up closeup person people someone very really quite some any one no not expression face look
head head-and-shoulders shoulders
""".split())
