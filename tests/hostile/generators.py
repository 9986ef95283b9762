"""Hypothesis strategies for hostile inputs, one per family (issue 20).

Each strategy draws a *case*: a dict that can cross a pipe as JSON (bytes as latin-1 text in
"data") and that tests/hostile/worker.py knows how to run. The shapes are the real formats with
the values a careless hand or a hostile file puts there: huge and negative numbers, numbers with
thousands of digits, NUL/control/bidi characters and lone surrogates, deep nesting, wrong types,
truncation, byte flips, lying zip headers, and paths that are not regular files.
"""

from __future__ import annotations

import io
import json
import re
import sqlite3
import struct
import zipfile
import zlib
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

from aac.layouts.model import ACTIONS, TILE_KINDS

# --------------------------------------------------------------------------- building blocks
NASTY_CHARS = ["\x00", "\x07", "\x1b", "\x7f", "\x85", "\u202e", "\u2066", "\u200f", "\ufeff", "\ufffd",
               "\ud800", "\udfff", "\U0001f600", "\u0301", "\n", "\r", "\t", "\"", "\\", "'", "=", "@", "+", "-",
               "<script>", "]]", "[[", "й", "ש", "界"]
nasty_text = st.lists(st.one_of(st.sampled_from(NASTY_CHARS), st.text(max_size=6)), max_size=8).map("".join)
big_ints = st.one_of(st.integers(-5, 30), st.integers(-2**64, 2**64), st.sampled_from([0, 1, 100000, 10**12, -1]))
odd_floats = st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.sampled_from([1e308, -0.0, 0.5, 1e-320]))
scalar = st.one_of(st.none(), st.booleans(), big_ints, odd_floats, nasty_text)
json_value = st.recursive(scalar, lambda kids: st.one_of(st.lists(kids, max_size=4),
                                                         st.dictionaries(nasty_text, kids, max_size=4)), max_leaves=12)


def _dumps(obj: Any) -> bytes:
    """JSON with NaN/Infinity allowed (other apps write them) and lone surrogates kept as escapes."""
    return json.dumps(obj, ensure_ascii=True, allow_nan=True).encode("ascii")


@st.composite
def mutated(draw: st.DrawFn, data: bytes) -> bytes:
    """Apply 0-2 of the damages files really suffer."""
    for _ in range(draw(st.integers(0, 2))):
        kind = draw(st.sampled_from(["none", "truncate", "flip", "insert", "bom", "huge-number", "deep",
                                     "latin1", "nul"]))
        n = len(data)
        if kind == "truncate" and n:
            data = data[: draw(st.integers(0, n - 1))]
        elif kind == "flip" and n:
            i = draw(st.integers(0, n - 1))
            data = data[:i] + bytes([data[i] ^ draw(st.integers(1, 255))]) + data[i + 1:]
        elif kind == "insert":
            i = draw(st.integers(0, n))
            data = data[:i] + draw(st.binary(max_size=8)) + data[i:]
        elif kind == "bom":
            data = b"\xef\xbb\xbf" + data
        elif kind == "huge-number":
            data = data.replace(b"1", b"9" * draw(st.sampled_from([400, 4301, 5000])), 1)
        elif kind == "deep":
            depth = draw(st.sampled_from([50, 1000, 100_000]))
            data = b'{"x": ' + b"[" * depth + b"]" * depth + b", " + data.lstrip(b"{") if data.startswith(b"{") else data
        elif kind == "latin1":
            data = data.replace(b"a", b"\xe9", 1)
        elif kind == "nul":
            data = data.replace(b" ", b"\x00", 1)
    return data


#: How the file is handed over: a regular file mostly, sometimes something that is not one.
shapes = st.sampled_from(["file"] * 12 + ["fifo", "dir", "symlink-dev-zero", "symlink-missing"])


def case(family: str, data: bytes, **extra: Any) -> dict[str, Any]:
    return {"family": family, "data": data.decode("latin-1"), **extra}


