"""Loader behaviour the board relies on: names, fallbacks, compact key rows, themes, positions."""

from __future__ import annotations

from pathlib import Path

import pytest

from aac import paths
from aac.layouts import (
    THEMES,
    LayoutError,
    LayoutProblem,
    list_layouts,
    load_layout,
    load_layout_or_default,
    parse_layout_text,
)
from aac.layouts.positions import scan_positions

BROKEN = Path(__file__).parent / "data" / "layouts_broken"

MINIMAL = """
[layout]
name = "Mini"
language = "en"
{layout_extra}

[[page]]
name = "home"
rows = 3
cols = 4

[[page.tile]]
kind = "message"
row = 0
col = 0
col_span = 3

[[page.tile]]
kind = "action"
action = "pause"
row = 0
col = 3
{extra}
"""


def mini(extra: str = "", layout_extra: str = "") -> str:
    return MINIMAL.format(extra=extra, layout_extra=layout_extra)


@pytest.fixture(autouse=True)
def _isolated_data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("AAC_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("AAC_CACHE_DIR", str(tmp_path / "cache"))


def test_load_by_name_and_by_path_give_the_same_layout():
    by_name = load_layout("default")
    by_path = load_layout(paths.LAYOUTS_DIR / "default.toml")
    assert by_name == by_path
    assert by_name.source == paths.LAYOUTS_DIR / "default.toml"
    assert by_name.home.name == "home"


def test_unknown_name_suggests_the_closest():
    with pytest.raises(LayoutError) as info:
        load_layout("defualt")
    problem = info.value.problems[0]
    assert problem.message == "no layout with this name"
    assert 'did you mean "default"' in problem.suggestion


def test_user_layout_shadows_shipped_and_is_listed(tmp_path):
    user_dir = tmp_path / "data" / "layouts"
    user_dir.mkdir(parents=True)
    (user_dir / "mine.toml").write_text(mini().replace('"Mini"', '"My board"'), encoding="utf-8")
    assert load_layout("mine").name == "My board"
    names = dict(list_layouts())
    assert names["mine"] == user_dir / "mine.toml"
    assert names["default"] == paths.LAYOUTS_DIR / "default.toml"


def test_broken_layout_falls_back_to_default_with_problems():
    layout, problems = load_layout_or_default(BROKEN / "overlap.toml")
    assert layout.name == load_layout("default").name
    assert len(problems) == 1 and "overlaps" in problems[0].message
    assert isinstance(problems[0], LayoutProblem)


def test_broken_layout_keeps_the_last_good_one():
    last_good = load_layout("large")
    layout, problems = load_layout_or_default(BROKEN / "bad_toml.toml", last_good=last_good)
    assert layout is last_good
    assert problems and problems[0].key == "syntax"


def test_russian_layout_falls_back_to_russian_default():
    layout, problems = load_layout_or_default("ru-missing")
    assert layout.language == "ru" and problems
    layout, _ = load_layout_or_default(BROKEN / "overlap.toml", language="ru")
    assert layout.language == "ru"


def test_good_layout_has_no_problems():
    layout, problems = load_layout_or_default("alphabetical")
    assert problems == [] and layout.name.startswith("Alphabetical")


def test_no_layout_files_at_all_gives_the_emergency_board(tmp_path, monkeypatch):
    monkeypatch.setattr(paths, "LAYOUTS_DIR", tmp_path / "nothing-here")
    layout, problems = load_layout_or_default("default")
    assert layout.name == "Emergency board"
    assert problems and all(isinstance(p, LayoutProblem) for p in problems)


def test_unreadable_inputs_never_raise_from_load_or_default(tmp_path):
    binary = tmp_path / "binary.toml"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    for item in (binary, tmp_path, tmp_path / "missing.toml", ""):
        layout, problems = load_layout_or_default(item)
        assert layout.pages and problems


def test_not_utf8_names_the_line(tmp_path):
    f = tmp_path / "latin1.toml"
    f.write_bytes(mini().encode("utf-8") + b'\n# caf\xe9\n')
    with pytest.raises(LayoutError) as info:
        load_layout(f)
    problem = info.value.problems[0]
    assert "not UTF-8" in problem.message and problem.line == mini().count("\n") + 2


def test_byte_order_mark_is_accepted(tmp_path):
    f = tmp_path / "bom.toml"
    f.write_bytes(b"\xef\xbb\xbf" + mini().encode("utf-8"))
    assert load_layout(f).name == "Mini"


def test_key_rows_expand_to_letter_tiles():
    text = mini("""
[[page.keys]]
row = 1
keys = "abcd"

[[page.keys]]
row = 2
col = 1
kind = "punct"
keys = ". ? !"
""")
    page = parse_layout_text(text).home
    letters = [(t.value, t.label, t.row, t.col) for t in page.tiles_of("letter")]
    assert letters == [("a", "a", 1, 0), ("b", "b", 1, 1), ("c", "c", 1, 2), ("d", "d", 1, 3)]
    assert [(t.value, t.col) for t in page.tiles_of("punct")] == [(".", 1), ("?", 2), ("!", 3)]
    assert page.tile_at(1, 2).value == "c"
    assert page.tile_at(2, 0) is None


def test_key_row_as_list_and_wide_keys():
    text = mini("""
[[page.keys]]
row = 1
col_span = 2
keys = ["ch", "sh"]
""")
    tiles = parse_layout_text(text).home.tiles_of("letter")
    assert [(t.value, t.col, t.col_span) for t in tiles] == [("ch", 0, 2), ("sh", 2, 2)]


def test_default_labels_and_colour_spelling():
    text = mini("""
[[page.tile]]
kind = "action"
action = "delete_word"
row = 1
col = 0

[[page.tile]]
kind = "phrase"
value = "I need water"
colour = "#00FF00"
row = 1
col = 1
""")
    page = parse_layout_text(text).home
    assert page.tile_at(1, 0).label == "Delete word"
    water = page.tile_at(1, 1)
    assert water.label == "I need water" and water.color == "#00ff00"
    assert water.line == text.splitlines().index("kind = \"phrase\"")  # the [[page.tile]] line (1-based)


def test_theme_by_name_and_inline_overrides():
    layout = parse_layout_text(mini(layout_extra='theme = "dark"'))
    assert layout.theme == THEMES["dark"]
    text = mini(layout_extra='theme = "light"') + '\n[theme]\nword_tile = "#AABBCC"\nname = "mine"\n'
    theme = parse_layout_text(text).theme
    assert theme.word_tile == "#aabbcc" and theme.name == "mine"
    assert theme.background == THEMES["light"].background


def test_inline_theme_problems_have_lines():
    text = mini() + '\n[theme]\nbase = "drak"\nborder = "blue"\n'
    with pytest.raises(LayoutError) as info:
        parse_layout_text(text, "t.toml")
    msgs = {p.key: p for p in info.value.problems}
    lines = text.splitlines()
    assert msgs["theme.border"].line == lines.index('border = "blue"') + 1
    assert "#0000ff" in msgs["theme.border"].suggestion
    assert msgs["theme.base"].line == lines.index('base = "drak"') + 1
    assert 'did you mean "dark"' in msgs["theme.base"].suggestion


def test_missing_layout_table_and_pages():
    with pytest.raises(LayoutError) as info:
        parse_layout_text('title = "x"\n', "t.toml")
    messages = [p.message for p in info.value.problems]
    assert 'unknown key "title" in the file (top level)' in messages
    assert "missing [layout] table" in messages
    assert "the layout has no pages" in messages


def test_font_scale_and_language_are_checked():
    with pytest.raises(LayoutError) as info:
        parse_layout_text(mini(layout_extra='font_scale = "big"\n'), "t.toml")
    assert "expected a number" in info.value.problems[0].message
    text = mini().replace('language = "en"', 'language = "English"')
    with pytest.raises(LayoutError) as info:
        parse_layout_text(text, "t.toml")
    assert info.value.problems[0].line == 4 and "language code" in info.value.problems[0].message


def test_field_that_does_nothing_is_reported():
    text = mini('\n[[page.tile]]\nkind = "letter"\nvalue = "a"\nslot = 2\nrow = 1\ncol = 0\n')
    with pytest.raises(LayoutError) as info:
        parse_layout_text(text, "t.toml")
    problem = info.value.problems[0]
    assert problem.message == '"slot" has no effect on a letter tile'
    assert problem.line == text.splitlines().index("slot = 2") + 1


def test_positions_follow_arrays_of_tables_and_inline_tables():
    text = """[layout]
name = "x"
[[page]]
name = "a"
tile = [
  { kind = "message", row = 0, col = 0 },
  { kind = "wrod", row = 1, col = 0 },
]
[[page]]
name = "b"
[[page.tile]]
kind = "message"
[[page.tile]]
kind = "x"  # a comment with [brackets] and = signs
label = \"\"\"
[not a header]
key = not a key
\"\"\"
row = 1
"""
    pos = scan_positions(text)
    assert pos.exact(("layout", "name")) == 2
    assert pos.exact(("page", 0, "tile", 0)) == 6
    assert pos.exact(("page", 0, "tile", 1)) == 7
    assert pos.exact(("page", 1)) == 9
    assert pos.exact(("page", 1, "tile", 1, "kind")) == 14
    assert pos.exact(("page", 1, "tile", 1, "row")) == 19
    assert ("page", 1, "tile", 1, "key") not in pos.lines
    assert pos.line_of(("page", 0, "tile", 1, "kind")) == 7


def test_inline_table_tiles_report_their_own_line():
    text = mini().split("[[page.tile]]")[0] + """tile = [
  { kind = "message", row = 0, col = 0, col_span = 3 },
  { kind = "action", action = "pause", row = 0, col = 3 },
  { kind = "wrod", slot = 0, row = 1, col = 0 },
]
"""
    with pytest.raises(LayoutError) as info:
        parse_layout_text(text, "t.toml")
    problem = info.value.problems[0]
    assert problem.line == text.splitlines().index('  { kind = "wrod", slot = 0, row = 1, col = 0 },') + 1


def test_windows_line_endings_and_notepad_utf16(tmp_path):
    crlf = tmp_path / "crlf.toml"
    crlf.write_bytes((BROKEN / "unknown_kind.toml").read_bytes().replace(b"\n", b"\r\n"))
    with pytest.raises(LayoutError) as info:
        load_layout(crlf)
    assert info.value.problems[0].line == 23
    utf16 = tmp_path / "utf16.toml"
    utf16.write_bytes((paths.LAYOUTS_DIR / "ru-default.toml").read_text(encoding="utf-8").encode("utf-16"))
    assert load_layout(utf16) == load_layout("ru-default")


def _my_board_v1(tmp_path, monkeypatch):
    """The caregiver's own board "mine" (v1) in the person's layouts folder; its path."""
    monkeypatch.setenv("AAC_CACHE_DIR", str(tmp_path / "cache"))
    user_dir = tmp_path / "data" / "layouts"
    user_dir.mkdir(parents=True)
    mine = user_dir / "mine.toml"
    mine.write_text(mini().replace('"Mini"', '"My board v1"'), encoding="utf-8")
    return mine


def test_last_version_that_worked_survives_a_bad_edit(tmp_path, monkeypatch):
    mine = _my_board_v1(tmp_path, monkeypatch)
    layout, problems = load_layout_or_default("mine")
    assert layout.name == "My board v1" and problems == []
    # kept with the person's data (a test's data folder is temporary), never in the shared cache
    copies = list((tmp_path / "data" / "layouts-last-good").glob("mine-*.toml"))
    assert len(copies) == 1 and (copies[0].stat().st_mode & 0o777) == 0o600
    assert not (tmp_path / "cache" / "layouts-last-good").exists()

    mine.write_text(mini().replace('"Mini"', '"My board v2"').replace('kind = "message"', 'kind = "mesage"'), encoding="utf-8")
    layout, problems = load_layout_or_default("mine")  # e.g. the board restarted after a bad edit
    assert layout.name == "My board v1"
    assert 'unknown tile kind "mesage"' in problems[0].message
    assert problems[-1].message.startswith("showing the last version that worked (saved ")
    assert problems[-1].note and not problems[0].note  # what the board does, not a problem

    mine.write_text(mini().replace('"Mini"', '"My board v3"'), encoding="utf-8")
    assert load_layout_or_default("mine") == (load_layout("mine"), [])
    assert "v3" in copies[0].read_text(encoding="utf-8")
    # a different layout with problems and no saved copy still gets the shipped default
    layout, _ = load_layout_or_default(BROKEN / "overlap.toml")
    assert layout.name == load_layout("default").name


def test_a_copy_kept_in_the_old_cache_folder_is_still_used(tmp_path, monkeypatch):
    # boards saved before the copies moved to the data folder still rescue the person
    mine = _my_board_v1(tmp_path, monkeypatch)
    load_layout_or_default("mine")
    copy = next((tmp_path / "data" / "layouts-last-good").glob("mine-*.toml"))
    old = tmp_path / "cache" / "layouts-last-good"
    old.mkdir(parents=True)
    copy.rename(old / copy.name)
    mine.write_text("not toml [", encoding="utf-8")
    layout, problems = load_layout_or_default("mine")
    assert layout.name == "My board v1"
    assert problems[-1].message.startswith("showing the last version that worked (saved ")
