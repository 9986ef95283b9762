"""The report's heat map is the person's real board (issue 19): every page drawn whole by the
board's renderer, used tiles tinted with their count, never-used tiles pale."""

from __future__ import annotations

import io
import os

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")

import pygame

from aac.layouts.loader import load_layout
from aac.store.report_board import BOARD_SIZE, KEY_H, board_heatmaps, page_counts
from aac.ui.geometry import layout_page


def test_heat_map_is_the_whole_board_with_counts():
    rows = [{"day": "2026-11-02", "page": "keyboard", "tile_id": "3,0", "count": 40},   # q
            {"day": "2026-11-03", "page": "keyboard", "tile_id": "3,0", "count": 2},
            {"day": "2026-11-02", "page": "keyboard", "tile_id": "5,7", "count": 10},   # space
            {"day": "2026-11-02", "page": "history", "tile_id": "1,0", "count": 3}]     # not in the layout
    assert page_counts(rows)["keyboard"][(3, 0)] == 42
    images, note = board_heatmaps(rows, "default")
    assert [name for name, _ in images] == ["keyboard"]
    assert "3 selections on pages not in the board" in note and "history" in note
    img = pygame.image.load(io.BytesIO(images[0][1]), "x.png")
    assert img.get_size() == (BOARD_SIZE[0], BOARD_SIZE[1] + KEY_H)  # the whole page plus the key
    boxes = {b.id.split(":")[0]: b for b in layout_page(load_layout("default").page("keyboard"), BOARD_SIZE)}

    def left_edge(cell: str) -> tuple[int, int, int]:
        x, y, _, h = boxes[f"keyboard/{cell}"].rect
        return tuple(img.get_at((x + 3, y + h // 2)))[:3]

    used, unused = left_edge("3,0"), left_edge("5,0")  # q (42 selections) and z (none)
    assert sum(unused) / 3 > 150  # pale: never used
    assert used[0] > used[2] + 60  # the warm YlOrRd border of a used tile


def test_unknown_board_says_why():
    images, note = board_heatmaps([{"day": "2026-11-02", "page": "home", "tile_id": "1,1", "count": 1}],
                                  "no-such-board")
    assert images == [] and "could not be loaded" in note