# --------------------------------------------------------------------------- OBF / OBZ
ids = st.one_of(st.integers(-3, 40).map(str), st.integers(-3, 40), nasty_text, st.none(), st.booleans(), odd_floats)
colours = st.one_of(st.none(), nasty_text, st.sampled_from(["rgb(255,0,0)", "rgba(1e999, 0, 0, 2)", "#fff", "#12345678",
                                                             "rgb( 1.5 , -3, 400 )", "rgba(0,0,0,nan)"]))
actions = st.one_of(st.none(), st.sampled_from([":space", ":clear", ":backspace", ":speak", ":home", ":back", ":hush",
                                               "+a", "+hello", "+", ":unknown", ""]), nasty_text)


@st.composite
def obf_board(draw: st.DrawFn, board_id: str = "1", link_ids: tuple[str, ...] = ()) -> dict[str, Any]:
    if draw(st.booleans()):  # a board that imports, with hostile text in it
        rows, cols = draw(st.integers(1, 5)), draw(st.integers(1, 6))
        buttons = [{"id": str(i), "label": draw(nasty_text), "vocalization": draw(st.one_of(st.none(), nasty_text)),
                    "action": draw(st.one_of(st.none(), st.sampled_from([":space", "+a", ":speak", ":home"]))),
                    "background_color": draw(colours)} for i in range(rows * cols)]
        for b in buttons:
            if link_ids and draw(st.integers(0, 4)) == 0:
                b["load_board"] = {"id": draw(st.sampled_from(link_ids))}
        order = [[str(r * cols + c) for c in range(cols)] for r in range(rows)]
        return {"format": "open-board-0.1", "id": board_id, "name": draw(nasty_text), "locale": "en",
                "buttons": buttons, "grid": {"rows": rows, "columns": cols, "order": order}}
    rows = draw(st.one_of(st.integers(1, 6), big_ints, scalar))
    cols = draw(st.one_of(st.integers(1, 6), big_ints, scalar))
    n_buttons = draw(st.integers(0, 12))
    buttons = []
    for i in range(n_buttons):
        b: dict[str, Any] = {"id": draw(st.one_of(st.just(str(i)), ids)),
                             "label": draw(st.one_of(nasty_text, scalar)),
                             "vocalization": draw(st.one_of(st.none(), nasty_text)),
                             "action": draw(actions), "background_color": draw(colours),
                             "hidden": draw(st.one_of(st.booleans(), scalar))}
        if link_ids and draw(st.booleans()):
            b["load_board"] = draw(st.one_of(st.fixed_dictionaries({"id": st.sampled_from(link_ids)}),
                                             st.fixed_dictionaries({"path": st.one_of(
                                                 st.sampled_from([f"boards/{x}.obf" for x in link_ids]), nasty_text)}),
                                             json_value))
        if draw(st.integers(0, 9)) == 0:
            b = draw(json_value) if draw(st.booleans()) else b
        buttons.append(b)
    r_small = rows if isinstance(rows, int) and not isinstance(rows, bool) and 0 < rows <= 8 else 3
    c_small = cols if isinstance(cols, int) and not isinstance(cols, bool) and 0 < cols <= 8 else 3
    order = [[draw(st.one_of(st.integers(0, n_buttons).map(str), ids)) for _ in range(draw(st.integers(0, c_small + 1)))]
             for _ in range(draw(st.integers(0, r_small + 1)))]
    grid: Any = {"rows": rows, "columns": cols, "order": order}
    if draw(st.integers(0, 15)) == 0:
        grid = draw(json_value)
    return {"format": "open-board-0.1", "id": board_id, "name": draw(st.one_of(nasty_text, scalar)),
            "locale": draw(st.one_of(st.sampled_from(["en", "ru", "en-US", "", "x" * 20]), scalar)),
            "license": draw(st.one_of(st.none(), st.dictionaries(st.sampled_from(["type", "author_name"]), nasty_text))),
            "buttons": buttons if draw(st.integers(0, 15)) else draw(json_value), "grid": grid}


