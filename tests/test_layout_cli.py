"""The `aac layout` commands through the real console script, as a caregiver runs them."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from aac import paths

BROKEN = Path(__file__).parent / "data" / "layouts_broken"
OBF = Path("/work/shared/data/obf")
PROBLEM_LINE = re.compile(r"^(?P<file>[^:]+):(?P<line>\d+): (?P<key>[^:]+): (?P<message>.+)$")


def aac_process(*args: str, tmp_path: Path) -> subprocess.CompletedProcess:
    """The real console entry point in a child process (exit status as a shell sees it)."""
    env = dict(os.environ, AAC_DATA_DIR=str(tmp_path / "data"), AAC_CACHE_DIR=str(tmp_path / "cache"))
    return subprocess.run([sys.executable, "-m", "aac.cli", *args], check=False, capture_output=True, text=True, env=env,
                          cwd=paths.REPO_ROOT, timeout=120)


class Result:
    def __init__(self, returncode: int, stdout: str, stderr: str):
        self.returncode, self.stdout, self.stderr = returncode, stdout, stderr


@pytest.fixture
def aac(tmp_path, monkeypatch, capsys):
    """The same dispatcher in-process (much faster than a child process on a loaded machine)."""
    from aac.cli import main

    monkeypatch.setenv("AAC_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("AAC_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.chdir(paths.REPO_ROOT)

    def run(*args: str) -> Result:
        code = main(list(args))
        out = capsys.readouterr()
        return Result(code, out.out, out.err)

    return run


def test_check_shipped_and_broken_files(tmp_path):
    shipped = sorted(str(p.relative_to(paths.REPO_ROOT)) for p in paths.LAYOUTS_DIR.glob("*.toml"))
    ok = aac_process("layout", "check", *shipped, tmp_path=tmp_path)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert [line.split(" (")[0] for line in ok.stdout.splitlines()] == [f"ok: {f}" for f in shipped]

    bad = aac_process("layout", "check", "layouts/default.toml", str(BROKEN / "many_problems.toml"), tmp_path=tmp_path)
    assert bad.returncode == 1
    lines = bad.stdout.splitlines()
    assert lines[0].startswith("ok: layouts/default.toml (3 pages, ")
    problems = [PROBLEM_LINE.match(line) for line in lines[1:]]
    assert len(problems) == 3 and all(problems), lines
    assert [int(m["line"]) for m in problems] == [5, 27, 33]


def test_list_and_show(aac):
    out = aac("layout", "list")
    assert out.returncode == 0
    names = [line.split()[0] for line in out.stdout.splitlines()]
    assert {"default", "alphabetical", "large", "ru-default", "ru-alphabetical"} <= set(names)
    show = aac("layout", "show", "default", "--page", "keyboard")
    assert show.returncode == 0
    assert "page 'keyboard': 7 rows x 12 cols" in show.stdout and "|    q    |" in show.stdout


def test_list_says_what_the_board_shows_for_a_broken_layout_and_the_way_back(aac):
    from aac.layouts.loader import load_layout_or_default, user_layouts_dir

    assert aac("layout", "copy", "default", "anna").returncode == 0
    path = user_layouts_dir() / "anna.toml"
    assert not load_layout_or_default("anna")[1]  # the board loaded it: a working version is kept
    path.write_text(path.read_text().replace('kind = "message"', 'kind = "mesage"', 1))
    line = next(x for x in aac("layout", "list").stdout.splitlines() if x.startswith("anna "))
    assert f"BROKEN (1 problems: run aac layout check {path})" in line
    assert re.search(r"the board shows the version that worked on \d{4}-\d\d-\d\d \d\d:\d\d: `aac edit` puts it back", line)
    # kept by path (the board was started with `aac run --layout FILE`): found the same way
    by_path = user_layouts_dir() / "bypath.toml"
    by_path.write_text(path.read_text().replace('kind = "mesage"', 'kind = "message"', 1))
    assert not load_layout_or_default(str(by_path))[1]
    by_path.write_text(path.read_text())
    line = next(x for x in aac("layout", "list").stdout.splitlines() if x.startswith("bypath "))
    assert "the board shows the version that worked on" in line
    other = user_layouts_dir() / "never.toml"  # written by hand, never worked
    other.write_text("[layout]\nname = 'x'\n")
    line = next(x for x in aac("layout", "list").stdout.splitlines() if x.startswith("never "))
    assert "BROKEN" in line and "the board shows" not in line


@pytest.mark.skipif(not OBF.is_dir(), reason="shared OBF samples not available")
def test_import_then_check(aac, tmp_path):
    out_file = tmp_path / "links.toml"
    imp = aac("layout", "import", str(OBF / "links.obz"), "--out", str(out_file))
    assert imp.returncode == 0, imp.stderr
    assert f"imported: {out_file} (3 pages" in imp.stdout
    check = aac("layout", "check", str(out_file))
    assert check.returncode == 0 and check.stdout.startswith("ok:")

    junk = tmp_path / "junk.obf"
    junk.write_text('{"buttons": [', encoding="utf-8")
    bad = aac("layout", "import", str(junk))
    assert bad.returncode == 1
    assert bad.stderr.strip() == f"{junk}: cannot import: junk.obf is not valid JSON: Expecting value at line 1, column 14"
    assert "Traceback" not in bad.stderr


def test_copy_makes_an_editable_user_layout(aac, tmp_path):
    done = aac("layout", "copy", "ru-default", "anna")
    assert done.returncode == 0, done.stderr
    copied = tmp_path / "data" / "layouts" / "anna.toml"
    original = (paths.LAYOUTS_DIR / "ru-default.toml").read_text(encoding="utf-8")
    text = copied.read_text(encoding="utf-8")
    # the same layout, only its display name tells the copy from the original
    assert text == original.replace('name = "Русская (ЙЦУКЕН)"', 'name = "anna (copy of Русская (ЙЦУКЕН))"', 1)
    assert text != original
    assert aac("layout", "check", "anna").stdout.startswith("ok: anna (3 pages")
    listed = aac("layout", "list").stdout
    assert "anna (copy of Русская (ЙЦУКЕН))" in listed
    again = aac("layout", "copy", "default", "anna")
    assert again.returncode == 1 and "already exists" in again.stderr
    assert copied.read_text(encoding="utf-8") == text  # nothing lost
    bad = aac("layout", "copy", "default", "../escape")
    assert bad.returncode == 1 and "letters, digits" in bad.stderr


def test_copy_renames_only_the_layout_name_line():
    from aac.layouts.cli import renamed_copy

    text = ('# name = "not this"\n[layout]\nlanguage = "en"\nname = "My \\"big\\" board"  # shown in the app\r\n'
            '[[page]]\nname = "home"\n')
    out = renamed_copy(text, "bob")
    assert out == text.replace('name = "My \\"big\\" board"', 'name = "bob (copy of My \\"big\\" board)"')
    assert renamed_copy("[[page]]\nname = 'home'\n", "bob") == "[[page]]\nname = 'home'\n"  # no [layout] name


def test_check_an_open_board_format_board(aac, tmp_path):
    """A downloaded board is checked as what it is (and what importing it gives), not as TOML."""
    board = tmp_path / "Board.OBF"  # suffix in capitals, as some exporters write it
    board.write_text('{"format": "open-board-0.1", "id": "1", "name": "Snacks", "locale": "en",'
                     ' "buttons": [{"id": "a", "label": "chips"}, {"id": "b", "label": "apple", "hidden": true}],'
                     ' "grid": {"rows": 1, "columns": 2, "order": [["a", "b"]]}}', encoding="utf-8")
    ok = aac("layout", "check", str(board))
    assert ok.returncode == 0, ok.stdout
    first, *notes = ok.stdout.splitlines()
    assert first.startswith(f"ok: {board} (Open Board Format; imports as 1 pages, ") and "aac layout import" in first
    assert notes == [f"note: {board}: 1 hidden button(s) left out"]

    # the same content without a telling suffix is recognised by what it is
    plain = tmp_path / "board-download"
    plain.write_bytes(board.read_bytes())
    assert aac("layout", "check", str(plain)).stdout.startswith(f"ok: {plain} (Open Board Format")

    broken = tmp_path / "broken.obf"
    broken.write_text('{"format": "open-board-0.1", "id": "1", "buttons": []', encoding="utf-8")
    missing = tmp_path / "missing.obz"
    bad = aac("layout", "check", str(broken), str(missing), "default")
    assert bad.returncode == 1
    lines = bad.stdout.splitlines()
    assert lines[0].startswith(f"{broken}: cannot import this Open Board Format board: ") and "JSON" in lines[0], lines
    assert lines[1] == f"{missing}: cannot import this Open Board Format board: file not found", lines
    assert lines[2].startswith("ok: default (3 pages, "), lines


@pytest.mark.skipif(not OBF.is_dir(), reason="shared OBF samples not available")
def test_check_the_sample_boards(aac):
    samples = sorted(str(p) for p in OBF.iterdir() if p.suffix in (".obf", ".obz"))
    res = aac("layout", "check", *samples)
    assert res.returncode == 0, res.stdout
    oks = [ln for ln in res.stdout.splitlines() if ln.startswith("ok: ")]
    assert [ln.split(" (")[0] for ln in oks] == [f"ok: {s}" for s in samples]
