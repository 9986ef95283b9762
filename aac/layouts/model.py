"""Plain data for a board layout: what a caregiver's TOML file turns into.

These classes carry no behaviour beyond small look-ups, so the board (``aac/ui``), the tests and
the OBF importer can build and compare layouts without touching files. Validation lives in
``loader.py``; every instance that leaves ``load_layout`` has already been checked.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path, PurePath

from aac.kinds import ACTIONS as KIND_ACTIONS
from aac.layouts.colour import contrast_ratio
from aac.kinds import LAYOUT_TILE_KINDS

#: Tile kinds a layout may use and actions an ``action`` tile may trigger: the one list in
#: :mod:`aac.kinds` (re-exported here for the loader and the OBF importer).
TILE_KINDS: tuple[str, ...] = LAYOUT_TILE_KINDS
ACTIONS: tuple[str, ...] = KIND_ACTIONS

#: Prediction slots the board fills: 5 words (0-4) and 3 sentence endings (0-2).
WORD_SLOTS = 5
ENDING_SLOTS = 3


@dataclass(frozen=True)
class Theme:
    """Colours of the board, all ``"#rrggbb"``.

    Tile colours are per kind so that a person learns "green is a word, blue is an ending"
    and can find a tile by colour before reading it.
    """

    name: str
    background: str
    text: str
    tile: str
    tile_text: str
    word_tile: str
    ending_tile: str
    action_tile: str
    key_tile: str
    border: str
    dwell: str
    flash: str
    stale_text: str
    paused_overlay: str

    def colour_for(self, kind: str) -> str:
        """Default fill for a tile of ``kind`` (a tile's own ``color`` wins over this)."""
        if kind == "word" or kind == "chunk":
            return self.word_tile
        if kind == "ending":
            return self.ending_tile
        if kind == "action":
            return self.action_tile
        if kind in ("letter", "punct"):
            return self.key_tile
        if kind == "message":
            return self.background
        return self.tile

    def text_on(self, fill: str) -> str:
        """Text colour for a tile filled with ``fill``: the theme's ``tile_text`` when it is
        readable there (WCAG contrast >= 4.5), else black or white, whichever reads better.

        Needed because caregivers and imported boards set their own tile colours (often light
        pastels) while the theme's text may be yellow or white.
        """
        try:
            if contrast_ratio(self.tile_text, fill) >= 4.5:
                return self.tile_text
            return "#000000" if contrast_ratio("#000000", fill) >= contrast_ratio("#ffffff", fill) else "#ffffff"
        except (ValueError, IndexError, TypeError):
            return self.tile_text


@dataclass(frozen=True)
class Tile:
    """One selectable (or display) cell block on a page grid.

    ``row``/``col`` are 0-based; a tile covers ``row .. row+row_span-1`` and likewise for
    columns. ``line`` is the line in the source file the tile came from (for messages only; it
    takes no part in equality).
    """

    kind: str
    row: int
    col: int
    row_span: int = 1
    col_span: int = 1
    label: str = ""
    value: str = ""
    slot: int | None = None
    action: str | None = None
    target: str | None = None
    color: str | None = None
    line: int | None = field(default=None, compare=False, repr=False)
    #: Picture shown on the tile and sound file kept with it, as written in the file: a path
    #: relative to the layout file's folder (e.g. ``"anna.media/water.png"``).
    picture: str | None = None
    sound: str | None = None
    #: The picture's absolute path when the layout was loaded from a file (for the renderer).
    picture_path: Path | None = field(default=None, compare=False, repr=False)
    #: phrase tiles: name of the person's recorded message played instead of synthesis
    #: (aac/speech/bank.py; resolved against the profile by the board, not by the loader)
    recording: str | None = None

    def cells(self) -> list[tuple[int, int]]:
        """Every (row, col) grid cell this tile covers."""
        return [
            (r, c)
            for r in range(self.row, self.row + self.row_span)
            for c in range(self.col, self.col + self.col_span)
        ]

    @property
    def id(self) -> str:
        """Stable id within a page (for dwell targets and the usage-log heat map)."""
        return f"r{self.row}c{self.col}"


@dataclass(frozen=True)
class Page:
    """A grid of tiles. ``return_to`` (optional): after a letter, punctuation, word, ending,
    chunk or phrase is chosen on this page the board goes back to that page (used by the large
    board, where letters sit on small group pages)."""

    name: str
    rows: int
    cols: int
    tiles: list[Tile]
    return_to: str | None = None

    def tile_at(self, row: int, col: int) -> Tile | None:
        """The tile covering grid cell (row, col), or None for an empty cell."""
        for tile in self.tiles:
            if tile.row <= row < tile.row + tile.row_span and tile.col <= col < tile.col + tile.col_span:
                return tile
        return None

    def tiles_of(self, kind: str) -> list[Tile]:
        return [t for t in self.tiles if t.kind == kind]


@dataclass(frozen=True)
class Layout:
    """A whole board. The first page is the home page."""

    name: str
    language: str
    theme: Theme
    font_scale: float
    pages: list[Page]
    source: Path | None = field(default=None, compare=False)

    @property
    def home(self) -> Page:
        return self.pages[0]

    def page(self, name: str) -> Page:
        """Page by name; raises KeyError naming the pages that exist."""
        for page in self.pages:
            if page.name == name:
                return page
        raise KeyError(f"no page {name!r} in layout {self.name!r}; pages: {[p.name for p in self.pages]}")

    def page_names(self) -> list[str]:
        return [p.name for p in self.pages]

    @property
    def tile_count(self) -> int:
        return sum(len(p.tiles) for p in self.pages)


#: A checker key such as ``page[home].tile[3].label`` (the page, the tile's number, the field).
TILE_KEY = re.compile(r"^page\[(?P<page>[^\]]+)\](?:\.tile\[(?P<tile>\d+)\])?(?:\.(?P<field>[\w.]+))?$")


@dataclass(frozen=True)
class LayoutProblem:
    """One thing wrong with a layout file, phrased for a caregiver.

    ``str()`` gives ``file:line: key: message (suggestion)`` like a compiler, so editors can
    jump to the line.
    """

    file: str
    line: int | None
    key: str
    message: str
    suggestion: str = ""
    #: Not something wrong with the file but what the board does about it ("showing the last
    #: version that worked"): printed with the problems, not counted as one on the board.
    note: bool = False

    def plain(self, with_file: bool = True) -> str:
        """For a caregiver reading the board or the editor: the file's name (not its folders),
        the line, and the page and tile in words, e.g. ``mine.toml, line 23, page “home”,
        tile 1, kind: unknown tile kind "mesage" (did you mean "message"? ...)``."""
        key = self.key
        m = TILE_KEY.match(key or "")
        if m:
            key = ", ".join(x for x in (f"page “{m.group('page')}”", f"tile {m.group('tile')}" if m.group("tile") else "",
                                        m.group("field") or "") if x)
        name = PurePath(self.file).name if with_file and self.file else ""
        where = ", ".join(x for x in (name, f"line {self.line}" if self.line else "", key) if x)
        text = self.message + (f" ({self.suggestion})" if self.suggestion else "")
        return f"{where}: {text}" if where else text

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else f"{self.file}"
        text = f"{where}: {self.key}: {self.message}" if self.key else f"{where}: {self.message}"
        if self.suggestion:
            text += f" ({self.suggestion})"
        return text


class LayoutError(Exception):
    """A layout could not be loaded; ``problems`` lists every reason found, not just the first."""

    def __init__(self, problems: list[LayoutProblem]):
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems) or "invalid layout")
