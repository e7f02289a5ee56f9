"""A short, human description of a user agent for the Sessions page ("Firefox on Linux")."""

from __future__ import annotations

import re

_BROWSERS = (
    ("Edge", re.compile(r"Edg(?:e|A|iOS)?/")),
    ("Opera", re.compile(r"OPR/|Opera")),
    ("Samsung Internet", re.compile(r"SamsungBrowser/")),
    ("Firefox", re.compile(r"Firefox/|FxiOS/")),
    ("Chrome", re.compile(r"Chrome/|CriOS/|Chromium/")),
    ("Safari", re.compile(r"Safari/")),
    ("curl", re.compile(r"^curl/")),
)
_SYSTEMS = (
    ("iPhone", re.compile(r"iPhone")),
    ("iPad", re.compile(r"iPad")),
    ("Android", re.compile(r"Android")),
    ("Windows", re.compile(r"Windows")),
    ("ChromeOS", re.compile(r"CrOS")),
    ("macOS", re.compile(r"Mac OS X|Macintosh")),
    ("Linux", re.compile(r"Linux|X11")),
)


def describe_user_agent(user_agent: str | None) -> str:
    """``"Firefox on Linux"``, ``"Safari on iPhone"``; ``"Unknown device"`` when empty."""
    if not user_agent:
        return "Unknown device"
    browser = next((name for name, rx in _BROWSERS if rx.search(user_agent)), None)
    system = next((name for name, rx in _SYSTEMS if rx.search(user_agent)), None)
    if browser and system:
        return f"{browser} on {system}"
    if browser or system:
        return str(browser or system)
    return user_agent[:60]
