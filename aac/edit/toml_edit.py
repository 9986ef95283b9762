"""Apply the browser editor's layout (plain data) to the caregiver's TOML file, keeping the file.

Why round-trip editing: the TOML file stays the source of truth, and caregivers (or their
therapist) write comments in it ("# Anna's sister's name"). Regenerating the file from data would
silently drop those comments and reorder everything; instead only what changed is touched:
changed keys of existing tiles are rewritten on their own line (a comment after the value is
kept), removed tiles go with the comment just above them, new tiles and pages are appended. A key
row (``[[page.keys]]``) stays compact unless one of its letters was edited, moved or removed;
then that row becomes individual tiles.

Why not tomlkit: tomlkit 0.15.2 loses every ``[[page.keys]]`` row when any ``[[page.tile]]`` of
the same page is changed, because the shipped files interleave the two arrays (tried on
layouts/default.toml: the keyboard page lost its 4 key rows on a one-label edit). The file is
therefore edited as lines between table headers, and every result is checked: the edited file
must load as exactly the layout the editor shows, else the save is refused.

The editor's data carries, for each page and tile, where it came from in the file (``src``), as
read when the editor loaded the file; the server refuses a save when the file changed since
(hash check), so those positions are always valid.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from typing import Any

import tomllib

from aac.layouts.loader import KIND_FIELDS, _split_keys
from aac.layouts.model import Layout
from aac.layouts.model_io import TILE_FIELDS, data_to_toml, tile_to_data, toml_value


def file_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def editor_data(layout: Layout) -> dict[str, Any]:
    """The layout as the editor edits it: plain pages/tiles, each tagged with its place in the file.

    Tiles of a page come from ``[[page.tile]]`` entries first, then from key rows (the loader's
    order), so the place of each is recovered by counting.
    """
    raw = tomllib.loads(layout.source.read_text(encoding="utf-8")) if layout.source else {}
    raw_pages = raw.get("page", []) if hasattr(raw, "get") else []
    theme = raw.get("layout", {}).get("theme") if hasattr(raw, "get") else None
    head = {"name": layout.name, "language": layout.language,
            "theme": str(theme) if isinstance(theme, str) else layout.theme.name,
            "theme_table": "theme" in raw or isinstance(theme, dict), "font_scale": layout.font_scale}
    pages = []
    for pi, page in enumerate(layout.pages):
        rp = raw_pages[pi] if pi < len(raw_pages) else {}
        n_tiles = len(rp.get("tile", [])) if hasattr(rp, "get") else len(page.tiles)
        key_rows = rp.get("keys", []) if hasattr(rp, "get") else []
        key_src: list[list[Any]] = []
        for k, row in enumerate(key_rows):
            keys = row.get("keys", "")
            key_src.extend([pi, "keys", k, j] for j in range(len(_split_keys(keys))))
        tiles = []
        for ti, tile in enumerate(page.tiles):
            item = tile_to_data(tile)
            item["src"] = [pi, "tile", ti] if ti < n_tiles else (key_src[ti - n_tiles] if ti - n_tiles < len(key_src) else None)
            tiles.append(item)
        entry = {"name": page.name, "rows": page.rows, "cols": page.cols, "src": pi, "tiles": tiles}
        if page.return_to:
            entry["return_to"] = page.return_to
        pages.append(entry)
    return {"layout": head, "pages": pages}


def plain_toml(data: dict[str, Any]) -> str:
    """The editor's data as a plain layout file (every tile a [[page.tile]], in the editor's order).

    Used to check an edit and to render previews: the checker's keys (``page[P].tile[N]``) then
    name the editor's own tile N-1 of page P, so each message goes next to the field it concerns.
    """
    head = dict(data.get("layout", {}))
    head.pop("theme_table", None)
    clean = {"layout": head, "pages": [
        {**{k: v for k, v in p.items() if k not in ("src", "tiles")},
         "tiles": [{k: v for k, v in t.items() if k != "src"} for t in p.get("tiles", [])]}
        for p in data.get("pages", [])]}
    return data_to_toml(clean)



HEADER = re.compile(r"^\s*(\[\[?)\s*([A-Za-z0-9_.\-]+)\s*\]\]?\s*(#.*)?$")
KEY_LINE = re.compile(r"^(\s*)([A-Za-z_][A-Za-z0-9_\-]*)\s*=\s*(.*)$")


@dataclass
class Chunk:
    """One table of the file: the comment lines just above its header, the header, its lines."""

    name: str  # "" for the lines before the first header
    lead: list[str] = field(default_factory=list)
    header: str = ""
    body: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        return self.lead + ([self.header] if self.header else []) + self.body


def split_chunks(text: str) -> list[Chunk]:
    chunks = [Chunk("")]
    for line in text.split("\n"):
        m = HEADER.match(line)
        if m:
            prev = chunks[-1]
            lead: list[str] = []
            while prev.body and prev.body[-1].lstrip().startswith("#"):
                lead.insert(0, prev.body.pop())
            chunks.append(Chunk(m.group(2), lead, line))
        else:
            chunks[-1].body.append(line)
    return chunks


def _split_comment(rest: str) -> tuple[str, str]:
    """``value  # comment`` -> (value, "  # comment"), finding the # that is not inside the value."""
    for i, ch in enumerate(rest):
        if ch == "#":
            try:
                tomllib.loads("x = " + rest[:i])
            except tomllib.TOMLDecodeError:
                continue
            value = rest[:i].rstrip()
            return value, rest[len(value):]  # the caregiver's spacing before the comment too
    return rest.rstrip(), ""


