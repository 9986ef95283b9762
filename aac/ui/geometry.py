"""Board geometry: a layout page's grid cells -> pixel and normalized rectangles.

Kept free of drawing so it can be tested at any screen size without a display, and so the dwell
engine (normalized rects) and the renderer (pixel rects) always agree on where a tile is.
Edges are computed from the exact fractional grid and rounded once, so neighbouring tiles never
overlap and rounding never accumulates into a ragged right edge.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

#: Physical screen assumed when nothing better is known (docs/ARCHITECTURE.md, "The simulated person": 52 cm wide at 60 cm).
SCREEN_WIDTH_CM = 52.0
VIEW_DISTANCE_CM = 60.0
#: Smallest tile edge the board accepts at all (pixels); gaze accuracy usually asks for more.
MIN_TILE_PX = 40


@dataclass(frozen=True)
class TileBox:
    """One tile placed on the screen."""

    id: str  # stable id ("page/row,col:kind:key"): dwell target id and usage-log tile id
    tile: Any  # aac.layouts Tile
    rect: tuple[int, int, int, int]  # pixels x, y, w, h
    norm: tuple[float, float, float, float]  # normalized 0..1 x, y, w, h

    @property
    def kind(self) -> str:
        return str(getattr(self.tile, "kind", ""))

    @property
    def center(self) -> tuple[float, float]:
        x, y, w, h = self.rect
        return x + w / 2.0, y + h / 2.0

    @property
    def norm_center(self) -> tuple[float, float]:
        x, y, w, h = self.norm
        return x + w / 2.0, y + h / 2.0

    def contains(self, px: float, py: float) -> bool:
        x, y, w, h = self.rect
        return x <= px < x + w and y <= py < y + h


def px_per_degree(
    screen_w_px: int, screen_w_cm: float = SCREEN_WIDTH_CM, distance_cm: float = VIEW_DISTANCE_CM
) -> float:
    """Pixels per degree of visual angle at the screen centre (for noise and tile-size checks)."""
    cm_per_deg = 2.0 * distance_cm * math.tan(math.radians(0.5))
    return screen_w_px / screen_w_cm * cm_per_deg


def tile_key(tile: Any) -> str:
    """What makes a tile recognisable in ids and logs (slot, value, action or target page)."""
    kind = getattr(tile, "kind", "")
    if kind in ("word", "ending") and getattr(tile, "slot", None) is not None:
        return str(tile.slot)
    for attr in ("action", "target", "value", "label"):
        val = getattr(tile, attr, None)
        if val not in (None, ""):
            return str(val)
    return ""


def _edges(start: float, length: float, count: int, gap: float) -> list[tuple[int, int]]:
    """Integer (start, end) of each grid cell along one axis, gaps excluded."""
    cell = (length - gap * (count - 1)) / count
    out = []
    for i in range(count):
        a = start + i * (cell + gap)
        out.append((round(a), round(a + cell)))
    return out


def layout_page(
    page: Any,
    size: tuple[int, int],
    margin: int | None = None,
    gap: int | None = None,
    top: int = 0,
) -> list[TileBox]:
    """Place every tile of ``page`` (rows x cols grid, spans) on a ``size`` screen.

    ``top`` reserves a band at the top (e.g. for a status line). Margin and gap scale with the
    screen so small screens keep usable tiles.
    """
    width, height = size
    if margin is None:
        margin = max(4, round(min(width, height) * 0.008))
    if gap is None:
        gap = max(3, round(min(width, height) * 0.008))
    rows, cols = int(page.rows), int(page.cols)
    if rows <= 0 or cols <= 0:
        return []
    xs = _edges(margin, width - 2 * margin, cols, gap)
    ys = _edges(margin + top, height - 2 * margin - top, rows, gap)
    page_name = str(getattr(page, "name", "page"))
    boxes: list[TileBox] = []
    seen: dict[str, int] = {}
    for tile in page.tiles:
        r, c = int(tile.row), int(tile.col)
        rs, cs = int(getattr(tile, "row_span", 1) or 1), int(getattr(tile, "col_span", 1) or 1)
        if r < 0 or c < 0 or r + rs > rows or c + cs > cols:
            continue  # the layout checker reports these; never draw off-grid
        x0, x1 = xs[c][0], xs[c + cs - 1][1]
        y0, y1 = ys[r][0], ys[r + rs - 1][1]
        ident = f"{page_name}/{r},{c}:{tile.kind}:{tile_key(tile)}"
        if ident in seen:
            seen[ident] += 1
            ident = f"{ident}#{seen[ident]}"
        else:
            seen[ident] = 0
        rect = (x0, y0, x1 - x0, y1 - y0)
        norm = (x0 / width, y0 / height, (x1 - x0) / width, (y1 - y0) / height)
        boxes.append(TileBox(ident, tile, rect, norm))
    return boxes


def overlaps(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> bool:
    ax, ay, aw, ah = a
    bx, by, bw, bh = b
    return ax < bx + bw and bx < ax + aw and ay < by + bh and by < ay + ah


def check_boxes(
    boxes: Sequence[TileBox], size: tuple[int, int], min_px: int = MIN_TILE_PX
) -> list[str]:
    """Problems with a placed page: off-screen, overlapping or too-small tiles (empty = fine)."""
    width, height = size
    problems = []
    for i, box in enumerate(boxes):
        x, y, w, h = box.rect
        if x < 0 or y < 0 or x + w > width or y + h > height:
            problems.append(f"{box.id}: outside the {width}x{height} screen")
        if w < min_px or h < min_px:
            problems.append(f"{box.id}: {w}x{h} px is smaller than {min_px} px")
        for other in boxes[i + 1 :]:
            if overlaps(box.rect, other.rect):
                problems.append(f"{box.id} overlaps {other.id}")
    return problems


def box_at(boxes: Iterable[TileBox], px: float, py: float) -> TileBox | None:
    for box in boxes:
        if box.contains(px, py):
            return box
    return None