@st.composite
def obf_cases(draw: st.DrawFn) -> dict[str, Any]:
    data = draw(mutated(_dumps(draw(obf_board()))))
    return case("obf", data, shape=draw(shapes), suffix=".obf")


def _lie_about_sizes(data: bytes, factor_small: int) -> bytes:
    """Rewrite every size field of the zip's headers to a small number (headers that lie)."""
    out = bytearray(data)
    i = 0
    while True:
        i = out.find(b"PK\x03\x04", i)
        if i < 0:
            break
        struct.pack_into("<I", out, i + 22, factor_small)
        i += 4
    i = 0
    while True:
        i = out.find(b"PK\x01\x02", i)
        if i < 0:
            break
        struct.pack_into("<I", out, i + 24, factor_small)
        i += 4
    return bytes(out)


@st.composite
def obz_cases(draw: st.DrawFn) -> dict[str, Any]:
    n = draw(st.integers(1, 4))
    names = [str(i + 1) for i in range(n)]
    buf = io.BytesIO()
    method = draw(st.sampled_from([zipfile.ZIP_DEFLATED, zipfile.ZIP_STORED]))
    with zipfile.ZipFile(buf, "w", compression=method) as zf:
        manifest: Any = {"format": "open-board-0.1", "root": "boards/1.obf" if draw(st.integers(0, 4)) else draw(st.one_of(nasty_text, scalar)),
                         "paths": {"boards": {k: f"boards/{k}.obf" for k in names}}}
        if draw(st.integers(0, 10)) == 0:
            manifest = draw(json_value)
        if draw(st.integers(0, 12)):
            zf.writestr("manifest.json", draw(mutated(_dumps(manifest))))
        for k in names:
            member = f"boards/{k}.obf" if draw(st.integers(0, 5)) else draw(st.sampled_from(
                [f"../boards/{k}.obf", f"/boards/{k}.obf", f"boards//{k}.obf", "boards/1.obf"]))
            board = _dumps(draw(obf_board(k, tuple(names))))
            zf.writestr(member, draw(mutated(board)) if draw(st.integers(0, 3)) == 0 else board)
        if draw(st.integers(0, 6)) == 0:  # a compressible bomb-ish member
            zf.writestr("images/big.png", b"\0" * draw(st.sampled_from([1 << 16, 1 << 20])))
    data = buf.getvalue()
    damage = draw(st.sampled_from(["none"] * 6 + ["lie", "truncate", "flip", "append"]))
    if damage == "lie":
        data = _lie_about_sizes(data, draw(st.sampled_from([0, 10, 150])))
    elif damage == "truncate":
        data = data[: draw(st.integers(0, len(data) - 1))]
    elif damage == "flip":
        i = draw(st.integers(0, len(data) - 1))
        data = data[:i] + bytes([data[i] ^ 0xFF]) + data[i + 1:]
    elif damage == "append":
        data += draw(st.binary(max_size=64))
    return case("obz", data, shape=draw(st.sampled_from(["file"] * 15 + ["fifo"])), suffix=".obz")


def lying_inflate_member(real_bytes: int) -> bytes:
    """Raw deflate of ``real_bytes`` spaces (for the bench's explicit zip-bomb cases)."""
    comp = zlib.compressobj(9, zlib.DEFLATED, -15)
    return b"".join(comp.compress(b" " * (1 << 20)) for _ in range(real_bytes >> 20)) + comp.flush()


