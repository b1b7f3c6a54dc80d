"""The built-in presets, in display order: a look, a persona and the prompt that draws them."""

from __future__ import annotations

from avatar_creator.catalog.data import Look, Persona, PresetSpec

PRESETS: tuple[PresetSpec, ...] = (
    # Professional
    PresetSpec(
        slug="boardroom-executive", name="Boardroom executive", category="professional",
        description="A seasoned leader in a tailored suit, photographed in a bright glass-walled meeting room.",
        prompt="Head-and-shoulders portrait of a senior executive in a charcoal suit and tie, short beard, "
               "standing in a glass-walled boardroom with soft window light, calm and assured expression",
        persona=Persona("Omar Haddad", 55, ("decisive", "steady under pressure", "generous mentor"),
                        "Chief operating officer who grew a family trading firm into a regional logistics network."),
        look=Look("male", "mature", "Arab", "broad-shouldered", "short", "salt and pepper", "brown", "olive",
                  "charcoal suit and tie"),
    ),
    PresetSpec(
        slug="hijab-consultant", name="Hijab professional", category="professional",
        description="A consultant in a neatly pinned hijab and a tailored blazer, in a modern office.",
        prompt="Portrait of a professional woman wearing a neatly pinned navy hijab and a tailored grey blazer, "
               "modern office with green plants behind her, warm natural light, approachable smile",
        persona=Persona("Nur Aisyah Rahman", 34, ("organised", "articulate", "warm"),
                        "Management consultant who leads digital projects for public-sector clients in Kuala Lumpur."),
        look=Look("female", "adult", "Malaysian", "average", "hijab", None, "brown", "light medium",
                  "navy hijab with a grey blazer"),
    ),
    PresetSpec(
        slug="hospital-physician", name="Hospital physician", category="professional",
        description="A doctor in a white coat with a stethoscope, ready for the morning ward round.",
        prompt="Portrait of a doctor in a crisp white coat over blue scrubs with a stethoscope around his neck, "
               "clean hospital corridor softly blurred behind, clean-shaven, reassuring expression",
        persona=Persona("Arjun Mehta", 41, ("calm", "precise", "compassionate"),
                        "Emergency physician known for explaining hard diagnoses in plain, kind language."),
        look=Look("male", "adult", "Indian", "slim", "side part", "black", "dark brown", "medium brown",
                  "white medical coat over blue scrubs"),
    ),
    PresetSpec(
        slug="paediatric-nurse", name="Paediatric nurse", category="professional",
        description="A friendly nurse in teal scrubs on a bright children's ward.",
        prompt="Friendly nurse in teal scrubs with her hair in a neat bun, bright children's ward with painted "
               "walls in the background, gentle smile, soft even lighting",
        persona=Persona("Maria Santos", 29, ("patient", "cheerful", "observant"),
                        "Paediatric nurse who keeps young patients calm with stories and stickers."),
        look=Look("female", "adult", "Filipino", "average", "bun", "black", "brown", "light medium",
                  "teal nurse scrubs"),
    ),
    PresetSpec(
        slug="creative-studio-lead", name="Creative studio lead", category="professional",
        description="A designer among mood boards and colour swatches in a sunlit studio.",
        prompt="Portrait of a designer in a creative studio, mood boards and colour swatches pinned to the wall "
               "behind, wearing a mustard sweater, round glasses, relaxed and curious expression",
        persona=Persona("Min Park", 32, ("imaginative", "detail-minded", "collaborative"),
                        "Brand designer who runs a small studio making identities for independent cafés and "
                        "bookshops."),
        look=Look("unisex", "adult", "Korean", "slim", "undercut", "teal", "dark brown", "light",
                  "creative mustard sweater"),
    ),
    PresetSpec(
        slug="startup-founder", name="Startup founder", category="professional",
        description="A young founder in a smart-casual blazer, in a co-working space.",
        prompt="Portrait of a young startup founder in a navy blazer over a white t-shirt, open-plan co-working "
               "space with whiteboards behind, short curly hair, energetic confident smile",
        persona=Persona("Lucas Oliveira", 28, ("curious", "resilient", "plain-spoken"),
                        "Founder of a climate-data company who still writes code every morning before meetings."),
        look=Look("male", "young", "Brazilian", "slim", "short curly", "dark brown", "hazel", "tan",
                  "navy blazer over a white t-shirt"),
    ),
    PresetSpec(
        slug="corporate-counsel", name="Corporate counsel", category="professional",
        description="An experienced lawyer in a charcoal blazer, in a wood-panelled library.",
        prompt="Portrait of an experienced lawyer with a sleek bob in a charcoal blazer, shelves of law books in "
               "a wood-panelled library behind her, composed and confident expression",
        persona=Persona("Denise Carter", 52, ("principled", "sharp", "composed"),
                        "Corporate lawyer who also chairs her city's free legal advice clinic."),
        look=Look("female", "mature", "African American", "average", "bob", "black", "brown", "dark brown",
                  "professional charcoal blazer"),
    ),
    # Casual
    PresetSpec(
        slug="weekend-hijab", name="Weekend hijab casual", category="casual",
        description="A student in a soft pink hijab and denim jacket, at a sunny café table.",
        prompt="Young woman in a soft pink hijab and a light denim jacket, sitting at a sunny café table with a "
               "sketchbook, relaxed happy smile, candid weekend feel",
        persona=Persona("Mariam Hassan", 23, ("curious", "easygoing", "loyal"),
                        "Architecture student who spends her weekends sketching the old doorways of Cairo."),
        look=Look("female", "young", "Egyptian", "average", "hijab", None, "hazel", "olive",
                  "pink hijab with a denim jacket"),
    ),
    PresetSpec(
        slug="coffee-shop-regular", name="Coffee shop regular", category="casual",
        description="A writer in a cream knit sweater, in the corner seat of a neighbourhood café.",
        prompt="Portrait of a man with messy ginger hair and a short beard in a cream knit sweater, cosy café "
               "with a chalkboard menu behind, laptop and flat white on the table, warm lamplight, wry smile",
        persona=Persona("Liam Byrne", 35, ("witty", "laid-back", "thoughtful"),
                        "Freelance copywriter who does his best work in the corner seat of his local café."),
        look=Look("male", "adult", "Irish", "average", "messy", "ginger", "green", "fair",
                  "casual cream knit sweater"),
    ),
    PresetSpec(
        slug="campus-student", name="Campus student", category="casual",
        description="A university student in a mustard hoodie on a leafy campus lawn.",
        prompt="Young university student with long wavy hair in a mustard hoodie, backpack over one shoulder, "
               "leafy campus lawn and old brick buildings behind, bright cheerful smile",
        persona=Persona("Sofía Ramírez", 20, ("energetic", "inquisitive", "sociable"),
                        "Second-year biology student who volunteers at the campus food garden."),
        look=Look("female", "young", "Mexican", "slim", "long wavy", "dark brown", "brown", "medium",
                  "mustard hoodie"),
    ),
    PresetSpec(
        slug="trail-hiker", name="Trail hiker", category="casual",
        description="An older hiker in a green fleece, with mountains and pine forest behind.",
        prompt="Portrait of an older hiker with short grey hair and a grey beard in a green fleece jacket, "
               "mountain ridge and pine forest behind, crisp morning light, contented smile",
        persona=Persona("Erik Lindqvist", 58, ("adventurous", "patient", "practical"),
                        "Retired geography teacher who has walked every long-distance trail in Sweden."),
        look=Look("male", "mature", "Scandinavian", "athletic", "short", "grey", "blue", "fair",
                  "green outdoor fleece"),
    ),
    PresetSpec(
        slug="evening-streamer", name="Evening streamer", category="casual",
        description="A streamer in a black hoodie and headphones, lit by a purple desk lamp.",
        prompt="Young man with an undercut in a black hoodie, headphones around his neck, gaming desk with a "
               "glowing purple light behind, playful grin",
        persona=Persona("Minh Tran", 24, ("playful", "quick-witted", "community-minded"),
                        "Variety streamer who raises money for children's hospitals with day-long broadcasts."),
        look=Look("male", "young", "Vietnamese", "slim", "undercut", "black", "dark brown", "light",
                  "black hoodie"),
    ),
    PresetSpec(
        slug="garden-grandmother", name="Garden grandmother", category="casual",
        description="A grandmother in a yellow cardigan, among pepper plants in her back garden.",
        prompt="Portrait of a grandmother with short curly grey hair in a yellow cardigan, lush back garden "
               "with pepper plants and a mango tree, laughing warmly in afternoon sun",
        persona=Persona("Grace Williams", 68, ("nurturing", "funny", "wise"),
                        "Retired nurse who grows mangoes and peppers and teaches her grandchildren to cook."),
        look=Look("female", "mature", "Caribbean", "curvy", "short curly", "grey", "brown", "dark brown",
                  "casual yellow cardigan"),
    ),
    # Sports
    PresetSpec(
        slug="marathon-runner", name="Marathon runner", category="sports",
        description="A distance runner in a red vest on a red-earth track at dawn.",
        prompt="Athletic distance runner with braids in a red running vest, red-earth track and green hills at "
               "dawn behind her, determined look, light sweat, sporty portrait",
        persona=Persona("Wanjiru Kamau", 30, ("disciplined", "determined", "humble"),
                        "Long-distance runner who coaches a girls' running club in her home town."),
        look=Look("female", "adult", "Kenyan", "athletic", "braids", "black", "dark brown", "deep",
                  "red running vest"),
    ),
    PresetSpec(
        slug="hijab-boxer", name="Sports hijab athlete", category="sports",
        description="A boxer in a black sports hijab and teal training top, in a busy gym.",
        prompt="Young female boxer wearing a black sports hijab and a teal training top, boxing gloves raised, "
               "busy gym with punch bags behind, focused fierce expression",
        persona=Persona("Hodan Ali", 22, ("focused", "brave", "upbeat"),
                        "Boxer training for the national championships while studying physiotherapy."),
        look=Look("female", "young", "Somali", "athletic", "hijab", None, "brown", "dark brown",
                  "black sports hijab and teal training top"),
    ),
    PresetSpec(
        slug="point-guard", name="Basketball point guard", category="sports",
        description="A college point guard in a blue jersey on an outdoor court.",
        prompt="Tall young basketball player with short dreads in a blue basketball jersey, holding a ball on "
               "an outdoor court at golden hour, confident grin",
        persona=Persona("Marcus Johnson", 19, ("competitive", "generous", "charismatic"),
                        "College point guard who runs free summer clinics on the courts where he learned to play."),
        look=Look("male", "young", "African American", "tall and athletic", "short dreads", "black", "brown",
                  "brown", "blue basketball jersey"),
    ),
    PresetSpec(
        slug="sunrise-yoga", name="Sunrise yoga teacher", category="sports",
        description="A yoga teacher in a lavender top, on a beach at sunrise.",
        prompt="Yoga teacher with her hair in a bun, wearing a lavender yoga top, seated on a mat on a quiet "
               "beach at sunrise, serene gentle smile, soft pastel light",
        persona=Persona("Leah Morgan", 37, ("calm", "encouraging", "mindful"),
                        "Yoga teacher who runs sunrise classes on the beach and a free weekly class for new parents."),
        look=Look("female", "adult", "mixed heritage", "slim", "bun", "light brown", "green", "caramel",
                  "lavender yoga top"),
    ),
    PresetSpec(
        slug="youth-football-coach", name="Youth football coach", category="sports",
        description="A football coach in a navy tracksuit, whistle ready, at the side of the pitch.",
        prompt="Portrait of a football coach with a balding head and a moustache in a navy tracksuit, whistle "
               "around his neck, floodlit grass pitch behind, encouraging expression",
        persona=Persona("Diego Fernández", 49, ("passionate", "tactical", "fair"),
                        "Youth football coach who has sent a dozen players on to professional academies."),
        look=Look("male", "mature", "Latino", "stocky", "balding", "grey", "brown", "tan",
                  "sports navy tracksuit"),
    ),
    PresetSpec(
        slug="road-cyclist", name="Road cyclist", category="sports",
        description="A cyclist in a yellow jersey, pausing on a mountain road.",
        prompt="Road cyclist with short black hair in a yellow cycling jersey, sunglasses pushed up, winding "
               "mountain road behind, cheerful and slightly out of breath",
        persona=Persona("Wei Zhang", 33, ("methodical", "tenacious", "cheerful"),
                        "Engineer who commutes forty kilometres by bike and races on weekends."),
        look=Look("male", "adult", "Chinese", "lean", "short", "black", "dark brown", "light",
                  "yellow cycling jersey"),
    ),
    # Fashion
    PresetSpec(
        slug="lagos-streetwear", name="Streetwear original", category="fashion",
        description="A designer in an oversized orange jacket, against a graffiti wall.",
        prompt="Fashion portrait of a young designer with a bleached blonde afro in an oversized orange "
               "streetwear jacket, colourful graffiti wall behind, bold self-assured pose",
        persona=Persona("Tobi Adeyemi", 25, ("bold", "inventive", "self-assured"),
                        "Designer behind a Lagos streetwear label that mixes Ankara prints with sportswear."),
        look=Look("unisex", "young", "Nigerian", "slim", "afro", "blonde", "brown", "dark brown",
                  "trendy orange streetwear jacket"),
    ),
    PresetSpec(
        slug="evening-gala", name="Evening gala", category="fashion",
        description="An arts patron in a dark green evening gown, at a candlelit gala.",
        prompt="Elegant woman with long wavy dark hair in a dark green evening gown and drop earrings, "
               "candlelit gala hall with chandeliers behind, graceful poised smile",
        persona=Persona("Yasmin Karimi", 36, ("elegant", "gracious", "driven"),
                        "Arts patron who organises charity galas that fund music scholarships."),
        look=Look("female", "adult", "Persian", "slender", "long wavy", "dark brown", "hazel", "olive",
                  "elegant dark green evening gown"),
    ),
    PresetSpec(
        slug="minimalist-tailoring", name="Minimalist tailoring", category="fashion",
        description="A menswear stylist in a black sweater, against a pale concrete wall.",
        prompt="Minimalist fashion portrait of a man with slicked back hair in a fitted black sweater, pale "
               "concrete wall behind, clean soft light, cool understated expression",
        persona=Persona("Niran Chaiyaporn", 31, ("precise", "understated", "observant"),
                        "Menswear stylist who believes one good coat beats ten trendy ones."),
        look=Look("male", "adult", "Thai", "slim", "slicked back", "black", "dark brown", "light medium",
                  "chic black sweater"),
    ),
    PresetSpec(
        slug="vintage-boutique", name="Vintage boutique", category="fashion",
        description="A boutique owner with red pin curls and a polka-dot dress, among restored 1950s clothes.",
        prompt="Retro fashion portrait of a woman with curly red hair in a red polka-dot dress and red lipstick, "
               "rails of restored 1950s dresses behind, playful smile",
        persona=Persona("Giulia Romano", 40, ("nostalgic", "playful", "resourceful"),
                        "Owner of a vintage boutique who restores 1950s dresses by hand."),
        look=Look("female", "adult", "European", "curvy", "curly", "red", "green", "fair",
                  "vintage red polka-dot dress"),
    ),
    PresetSpec(
        slug="festival-boho", name="Festival boho", category="fashion",
        description="A jewellery maker with a flower crown and an embroidered blouse, at a summer festival.",
        prompt="Bohemian fashion portrait of a young woman with long wavy hair and a flower crown, cream "
               "embroidered blouse and beaded necklaces, sunlit festival field behind, warm carefree smile",
        persona=Persona("Camila Restrepo", 26, ("free-spirited", "warm", "creative"),
                        "Jewellery maker who sells hand-beaded pieces at summer music festivals."),
        look=Look("female", "young", "Latina", "slim", "long wavy", "light brown", "brown", "tan",
                  "stylish cream embroidered blouse"),
    ),
    PresetSpec(
        slug="silver-tailoring", name="Silver-haired tailoring", category="fashion",
        description="A retired tailor in a beige overcoat and patterned scarf, on a city street in autumn.",
        prompt="Fashion portrait of an older gentleman with silver hair in a neat side part, beige overcoat "
               "and patterned scarf, autumn city street behind, charming knowing smile, clean-shaven",
        persona=Persona("Henry Ashworth", 63, ("charming", "meticulous", "witty"),
                        "Retired tailor who writes a popular column on dressing well at any age."),
        look=Look("male", "mature", "European", "average", "side part", "silver", "blue", "light",
                  "elegant beige overcoat and scarf"),
    ),
    # Traditional
    PresetSpec(
        slug="batik-kebaya", name="Batik and kebaya", category="traditional",
        description="A batik artist in a lace kebaya and hand-drawn batik, in a courtyard with carved teak doors.",
        prompt="Indonesian woman wearing an elegant white lace kebaya with a hand-drawn brown batik sarong, hair "
               "in a neat low bun, gentle smile, soft light in a courtyard with carved teak doors",
        persona=Persona("Ratna Wulandari", 45, ("graceful", "patient", "proud of her craft"),
                        "Batik artist from Yogyakarta who teaches wax drawing with the canting to young designers."),
        look=Look("female", "adult", "Indonesian", "slim", "bun", "black", "dark brown", "light medium",
                  "traditional lace kebaya with batik"),
    ),
    PresetSpec(
        slug="silk-saree", name="Silk saree", category="traditional",
        description="A music teacher in a maroon silk saree with a gold border, at a festival.",
        prompt="South Indian woman in a maroon silk saree with a gold border, long braid with jasmine flowers, "
               "small gold earrings, temple festival lights behind, warm serene smile",
        persona=Persona("Priya Raman", 38, ("warm", "articulate", "festive"),
                        "Classical music teacher in Chennai who sings at the December music season each year."),
        look=Look("female", "adult", "Indian", "average", "long braid", "black", "dark brown", "medium brown",
                  "maroon silk saree with a gold border"),
    ),
    PresetSpec(
        slug="kimono-tea-ceremony", name="Kimono tea ceremony", category="traditional",
        description="A tea ceremony teacher in a navy kimono and gold obi, in a tatami room.",
        prompt="Older Japanese woman in a navy kimono with a gold obi, hair in a low bun, kneeling in a quiet "
               "tatami room with a garden view, preparing tea, calm gentle expression",
        persona=Persona("Keiko Tanaka", 60, ("serene", "exacting", "kind"),
                        "Tea ceremony teacher in Kyoto who welcomes first-time guests with great patience."),
        look=Look("female", "mature", "Japanese", "slender", "bun", "black", "dark brown", "fair",
                  "traditional navy kimono with a gold obi"),
    ),
    PresetSpec(
        slug="hanbok-chuseok", name="Hanbok for Chuseok", category="traditional",
        description="A museum guide in a light blue hanbok, in a palace courtyard.",
        prompt="Young Korean man in a light blue hanbok with a dark vest, palace courtyard with curved tiled "
               "roofs behind, autumn festival day, respectful friendly smile",
        persona=Persona("Ji-ho Kim", 27, ("respectful", "curious", "steady"),
                        "Museum guide in Seoul who explains the history of hanbok to visitors during Chuseok."),
        look=Look("male", "young", "Korean", "slim", "short", "black", "dark brown", "light",
                  "traditional light blue hanbok"),
    ),
    PresetSpec(
        slug="kente-weaver", name="Kente weaver", category="traditional",
        description="A weaver wearing kente cloth in gold and green, beside his loom.",
        prompt="Ghanaian man wearing kente cloth woven in gold, green and red, draped over one shoulder, "
               "wooden loom behind him, dignified proud expression, warm afternoon light",
        persona=Persona("Kofi Asante", 46, ("dignified", "generous", "a natural storyteller"),
                        "Weaver from Bonwire who makes kente on the loom his grandfather built."),
        look=Look("male", "adult", "Ghanaian", "broad", "close-cropped", "black", "dark brown", "deep",
                  "traditional kente cloth in gold and green"),
    ),
    PresetSpec(
        slug="punjabi-dastar", name="Kurta and dastar", category="traditional",
        description="A restaurant owner in a saffron dastar and cream kurta, at a community kitchen.",
        prompt="Sikh man in a saffron turban and a cream kurta, full beard, bright community kitchen with long "
               "rows of diners behind, kind welcoming smile",
        persona=Persona("Harpreet Singh", 42, ("hospitable", "good-humoured", "devoted"),
                        "Restaurant owner in Amritsar who volunteers in the community kitchen every Sunday."),
        look=Look("male", "adult", "South Asian", "average", "turban", "black", "brown", "medium brown",
                  "orange turban with a cream kurta"),
    ),
)
