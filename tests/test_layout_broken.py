"""Each broken fixture gives the right message on the right line (the caregiver's view).

Every fixture in tests/data/layouts_broken/ marks the line that is wrong with "# ERROR", so
the expected line number is read from the file itself and cannot drift when a fixture is edited.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from aac.layouts import LayoutError, load_layout
from aac.layouts.cli import cmd_check

BROKEN = Path(__file__).parent / "data" / "layouts_broken"

# fixture -> (key contains, message contains, suggestion contains)
EXPECTED = {
    "bad_toml.toml": ("syntax", "TOML syntax error", "quote"),
    "unknown_kind.toml": ("tile[3].kind", 'unknown tile kind "wrod"', 'did you mean "word"'),
    "missing_key.toml": ("tile[3].row", 'missing key "row"', "row ="),
    "wrong_type.toml": ("page[home].rows", "expected a whole number, got text 'two'", "rows = 2"),
    "overlap.toml": ("tile[4]", "tile 4 (letter 'q') overlaps tile 3 (word slot 0) (line 22) at row 1, col 1", "move one"),
    "empty_page.toml": ("page[spare]", "the page is empty", "[[page.tile]]"),
    "out_of_grid.toml": ("tile[3]", "outside the grid: row 2 but the page has rows 0..1", "count from 0"),
    "bad_colour.toml": ("tile[3].color", "bad colour 'red'", "#ff0000"),
    "missing_page_link.toml": ("tile[3].target", 'links to a page that does not exist: "phrasez"', 'did you mean "phrases"'),
    "duplicate_slot.toml": ("tile[4].slot", "word slot 1 is used twice on this page: tile 4 and tile 3 (line 22)", "once per page"),
    "bad_slot.toml": ("tile[3].slot", "3 is out of range: expected 0..2 for an ending tile", "0 to 2"),
    "unknown_action.toml": ("tile[3].action", 'unknown action "speek"', 'did you mean "speak"'),
    "unknown_key.toml": ("tile[3].lable", 'unknown key "lable"', 'did you mean "label"'),
    "no_way_home.toml": ("page[trap]", "no way back to the home page", 'target = "home"'),
    "keys_row_bad.toml": ("page[home].keys", "letter 'd' (key row 1) is outside the grid: column 3", "cols = 4"),
}


def marked_line(path: Path) -> int:
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if "# ERROR" in line:
            return number
    raise AssertionError(f"{path.name} has no '# ERROR' marker")


def test_every_fixture_is_covered():
    names = {p.name for p in BROKEN.glob("*.toml")}
    assert set(EXPECTED) <= names
    assert names - set(EXPECTED) == {"many_problems.toml"}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_broken_fixture_message_and_line(name):
    path = BROKEN / name
    with pytest.raises(LayoutError) as info:
        load_layout(path)
    problems = info.value.problems
    assert len(problems) == 1, [str(p) for p in problems]
    problem = problems[0]
    key, message, suggestion = EXPECTED[name]
    assert problem.line == marked_line(path), str(problem)
    assert key in problem.key, str(problem)
    assert message in problem.message, str(problem)
    assert suggestion in problem.suggestion, str(problem)
    assert problem.file.endswith(name)
    # the printed form is the compiler-style line an editor can jump to
    assert str(problem).startswith(f"{problem.file}:{problem.line}: {problem.key}: ")


def test_all_problems_are_collected_not_just_the_first():
    path = BROKEN / "many_problems.toml"
    with pytest.raises(LayoutError) as info:
        load_layout(path)
    by_line = {p.line: p for p in info.value.problems}
    assert set(by_line) == {5, 27, 33}, [str(p) for p in info.value.problems]
    assert 'unknown theme "hi-contrast"' in by_line[5].message
    assert "high-contrast" in by_line[5].suggestion
    assert "bad colour '#12345'" in by_line[27].message
    assert "9 is out of range: expected 0..4" in by_line[33].message


def test_check_command_prints_every_problem_and_exits_1(capsys):
    args = argparse.Namespace(files=[str(BROKEN / "many_problems.toml"), str(BROKEN / "bad_colour.toml")])

    assert cmd_check(args) == 1
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 4
    assert all(":" in line and "layouts_broken/" in line for line in out)