# --------------------------------------------------------------------------- layouts
@st.composite
def layout_doc(draw: st.DrawFn) -> dict[str, Any]:
    def tile() -> dict[str, Any]:
        t: dict[str, Any] = {"kind": draw(st.one_of(st.sampled_from(TILE_KINDS), nasty_text)),
                             "row": draw(st.one_of(st.integers(0, 4), big_ints)),
                             "col": draw(st.one_of(st.integers(0, 6), big_ints))}
        for key, strat in (("label", st.one_of(nasty_text, scalar)), ("value", nasty_text),
                           ("action", st.one_of(st.sampled_from(ACTIONS), nasty_text)),
                           ("target", st.one_of(st.sampled_from(["home", "more"]), nasty_text)),
                           ("slot", big_ints), ("col_span", big_ints), ("color", colours)):
            if draw(st.integers(0, 3)) == 0:
                v = draw(strat)
                if v is not None and not (isinstance(v, float) and v != v and key != "label"):
                    t[key] = v
        return t

    pages = []
    for name in draw(st.lists(st.one_of(st.sampled_from(["home", "more"]), nasty_text), min_size=1, max_size=3)):
        page: dict[str, Any] = {"name": name, "rows": draw(st.one_of(st.integers(1, 6), big_ints)),
                                "cols": draw(st.one_of(st.integers(1, 8), big_ints)),
                                "tile": [tile() for _ in range(draw(st.integers(0, 8)))]}
        if draw(st.booleans()):
            page["keys"] = [{"keys": draw(st.one_of(nasty_text, st.just("qwertyuiop"))), "row": draw(big_ints)}]
        pages.append(page)
    lay = {"name": draw(nasty_text), "language": draw(st.one_of(st.sampled_from(["en", "ru"]), nasty_text)),
           "theme": draw(st.one_of(st.sampled_from(["high-contrast", "dark", "light"]), nasty_text)),
           "font_scale": draw(st.one_of(st.floats(0.1, 3), odd_floats, big_ints))}
    lay = {k: v for k, v in lay.items() if v is not None and v == v}
    return {"layout": lay, "page": pages}


def _shipped_layouts() -> list[dict[str, Any]]:
    import tomllib

    from aac import paths

    return [tomllib.loads(p.read_text(encoding="utf-8")) for p in sorted(paths.LAYOUTS_DIR.glob("*.toml"))]


_SHIPPED: list[dict[str, Any]] = []


@st.composite
def seeded_layout(draw: st.DrawFn) -> dict[str, Any]:
    """A shipped layout with a few tiles given hostile labels, values or positions."""
    import copy

    if not _SHIPPED:
        _SHIPPED.extend(_shipped_layouts())
    doc = copy.deepcopy(draw(st.sampled_from(_SHIPPED)))
    tiles = [t for p in doc.get("page", []) for t in p.get("tile", [])]
    for _ in range(draw(st.integers(1, 4))):
        if not tiles:
            break
        t = draw(st.sampled_from(tiles))
        key = draw(st.sampled_from(["label"] * 4 + ["value", "row", "col", "col_span", "kind", "color"]))
        if key in ("label", "value") and draw(st.booleans()):  # legal but hard to draw: RTL, emoji, zero-width, long
            from aac.text_safety import clean_for_screen

            t[key] = draw(st.one_of(nasty_text.map(clean_for_screen).filter(str.strip),
                                    st.sampled_from(["W" * 300, "\u200b" * 40, "a" + "\u0301" * 200, "שלום עולם"])))
        else:
            t[key] = draw(nasty_text) if key in ("label", "value", "kind", "color") else draw(big_ints)
    return doc


_SURROGATE_PAIR = re.compile(r"\\u(d[89ab][0-9a-f]{2})\\u(d[c-f][0-9a-f]{2})", re.IGNORECASE)


def _astral(m: re.Match) -> str:
    hi, lo = int(m.group(1), 16), int(m.group(2), 16)
    return f"\\U{0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00):08X}"


