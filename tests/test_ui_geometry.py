"""Board geometry: every shipped layout page placed on several screens stays inside the screen,
has no overlapping tiles and keeps tiles large enough to hit with the eyes."""

from __future__ import annotations

import pytest

from aac.layouts.loader import list_layouts, load_layout
from aac.layouts.model import Page, Tile
from aac.ui.geometry import MIN_TILE_PX, box_at, check_boxes, layout_page, px_per_degree

SIZES = [(1920, 1080), (1280, 720), (1366, 768), (1024, 600), (800, 480)]


def shipped_pages():
    for name, _path in list_layouts():
        layout = load_layout(name)
        for page in layout.pages:
            yield pytest.param(layout, page, id=f"{name}:{page.name}")


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("layout,page", list(shipped_pages()))
def test_shipped_pages_fit_without_overlap(layout, page, size):
    boxes = layout_page(page, size)
    assert len(boxes) == len(page.tiles), "every tile is placed"
    # 40 px is the absolute floor (about 1 degree at 800 px width); big screens get far more.
    min_px = MIN_TILE_PX if size[0] >= 800 else 30
    assert check_boxes(boxes, size, min_px=min_px) == []


def test_default_layout_tiles_are_big_at_full_hd():
    page = load_layout("default").page("keyboard")
    boxes = layout_page(page, (1920, 1080))
    letters = [b for b in boxes if b.kind == "letter"]
    assert letters, "the keyboard page has letter keys"
    # A letter key is at least 3.5 degrees wide: hittable with 1 degree gaze noise.
    ppd = px_per_degree(1920)
    assert min(b.rect[2] for b in letters) / ppd > 3.5
    assert min(b.rect[3] for b in letters) / ppd > 3.5


def test_spans_and_normalized_rects_agree():
    tiles = [Tile("message", 0, 0, col_span=3), Tile("letter", 1, 0, value="a"), Tile("letter", 1, 1, value="b", col_span=2)]
    page = Page("p", 2, 3, tiles)
    boxes = layout_page(page, (1000, 500), margin=10, gap=10)
    msg, a, b = boxes
    assert msg.rect[0] == 10 and msg.rect[0] + msg.rect[2] == 990  # spans the full width inside margins
    assert a.rect[2] < b.rect[2]  # the 2-column tile is wider
    assert b.rect[0] + b.rect[2] == 990
    for box in boxes:
        x, y, w, h = box.rect
        assert box.norm == pytest.approx((x / 1000, y / 500, w / 1000, h / 500))
    assert box_at(boxes, *a.center) is a
    assert box_at(boxes, 5, 5) is None  # the margin is no tile
    assert len({b.id for b in boxes}) == 3


def test_off_grid_tiles_are_not_drawn_and_problems_are_reported():
    page = Page("p", 2, 2, [Tile("letter", 0, 0, value="a"), Tile("letter", 5, 5, value="z")])
    boxes = layout_page(page, (400, 300))
    assert [b.tile.value for b in boxes] == ["a"]
    tiny = layout_page(Page("p", 30, 30, [Tile("letter", 0, 0, value="a")]), (400, 300))
    assert any("smaller than" in p for p in check_boxes(tiny, (400, 300)))


def test_px_per_degree_matches_the_design_screen():
    # 52 cm wide at 60 cm: one degree is 1.047 cm, so 1920 px -> ~38.7 px per degree.
    assert px_per_degree(1920) == pytest.approx(38.67, abs=0.05)
    assert px_per_degree(1280) == pytest.approx(38.67 * 1280 / 1920, abs=0.05)
