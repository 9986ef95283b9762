"""Built-in colour themes.

High contrast is the default because many users have reduced vision or tire quickly: a black
background, white or yellow text and one clearly different fill per tile kind (words, endings,
actions, keys). Every tile text colour has at least 4.5:1 contrast against its fill (checked in
tests), so the caregiver can override fills without guessing.
"""

from __future__ import annotations

import re
from dataclasses import fields, replace

from .colour import contrast_ratio
from .model import Theme

__all__ = ["THEMES", "DEFAULT_THEME", "contrast_ratio", "get_theme", "theme_names", "with_overrides"]

HEX_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")

THEMES: dict[str, Theme] = {
    "high-contrast": Theme(
        name="high-contrast",
        background="#000000",
        text="#ffffff",
        tile="#1f1f1f",
        tile_text="#ffff00",
        word_tile="#003d1f",
        ending_tile="#002b66",
        action_tile="#4d1a00",
        key_tile="#262626",
        border="#ffffff",
        dwell="#00e5ff",
        flash="#ffff00",
        stale_text="#9e9e9e",
        paused_overlay="#000000",
    ),
    "dark": Theme(
        name="dark",
        background="#121212",
        text="#e8e8e8",
        tile="#2b2b2b",
        tile_text="#f2f2f2",
        word_tile="#1e4d2b",
        ending_tile="#1f3a66",
        action_tile="#5c3317",
        key_tile="#333333",
        border="#5a5a5a",
        dwell="#4fc3f7",
        flash="#ffd54f",
        stale_text="#8a8a8a",
        paused_overlay="#000000",
    ),
    "light": Theme(
        name="light",
        background="#f5f5f5",
        text="#111111",
        tile="#ffffff",
        tile_text="#111111",
        word_tile="#d6f5df",
        ending_tile="#d9e7ff",
        action_tile="#ffe2c7",
        key_tile="#ffffff",
        border="#6b6b6b",
        dwell="#0057b8",
        flash="#ff8f00",
        stale_text="#6e6e6e",
        paused_overlay="#ffffff",
    ),
}

DEFAULT_THEME = "high-contrast"

#: The colour fields a ``[theme]`` table may override.
COLOUR_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(Theme) if f.name != "name")


def theme_names() -> list[str]:
    return list(THEMES)


def get_theme(name: str) -> Theme:
    """A built-in theme by name; raises KeyError listing the names that exist."""
    try:
        return THEMES[name]
    except KeyError:
        raise KeyError(f"unknown theme {name!r}; built-in themes: {', '.join(THEMES)}") from None


def with_overrides(base: Theme, overrides: dict[str, str], name: str | None = None) -> Theme:
    """``base`` with some colours replaced (values already validated as ``#rrggbb``)."""
    return replace(base, name=name or base.name, **{k: v.lower() for k, v in overrides.items()})