@st.composite
def layout_cases(draw: st.DrawFn) -> dict[str, Any]:
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from reliability_helpers import toml_dumps

    seeded = draw(st.booleans())
    doc = draw(seeded_layout()) if seeded else draw(layout_doc())
    try:
        text = toml_dumps(doc)
    except (TypeError, ValueError):
        text = json.dumps(doc, default=str)
    text = _SURROGATE_PAIR.sub(_astral, text)  # JSON-style pairs are not TOML: write \UXXXXXXXX
    data = text.encode("utf-8", "surrogatepass")
    if not seeded or draw(st.integers(0, 3)) == 0:  # seeded layouts mostly reach the board intact
        data = draw(mutated(data))
    return case("layout", data, shape=draw(shapes), suffix=".toml")


# --------------------------------------------------------------------------- profile files
PROFILE_FILES = ["settings.json", "profile.json", "calibration.json", "draft.json", "learning/sentences.json",
                 "learning/reranker.json", "learning/examples.json"]


@st.composite
def profile_cases(draw: st.DrawFn) -> dict[str, Any]:
    name = draw(st.sampled_from(PROFILE_FILES))
    shaped: dict[str, Any] = {
        "settings.json": st.dictionaries(st.sampled_from(["dwell_ms", "language", "layout", "text_logging", "font_scale",
                                                          "voice", "theme", "gaze_source", "fallback_sources", "x"]),
                                         json_value),
        "draft.json": st.fixed_dictionaries({"version": st.one_of(st.just(1), scalar), "text": st.one_of(nasty_text, json_value)}),
        "calibration.json": st.fixed_dictionaries({"latest": json_value, "history": st.lists(json_value, max_size=4)}),
        "profile.json": st.fixed_dictionaries({"name": st.one_of(nasty_text, scalar), "created": scalar}),
    }
    if name.startswith("learning/"):
        fmt = {"learning/sentences.json": "aac.learning.sentences", "learning/reranker.json": "aac.learning.reranker",
               "learning/examples.json": "aac.learning.examples"}[name]
        strat = st.fixed_dictionaries({"format": st.one_of(st.just(fmt), nasty_text), "version": st.one_of(st.just(1), big_ints),
                                       "sentences": st.lists(st.lists(st.one_of(odd_floats, nasty_text, big_ints), max_size=3),
                                                             max_size=5),
                                       "kinds": json_value})
    else:
        strat = shaped[name]
    obj = draw(st.one_of(strat, json_value)) if draw(st.integers(0, 4)) else draw(json_value)
    data = draw(mutated(_dumps(obj)))
    return case("profile", data, shape=draw(shapes), name=name)


# --------------------------------------------------------------------------- usage logs
cell = st.one_of(st.none(), big_ints.filter(lambda v: -2**63 <= v < 2**63), odd_floats, nasty_text.map(
    lambda s: s.encode("utf-8", "surrogatepass").decode("utf-8", "replace")), st.binary(max_size=6))
TABLE_COLUMNS = {
    "sessions": ["started", "ended", "source", "calibration_deg", "dwell_ms", "language", "layout"],
    "selections": ["t", "session_id", "kind", "slot", "rank", "dwell_ms", "latency_ms", "page", "tile_id", "text"],
    "messages": ["t", "session_id", "words", "chars", "selections", "seconds", "spoken", "text"],
    "errors": ["t", "session_id", "kind"],
    "tile_usage": ["day", "page", "tile_id", "count"],
}


