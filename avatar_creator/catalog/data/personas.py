"""Persona examples, in display order: a starting point for a new avatar's persona and look."""

from __future__ import annotations

from avatar_creator.catalog.data import Look, Persona, PersonaExampleSpec

PERSONA_EXAMPLES: tuple[PersonaExampleSpec, ...] = (
    # Business
    PersonaExampleSpec(
        slug="fintech-founder", name="Fintech founder", category="business",
        persona=Persona("Amara Okafor", 31, ("visionary", "persistent", "candid"),
                        "Founder of an app that helps market traders keep their books on a phone."),
        look=Look("female", "adult", "Nigerian", "average", "braids", "black", "dark brown", "dark brown",
                  "professional blazer"),
    ),
    PersonaExampleSpec(
        slug="sales-director", name="Sales director", category="business",
        persona=Persona("Daniel Reyes", 45, ("persuasive", "upbeat", "reliable"),
                        "Leads a regional sales team for a maker of hospital equipment."),
        look=Look("male", "mature", "Filipino", "average", "side part", "black", "brown", "light medium",
                  "navy suit"),
    ),
    PersonaExampleSpec(
        slug="family-baker", name="Family bakery owner", category="business",
        persona=Persona("Fatima Zahra Benali", 39, ("hardworking", "hospitable", "practical"),
                        "Runs the family bakery in Marseille, known across the city for its Moroccan pastries."),
        look=Look("female", "adult", "Moroccan", "average", "hijab", None, "brown", "olive",
                  "beige hijab and a white apron"),
    ),
    # Creative
    PersonaExampleSpec(
        slug="watercolour-illustrator", name="Children's book illustrator", category="creative",
        persona=Persona("Hana Suzuki", 27, ("dreamy", "meticulous", "introverted"),
                        "Illustrates children's books in watercolour at a tiny kitchen table."),
        look=Look("female", "young", "Japanese", "slim", "bob", "black", "dark brown", "fair",
                  "artistic lavender sweater"),
    ),
    PersonaExampleSpec(
        slug="jazz-saxophonist", name="Jazz saxophonist", category="creative",
        persona=Persona("Andre Baptiste", 34, ("expressive", "spontaneous", "generous"),
                        "Jazz saxophonist who gives free lessons at a community centre in New Orleans."),
        look=Look("male", "adult", "African American", "tall", "short", "black", "brown", "deep",
                  "musician in a burgundy blazer"),
    ),
    PersonaExampleSpec(
        slug="documentary-filmmaker", name="Documentary filmmaker", category="creative",
        persona=Persona("Noor Siddiqui", 29, ("observant", "bold", "empathetic"),
                        "Makes documentaries about women who work in coastal fisheries."),
        look=Look("female", "adult", "Pakistani", "slim", "long straight", "black", "brown", "medium",
                  "creative olive field jacket"),
    ),
    # Lifestyle
    PersonaExampleSpec(
        slug="rail-travel-blogger", name="Travel blogger", category="lifestyle",
        persona=Persona("Chloe Martin", 28, ("adventurous", "sociable", "spontaneous"),
                        "Writes budget travel guides from night trains across Europe."),
        look=Look("female", "young", "European", "slim", "long wavy", "blonde", "blue", "fair",
                  "casual denim jacket"),
    ),
    PersonaExampleSpec(
        slug="rehab-fitness-coach", name="Fitness coach", category="lifestyle",
        persona=Persona("Jamal Wright", 33, ("motivating", "disciplined", "upbeat"),
                        "Personal trainer who designs workouts for people coming back from injury."),
        look=Look("male", "adult", "African American", "athletic", "buzz cut", "black", "brown", "dark brown",
                  "sports grey training top"),
    ),
    PersonaExampleSpec(
        slug="oaxacan-home-cook", name="Home cook", category="lifestyle",
        persona=Persona("Rosa Delgado", 57, ("nurturing", "generous", "talkative"),
                        "Shares her grandmother's Oaxacan recipes on a weekly cooking channel."),
        look=Look("female", "mature", "Mexican", "curvy", "bun", "grey", "brown", "tan",
                  "casual red apron"),
    ),
    # Healthcare
    PersonaExampleSpec(
        slug="rural-gp", name="Family doctor", category="healthcare",
        persona=Persona("Samuel Osei", 48, ("patient", "reassuring", "thorough"),
                        "General practitioner at a rural clinic who knows every family by name."),
        look=Look("male", "mature", "Ghanaian", "average", "close-cropped", "black", "dark brown", "deep",
                  "white medical coat"),
    ),
    PersonaExampleSpec(
        slug="night-paramedic", name="Paramedic", category="healthcare",
        persona=Persona("Ingrid Nilsson", 36, ("calm", "quick-thinking", "resilient"),
                        "Ambulance paramedic on the night shift in Gothenburg."),
        look=Look("female", "adult", "Scandinavian", "athletic", "ponytail", "blonde", "blue", "fair",
                  "green paramedic uniform"),
    ),
    PersonaExampleSpec(
        slug="community-pharmacist", name="Community pharmacist", category="healthcare",
        persona=Persona("Zainab Malik", 41, ("precise", "approachable", "conscientious"),
                        "Pharmacist who runs free blood-pressure checks every Saturday morning."),
        look=Look("female", "adult", "Pakistani", "average", "hijab", None, "brown", "medium",
                  "navy hijab and a white pharmacist coat"),
    ),
    # Education
    PersonaExampleSpec(
        slug="primary-teacher", name="Primary school teacher", category="education",
        persona=Persona("Emily Chen", 32, ("patient", "imaginative", "encouraging"),
                        "Year-two teacher who turns every maths lesson into a game."),
        look=Look("female", "adult", "Chinese", "slim", "ponytail", "black", "dark brown", "light",
                  "teacher in a coral cardigan"),
    ),
    PersonaExampleSpec(
        slug="materials-professor", name="University professor", category="education",
        persona=Persona("Rajesh Iyer", 58, ("erudite", "dry-humoured", "supportive"),
                        "Professor of materials science who still answers every student's email himself."),
        look=Look("male", "mature", "Indian", "average", "balding", "grey", "dark brown", "medium brown",
                  "academic tweed jacket"),
    ),
    PersonaExampleSpec(
        slug="spanish-tutor", name="Language tutor", category="education",
        persona=Persona("Lucía Moreno", 26, ("friendly", "patient", "articulate"),
                        "Online Spanish tutor with students in twelve time zones."),
        look=Look("female", "young", "Latina", "slim", "curly", "dark brown", "brown", "tan",
                  "teacher in a teal blouse"),
    ),
)
