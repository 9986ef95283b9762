"""`aac layout check --advice`: design hints for eye gaze that never fail a check."""

from __future__ import annotations

import argparse

import pytest

from aac import paths
from aac.layouts import load_layout, parse_layout_text
from aac.layouts.advice import advise
from aac.layouts.cli import cmd_check

SHIPPED = sorted(p.stem for p in paths.LAYOUTS_DIR.glob("*.toml"))

CRAMPED = """
[layout]
name = "Cramped"
language = "en"

[[page]]
name = "home"
rows = 8
cols = 14

[[page.tile]]
kind = "message"
row = 0
col = 0
col_span = 10

[[page.tile]]
kind = "action"
action = "pause"
row = 0
col = 13

[[page.tile]]
kind = "word"
slot = 0
row = 1
col = 0

[[page.tile]]
kind = "action"
action = "clear"
row = 1
col = 1

[[page.tile]]
kind = "page"
target = "keys"
row = 2
col = 0

[[page]]
name = "keys"
rows = 4
cols = 4

[[page.tile]]
kind = "message"
row = 0
col = 0
col_span = 3

[[page.tile]]
kind = "page"
target = "home"
row = 0
col = 3

[[page.tile]]
kind = "word"
slot = 0
row = 3
col = 3

[[page.keys]]
row = 1
keys = "abcd"
"""


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_layouts_follow_their_own_advice(name):
    assert advise(load_layout(name)) == []


def test_each_kind_of_advice():
    notes = advise(parse_layout_text(CRAMPED))
    text = "\n".join(notes)
    assert "page 'home': one grid cell is 137 x 135 px at 1920x1080" in text
    assert "page 'keys': no undo or delete tile" in text
    assert "the clear tile (row 1, col 1) touches word slot 0" in text
    assert "word slot 0 is at row 1, col 0 on page 'home' but at row 3, col 3 on page 'keys'" in text
    assert "letters missing from every page: e f g" in text
    assert "page 'home': no undo or delete tile" in text
    assert len(notes) == 6, notes


def test_letters_without_predictions_get_advice():
    text = CRAMPED.replace('[[page.tile]]\nkind = "word"\nslot = 0\nrow = 3\ncol = 3\n', "")
    notes = advise(parse_layout_text(text))
    assert any("page 'keys': letters but no word or ending tiles" in n for n in notes)


def test_check_with_advice_prints_but_does_not_fail(tmp_path, capsys):
    f = tmp_path / "cramped.toml"
    f.write_text(CRAMPED, encoding="utf-8")
    assert cmd_check(argparse.Namespace(files=[str(f)], advice=True)) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == f"ok: {f} (2 pages, 12 tiles)"
    assert len(out) == 7 and all(line.startswith(f"advice: {f}: ") for line in out[1:])
