"""The tile heat map drawn on the person's real board: each page rendered by the board's own
renderer (aac/ui/render.py, headless) with every tile's selection count laid over it.

Why the real board: a clinician reads "row 3, column 2" as nothing, but sees at once that
"Delete word" is the most used key or that the bottom-right phrases are never reached. The page
is drawn whole at a 16:9 size (never cropped), with a colour key and the count on each tile.

Privacy: the labels are the layout's own (letters, quick phrases the caregiver wrote, action
names), not what the person wrote. Prediction tiles (whose words change) are labelled
"Prediction 1..5" / "Ending 1..3". Counts come from ``tile_usage``: per day per grid cell, with
no order, so letter counts cannot spell a message.
"""

from __future__ import annotations

import io
import os
from collections import Counter, defaultdict
from typing import Any

from aac.kinds import TileKind
from aac.store.usage_schema import tile_cell

#: Rendered size of a page: the common 16:9 screen, large enough for tile labels to read on paper.
BOARD_SIZE = (1280, 720)
#: Height of the colour key drawn under the board.
KEY_H = 56
#: At most this many pages (the most used first) are drawn.
MAX_PAGES = 4

_SLOT_NAMES: dict[str, str] = {TileKind.WORD: "Prediction", TileKind.ENDING: "Ending", TileKind.CHUNK: "Phrase prediction"}


def _colour(frac: float) -> tuple[int, int, int]:
    """Light yellow (few) to dark red (most): matplotlib's YlOrRd, readable in greyscale print."""
    from matplotlib import colormaps

    r, g, b, _ = colormaps["YlOrRd"](0.15 + 0.85 * max(0.0, min(1.0, frac)))
    return round(r * 255), round(g * 255), round(b * 255)


def page_counts(tile_usage: list[dict[str, Any]]) -> dict[str, Counter]:
    """{page: Counter{(row, col): selections}} from tile_usage rows (cells "R,C")."""
    out: dict[str, Counter] = defaultdict(Counter)
    for r in tile_usage:
        cell = tile_cell(str(r.get("tile_id") or ""))
        if cell is None:
            continue
        row, col = (int(x) for x in cell.split(","))
        out[str(r.get("page") or "")][(row, col)] += int(r.get("count") or 0)
    return dict(out)


def board_heatmaps(tile_usage: list[dict[str, Any]], layout_name: str | None) -> tuple[list[tuple[str, bytes]], str]:
    """[(page name, PNG bytes)] for the most used pages of ``layout_name``, and a note on what
    could not be drawn ("" when all was). Returns ([], reason) when nothing can be drawn."""
    counts = page_counts(tile_usage)
    if not counts:
        return [], "no tile selections in this period"
    os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
    os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
    try:
        from aac.layouts.loader import LayoutError, load_layout

        layout = load_layout(layout_name or "default")
    except LayoutError as exc:
        return [], f"the board {layout_name!r} could not be loaded ({exc})"
    except Exception as exc:  # noqa: BLE001 - the report must still be written
        return [], f"the board {layout_name!r} could not be drawn ({type(exc).__name__}: {exc})"
    pages = {p.name: p for p in layout.pages}
    missing = sorted(p for p in counts if p not in pages)
    drawable = sorted((p for p in counts if p in pages), key=lambda p: -sum(counts[p].values()))
    images = [(name, _draw_page(layout, pages[name], counts[name])) for name in drawable[:MAX_PAGES]]
    notes = []
    if len(drawable) > MAX_PAGES:
        notes.append(f"{len(drawable) - MAX_PAGES} less used pages are not drawn")
    if missing:
        n = sum(sum(counts[p].values()) for p in missing)
        notes.append(f"{n} selections on pages not in the board {layout.name!r} "
                     f"({', '.join(missing[:5])}: another layout, or the history page)")
    return images, "; ".join(notes)


