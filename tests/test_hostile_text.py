"""Issue 20, finding 2: text that reaches the screen cannot stop the board.

Before: an .obf label ``"a\\u0000b"`` imported, passed ``aac layout check``, was saved as the
layout's "last good" copy, and then the board exited on its first frame (pygame: "A null
character was found in the text") on every start. Bidi overrides (U+202E) could make a label
read backwards ("evil" shown as "live"). Now one validator (aac.text_safety) is used by the layout
checker (refuses), the OBF importer (cleans, with a note) and the renderer (draws them harmless).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pygame
import pytest

from aac.layouts.loader import LayoutError, last_good_dir, load_layout_or_default, parse_layout_text
from aac.layouts.obf import import_board
from aac.store.profile import Profile
from aac.text_safety import clean_for_screen, screen_text_problem

LAYOUT = '''[layout]
name = "t"
[[page]]
name = "p"
rows = 2
cols = 6
[[page.tile]]
kind = "message"
row = 0
col = 0
col_span = 3
[[page.tile]]
kind = "action"
action = "speak"
row = 0
col = 3
[[page.tile]]
kind = "action"
action = "pause"
row = 0
col = 4
[[page.tile]]
kind = "action"
action = "clear"
row = 0
col = 5
[[page.tile]]
kind = "phrase"
label = LABEL
value = "hello"
row = 1
col = 0
'''


@pytest.mark.parametrize("label,what", [
    ('"a\\u0000b"', "U+0000"),
    ('"bell\\u0007"', "U+0007"),
    ('"\\u202eevil"', "U+202E"),
    ('"x\\u2066y"', "U+2066"),
    ('"esc\\u001b[31m"', "U+001B"),
])
def test_layout_checker_refuses_control_and_bidi_characters(label, what):
    with pytest.raises(LayoutError) as info:
        parse_layout_text(LAYOUT.replace("LABEL", label))
    text = " ".join(str(p) for p in info.value.problems)
    assert what in text and "label" in text


def test_ordinary_labels_still_pass():
    layout = parse_layout_text(LAYOUT.replace("LABEL", '"Привет, שלום – ok!"'))
    assert layout.home.tile_at(1, 0).label == "Привет, שלום – ok!"


def test_validator_and_cleaner():
    assert screen_text_problem("hello") is None
    assert "U+0000" in screen_text_problem("a\x00b")
    assert clean_for_screen("a\x00b\u202ec\ud800") == "abc\ufffd"
    assert clean_for_screen("two\nlines\tand tab") == "two lines and tab"


def _obf(tmp_path: Path, label: str) -> Path:
    board = {"format": "open-board-0.1", "id": "1", "locale": "en", "name": "b",
             "buttons": [{"id": "1", "label": label}, {"id": "2", "label": "fine"}],
             "grid": {"rows": 1, "columns": 2, "order": [["1", "2"]]}}
    path = tmp_path / "b.obf"
    path.write_text(json.dumps(board), encoding="utf-8")
    return path


@pytest.mark.parametrize("label", ["a\u0000b", "\u202eevil", "x\u0007y\u2067"])
def test_obf_import_cleans_labels_and_says_so(tmp_path, label):
    result = import_board(_obf(tmp_path, label))
    labels = [t.label for p in result.layout.pages for t in p.tiles]
    assert all(screen_text_problem(lab) is None for lab in labels), labels
    assert any("control" in n or "direction" in n for n in result.notes), result.notes
    out = tmp_path / "b.toml"
    result.write(out)
    parse_layout_text(out.read_text(encoding="utf-8"))  # what was written checks clean


def test_layout_with_nul_label_is_not_kept_as_last_good(tmp_path, monkeypatch):
    monkeypatch.setenv("AAC_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("AAC_DATA_DIR", str(tmp_path / "data"))
    bad = tmp_path / "mine.toml"
    bad.write_text(LAYOUT.replace("LABEL", '"a\\u0000b"'), encoding="utf-8")
    _layout, problems = load_layout_or_default(str(bad))
    assert problems and "U+0000" in " ".join(str(p) for p in problems)
    good = last_good_dir()
    assert not good.exists() or not list(good.glob("*")), "a broken layout was kept as the last good copy"


def test_renderer_draws_control_characters_harmlessly():
    pygame.font.init()
    from aac.ui.fonts import FontBook

    book = FontBook()
    for text in ["a\x00b", "\u202eevil", "\ud800", "tab\there", "\u200f", "\ufeff", "\u200b"]:
        surf = book.render(text, 24, (255, 255, 255))
        assert surf.get_height() > 0
        assert book.size(text, 24)[0] >= 0


def test_board_with_a_nul_in_the_draft_and_in_a_label_keeps_running(tmp_path):
    os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
    pygame.display.init()
    pygame.font.init()
    from aac.ui.app import BoardApp

    prof = Profile.open(tmp_path / "p")
    (tmp_path / "p" / "draft.json").write_text(json.dumps({"version": 1, "text": "hi\u0000 there\u202e"}),
                                               encoding="utf-8")
    prof = Profile.open(tmp_path / "p")
    layout_file = tmp_path / "imported.toml"
    import_board(_obf(tmp_path, "a\u0000b")).write(layout_file)
    surface = pygame.Surface((1280, 720))
    board = BoardApp(prof, surface, layout_name=str(layout_file), clock=lambda: 5.0, handle_events=False)
    try:
        board.step(5.0)
        board.step(6.0)
        assert not board.layout_problems, board.layout_problems
    finally:
        board.close()