def set_keys(body: list[str], changes: dict[str, Any]) -> list[str]:
    """``body`` with each key in ``changes`` set (value) or removed (None); other lines untouched."""
    out = list(body)
    pending = dict(changes)
    for i, line in enumerate(out):
        m = KEY_LINE.match(line)
        if not m:
            continue
        key = "color" if m.group(2) == "colour" else m.group(2)
        if key not in pending:
            continue
        value = pending.pop(key)
        if value is None:
            out[i] = None  # type: ignore[call-overload]
        else:
            _, comment = _split_comment(m.group(3))
            out[i] = f"{m.group(1)}{key} = {toml_value(value)}{comment}"
    out = [line for line in out if line is not None]
    add = [f"{k} = {toml_value(v)}" for k, v in pending.items() if v is not None]
    if add:
        at = len(out)
        while at > 0 and not out[at - 1].strip():
            at -= 1
        out[at:at] = add
    return out


def _norm_tile(tile: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in tile.items() if k != "src" and v not in (None, "")
            and not (k in ("row_span", "col_span") and v == 1)}


def tile_changes(new: dict[str, Any], old: dict[str, Any]) -> dict[str, Any]:
    """Keys to write (value) or remove (None) so a tile that was ``old`` becomes ``new``."""
    changes: dict[str, Any] = {}
    for key in TILE_FIELDS:
        nv, ov = new.get(key), old.get(key)
        if key in ("row_span", "col_span"):
            nv, ov = nv or 1, ov or 1
        if nv == ov or (nv in (None, "") and ov in (None, "")):
            continue
        changes[key] = None if nv in (None, "") or (key in ("row_span", "col_span") and nv == 1) else nv
    kind = new.get("kind")
    for key in ("slot", "action", "target", "value"):  # keys the new kind does not use would fail the check
        if kind in KIND_FIELDS and key not in KIND_FIELDS[kind] and not (key == "value" and kind == "phrase"):
            changes[key] = None
    return changes


def _tile_chunk(tile: dict[str, Any]) -> Chunk:
    body = [f"{k} = {toml_value(tile[k])}" for k in TILE_FIELDS if k in tile]
    return Chunk("page.tile", [], "[[page.tile]]", body + [""])


def _ensure_gap(chunks: list[Chunk]) -> None:
    if chunks and chunks[-1].body and chunks[-1].body[-1].strip() or chunks and not chunks[-1].body:
        chunks[-1].body.append("")


