"""A readable device name from a User-Agent header ("Firefox on Linux"), for the account's list of sessions.

A few ordered rules cover the browsers and systems people sign in from; anything else shows its product token
(``curl``, ``python-httpx``) rather than a guess.
"""

from __future__ import annotations

import re

# Order matters: Edge and Opera also say Chrome, Chrome also says Safari, iOS also says Mac OS X.
_BROWSERS = (("Edg/", "Edge"), ("OPR/", "Opera"), ("Firefox/", "Firefox"), ("FxiOS/", "Firefox"),
             ("CriOS/", "Chrome"), ("Chrome/", "Chrome"), ("Safari/", "Safari"))
_SYSTEMS = (("iPhone", "iOS"), ("iPad", "iPadOS"), ("Android", "Android"), ("Windows", "Windows"),
            ("Mac OS X", "macOS"), ("CrOS", "ChromeOS"), ("Linux", "Linux"))
_PRODUCT = re.compile(r"^([A-Za-z][\w.-]{0,40})")


def describe(user_agent: str | None) -> str:
    if not user_agent:
        return "Unknown device"
    browser = next((name for token, name in _BROWSERS if token in user_agent), None)
    system = next((name for token, name in _SYSTEMS if token in user_agent), None)
    if browser and system:
        return f"{browser} on {system}"
    if browser or system:
        return browser or system or ""
    product = _PRODUCT.match(user_agent)
    return product.group(1) if product else "Unknown device"
