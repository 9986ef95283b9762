"""Fuzz the loader: whatever a caregiver (or a cat on the keyboard) writes, the only failure is a
LayoutError with readable problems, never another exception and never the checker's own
"internal error" safety net."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aac import paths
from aac.layouts import Layout, LayoutError, parse_layout_text
from aac.layouts.loader import load_layout_or_default
from aac.layouts.model import ACTIONS, TILE_KINDS

FRAGMENTS = [
    "[layout]", "[[page]]", "[[page.tile]]", "[[page.keys]]", "[theme]", "[page]", "[[layout]]",
    'name = "home"', 'name = "p2"', "rows = 3", "cols = 4", "rows = 0", "cols = -1", 'rows = "3"',
    'kind = "word"', 'kind = "message"', 'kind = "page"', 'kind = "action"', 'kind = "wrod"',
    'action = "pause"', 'action = "speek"', 'target = "home"', 'target = "p2"', "slot = 0", "slot = 7",
    "row = 0", "col = 0", "row = 1", "col = 9", "row_span = 2", "col_span = 0", 'keys = "abc"',
    'keys = ["a", 1]', 'color = "#ff0000"', 'color = "red"', "font_scale = 9", 'theme = "dark"',
    'theme = { base = "light" }', 'value = "x"', 'label = """multi\nline"""', "tile = []", "tile = 3",
    "page = 1", 'return_to = "nowhere"', "x = [", "]", '"', "'", "=", "#", "\n", " ", "{", "}", ",",
    "1979-05-27", "inf", "nan", "true", "\ufeff", "\x00",
]

toml_ish = st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=6)), max_size=40).map("\n".join)

@pytest.fixture(autouse=True, scope="module")
def _isolated_dirs(tmp_path_factory):
    """Nothing the loader remembers may land in the real user dirs."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("AAC_DATA_DIR", str(tmp_path_factory.mktemp("data")))
        mp.setenv("AAC_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
        yield


DEFAULT_TEXT = (paths.LAYOUTS_DIR / "default.toml").read_text(encoding="utf-8")


def check_outcome(text: str) -> None:
    try:
        layout = parse_layout_text(text, "fuzz.toml")
    except LayoutError as exc:
        assert exc.problems, "a LayoutError always says why"
        n_lines = text.count("\n") + 2
        for p in exc.problems:
            assert "internal error" not in p.message, str(p)
            assert p.line is None or 1 <= p.line <= n_lines, str(p)
            assert str(p).startswith("fuzz.toml")
        return
    assert isinstance(layout, Layout) and layout.pages


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(toml_ish)
def test_random_toml_ish_text_only_raises_layout_error(text):
    check_outcome(text)


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_mutated_default_layout_only_raises_layout_error(data):
    text = DEFAULT_TEXT
    for _ in range(data.draw(st.integers(1, 4))):
        pos = data.draw(st.integers(0, len(text)))
        op = data.draw(st.sampled_from(["delete", "insert", "replace"]))
        chunk = data.draw(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=4)))
        if op == "delete":
            text = text[:pos] + text[pos + len(chunk) :]
        elif op == "insert":
            text = text[:pos] + chunk + text[pos:]
        else:
            text = text[:pos] + chunk + text[pos + len(chunk) :]
    check_outcome(text)


# Structured fuzz: valid TOML syntax with random keys, types and values, so the checker itself
# (not only the TOML parser) sees every kind of wrong input.
scalars = st.one_of(
    st.integers(-3, 20), st.booleans(), st.floats(allow_nan=False, allow_infinity=False, width=16),
    st.sampled_from(list(TILE_KINDS) + list(ACTIONS) + ["home", "p1", "#00ff00", "", "wrod"]),
    st.text(max_size=5),
)
values = st.one_of(scalars, st.lists(scalars, max_size=3))
tile_keys = st.sampled_from(
    ["kind", "row", "col", "row_span", "col_span", "label", "value", "slot", "action", "target", "color",
     "colour", "keys", "bogus"]
)
tables = st.dictionaries(tile_keys, values, max_size=8)


def toml_value(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return repr(v)
    if isinstance(v, str):
        return json.dumps(v)  # JSON string escapes are valid TOML basic-string escapes
    return "[" + ", ".join(toml_value(x) for x in v) + "]"


@st.composite
def layouts(draw):
    lines = ["[layout]"]
    for key, v in draw(st.dictionaries(st.sampled_from(["name", "language", "theme", "font_scale", "junk"]), values)).items():
        lines.append(f"{key} = {toml_value(v)}")
    for i in range(draw(st.integers(0, 3))):
        lines += ["", "[[page]]"]
        page = draw(st.dictionaries(st.sampled_from(["name", "rows", "cols", "return_to", "oops"]), values))
        page.setdefault("name", draw(st.sampled_from(["home", "p1", "p2"])))
        for key, v in page.items():
            lines.append(f"{key} = {toml_value(v)}")
        for _ in range(draw(st.integers(0, 5))):
            lines += ["", draw(st.sampled_from(["[[page.tile]]", "[[page.keys]]"]))]
            for key, v in draw(tables).items():
                lines.append(f"{key} = {toml_value(v)}")
    return "\n".join(lines) + "\n"


@settings(max_examples=200, deadline=None)
@given(layouts())
def test_structured_random_layouts_only_raise_layout_error(text):
    check_outcome(text)


@settings(max_examples=25, deadline=None)
@given(toml_ish)
def test_load_or_default_never_raises(text):
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / "fuzz.toml"
        p.write_bytes(text.encode("utf-8", errors="replace"))  # lone surrogates cannot be UTF-8
        layout, _problems = load_layout_or_default(p)
        assert layout.pages
