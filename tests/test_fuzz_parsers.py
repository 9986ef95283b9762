"""Fuzz every file parser a caregiver or another app can feed the board (issue 9, "bad input").

Each parser has exactly one allowed failure - its own clear error (LayoutError, VoiceError,
ObfError) or, for the person's own files, "set aside + defaults + a problem in words" - and
whatever it accepts must be usable: an accepted layout is drawn by the real board, an imported OBF
board round-trips through the layout checker, settings read from any file are all in range.
Budgets are fixed (``max_examples``) so CI stays fast; the number of cases fed to each parser is
printed at the end of the module (``pytest -s``) and appended to ``$AAC_FUZZ_REPORT`` if set.
"""

from __future__ import annotations

import io
import json
import os
import sys
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).resolve().parent))
from reliability_helpers import FuzzCounter, toml_dumps  # noqa: E402

from aac import paths  # noqa: E402
from aac.layouts import Layout, LayoutError, load_layout, load_layout_or_default, parse_layout_text  # noqa: E402
from aac.layouts.model import ACTIONS, TILE_KINDS  # noqa: E402

COUNT = FuzzCounter("test_fuzz_parsers")
FAST = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                                                      HealthCheck.data_too_large,
                                                      HealthCheck.function_scoped_fixture])


#: ``AAC_FUZZ_SCALE=10`` runs ten times the CI budget (a longer fuzzing session by hand).
SCALE = float(os.environ.get("AAC_FUZZ_SCALE", "1") or 1)


def budget(n: int) -> settings:
    """A fixed number of cases per test, no deadline (CI machines are slow and shared)."""
    return settings(FAST, max_examples=max(1, int(n * SCALE)))


@pytest.fixture(scope="module", autouse=True)
def _report_counts():
    yield
    COUNT.dump()


# --------------------------------------------------------------------------- shared strategies
scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-10**6, 10**6), st.integers(), st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20), st.sampled_from(["", " ", "home", "main", "p2", "#ff0000", "red", "rgb(1,2,3)", "\x00",
                                           "\ud7ff", "é", "Привет", "a" * 300]),
)
json_values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=5), st.dictionaries(st.text(max_size=8), inner, max_size=5)), max_leaves=25)

# --------------------------------------------------------------------------- layout TOML
LAYOUT_KEYS = ["name", "language", "theme", "font_scale", "rows", "cols", "kind", "row", "col", "row_span",
               "col_span", "slot", "value", "label", "action", "target", "color", "return_to", "keys"]
toml_scalars = st.one_of(
    st.booleans(), st.integers(-5, 40), st.integers(), st.floats(allow_nan=True),
    st.sampled_from(list(TILE_KINDS) + list(ACTIONS) + ["home", "keys", "p2", "", "en", "ru", "dark",
                                                        "high-contrast", "#00ff00", "x" * 200]),
    st.text(max_size=10),
)
toml_values = st.one_of(toml_scalars, st.lists(toml_scalars, max_size=4),
                        st.dictionaries(st.sampled_from(LAYOUT_KEYS), toml_scalars, max_size=3))


def tile_dicts():
    return st.dictionaries(st.sampled_from(LAYOUT_KEYS), toml_values, max_size=8)


layout_docs = st.fixed_dictionaries(
    {},
    optional={
        "layout": st.dictionaries(st.sampled_from(["name", "language", "theme", "font_scale", "bogus"]), toml_values,
                                  max_size=4),
        "page": st.lists(
            st.fixed_dictionaries(
                {"name": st.sampled_from(["home", "keys", "p2", "", "home"])},
                optional={"rows": st.integers(-1, 30), "cols": st.integers(-1, 30),
                          "return_to": st.sampled_from(["home", "nowhere", ""]),
                          "tile": st.lists(tile_dicts(), max_size=12)}),
            max_size=3),
        "theme": st.dictionaries(st.sampled_from(["base", "background", "text", "tile", "dwell", "zzz"]), toml_values,
                                 max_size=3),
    },
)


def _check_layout_outcome(text: str, file: str = "fuzz.toml") -> Layout | None:
    try:
        layout = parse_layout_text(text, file)
    except LayoutError as exc:
        assert exc.problems, "a LayoutError always says why"
        for p in exc.problems:
            assert "internal error" not in p.message, str(p)
            assert str(p).startswith(file), str(p)
        COUNT.hit("layout_toml", "error")
        return None
    COUNT.hit("layout_toml", "accepted")
    assert isinstance(layout, Layout) and layout.pages
    return layout