def apply_edits(text: str, data: dict[str, Any], original: Layout) -> str:
    """The file ``text`` changed to match the editor's ``data``; comments and order kept."""
    chunks = split_chunks(text)
    head: list[Chunk] = []
    groups: list[list[Chunk]] = []
    for chunk in chunks:
        if chunk.name == "page":
            groups.append([chunk])
        elif groups:
            groups[-1].append(chunk)
        else:
            head.append(chunk)

    lay = data.get("layout", {})
    layout_chunk = next((c for c in head if c.name == "layout"), None)
    theme_chunk = next((c for c in head if c.name == "theme"), None) or next(
        (c for g in groups for c in g if c.name == "theme"), None)
    changes: dict[str, Any] = {}
    for key, old in (("name", original.name), ("language", original.language), ("font_scale", original.font_scale)):
        if key in lay and lay[key] != old:
            changes[key] = lay[key]
    theme = lay.get("theme")
    if theme and theme != original.theme.name:
        if theme_chunk is not None:
            theme_chunk.body = set_keys(theme_chunk.body, {"base": theme})
        else:
            changes["theme"] = theme
    if changes and layout_chunk is not None:
        layout_chunk.body = set_keys(layout_chunk.body, changes)

    out_groups: list[list[Chunk]] = []
    for page in data.get("pages", []):
        src = page.get("src")
        if isinstance(src, int) and 0 <= src < len(groups) and src < len(original.pages):
            out_groups.append(_edit_group(groups[src], page, original.pages[src], src))
        else:
            body = [f"name = {toml_value(page['name'])}", f"rows = {int(page['rows'])}", f"cols = {int(page['cols'])}"]
            if page.get("return_to"):
                body.append(f"return_to = {toml_value(page['return_to'])}")
            group = [Chunk("page", [], "[[page]]", body + [""])]
            group.extend(_tile_chunk(_norm_tile(t)) for t in page.get("tiles", []))
            out_groups.append(group)
    ordered = head + [c for g in out_groups for c in g]
    for i in range(1, len(ordered)):
        if ordered[i].header and ordered[i - 1].body and ordered[i - 1].body[-1].strip():
            ordered[i - 1].body.append("")
    text_out = "\n".join(line for c in ordered for line in c.lines())
    return text_out if text_out.endswith("\n") else text_out + "\n"


def _edit_group(group: list[Chunk], page: dict[str, Any], orig_page: Any, pi: int) -> list[Chunk]:
    page_chunk = group[0]
    changes = {}
    for key in ("name", "rows", "cols", "return_to"):
        nv, ov = page.get(key), getattr(orig_page, key)
        if nv != ov and not (nv in (None, "") and ov in (None, "")):
            changes[key] = nv if nv not in (None, "") else None
    if changes:
        page_chunk.body = set_keys(page_chunk.body, changes)
    tile_chunks = [c for c in group if c.name == "page.tile"]
    key_chunks = [c for c in group if c.name == "page.keys"]
    orig_tiles = list(orig_page.tiles)
    n_tiles = len(tile_chunks)
    first_of_row: list[int] = []
    index = n_tiles
    for c in key_chunks:
        first_of_row.append(index)
        try:
            keys = tomllib.loads("\n".join(c.body)).get("keys", "")
        except tomllib.TOMLDecodeError:
            keys = ""
        index += len(_split_keys(keys))
    by_row: dict[int, list[tuple[int, dict]]] = {}
    for tile in page.get("tiles", []):
        src = tile.get("src")
        if isinstance(src, list) and len(src) == 4 and src[0] == pi and src[1] == "keys":
            by_row.setdefault(int(src[2]), []).append((int(src[3]), tile))
    kept_rows = set()
    for k in range(len(key_chunks)):
        count = (first_of_row[k + 1] if k + 1 < len(first_of_row) else index) - first_of_row[k]
        items = by_row.get(k, [])
        if [j for j, _ in items] == list(range(count)) and all(
                _norm_tile(t) == tile_to_data(orig_tiles[first_of_row[k] + j]) for j, t in items):
            kept_rows.add(k)
    kept_tiles: dict[int, dict] = {}
    new_tiles: list[dict] = []
    for tile in page.get("tiles", []):
        src = tile.get("src")
        if isinstance(src, list) and len(src) == 3 and src[0] == pi and src[1] == "tile" and 0 <= src[2] < n_tiles:
            kept_tiles[src[2]] = tile
        elif isinstance(src, list) and len(src) == 4 and src[0] == pi and src[1] == "keys" and int(src[2]) in kept_rows:
            continue
        else:
            new_tiles.append(tile)
    out: list[Chunk] = []
    t_index = k_index = 0
    for chunk in group:
        if chunk.name == "page.tile":
            j, t_index = t_index, t_index + 1
            if j not in kept_tiles:
                continue
            chunk.body = set_keys(chunk.body, tile_changes(_norm_tile(kept_tiles[j]), tile_to_data(orig_tiles[j])))
        elif chunk.name == "page.keys":
            k, k_index = k_index, k_index + 1
            if k not in kept_rows:
                continue
        out.append(chunk)
    out.extend(_tile_chunk(_norm_tile(t)) for t in new_tiles)
    return out


def same_layout(a: Layout, b: Layout) -> bool:
    """Equal as the board sees them (tile order within a page does not matter)."""
    def key(layout: Layout):
        return (layout.name, layout.language, layout.theme, layout.font_scale,
                [(p.name, p.rows, p.cols, p.return_to, sorted(p.tiles, key=lambda t: (t.row, t.col, t.kind)))
                 for p in layout.pages])

    return key(a) == key(b)
