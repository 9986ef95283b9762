"""Caregiver-editable board layouts: TOML files -> checked ``Layout`` objects.

Public API (see docs/INTERFACES.md "Layouts"): ``load_layout``, ``load_layout_or_default``,
``Layout``, ``Page``, ``Tile``, ``Theme``, ``LayoutProblem``, ``LayoutError``.
"""

from .loader import (
    list_layouts,
    load_layout,
    load_layout_or_default,
    parse_layout_bytes,
    parse_layout_text,
    resolve_layout,
    user_layouts_dir,
)
from .model import (
    ACTIONS,
    TILE_KINDS,
    Layout,
    LayoutError,
    LayoutProblem,
    Page,
    Theme,
    Tile,
)
from .themes import THEMES, get_theme, theme_names

__all__ = [
    "ACTIONS",
    "THEMES",
    "TILE_KINDS",
    "Layout",
    "LayoutError",
    "LayoutProblem",
    "Page",
    "Theme",
    "Tile",
    "get_theme",
    "list_layouts",
    "load_layout",
    "load_layout_or_default",
    "parse_layout_bytes",
    "parse_layout_text",
    "resolve_layout",
    "theme_names",
    "user_layouts_dir",
]
