"""The catalogue's API addresses."""

PRESETS_URL = "/api/apps/avatar-creator/presets"
PERSONAS_URL = "/api/apps/avatar-creator/persona-examples"