@budget(150)
@given(layout_docs)
def test_layout_random_structures_only_layout_error(doc):
    """Random TOML documents built from the layout vocabulary: a Layout or a LayoutError, nothing else."""
    _check_layout_outcome(toml_dumps(doc))


@budget(60)
@given(st.binary(max_size=400), st.sampled_from([b"", b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff"]))
def test_layout_random_bytes_through_load_layout(tmp_path_factory, data, bom):
    """Random bytes as a layout file (BOMs, invalid UTF-8, NULs) through the file path the board uses."""
    path = tmp_path_factory.mktemp("lay") / "fuzz.toml"
    path.write_bytes(bom + data)
    COUNT.hit("layout_toml_bytes")
    try:
        load_layout(path)
    except LayoutError as exc:
        assert exc.problems and all("internal error" not in p.message for p in exc.problems)
    layout, problems = load_layout_or_default(path)
    assert isinstance(layout, Layout) and layout.pages  # the board always gets a board


@budget(40)
@given(st.data())
def test_accepted_random_layouts_draw_on_the_real_board(tmp_path_factory, data):
    """Whatever the checker accepts must not crash the board: draw it with the real BoardApp.

    Starts from the shipped default and mutates tile fields, so most cases are accepted (a
    checker that accepts a layout the renderer cannot draw would be a crash at start-up).
    """
    import tomllib

    os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
    import pygame

    base = tomllib.loads((paths.LAYOUTS_DIR / "default.toml").read_text(encoding="utf-8"))
    page = base["page"][0]
    plausible = {
        "label": st.text(min_size=0, max_size=40),
        "color": st.sampled_from(["#000000", "#ffffff", "#ff0000", "#0a0", "#12345678", "red", "#zzz"]),
        "row_span": st.integers(1, 3),
        "col_span": st.integers(1, 3),
        "slot": st.integers(0, 5),
        "value": st.text(min_size=1, max_size=3),
    }
    for _ in range(data.draw(st.integers(1, 4))):
        i = data.draw(st.integers(0, len(page["tile"]) - 1))
        key = data.draw(st.sampled_from(sorted(plausible)))
        page["tile"][i][key] = data.draw(st.one_of(plausible[key], toml_scalars) if data.draw(st.integers(0, 4)) == 0
                                         else plausible[key])
    layout = _check_layout_outcome(toml_dumps(base), "mutated.toml")
    if layout is None:
        return
    COUNT.hit("layout_board_draw")
    path = tmp_path_factory.mktemp("lay") / "mutated.toml"
    path.write_text(toml_dumps(base), encoding="utf-8")
    from aac.store.profile import Profile
    from aac.ui.app import BoardApp

    prof = Profile.open(tmp_path_factory.mktemp("prof") / "p")
    pygame.display.init()
    pygame.font.init()
    surface = pygame.Surface((800, 480))
    app = BoardApp(prof, surface, layout_name=str(path), clock=lambda: 100.0, handle_events=False)
    try:
        for i in range(3):
            app.step(100.0 + i / 60)
        assert app.layout.name == layout.name
    finally:
        app.close()


# --------------------------------------------------------------------------- voice TOML
VOICE_KEYS = ["engine", "voice_id", "rate", "volume", "pitch", "language", "description", "bogus"]
voice_docs = st.dictionaries(
    st.sampled_from(VOICE_KEYS),
    st.one_of(toml_scalars, st.sampled_from(["pyttsx3", "espeak", "gmw/en-us", "", 160, 0.9, -1, 10**9, 1.5])),
    max_size=7,
)


EN_DEFAULT = {"engine": "pyttsx3", "voice_id": "gmw/en-us", "language": "en", "rate": 160, "volume": 0.9}
mutated_voices = st.builds(lambda base, extra: {**base, **extra}, st.just(EN_DEFAULT), voice_docs)


@budget(120)
@given(st.one_of(voice_docs.map(toml_dumps), mutated_voices.map(toml_dumps), st.text(max_size=200),
                 st.binary(max_size=200)))
def test_voice_toml_only_voice_error(tmp_path_factory, content):
    """Any voice file: a checked VoiceProfile or a VoiceError naming the file; the board's loader
    (``load_voice_or_default``) always ends with a usable voice."""
    from aac.speech.voices import VoiceError, VoiceProfile, load_voice, load_voice_or_default

    d = tmp_path_factory.mktemp("voices")
    path = d / "fuzz.toml"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8", errors="surrogatepass")
    COUNT.hit("voice_toml")
    try:
        v = load_voice(path)
    except VoiceError as exc:
        assert exc.problems and all(str(p) for p in exc.problems)
        assert any("fuzz.toml" in str(p) for p in exc.problems), [str(p) for p in exc.problems]
        COUNT.hit("voice_toml_checks", "error")
    else:
        assert isinstance(v, VoiceProfile)
        assert 0.0 <= v.volume <= 1.0
        COUNT.hit("voice_toml_checks", "accepted")
    voice, problems = load_voice_or_default("fuzz", voices_dir=d)
    assert isinstance(voice, VoiceProfile)


# --------------------------------------------------------------------------- profile JSON files
SETTING_NAMES = ["dwell_ms", "lock_on_ms", "cooldown_ms", "resume_dwell_ms", "voice", "theme", "layout", "language",
                 "text_logging", "profanity_filter", "gaze_source", "fallback_sources", "failover_s",
                 "speak_each_word", "click_sound", "learning_enabled", "clear_after_speak", "scan_interval_ms",
                 "version", "zzz_unknown"]
setting_values = st.one_of(scalars, st.lists(st.sampled_from(["mouse", "tobii", "replay:x.jsonl", "bogus", 3]),
                                            max_size=3), st.dictionaries(st.text(max_size=3), scalars, max_size=2))
settings_docs = st.dictionaries(st.sampled_from(SETTING_NAMES), setting_values, max_size=10)
file_contents = st.one_of(
    settings_docs.map(lambda d: json.dumps(d).encode()),
    json_values.map(lambda v: json.dumps(v).encode()),
    st.binary(max_size=300),
    st.text(max_size=200).map(lambda s: s.encode("utf-8", "surrogatepass")),
    settings_docs.map(lambda d: json.dumps(d).encode()[: max(1, len(json.dumps(d)) // 2)]),  # torn write
)


@budget(120)
@given(st.sampled_from(["settings.json", "profile.json", "draft.json", "calibration.json"]), file_contents)
def test_profile_files_any_content_opens_and_keeps_the_file(tmp_path_factory, name, content):
    """A damaged profile file never stops the profile from opening: defaults are used, settings are
    all valid, the problem is reported in words, and the damaged bytes are kept (set aside)."""
    from aac.store.profile import Profile
    from aac.store.settings import Settings, check_value, field_names
    from aac.store.state import profile_state

    d = tmp_path_factory.mktemp("prof") / "p"
    Profile.open(d).close()
    (d / name).write_bytes(content)
    COUNT.hit(f"profile_{name}")
    prof = Profile.open(d)
    s = prof.settings
    assert isinstance(s, Settings)
    for key in field_names():
        clean, why = check_value(key, getattr(s, key))
        assert why is None, (key, getattr(s, key), why)
    draft = prof.load_draft()
    assert isinstance(draft, str)
    state = profile_state(prof)
    json.dumps(state)  # the --json output is always serialisable
    kept = [p for p in d.iterdir() if p.name == name or p.name.startswith(name + ".corrupt-")]
    assert any(p.read_bytes() == content for p in kept) or _equivalent_json(d / name, content), \
        f"{name}: the original bytes were lost"
    prof.close()


def _equivalent_json(path: Path, content: bytes) -> bool:
    """An accepted file may be rewritten (e.g. settings normalised); then it must have parsed."""
    try:
        json.loads(content.decode("utf-8"))
        return path.exists()
    except (UnicodeDecodeError, json.JSONDecodeError):
        return False


@budget(100)
@given(settings_docs)
def test_settings_from_any_dict_are_in_range(doc):
    """The settings decoder clamps nothing silently: a bad value falls back to the default and is
    reported; every value that comes out passes the same check the caregiver's `profile set` uses."""
    from aac.store.settings import check_value, field_names, from_dict

    COUNT.hit("settings_dict")
    s, problems = from_dict(doc, source="fuzz")
    for key in field_names():
        _, why = check_value(key, getattr(s, key))
        assert why is None, (key, getattr(s, key))
    for key in doc:
        if key not in ("version",) and key not in field_names():
            assert any(key in p for p in problems)


# --------------------------------------------------------------------------- OBF / OBZ
obf_ids = st.one_of(st.integers(-3, 30), st.text(max_size=4), st.none(), st.floats(allow_nan=False, allow_infinity=False))
obf_buttons = st.lists(st.fixed_dictionaries(
    {"id": obf_ids},
    optional={
        "label": st.one_of(st.text(max_size=12), st.integers(), st.none()),
        "vocalization": st.one_of(st.text(max_size=12), st.none()),
        "action": st.one_of(st.sampled_from([":space", ":clear", ":backspace", ":speak", ":home", ":back", ":hush",
                                             "+a", "+", ":bogus", ""]), st.integers()),
        "load_board": st.one_of(st.fixed_dictionaries({}, optional={"id": obf_ids, "path": st.text(max_size=10),
                                                                      "url": st.text(max_size=10)}), st.text(max_size=3)),
        "background_color": st.one_of(st.sampled_from(["rgb(255, 0, 0)", "rgba(1,2,3,0.5)", "#fff", "red", "rgb(999,0,0)",
                                                       " rgb( 255, 0,  0) "]), st.integers()),
        "hidden": st.one_of(st.booleans(), st.text(max_size=3)),
        "image_id": obf_ids,
    }), max_size=12)


@st.composite
def obf_boards(draw):
    buttons = draw(obf_buttons)
    ids = [b["id"] for b in buttons] + [None, "missing"]
    rows = draw(st.integers(-1, 12))
    cols = draw(st.integers(-1, 12))
    order = draw(st.lists(st.lists(st.sampled_from(ids), max_size=max(0, cols) + 1), max_size=max(0, rows) + 1))
    board = {"format": "open-board-0.1", "id": draw(obf_ids), "name": draw(st.one_of(st.text(max_size=10), st.none())),
             "locale": draw(st.sampled_from(["en", "en-US", "ru", "xx", "", None, 5])),
             "buttons": buttons,
             "grid": draw(st.one_of(st.just({"rows": rows, "columns": cols, "order": order}),
                                    json_values, st.just({"rows": rows, "columns": cols})))}
    for key in draw(st.lists(st.sampled_from(["grid", "buttons", "id", "format"]), max_size=1)):
        board.pop(key, None)
    return board


@st.composite
def valid_obf_boards(draw, n_boards: int = 1):
    """Well-formed boards (so the fuzzer also reaches the converter, not only the reader)."""
    rows, cols = draw(st.integers(1, 5)), draw(st.integers(1, 6))
    buttons, order = [], []
    for r in range(rows):
        row = []
        for c in range(cols):
            bid = f"b{r}_{c}"
            b = {"id": bid, "label": draw(st.text(min_size=1, max_size=10))}
            kind = draw(st.integers(0, 5))
            if kind == 1:
                b["action"] = draw(st.sampled_from([":space", ":clear", ":backspace", ":speak", ":home", ":hush", "+a"]))
            elif kind == 2:
                b["load_board"] = {"id": str(draw(st.integers(0, n_boards))),
                                   "path": f"boards/{draw(st.integers(0, n_boards))}.obf"}
            elif kind == 3:
                b["background_color"] = draw(st.sampled_from(["rgb(255, 0, 0)", "rgba(1,2,3,0.5)", "#fff"]))
            buttons.append(b)
            row.append(bid if draw(st.integers(0, 6)) else None)
        order.append(row)
    return {"format": "open-board-0.1", "id": "x", "locale": "en", "name": draw(st.text(max_size=8)),
            "buttons": buttons, "grid": {"rows": rows, "columns": cols, "order": order}}


def _import_outcome(path: Path, kind: str) -> None:
    from aac.layouts.obf import ImportResult, ObfError, import_board

    COUNT.hit(kind)
    try:
        result = import_board(path)
    except ObfError as exc:
        msg = str(exc)
        assert msg and "\n" not in msg.strip(), msg
        COUNT.hit(kind + "_checks", "error")
        return
    COUNT.hit(kind + "_checks", "accepted")
    assert isinstance(result, ImportResult)
    again = parse_layout_text(result.toml, "imported.toml")  # the written TOML is a valid layout
    assert again == result.layout


@budget(150)
@given(st.one_of(obf_boards(), valid_obf_boards()))
def test_obf_json_structures_only_obf_error(tmp_path_factory, board):
    path = tmp_path_factory.mktemp("obf") / "board.obf"
    path.write_text(json.dumps(board), encoding="utf-8")
    _import_outcome(path, "obf_json")


@budget(60)
@given(st.one_of(st.binary(max_size=300), st.text(max_size=200).map(lambda s: s.encode("utf-8", "surrogatepass")),
                 json_values.map(lambda v: json.dumps(v).encode())))
def test_obf_random_bytes_only_obf_error(tmp_path_factory, data):
    path = tmp_path_factory.mktemp("obf") / "board.obf"
    path.write_bytes(data)
    _import_outcome(path, "obf_bytes")


@st.composite
def obz_packages(draw):
    """Zip packages: a manifest (valid or not), boards (valid or not), and raw byte damage."""
    n = draw(st.integers(0, 3))
    boards = [draw(st.one_of(valid_obf_boards(n), valid_obf_boards(n), obf_boards())) for _ in range(n)]
    for i, b in enumerate(boards):
        b["id"] = str(i)
    names = [f"boards/{i}.obf" for i in range(len(boards))]
    manifest = draw(st.one_of(
        st.just({"format": "open-board-0.1", "root": names[0] if names else "boards/0.obf",
                 "paths": {"boards": {str(b.get("id")): n for b, n in zip(boards, names)}}}),
        json_values))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        if draw(st.booleans()) or not boards:
            zf.writestr("manifest.json", json.dumps(manifest))
        else:
            zf.writestr("manifest.json", draw(st.binary(max_size=40)))
        for n, b in zip(names, boards):
            zf.writestr(n, json.dumps(b))
        if draw(st.booleans()):
            zf.writestr("../../evil.obf", "{}")  # path traversal attempt: must not be followed outside
    data = bytearray(buf.getvalue())
    for _ in range(draw(st.sampled_from([0, 0, 0, 1, 3]))):  # flip bytes: damaged zip
        if data:
            i = draw(st.integers(0, len(data) - 1))
            data[i] = draw(st.integers(0, 255))
    return bytes(data)


@budget(100)
@given(obz_packages())
def test_obz_zip_bytes_only_obf_error(tmp_path_factory, data):
    d = tmp_path_factory.mktemp("obz")
    path = d / "pkg.obz"
    path.write_bytes(data)
    before = set(p.name for p in d.parent.iterdir())
    _import_outcome(path, "obz_zip")
    assert set(p.name for p in d.parent.iterdir()) == before  # nothing written next to the package


#: Found by test_obz_zip_bytes_only_obf_error (session 11): a package whose central directory
#: points a member's header before the file start; zipfile raised "negative seek value -1"
#: (a ValueError) through the check for the board's own exports, past the importer's message.
NEGATIVE_SEEK_OBZ = b'PK\x03\x04\x14\x00\x00\x00\x00\x00\xc5>\x87])\xbbL\r\x02\x00\x00\x00\x02\x00\x00\x00\r\x00\x00\x00manifest.json[]PK\x03\x04\x14\x00\x00\x00\x00\x00\xc5>\x87]C\xbf\xa6\xa3\x02\x00\x00\x00\x02\x00\x00\x00\x0e\x00\x00\x00../../evil.obf{}PK\x01\x02\x14\x03\x14\x00\x00\x00\x00\x00\xc5>\x87])\xbbL\r\x02\x00\x00\x00\x02\x00\x00\x00\r\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80\x01\x00\x00\x00\x00manifest.jsonPK\x01\x02\x14\x03\x14\x00\x00\x00\x00\x00\xc5>\x87]C\xbf\xa6\xa3\x02\x00\x00\x00\x02\x00\x00\x00\x0e\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80\x01-\x00\x00\x00../../evil.obfPK\x05\x06\x00\x00\x00\x00\x02\x00\x02\x00w\x00\x00\x00\\\x00\x00\x00\x00\x00'


def test_a_package_whose_member_points_before_the_file_start_gets_a_clear_error(tmp_path):
    from aac.layouts.obf import ObfError, import_board

    path = tmp_path / "pkg.obz"
    path.write_bytes(NEGATIVE_SEEK_OBZ)
    with pytest.raises(ObfError) as err:
        import_board(path)
    assert "negative seek" in str(err.value) or "package" in str(err.value), str(err.value)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pkg.obz"]