@st.composite
def usage_cases(draw: st.DrawFn) -> dict[str, Any]:
    """A usage.sqlite built from hostile rows (any type in any column), maybe another schema, maybe damaged."""
    from aac.store.usage_schema import SCHEMA

    conn = sqlite3.connect(":memory:")  # built in memory and serialised: no disk in the generator
    try:
        variant = draw(st.sampled_from(["ours"] * 5 + ["other", "empty", "typeless"]))
        if variant == "ours":
            conn.executescript(SCHEMA.replace("NOT NULL", "").replace("PRIMARY KEY(day, page, tile_id)", "UNIQUE(day, page, tile_id, count)"))
        elif variant == "other":
            conn.executescript("CREATE TABLE selections(id INTEGER PRIMARY KEY, when_ts REAL, what TEXT);"
                               "CREATE TABLE messages(id INTEGER PRIMARY KEY, t REAL);"
                               "CREATE TABLE tile_usage(day TEXT, n INTEGER);")
        elif variant == "typeless":
            for table, cols in TABLE_COLUMNS.items():
                conn.execute(f"CREATE TABLE {table}({', '.join(cols)})")
        for table, cols in TABLE_COLUMNS.items():
            have = [r[1] for r in conn.execute(f"PRAGMA table_info({table})")]
            use = [c for c in cols if c in have]
            if not use:
                continue
            good_time = st.floats(1.6e9, 1.9e9)
            clean = draw(st.integers(0, 3)) == 0  # a sound log (hostile text only) now and then
            for _ in range(draw(st.integers(0, 6))):
                row = []
                for c in use:
                    if clean and c in ("words", "chars", "selections", "spoken", "count", "slot", "rank", "session_id"):
                        row.append(draw(st.integers(0, 50)))
                    elif clean and c in ("kind", "page", "tile_id"):
                        row.append(draw(st.sampled_from(["letter", "word", "home", "r1c2"])))
                    elif clean and c == "ended":
                        row.append(None)
                    elif c in ("t", "started") and (clean or draw(st.booleans())):
                        row.append(draw(good_time))
                    elif c == "day" and (clean or draw(st.booleans())):
                        row.append("2026-11-0" + str(draw(st.integers(1, 9))))
                    else:
                        row.append(draw(cell))
                try:
                    conn.execute(f"INSERT INTO {table}({', '.join(use)}) VALUES ({', '.join('?' * len(use))})", row)
                except sqlite3.Error:
                    pass
        conn.commit()
        data = conn.serialize() if variant != "empty" else b""
    finally:
        conn.close()
    flips = draw(st.integers(0, 3)) if draw(st.integers(0, 2)) == 0 else 0
    for _ in range(flips if data else 0):
        i = draw(st.integers(0, len(data) - 1))
        data = data[:i] + bytes([data[i] ^ draw(st.integers(1, 255))]) + data[i + 1:]
    if draw(st.integers(0, 15)) == 0:
        data = data[: draw(st.integers(0, len(data)))]
    since = draw(st.one_of(st.none(), st.sampled_from(["0001-01-01", "2026-11-01", "9999-12-31", "1969-12-31"])))
    until = draw(st.one_of(st.none(), st.sampled_from(["0001-01-02", "2026-11-30", "9999-12-31", "2100-01-01"])))
    return case("usage", data, since=since, until=until)


# --------------------------------------------------------------------------- service input
@st.composite
def service_line(draw: st.DrawFn) -> bytes:
    kind = draw(st.sampled_from(["predict"] + ["learn"] * 3 + ["json"] * 3 + ["bytes"] * 2 + ["blank"]))
    if kind == "predict":
        obj: Any = {"context": draw(st.one_of(st.sampled_from(["I would like", "", "thank"]), nasty_text)),
                    "prefix": draw(st.one_of(st.sampled_from(["", "a", "th"]), nasty_text))}
    elif kind == "learn":
        obj = {"learn": draw(st.one_of(nasty_text, scalar, json_value, st.sampled_from(["x" * 5000, "x \ud800 y"])))}
    elif kind == "json":
        obj = draw(json_value)
    elif kind == "bytes":
        return draw(st.binary(max_size=40)).replace(b"\n", b" ")
    else:
        return draw(st.sampled_from([b"", b"   ", b"\t"]))
    return _dumps(obj)


@st.composite
def service_cases(draw: st.DrawFn) -> dict[str, Any]:
    lines = draw(st.lists(service_line(), min_size=1, max_size=4))
    return case("service", b"\n".join(lines) + b"\n")


FAMILIES = {"obf": obf_cases, "obz": obz_cases, "layout": layout_cases, "profile": profile_cases,
            "usage": usage_cases, "service": service_cases}
