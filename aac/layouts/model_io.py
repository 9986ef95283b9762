"""A checked Layout as plain data (JSON-able dicts) and back to the TOML the README documents.

Why: the OBF exporter embeds the exact layout in the board file it writes (so ``aac layout import``
of our own export gives back the same layout), and the browser editor sends pages and tiles as
JSON. Both need one plain form; the TOML written from it is the caregiver's format, so it is
read back by the same checker as a hand-written file.
"""

from __future__ import annotations

import json
from typing import Any

from .model import Layout, Page, Theme, Tile
from .themes import COLOUR_FIELDS, DEFAULT_THEME, THEMES

#: Tile fields in the order they are written (the README's order).
TILE_FIELDS = ("kind", "slot", "action", "target", "value", "label", "color", "picture", "sound", "recording",
               "row", "col", "row_span", "col_span")


def theme_to_data(theme: Theme) -> str | dict[str, str]:
    """A built-in theme by name, or a table: base, name and every colour that differs."""
    if THEMES.get(theme.name) == theme:
        return theme.name
    base_name = theme.name if theme.name in THEMES else DEFAULT_THEME
    base = THEMES[base_name]
    out: dict[str, str] = {"base": base_name}
    if theme.name != base_name:
        out["name"] = theme.name
    for key in COLOUR_FIELDS:
        if getattr(theme, key) != getattr(base, key):
            out[key] = getattr(theme, key)
    return out


def tile_to_data(tile: Tile) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key in TILE_FIELDS:
        value = getattr(tile, key)
        if value is None or value == "" or (key in ("row_span", "col_span") and value == 1):
            continue
        out[key] = value
    out.setdefault("row", tile.row)
    out.setdefault("col", tile.col)
    return out


def page_to_data(page: Page) -> dict[str, Any]:
    out: dict[str, Any] = {"name": page.name, "rows": page.rows, "cols": page.cols}
    if page.return_to:
        out["return_to"] = page.return_to
    out["tiles"] = [tile_to_data(t) for t in page.tiles]
    return out


def layout_to_data(layout: Layout, description: str | None = None) -> dict[str, Any]:
    head: dict[str, Any] = {"name": layout.name, "language": layout.language, "theme": theme_to_data(layout.theme),
                            "font_scale": layout.font_scale}
    if description:
        head["description"] = description
    return {"layout": head, "pages": [page_to_data(p) for p in layout.pages]}


def toml_value(value: Any) -> str:
    """A TOML literal: JSON strings are valid TOML basic strings (after escaping DEL and surrogates)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    text = json.dumps(str(value), ensure_ascii=False)
    return text.replace("\x7f", "\\u007f")


def data_to_toml(data: dict[str, Any], header: list[str] | None = None) -> str:
    """The plain form as a layout file (comments in ``header`` go on top)."""
    lines = [f"# {h}" for h in header or []]
    head = data.get("layout", {})
    theme = head.get("theme")
    lines.append("[layout]")
    for key in ("name", "language", "theme", "font_scale", "description"):
        if key in head and head[key] is not None and not (key == "theme" and isinstance(theme, dict)):
            lines.append(f"{key} = {toml_value(head[key])}")
    if isinstance(theme, dict):
        lines.extend(["", "[theme]"])
        for key, value in theme.items():
            lines.append(f"{key} = {toml_value(value)}")
    for page in data.get("pages", []):
        lines.extend(["", "[[page]]", f"name = {toml_value(page['name'])}", f"rows = {int(page['rows'])}",
                      f"cols = {int(page['cols'])}"])
        if page.get("return_to"):
            lines.append(f"return_to = {toml_value(page['return_to'])}")
        for tile in page.get("tiles", []):
            lines.extend(["", "[[page.tile]]"])
            for key in TILE_FIELDS:
                if key in tile and tile[key] is not None and tile[key] != "":
                    lines.append(f"{key} = {toml_value(tile[key])}")
    return "\n".join(lines) + "\n"
