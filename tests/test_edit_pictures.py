"""Pictures on tiles: the checker's rules for picture paths, and the board drawing them."""

from __future__ import annotations

import io
import os

import pytest

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")

import pygame  # noqa: E402

from aac.layouts.loader import load_layout  # noqa: E402
from aac.layouts.model import LayoutError  # noqa: E402
from aac.ui.page_preview import render_page_png  # noqa: E402

LAYOUT = '''[layout]
name = "pics"
[[page]]
name = "home"
rows = 2
cols = 2
[[page.tile]]
kind = "message"
row = 0
col = 0
[[page.tile]]
kind = "action"
action = "pause"
row = 0
col = 1
[[page.tile]]
kind = "phrase"
label = "Red"
value = "Red please."
picture = "{picture}"
row = 1
col = 0
col_span = 2
'''


def write(tmp_path, picture: str):
    path = tmp_path / "pics.toml"
    path.write_text(LAYOUT.format(picture=picture))
    return path


def red_png(tmp_path):
    (tmp_path / "pics.media").mkdir(exist_ok=True)
    surf = pygame.Surface((64, 64))
    surf.fill((255, 0, 0))
    pygame.image.save(surf, str(tmp_path / "pics.media" / "red.png"))


@pytest.mark.parametrize("picture, message", [
    ("../outside.png", "outside the layout's folder"),
    ("/etc/hosts.png", "outside the layout's folder"),
    ("pics.media/notes.txt", "not a supported file type"),
    ("pics.media/missing.png", "file not found"),
])
def test_bad_picture_paths_are_refused_with_a_reason(tmp_path, picture, message):
    with pytest.raises(LayoutError) as err:
        load_layout(write(tmp_path, picture))
    assert any(message in p.message and p.key.endswith(".picture") and p.line for p in err.value.problems)


def test_the_board_draws_the_picture_above_the_label(tmp_path):
    red_png(tmp_path)
    layout = load_layout(write(tmp_path, "pics.media/red.png"))
    img = pygame.image.load(io.BytesIO(render_page_png(layout, size=(800, 600))), "p.png")
    # the phrase tile is the bottom half; its upper part shows the picture (red), the label is below
    tile_top = [img.get_at((x, 380))[:3] for x in range(300, 500, 10)]
    assert sum(1 for c in tile_top if c[0] > 200 and c[1] < 60 and c[2] < 60) >= 10
    tile = layout.home.tiles[2]
    assert tile.picture == "pics.media/red.png" and tile.picture_path == tmp_path / "pics.media" / "red.png"
