"""Labels in other scripts: fonts found for them, Arabic shaped right to left, the checker warns
about characters no font can draw (real fonts, real pygame rendering)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")

from aac.layouts.glyphs import glyph_warnings  # noqa: E402
from aac.layouts.loader import parse_layout_text  # noqa: E402
from aac.ui import fonts  # noqa: E402

OBF = Path("/work/shared/data/obf/foreign.obf")


def layout_with(label: str):
    return parse_layout_text(f'''[layout]
name = "t"
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
label = "{label}"
row = 1
col = 0
''')


def test_checker_warns_about_characters_no_font_has():
    warnings = glyph_warnings(layout_with("\U00013000 hello"))  # an Egyptian hieroglyph
    assert len(warnings) == 1 and "EGYPTIAN" in warnings[0] and "empty boxes" in warnings[0]
    assert glyph_warnings(layout_with("Hello Привет")) == []


@pytest.mark.skipif(not OBF.is_file(), reason="shared OBF samples not available")
def test_foreign_board_scripts_have_fonts_and_shaping(tmp_path):
    from aac.layouts.obf import import_board

    layout = import_board(OBF).layout
    warnings = glyph_warnings(layout)
    installed = all(p.is_file() for p in fonts.SCRIPT_FONTS[:2])
    if installed:
        assert warnings == []
    else:  # without the font packages the warning names them
        assert any("fonts-" in w for w in warnings)
    book = fonts.FontBook()
    if installed:
        assert book.path_for("水很酷哟").name == "DroidSansFallbackFull.ttf"
        assert book.path_for("हेर्नुहोस्").name == "Lohit-Devanagari.ttf"
    assert fonts.script_of("صرخة") == ("Arab", True) and fonts.script_of("hello") is None


def test_arabic_is_drawn_joined_right_to_left():
    import pygame

    if not fonts.shaping_supported():
        pytest.skip("this pygame has no HarfBuzz shaping")
    pygame.font.init()
    book = fonts.FontBook()
    word = "صرخة"
    shaped = book.render(word, 40, (255, 255, 255))
    plain = pygame.font.Font(str(book.path_for(word)), 40).render(word, True, (255, 255, 255))
    # joined letters are narrower than the isolated forms drawn in logical order
    assert shaped.get_width() < plain.get_width()
