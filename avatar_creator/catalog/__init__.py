"""The built-in catalogue: presets (a look, a persona and a preview image) and persona examples."""
