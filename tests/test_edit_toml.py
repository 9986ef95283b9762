"""Round-trip editing of layout files (aac.edit.toml_edit): the file changes only where edited."""

from __future__ import annotations

import copy
import difflib

import pytest

from aac import paths
from aac.edit.toml_edit import apply_edits, editor_data, plain_toml, same_layout, split_chunks
from aac.layouts.loader import load_layout, parse_layout_text

SHIPPED = sorted(p.stem for p in paths.LAYOUTS_DIR.glob("*.toml"))


def changed_lines(a: str, b: str) -> list[str]:
    return [line for line in difflib.unified_diff(a.splitlines(), b.splitlines(), lineterm="", n=0)
            if line[:1] in "+-" and not line.startswith(("+++", "---"))]


@pytest.mark.parametrize("name", SHIPPED)
def test_no_edit_gives_the_file_back_byte_for_byte(name):
    layout = load_layout(name)
    text = layout.source.read_text(encoding="utf-8")
    assert apply_edits(text, editor_data(layout), layout) == text
    assert "".join(line + "\n" for c in split_chunks(text) for line in c.lines())[:-1] == text


def test_a_label_edit_changes_one_line_and_keeps_a_trailing_comment():
    layout = load_layout("default")
    text = layout.source.read_text().replace('label = "Yes"', 'label = "Yes"   # said most often')
    layout = parse_layout_text(text, "x", source=layout.source)
    data = editor_data(layout)
    next(t for t in data["pages"][0]["tiles"] if t.get("label") == "Yes")["label"] = 'Yes "please"'
    out = apply_edits(text, data, layout)
    assert changed_lines(text, out) == ['-label = "Yes"   # said most often', '+label = "Yes \\"please\\""   # said most often']


def test_structural_edits_keep_comments_and_give_the_layout_the_editor_shows():
    layout = load_layout("default")
    text = layout.source.read_text()
    data = copy.deepcopy(editor_data(layout))
    home, keyboard, phrases = data["pages"]
    home["tiles"].append({"kind": "phrase", "label": "Hi", "value": "Hello there", "row": 6, "col": 9, "src": None})
    next(t for t in keyboard["tiles"] if t.get("value") == "q")["color"] = "#112233"  # a key row becomes tiles
    phrases["tiles"] = [t for t in phrases["tiles"] if t.get("label") != "Wait"]
    phrases["name"] = "talk"
    for page in data["pages"]:
        for t in page["tiles"]:
            if t.get("target") == "phrases":
                t["target"] = "talk"
    data["pages"] = [home, phrases, keyboard]  # reorder
    data["layout"]["theme"] = "dark"
    out = apply_edits(text, data, layout)
    saved = parse_layout_text(out, "out")
    assert same_layout(saved, parse_layout_text(plain_toml(data), "plain"))
    assert saved.page_names() == ["home", "talk", "keyboard"] and saved.theme.name == "dark"
    kept = [line for line in text.splitlines() if line.startswith("#") and "Letters: a key row" not in line]
    assert all(line in out for line in kept)  # every comment except the one over the converted key row
    assert out.count("[[page.keys]]") == text.count("[[page.keys]]") - 1
    assert "Please wait a moment." not in out


def test_every_shipped_layout_can_be_rebuilt_from_editor_data():
    for name in SHIPPED:
        layout = load_layout(name)
        data = editor_data(layout)
        assert same_layout(parse_layout_text(plain_toml(data), name), layout)


def test_a_state_without_places_in_the_file_is_written_whole_and_stays_the_same_layout():
    """Undo past a save: the editor drops the stale places (src); pages are rewritten as new."""
    layout = load_layout("large")
    text = layout.source.read_text()
    data = editor_data(layout)
    for page in data["pages"]:
        page.pop("src")
        for tile in page["tiles"]:
            tile.pop("src")
    out = apply_edits(text, data, layout)
    assert same_layout(parse_layout_text(out, "out"), layout)
    head = text.split("[layout]", 1)[0] + "[layout]"
    assert out.startswith(head)  # the file's header comments stay