def _draw_page(layout: Any, page: Any, counts: Counter) -> bytes:
    import pygame

    from aac.ui.board_state import SlotContent
    from aac.ui.geometry import layout_page
    from aac.ui.render import FrameView, Renderer

    if not pygame.font.get_init():  # fonts only: pygame.init() would also open the sound card
        pygame.font.init()
    w, h = BOARD_SIZE
    boxes = layout_page(page, BOARD_SIZE)
    slots = {}
    for b in boxes:
        if b.kind in _SLOT_NAMES:
            slot = b.tile.slot if b.tile.slot is not None else 0
            slots[b.id] = SlotContent(f"{_SLOT_NAMES[b.kind]} {slot + 1}", True)
    view = FrameView(boxes=boxes, theme=layout.theme, font_scale=layout.font_scale, slots=slots,
                     message="(message bar)", language=str(getattr(layout, "language", "en") or "en"))
    board = pygame.Surface(BOARD_SIZE)
    Renderer().draw(board, view)
    peak = max(counts.values()) if counts else 1
    shade = pygame.Surface(BOARD_SIZE, pygame.SRCALPHA)
    font = pygame.font.Font(None, 30)
    badges = []
    for b in boxes:
        if b.kind == "message":
            continue
        x, y, bw, bh = b.rect
        n = counts.get((int(b.tile.row), int(b.tile.col)), 0)
        radius = max(4, min(bw, bh) // 12)
        if n == 0:
            # never used: greyed out, so the used tiles stand out and "zero" is not a colour
            pygame.draw.rect(shade, (255, 255, 255, 150), (x, y, bw, bh), border_radius=radius)
            continue
        col = _colour(n / peak)
        pygame.draw.rect(shade, (*col, 120), (x, y, bw, bh), border_radius=radius)
        pygame.draw.rect(shade, (*col, 255), (x, y, bw, bh), width=max(4, min(bw, bh) // 14), border_radius=radius)
        badges.append((x, y, bw, bh, n))
    board.blit(shade, (0, 0))
    for x, y, bw, bh, n in badges:
        img = font.render(str(n), True, (0, 0, 0))
        pad = 4
        rect = pygame.Rect(x + bw - img.get_width() - 2 * pad - 4, y + 4, img.get_width() + 2 * pad, img.get_height() + 2)
        pygame.draw.rect(board, (255, 255, 255), rect, border_radius=6)
        pygame.draw.rect(board, (0, 0, 0), rect, width=1, border_radius=6)
        board.blit(img, (rect.x + pad, rect.y + 1))
    out = pygame.Surface((w, h + KEY_H))
    out.fill((255, 255, 255))
    out.blit(board, (0, 0))
    _draw_key(out, h, peak, sum(counts.values()), font)
    buf = io.BytesIO()
    pygame.image.save(out, buf, "heatmap.png")
    return buf.getvalue()


def _draw_key(surf: Any, top: int, peak: int, total: int, font: Any) -> None:
    """The colour key under the board: few .. most selections, and the page total."""
    import pygame

    x0, y0, bar_w, bar_h = 200, top + 14, 400, 24
    label = font.render("selections:", True, (0, 0, 0))
    surf.blit(label, (x0 - label.get_width() - 12, y0 + 2))
    for i in range(bar_w):
        pygame.draw.line(surf, _colour(i / (bar_w - 1)), (x0 + i, y0), (x0 + i, y0 + bar_h))
    pygame.draw.rect(surf, (0, 0, 0), (x0, y0, bar_w, bar_h), width=1)
    lo = font.render("1", True, (0, 0, 0))
    hi = font.render(str(peak), True, (0, 0, 0))
    surf.blit(lo, (x0 + 4, y0 + 2))
    surf.blit(hi, (x0 + bar_w + 8, y0 + 2))
    grey = font.render(f"pale = not used    page total: {total}", True, (60, 60, 60))
    surf.blit(grey, (x0 + bar_w + 30 + hi.get_width(), y0 + 2))
