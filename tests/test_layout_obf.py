"""Open Board Format import: the real sample boards, and the ways real files go wrong."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from aac.layouts import load_layout
from aac.layouts.advice import advise
from aac.layouts.cli import cmd_import
from aac.layouts.obf import ObfError, import_board, parse_colour
from aac.layouts.themes import contrast_ratio

SAMPLES = Path("/work/shared/data/obf")
if not SAMPLES.is_dir():  # the shared samples live outside the repo
    pytestmark = pytest.mark.skip("shared OBF samples not available")


@pytest.fixture(autouse=True)
def _isolated_data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("AAC_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("AAC_CACHE_DIR", str(tmp_path / "cache"))


def sample_files():
    return sorted(p.name for p in SAMPLES.glob("*.ob[fz]")) if SAMPLES.is_dir() else []


@pytest.mark.parametrize("name", sample_files())
def test_every_sample_imports_to_a_layout_that_passes_check(name, tmp_path):
    result = import_board(SAMPLES / name)
    out = tmp_path / "out.toml"
    result.write(out)
    layout = load_layout(out)  # the written file passes the same checker as hand-made ones
    assert layout == result.layout
    for page in layout.pages:
        assert len(page.tiles_of("message")) == 1
        assert {"speak", "clear", "undo"} <= {t.action for t in page.tiles_of("action")}
    assert any(t.action == "pause" for t in layout.home.tiles)
    for page in layout.pages[1:]:
        assert layout.home.name in {t.target for t in page.tiles_of("page")}
    assert (out.stat().st_mode & 0o777) == 0o600


def test_lots_of_stuff_vocalization_colours_and_notes():
    result = import_board(SAMPLES / "lots-of-stuff.obf")
    home = result.layout.home
    happy = next(t for t in home.tiles if t.label == "happy")
    assert happy.kind == "phrase" and happy.value == "I am happy, yo"
    assert happy.color == "#6e6e6e"  # "rgb(200, 200, 200)" darkened for the yellow text
    clear = next(t for t in home.tiles if t.label == "Clear Text")
    assert clear.kind == "action" and clear.action == "clear"
    assert not any(t.label == "No way" for t in home.tiles)  # hidden button
    notes = " | ".join(result.notes)
    assert "hidden" in notes and "outside this file" in notes and "pictures" in notes
    assert "# Board 'Lots of Stuff Board': licence CC-By; Brian Whitmer" in result.toml


def test_keyboard_board_spelling_space_and_mixed_ids():
    result = import_board(SAMPLES / "board_1_58.obf")
    page = result.layout.home
    letters = {t.value for t in page.tiles_of("letter")}
    assert set("qwertyuiopasdfghjklzxcvbnm") <= letters
    space = [t for t in page.tiles if t.action == "space"]
    assert len(space) == 1 and space[0].label == "space"
    # grid row 3, col 1 in the board ("z") sits one row lower (the message bar is row 0)
    z = page.tile_at(3, 1 * (page.cols // 10))
    assert z is not None and z.value == "z"
    assert any(":shift" in n for n in result.notes)


def test_foreign_labels_integer_ids_and_no_locale():
    result = import_board(SAMPLES / "foreign.obf")
    labels = {t.label for t in result.layout.home.tiles_of("phrase")}
    assert {"हेर्नुहोस्", "यो", "صرخة", "水很酷哟"} <= labels
    assert result.layout.language == "en"
    assert any("locale" in n for n in result.notes)
    assert import_board(SAMPLES / "foreign.obf", language="ne").layout.language == "ne"


def test_obz_links_become_pages():
    layout = import_board(SAMPLES / "links.obz").layout
    assert [p.name for p in layout.pages] == ["simple-board", "simple-board-2", "simple-board-3"]
    links = {t.label: t.target for t in layout.home.tiles_of("page")}
    assert links == {"feelings": "simple-board-2", "colors": "simple-board-3"}
    layout = import_board(SAMPLES / "path_images.obz").layout
    assert layout.home.tile_at(1, 0).target == "linked-board"


def test_cli_import_writes_user_layout_and_refuses_to_overwrite(tmp_path, capsys):
    class Args:
        file = str(SAMPLES / "links.obz")
        out = None
        name = "Family board"
        language = None
        force = False

    assert cmd_import(Args) == 0
    out = capsys.readouterr().out
    assert "imported:" in out and "family-board" in out
    assert load_layout("family-board").name == "Family board"
    assert cmd_import(Args) == 1
    assert "already exists" in capsys.readouterr().err


@pytest.mark.parametrize(
    "value,expected",
    [
        ("rgb(200, 200, 200)", "#c8c8c8"),
        ("rgb( 255, 0,  0) ", "#ff0000"),
        ("rgba(0, 0, 0, 0.1)", "#e6e6e6"),  # 10 % black over a white page
        ("#444", "#444444"),
        ("#FFFF32", "#ffff32"),
        ("blue", None),
        (12, None),
    ],
)
def test_colour_parsing(value, expected):
    assert parse_colour(value) == expected


# ---------------------------------------------------------------------------- bad files


def board(**over):
    b = {
        "format": "open-board-0.1", "id": "b", "locale": "en", "name": "Test",
        "grid": {"rows": 1, "columns": 2, "order": [["1", 2]]},
        "buttons": [{"id": "1", "label": "hi"}, {"id": 2, "label": "bye", "background_color": "rgba(255,0,0,0.5)"}],
    }
    b.update(over)
    return b


def write_json(tmp_path, obj, name="b.obf"):
    p = tmp_path / name
    p.write_text(obj if isinstance(obj, str) else json.dumps(obj), encoding="utf-8")
    return p


@pytest.mark.parametrize(
    "content,message",
    [
        ('{"grid": ', "is not valid JSON: Expecting value at line 1, column 10"),
        ("[1, 2]", "must hold a JSON object (a board), not list"),
        (board(grid=None), "has no grid"),
        (board(grid={"rows": 0, "columns": 2, "order": []}), "grid.rows must be a positive whole number, got 0"),
        (board(grid={"rows": 1, "columns": "2", "order": []}), "grid.columns must be a positive whole number"),
        (board(grid={"rows": 1, "columns": 2, "order": "1,2"}), "grid.order must be a list of rows"),
        (board(buttons={"1": {}}), "buttons must be a list"),
        (board(grid={"rows": 30, "columns": 2, "order": [[None, None]] * 30}), "the largest page is 11 x 16"),
    ],
)
def test_bad_obf_gives_a_clear_error(tmp_path, content, message):
    if isinstance(content, dict) and content.get("grid") is None:
        del content["grid"]
    with pytest.raises(ObfError) as info:
        import_board(write_json(tmp_path, content))
    assert message in str(info.value)


def test_tolerated_quirks(tmp_path):
    obj = board(
        grid={"rows": 2, "columns": 2, "order": [["1", 2, "extra"], ["00", "missing"]]},
        buttons=[
            {"id": "1", "label": "hi"},
            {"id": "1", "label": "dup"},
            {"id": 2, "label": "  bye  now ", "background_color": "rgba(255,0,0,0.5)"},
            {"id": "00", "label": "zero-zero", "action": ":beep"},
            {"id": 7, "label": "not placed"},
            {"id": 8},
            {"label": "no id"},
            "junk",
        ],
    )
    obj.pop("locale")
    result = import_board(write_json(tmp_path, obj))
    home = result.layout.home
    assert home.tile_at(1, 0).label == "hi"
    assert home.tile_at(2, 0) is None  # "00" has an unknown action: left out, not misread as id 0
    bye = next(t for t in home.tiles if t.kind == "phrase" and t.value == "bye now")
    assert bye.color == "#a65353"  # rgba(255,0,0,0.5) over white = #ff8080, darkened: still red
    notes = " | ".join(result.notes)
    for expected in ("duplicate button ids ['1']", "does not match 2 x 2", "not in grid.order", ":beep",
                     "does not exist", "not an object", "without an id"):
        assert expected in notes, expected


def test_button_colours_keep_their_hue_and_stay_readable(tmp_path):
    colours = ["#000080", "#ffffff", "#ffff32", "#c0c0c0", "#ff0000", "#32cd32"]
    obj = board(grid={"rows": 1, "columns": len(colours), "order": [[str(i) for i in range(len(colours))]]},
                buttons=[{"id": str(i), "label": c, "background_color": c} for i, c in enumerate(colours)])
    layout = import_board(write_json(tmp_path, obj)).layout
    text = layout.theme.tile_text
    for tile in layout.home.tiles_of("phrase"):
        assert contrast_ratio(tile.color, text) >= 4.5, tile
        if tile.label == "#000080":
            assert tile.color == "#000080"  # already readable: unchanged
        r, g, b = (int(tile.color[i : i + 2], 16) for i in (1, 3, 5))
        r0, g0, b0 = (int(tile.label[i : i + 2], 16) for i in (1, 3, 5))
        assert r * g0 == pytest.approx(g * r0, abs=600) and g * b0 == pytest.approx(b * g0, abs=600)  # same hue


def write_zip(tmp_path, files, name="p.obz"):
    p = tmp_path / name
    with zipfile.ZipFile(p, "w") as zf:
        for member, data in files:
            zf.writestr(member, data if isinstance(data, str) else json.dumps(data))
    return p


def test_obz_with_manifest_not_first_and_links_by_id(tmp_path):
    root = board(buttons=[{"id": "1", "label": "more", "load_board": {"id": "sub"}}, {"id": 2, "label": "bye"}])
    sub = board(id="sub", name="Sub board")
    manifest = {"format": "open-board-0.1", "root": "boards/root.obf",
                "paths": {"boards": {"b": "boards/root.obf", "sub": "boards/sub.obf"}}}
    p = write_zip(tmp_path, [("boards/root.obf", root), ("boards/sub.obf", sub), ("manifest.json", manifest)])
    layout = import_board(p).layout
    assert [pg.name for pg in layout.pages] == ["test", "sub-board"]
    assert layout.home.tile_at(1, 0).target == "sub-board"


@pytest.mark.parametrize(
    "files,message",
    [
        ([("boards/a.obf", board())], "has no manifest.json"),
        ([("manifest.json", {"root": "boards/nope.obf"})], "root must name a board file in the package"),
        ([("manifest.json", "{oops"), ("a.obf", board())], "manifest.json is not valid JSON"),
        ([("manifest.json", {"root": "a.obf"}), ("a.obf", "not json")], "a.obf is not valid JSON: Expecting value at line 1, column 1"),
    ],
)
def test_bad_obz_gives_a_clear_error(tmp_path, files, message):
    with pytest.raises(ObfError) as info:
        import_board(write_zip(tmp_path, files))
    assert message in str(info.value)


def test_not_a_zip_and_missing_file(tmp_path):
    p = tmp_path / "fake.obz"
    p.write_bytes(b"this is not a zip")
    with pytest.raises(ObfError, match="not a valid .obz"):
        import_board(p)
    with pytest.raises(ObfError, match="file not found"):
        import_board(tmp_path / "nope.obf")


@pytest.mark.parametrize("name", sample_files())
def test_import_with_prediction_rows(name):
    layout = import_board(SAMPLES / name, predictions=True).layout
    for page in layout.pages:
        assert sorted(t.slot for t in page.tiles_of("word")) == [0, 1, 2, 3, 4]
        assert sorted(t.slot for t in page.tiles_of("ending")) == [0, 1, 2]
        assert {t.row for t in page.tiles_of("word")} == {2}
        # the board's own buttons start below the prediction rows
        assert all(t.row >= 3 for t in page.tiles if t.kind not in ("message", "word", "ending") and t.row != 0
                   and t.action != "undo")
        assert advise(layout) == [] or all("letters missing" in n for n in advise(layout))


# ---------------------------------------------------------------------------- fuzz

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

json_scalars = st.one_of(st.none(), st.booleans(), st.integers(-2, 40), st.floats(allow_nan=False, width=16),
                         st.text(max_size=6), st.sampled_from(["1", 1, 0, "00", "+a", ":space", ":home", "rgb(1,2,3)"]))
json_values = st.recursive(json_scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=4), inner, max_size=4),
                           max_leaves=12)
ids = st.sampled_from(["1", 1, 0, "00", "a", None])


@st.composite
def valid_grid(draw):
    rows, cols = draw(st.integers(1, 4)), draw(st.integers(1, 6))
    return {"rows": rows, "columns": cols, "order": [[draw(ids) for _ in range(cols)] for _ in range(rows)]}


button = st.fixed_dictionaries({"id": ids}, optional={
    "label": json_scalars, "vocalization": json_scalars, "action": json_scalars,
    "hidden": st.booleans(), "background_color": json_scalars, "load_board": json_values})
junk_grid = st.fixed_dictionaries({}, optional={
    "rows": st.integers(-1, 14) | json_scalars, "columns": st.integers(-1, 18) | json_scalars,
    "order": st.lists(st.lists(json_scalars, max_size=6), max_size=6) | json_values})
board_obj = st.fixed_dictionaries({}, optional={
    "id": json_scalars, "name": json_scalars, "locale": json_scalars, "grid": valid_grid() | valid_grid() | junk_grid | json_values,
    "buttons": st.lists(button | json_values, max_size=8) | json_values, "license": json_values})


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(board_obj)
def test_random_boards_import_or_fail_with_obf_error(tmp_path, obj):
    p = tmp_path / "fuzz.obf"
    p.write_text(json.dumps(obj), encoding="utf-8")
    try:
        result = import_board(p)
    except ObfError as exc:
        assert str(exc) and "did not pass the check" not in str(exc)  # that would be a converter bug
        return
    assert result.layout.pages and result.layout.home.tiles_of("message")


def test_lone_surrogate_in_a_label_is_replaced_not_fatal(tmp_path):
    p = tmp_path / "s.obf"
    p.write_text('{"grid": {"rows": 1, "columns": 1, "order": [["1"]]}, "buttons": [{"id": "1", "label": "a\\ud800b"}]}')
    result = import_board(p)
    result.write(tmp_path / "s.toml")
    assert result.layout.home.tile_at(1, 0).label == "a\ufffdb"
