"""Read and check a caregiver's layout file (TOML).

Why so strict and so chatty: the person who edits these files is a caregiver, not a programmer,
and the person who uses the board cannot tell anyone that a tile is missing. So every problem is
reported (not only the first), each with the file, the line, the key, what was expected and, when
we can guess, what was probably meant. A broken file never reaches the board:
:func:`load_layout_or_default` falls back to the last good layout or the shipped default.
"""

from __future__ import annotations

import difflib
import hashlib
import logging
import os
import re
import time
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import tomllib

from .. import paths
from ..fileio import FileTooLarge, NotARegularFile, atomic_write_bytes, read_capped
from ..text_safety import screen_text_problem
from ..ui.wording import action_label
from .model import (
    ACTIONS,
    ENDING_SLOTS,
    TILE_KINDS,
    WORD_SLOTS,
    Layout,
    LayoutError,
    LayoutProblem,
    Page,
    Tile,
)
from .positions import Positions, scan_positions
from .themes import COLOUR_FIELDS, DEFAULT_THEME, HEX_COLOUR, THEMES, with_overrides

MAX_ROWS = 12
MAX_COLS = 16
MAX_FILE_BYTES = 2_000_000
LANGUAGE_CODE = re.compile(r"^[a-z]{2,3}$")

LAYOUT_KEYS = ("name", "language", "theme", "font_scale", "description")
PAGE_KEYS = ("name", "rows", "cols", "tile", "keys", "return_to")
TILE_KEYS = (
    "kind", "row", "col", "row_span", "col_span", "label", "value", "slot", "action", "target",
    "color", "picture", "sound", "recording",
)
#: Picture and sound files a tile may name (pygame loads these; SVG is rasterised by pygame too).
PICTURE_SUFFIXES = (".png", ".jpg", ".jpeg", ".svg")
SOUND_SUFFIXES = (".wav", ".mp3", ".ogg", ".m4a", ".webm", ".flac")
KEYS_KEYS = ("keys", "row", "col", "kind", "row_span", "col_span", "color")
TOP_KEYS = ("layout", "theme", "page")
#: What each tile kind uses besides position/colour/label (others are reported as having no effect).
KIND_FIELDS: dict[str, tuple[str, ...]] = {
    "word": ("slot",),
    "ending": ("slot",),
    "chunk": ("slot",),
    "letter": ("value",),
    "punct": ("value",),
    "phrase": ("value",),
    "action": ("action",),
    "page": ("target",),
    "message": (),
}
NAMED_COLOURS = {
    "black": "#000000", "white": "#ffffff", "red": "#ff0000", "green": "#008000",
    "blue": "#0000ff", "yellow": "#ffff00", "orange": "#ffa500", "purple": "#800080",
    "pink": "#ffc0cb", "brown": "#a52a2a", "grey": "#808080", "gray": "#808080",
    "cyan": "#00ffff", "magenta": "#ff00ff", "navy": "#000080", "teal": "#008080",
}

NUMBER_WORDS = {w: i for i, w in enumerate(
    ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve"])}

PathOrName = str | os.PathLike
log = logging.getLogger(__name__)


# --------------------------------------------------------------------------- finding files


def user_layouts_dir() -> Path:
    """Where imported / caregiver-made layouts go (outside the clone, per user)."""
    return paths.data_dir() / "layouts"


def layout_dirs() -> list[Path]:
    """Search order for layout names: the user's own layouts first, then the shipped ones."""
    return [user_layouts_dir(), paths.LAYOUTS_DIR]


def list_layouts() -> list[tuple[str, Path]]:
    """(name, path) of every layout file found, user layouts shadowing shipped ones."""
    found: dict[str, Path] = {}
    for directory in layout_dirs():
        if directory.is_dir():
            for p in sorted(directory.glob("*.toml")):
                found.setdefault(p.stem, p)
    return sorted(found.items())


def resolve_layout(path_or_name: PathOrName) -> Path:
    """A file path as given, or a layout name looked up in :func:`layout_dirs`.

    Raises LayoutError (with close names as the suggestion) when nothing is found.
    """
    text = os.fspath(path_or_name)
    looks_like_path = (
        isinstance(path_or_name, os.PathLike) or os.sep in text or "/" in text or text.endswith(".toml")
    )
    if looks_like_path:
        p = Path(text).expanduser()
        if p.is_file():
            return p
        if p.exists():
            raise LayoutError([LayoutProblem(text, None, "", "is not a file", "give a .toml layout file")])
        raise LayoutError([LayoutProblem(text, None, "", "file not found", _names_hint(Path(text).stem))])
    for directory in layout_dirs():
        p = directory / f"{text}.toml"
        if p.is_file():
            return p
    raise LayoutError([LayoutProblem(text, None, "", "no layout with this name", _names_hint(text))])


def _names_hint(name: str) -> str:
    names = [n for n, _ in list_layouts()]
    close = difflib.get_close_matches(name, names, n=1)
    if close:
        return f'did you mean "{close[0]}"? layouts: {", ".join(names)}'
    return f"layouts: {', '.join(names)}" if names else "no layouts found"


def _display_name(path: Path) -> str:
    try:
        rel = os.path.relpath(path)
    except ValueError:
        return str(path)
    return rel if not rel.startswith("..") else str(path)


# --------------------------------------------------------------------------- public API


def load_layout(path_or_name: PathOrName) -> Layout:
    """Load and check a layout by file path or name; raises LayoutError listing every problem."""
    path = resolve_layout(path_or_name)
    display = _display_name(path)
    try:  # regular files only, read with a cap (a symlink to /dev/zero was read for ever; issue 20)
        data = read_capped(path, MAX_FILE_BYTES)
    except FileTooLarge as exc:
        raise LayoutError([LayoutProblem(display, None, "", f"file {exc.strerror}",
                                         "a layout is a small text file; is this the right file?")]) from None
    except NotARegularFile:
        raise LayoutError([LayoutProblem(display, None, "", "not a regular file (a device, fifo or folder)",
                                         "give the layout's .toml file itself")]) from None
    except OSError as exc:
        raise LayoutError([LayoutProblem(display, None, "", f"cannot read the file: {exc.strerror or exc}", "")]) from None
    return parse_layout_bytes(data, display, source=path)


def parse_layout_bytes(data: bytes, file: str = "<layout>", source: Path | None = None) -> Layout:
    """Check raw file bytes (UTF-8 TOML)."""
    return parse_layout_text(layout_text(data, file), file, source=source)


def layout_text(data: bytes, file: str = "<layout>") -> str:
    """A layout file's bytes as text: UTF-8, or UTF-16 with its byte-order mark; LayoutError if neither."""
    try:
        if data.startswith((b"\xff\xfe", b"\xfe\xff")):
            text = data.decode("utf-16")  # Windows Notepad's "Unicode": has a BOM, so unambiguous
        else:
            text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise LayoutError([LayoutProblem(file, line, "", "the file is not UTF-8 text",
                                         "save it as UTF-8: in most editors Save As, then Encoding: UTF-8")]) from None
    return text.removeprefix("\ufeff")


def parse_layout_text(text: str, file: str = "<layout>", source: Path | None = None) -> Layout:
    """Check TOML text and build the Layout; raises LayoutError with every problem found."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise LayoutError([_syntax_problem(exc, text, file)]) from None
    except Exception as exc:  # noqa: BLE001 - e.g. RecursionError on absurd nesting
        raise LayoutError([LayoutProblem(file, None, "", f"cannot read the TOML: {type(exc).__name__}", "")]) from None
    checker = _Checker(file, scan_positions(text), base_dir=Path(source).parent if source is not None else None)
    try:
        layout = checker.check(data, source)
    except LayoutError:
        raise
    except Exception as exc:  # noqa: BLE001 - a checker bug must still not crash the board
        checker.problems.append(LayoutProblem(file, None, "", f"internal error while checking: {type(exc).__name__}: {exc}",
                                              "please report this file to the developers"))
        layout = None
    if checker.problems or layout is None:
        raise LayoutError(checker.problems)
    return layout


def load_layout_or_default(
    name: PathOrName,
    last_good: Layout | None = None,
    *,
    language: str | None = None,
    fallback: str | None = None,
) -> tuple[Layout, list[LayoutProblem]]:
    """Never raises: the layout asked for, or the last good / the shipped default plus the problems.

    The board calls this at start-up and when the caregiver changes the layout; the problems
    are shown on screen so the caregiver knows why the board looks different.
    Fallback order: ``last_good`` (in memory), then the copy of this layout saved the last
    time it loaded cleanly (so a bad edit overnight still gives the person *their* board in the
    morning), then ``fallback`` (default: "ru-default" for Russian, else "default"), then a
    built-in emergency board.
    """
    problems: list[LayoutProblem]
    try:
        layout = load_layout(name)
    except LayoutError as exc:
        problems = list(exc.problems)
    except Exception as exc:  # noqa: BLE001 - never crash the board
        problems = [LayoutProblem(_safe_str(name), None, "", f"could not load: {type(exc).__name__}: {exc}", "")]
    else:
        keep_working_version(name, layout)
        return layout, []
    if last_good is not None:
        return last_good, problems
    saved = last_working_version(name)
    if saved is not None:
        problems.append(LayoutProblem(_safe_str(name), None, "", f"showing the last version that worked (saved {saved.saved})",
                                      "fix the problems above; the board uses the file again once it checks ok", note=True))
        return saved.layout, problems
    if fallback is None:
        fallback = "ru-default" if (language == "ru" or _safe_str(name).startswith("ru-")) else "default"
    for candidate in (fallback, "default"):
        try:
            return load_layout(candidate), problems
        except Exception as exc:  # noqa: BLE001
            if isinstance(exc, LayoutError):
                problems.extend(exc.problems)
    return emergency_layout(), problems


def _safe_str(name: object) -> str:
    try:
        return os.fspath(name)  # type: ignore[arg-type]
    except TypeError:
        return repr(name)


def last_good_dir() -> Path:
    """Copies of layouts as they were when they last loaded cleanly (private: phrases are personal).

    In the data folder, next to the person's own layouts, not in the cache: they are the
    caregiver's work, not something the app can rebuild, and a test run's data folder is
    temporary, so tests no longer leave copies in the shared cache (412 had piled up there).
    """
    return paths.data_dir() / "layouts-last-good"


def _old_last_good_dir() -> Path:
    """Where the copies were kept before (the cache folder); still read, never written."""
    return paths.cache_dir() / "layouts-last-good"


def _good_copy_name(name: PathOrName) -> str:
    """A layout's copy's file name: its stem plus a hash of its full path (or name), so two
    files named alike keep separate copies."""
    text = _safe_str(name)
    looks_like_path = isinstance(name, os.PathLike) or "/" in text or os.sep in text or text.endswith(".toml")
    key = os.path.abspath(os.path.expanduser(text)) if looks_like_path else text
    stem = re.sub(r"[^\w-]", "_", Path(text).stem)[:40] or "layout"
    return f"{stem}-{hashlib.sha1(key.encode('utf-8', 'replace')).hexdigest()[:10]}.toml"


def keep_working_version(name: PathOrName, layout: Layout) -> None:
    """Keep a copy of a layout that loaded cleanly (best effort: never fails the load); the
    board keeps one each time it loads the file, the caregiver editor each time it saves it."""
    if layout.source is None:
        return
    try:
        if Path(layout.source).resolve().parent == paths.LAYOUTS_DIR.resolve():
            return  # shipped layouts come with the app (and are tested); only caregivers' files are kept
        data = Path(layout.source).read_bytes()
        dest = last_good_dir() / _good_copy_name(name)
        if not dest.exists() or dest.read_bytes() != data:
            atomic_write_bytes(dest, data)
    except Exception as exc:  # noqa: BLE001 - the copy is a convenience; a full disk must not stop the board
        log.warning("could not keep a copy of layout %s: %s", _safe_str(name), exc)


@dataclass(frozen=True)
class WorkingVersion:
    """The copy of a layout kept the last time it loaded cleanly (see ``last_good_dir``)."""

    layout: Layout
    text: str  # the file as it was then: the caregiver editor edits this text when the file is broken
    saved: str  # when it was kept, "YYYY-MM-DD HH:MM" (local time), for the caregiver


def last_working_version(name: PathOrName, source: Path | None = None) -> WorkingVersion | None:
    """The last version of a caregiver's layout that worked, or None (never kept, or damaged).

    ``name`` as the board was given it (a layout name or a path: the copy is kept per name).
    ``source``: the layout file it stands for (pictures are found next to it), default: the
    file ``name`` resolves to.
    """
    try:
        file = _good_copy_name(name)
        copy = next((d / file for d in (last_good_dir(), _old_last_good_dir()) if (d / file).is_file()), None)
        if copy is None:
            return None
        if source is None:
            try:  # pictures are found next to the original file, not next to the copy
                source = resolve_layout(name)
            except LayoutError:
                source = copy
        text = layout_text(copy.read_bytes(), f"{copy}")
        layout = parse_layout_text(text, f"{copy}", source=source)
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(copy.stat().st_mtime))
        return WorkingVersion(layout, text, when)
    except Exception as exc:  # noqa: BLE001 - a damaged copy is simply not used
        log.warning("saved copy of layout %s not usable: %s", _safe_str(name), exc)
        return None


def working_version_of_file(path: Path) -> WorkingVersion | None:
    """The last working version of a caregiver's layout file, whichever way the board was given
    it: by name (the profile's setting: the copy is kept per name) or by path (``aac run
    --layout FILE``)."""
    return last_working_version(path.stem, source=path) or last_working_version(path, source=path)


def emergency_layout() -> Layout:
    """A minimal built-in board for when no layout file can be read at all (never raises)."""
    from .emergency import EMERGENCY_TOML

    return parse_layout_text(EMERGENCY_TOML, "<built-in emergency layout>")


# --------------------------------------------------------------------------- TOML syntax errors

_AT = re.compile(r"\s*\(at line (\d+), column (\d+)\)\s*$")
_AT_END = re.compile(r"\s*\(at end of document\)\s*$")


def _syntax_problem(exc: Exception, text: str, file: str) -> LayoutProblem:
    msg = str(exc)
    line: int | None = None
    col: int | None = None
    m = _AT.search(msg)
    if m:
        line, col = int(m.group(1)), int(m.group(2))
        msg = msg[: m.start()]
    elif _AT_END.search(msg):
        msg = _AT_END.sub("", msg)
        line = max(1, text.count("\n") + (0 if text.endswith("\n") else 1))
    lines = text.splitlines()
    source_line = lines[line - 1].strip() if line and 0 < line <= len(lines) else ""
    where = f"column {col}: " if col else ""
    message = f"TOML syntax error, {where}{msg[:1].lower() + msg[1:]}"
    if source_line:
        message += f": {source_line[:80]!r}"
    return LayoutProblem(file, line, "syntax", message, _syntax_hint(msg, source_line))


def _syntax_hint(msg: str, source_line: str) -> str:
    low = msg.lower()
    if "cannot overwrite" in low or "cannot declare" in low or "duplicate" in low:
        return "this key or table is written twice; keep only one, and start each tile with [[page.tile]]"
    if "expected '=' after a key" in low or "invalid statement" in low:
        return 'each setting is one line: key = value, e.g. label = "Hello"'
    if "invalid value" in low:
        return 'put text in double quotes, e.g. label = "Hello"; numbers and true/false without quotes'
    if "unclosed" in low or "unterminated" in low or "illegal character" in low:
        return "a quote or bracket is not closed on this line"
    return "check quotes, '=' and brackets on this line"


# --------------------------------------------------------------------------- the checker


def _type_name(value: Any) -> str:
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int):
        return "a whole number"
    if isinstance(value, float):
        return "a decimal number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a table"
    return type(value).__name__


def _closest(word: str, options: Iterable[str]) -> str | None:
    options = list(options)
    m = difflib.get_close_matches(str(word).lower(), options, n=1, cutoff=0.5)
    return m[0] if m else None


def colour_suggestion(value: Any) -> str:
    """A guess at the ``#rrggbb`` meant by a bad colour, for the message."""
    if isinstance(value, str):
        v = value.strip().lower()
        if v in NAMED_COLOURS:
            return f'write "{NAMED_COLOURS[v]}" for {v}'
        if re.fullmatch(r"[0-9a-f]{6}", v):
            return f'start with #: "#{v}"'
        if re.fullmatch(r"#[0-9a-f]{3}", v):
            return f'use six digits: "#{"".join(c * 2 for c in v[1:])}"'
        m = re.fullmatch(r"rgba?\(\s*(\d+)\s*,\s*(\d+)\s*,\s*(\d+)\s*(,[^)]*)?\)", v)
        if m and all(int(x) <= 255 for x in m.groups()[:3]):
            return 'write "#{:02x}{:02x}{:02x}"'.format(*(int(x) for x in m.groups()[:3]))
    return 'colours are "#rrggbb", e.g. "#ffcc00"'


class _Checker:
    """Walks the parsed TOML, collecting problems and building the Layout."""

    def __init__(self, file: str, positions: Positions, base_dir: Path | None = None):
        self.file = file
        self.base_dir = base_dir
        self.pos = positions
        self.problems: list[LayoutProblem] = []
        self.language = "en"

    # -- reporting
    def add(self, path: tuple, key: str, message: str, suggestion: str = "", line: int | None = None) -> None:
        if line is None:
            line = self.pos.line_of(path)
        self.problems.append(LayoutProblem(self.file, line, key, message, suggestion))

    # -- typed getters: report and return None on any problem
    def get_str(self, table: dict, path: tuple, key: str, name: str, required: bool = False,
                allow_empty: bool = False) -> str | None:
        if key not in table:
            if required:
                self.add(path, name, f'missing key "{key}"', f'add {key} = "..."')
            return None
        value = table[key]
        if not isinstance(value, str):
            self.add(path + (key,), name, f"expected text in quotes, got {_type_name(value)} {_short(value)}",
                     f'write {key} = "{_short(value, quote=False)}"')
            return None
        if not allow_empty and not value.strip():
            self.add(path + (key,), name, "is empty", f'write some text between the quotes: {key} = "..."')
            return None
        bad = screen_text_problem(value)
        if bad:  # a NUL once stopped the board on every start (issue 20); aac/text_safety.py
            self.add(path + (key,), name, bad, "remove it: tiles show plain text (no control or direction characters)")
            return None
        return value

    def get_int(self, table: dict, path: tuple, key: str, name: str, required: bool = False,
                default: int | None = None, lo: int | None = None, hi: int | None = None,
                what: str = "") -> int | None:
        if key not in table:
            if required:
                self.add(path, name, f'missing key "{key}"', f"add {key} = <a whole number>")
                return None
            return default
        value = table[key]
        if isinstance(value, bool) or not isinstance(value, int):
            if isinstance(value, str) and value.strip().isdigit():
                hint = f"write {key} = {value.strip()}, without quotes"
            elif isinstance(value, str) and value.strip().lower() in NUMBER_WORDS:
                hint = f"write {key} = {NUMBER_WORDS[value.strip().lower()]}, in digits without quotes"
            else:
                hint = f"write a whole number without quotes, e.g. {key} = {lo if lo is not None else 1}"
            if isinstance(value, float) and value.is_integer():
                hint = f"write {key} = {int(value)}"
            self.add(path + (key,), name, f"expected a whole number, got {_type_name(value)} {_short(value)}", hint)
            return None
        if (lo is not None and value < lo) or (hi is not None and value > hi):
            rng = f"{lo}..{hi}" if hi is not None else f"at least {lo}"
            self.add(path + (key,), name, f"{value} is out of range: expected {rng}{what}",
                     f"use a number from {lo} to {hi}" if hi is not None else f"use {lo} or more")
            return None
        return value

    def unknown_keys(self, table: dict, allowed: Iterable[str], path: tuple, prefix: str, where: str) -> None:
        allowed = list(allowed)
        for key in table:
            if key in allowed:
                continue
            guess = _closest(str(key), allowed)
            self.add(path + (key,), f"{prefix}{key}", f'unknown key "{key}" in {where}',
                     f'did you mean "{guess}"?' if guess else f"known keys: {', '.join(allowed)}")

    def colour(self, table: dict, key: str, path: tuple, name: str) -> str | None:
        value = table.get(key)
        if value is None:
            return None
        if isinstance(value, str) and HEX_COLOUR.match(value.strip()):
            return value.strip().lower()
        self.add(path + (key,), name, f"bad colour {_short(value)}: expected \"#rrggbb\"", colour_suggestion(value))
        return None

    def media(self, raw: dict, key: str, path: tuple, label: str,
              suffixes: tuple[str, ...]) -> tuple[str | None, Path | None]:
        """A tile's picture or sound: a relative path that stays inside the layout's folder.

        Why so strict: a layout travels between machines (export, editor uploads), so an absolute
        path or ``..`` would point at someone else's files; the file must also exist, or the
        tile would silently show no picture.
        """
        if key not in raw:
            return None, None
        value = self.get_str(raw, path, key, f"{label}.{key}")
        if value is None:
            return None, None
        rel = value.strip().replace("\\", "/")
        parts = [p for p in rel.split("/") if p not in ("", ".")]
        what = "picture" if key == "picture" else "sound"
        if rel.startswith("/") or re.match(r"^[A-Za-z]:", rel) or ".." in parts or not parts:
            self.add(path + (key,), f"{label}.{key}", f"{what} {value!r} is outside the layout's folder",
                     f'give a path relative to the layout file, e.g. {key} = "my-board.media/water.png"')
            return None, None
        if not rel.lower().endswith(suffixes):
            self.add(path + (key,), f"{label}.{key}", f"{what} {value!r} is not a supported file type",
                     f"use {', '.join(s.lstrip('.') for s in suffixes)}")
            return None, None
        rel = "/".join(parts)
        if self.base_dir is None:
            return rel, None
        full = self.base_dir.joinpath(*parts)
        try:
            inside = full.resolve().is_relative_to(self.base_dir.resolve())
        except OSError:
            inside = False
        if not inside:
            self.add(path + (key,), f"{label}.{key}", f"{what} {value!r} leads outside the layout's folder",
                     "copy the file next to the layout")
            return None, None
        if not full.is_file():
            self.add(path + (key,), f"{label}.{key}", f"{what} file not found: {full}",
                     "check the spelling, or put the file in that folder")
            return None, None
        return rel, full

    # -- whole file
    def check(self, data: dict, source: Path | None) -> Layout | None:
        self.unknown_keys(data, TOP_KEYS, (), "", "the file (top level)")
        lay = data.get("layout")
        if lay is None:
            self.add((), "layout", "missing [layout] table",
                     'start the file with [layout] and name = "...", language = "en"', line=1)
            lay = {}
        elif not isinstance(lay, dict):
            self.add(("layout",), "layout", f"expected a [layout] table, got {_type_name(lay)}", "write [layout] on its own line")
            lay = {}
        base = ("layout",)
        self.unknown_keys(lay, LAYOUT_KEYS, base, "layout.", "[layout]")
        name = self.get_str(lay, base, "name", "layout.name", required=True)
        language = self.get_str(lay, base, "language", "layout.language")
        if language is None:
            language = "en"
        elif not LANGUAGE_CODE.match(language):
            self.add(base + ("language",), "layout.language", f"{language!r} is not a language code",
                     'use a two-letter code: "en" or "ru"')
            language = "en"
        self.language = language
        font_scale = self._font_scale(lay, base)
        theme = self._theme(data, lay)
        pages = self._pages(data)
        if self.problems or name is None or theme is None:
            return None
        return Layout(name=name, language=language, theme=theme, font_scale=font_scale, pages=pages, source=source)

    def _font_scale(self, lay: dict, base: tuple) -> float:
        value = lay.get("font_scale", 1.0)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            self.add(base + ("font_scale",), "layout.font_scale", f"expected a number, got {_type_name(value)} {_short(value)}",
                     "write e.g. font_scale = 1.2 (no quotes)")
            return 1.0
        if not 0.5 <= float(value) <= 3.0:
            self.add(base + ("font_scale",), "layout.font_scale", f"{value} is out of range: expected 0.5..3.0",
                     "1.0 is normal size, 1.5 is half again as big")
            return 1.0
        return float(value)

    def _theme(self, data: dict, lay: dict):
        base_name = DEFAULT_THEME
        overrides: dict[str, str] = {}
        spec = lay.get("theme")
        table_path: tuple | None = None
        table: dict | None = None
        if isinstance(spec, str):
            base_name = spec
        elif isinstance(spec, dict):
            table, table_path = spec, ("layout", "theme")
        elif spec is not None:
            self.add(("layout", "theme"), "layout.theme", f"expected a theme name, got {_type_name(spec)}",
                     f"built-in themes: {', '.join(THEMES)}")
        if "theme" in data:
            if isinstance(data["theme"], dict):
                if table is not None:
                    self.add(("theme",), "theme", "the theme is given twice ([theme] and layout.theme table)",
                             "keep one [theme] table")
                table, table_path = data["theme"], ("theme",)
            else:
                self.add(("theme",), "theme", f"expected a [theme] table, got {_type_name(data['theme'])}",
                         'write the theme name in [layout] as theme = "dark"')
        name = None
        if table is not None and table_path is not None:
            prefix = ".".join(table_path) + "."
            self.unknown_keys(table, ("base", "name") + COLOUR_FIELDS, table_path, prefix, f"[{'.'.join(table_path)}]")
            b = self.get_str(table, table_path, "base", prefix + "base")
            if b is not None:
                base_name = b
            name = self.get_str(table, table_path, "name", prefix + "name")
            for key in COLOUR_FIELDS:
                c = self.colour(table, key, table_path, prefix + key)
                if c is not None:
                    overrides[key] = c
        if base_name not in THEMES:
            where = ("theme", "base") if table_path == ("theme",) and "base" in (table or {}) else ("layout", "theme")
            guess = _closest(base_name, THEMES)
            self.add(where, ".".join(where), f'unknown theme "{base_name}"',
                     (f'did you mean "{guess}"? ' if guess else "") + f"built-in themes: {', '.join(THEMES)}")
            return None
        theme = THEMES[base_name]
        if overrides or name:
            theme = with_overrides(theme, overrides, name or base_name)  # keeps the name the settings screen knows
        return theme

    # -- pages
    def _pages(self, data: dict) -> list[Page]:
        raw_pages = data.get("page")
        if raw_pages is None:
            self.add((), "page", "the layout has no pages", "add a page: [[page]] with name, rows, cols and tiles",
                     line=self.pos.line_of(("layout",)) or 1)
            return []
        if not isinstance(raw_pages, list) or not all(isinstance(p, dict) for p in raw_pages):
            self.add(("page",), "page", "pages must be written as [[page]] tables", "start each page with [[page]] on its own line")
            return []
        names: list[str | None] = []
        seen: dict[str, int] = {}
        for i, raw in enumerate(raw_pages):
            path = ("page", i)
            label = f"page[{i + 1}]"
            n = self.get_str(raw, path, "name", f"{label}.name", required=True)
            if n is not None:
                if n in seen:
                    self.add(path + ("name",), f"page[{n}].name", f'page name "{n}" is used twice (also page {seen[n] + 1})',
                             "give each page its own name")
                else:
                    seen[n] = i
            names.append(n)
        valid_names = [n for n in names if n]
        pages: list[Page] = []
        for i, raw in enumerate(raw_pages):
            page = self._page(raw, i, names[i], valid_names)
            if page is not None:
                pages.append(page)
        if len(pages) == len(raw_pages) and pages:
            self._check_navigation(pages, raw_pages)
        return pages

    def _page(self, raw: dict, index: int, name: str | None, all_names: list[str]) -> Page | None:
        path = ("page", index)
        label = f"page[{name or index + 1}]"
        problems_before = len(self.problems)
        self.unknown_keys(raw, PAGE_KEYS, path, f"{label}.", f"page {name or index + 1}")
        rows = self.get_int(raw, path, "rows", f"{label}.rows", required=True, lo=1, hi=MAX_ROWS)
        cols = self.get_int(raw, path, "cols", f"{label}.cols", required=True, lo=1, hi=MAX_COLS)
        return_to = self.get_str(raw, path, "return_to", f"{label}.return_to")
        if return_to is not None and return_to not in all_names:
            guess = _closest(return_to, all_names)
            self.add(path + ("return_to",), f"{label}.return_to", f'no page named "{return_to}"',
                     f'did you mean "{guess}"?' if guess else f"pages: {', '.join(all_names)}")
            return_to = None

        entries: list[tuple[Tile, str]] = []  # (tile, description for messages)
        raw_tiles = raw.get("tile", [])
        if not isinstance(raw_tiles, list) or not all(isinstance(t, dict) for t in raw_tiles):
            self.add(path + ("tile",), f"{label}.tile", "tiles must be written as [[page.tile]] tables",
                     "start each tile with [[page.tile]] on its own line")
            raw_tiles = []
        for t_index, raw_tile in enumerate(raw_tiles):
            tile = self._tile(raw_tile, path + ("tile", t_index), f"{label}.tile[{t_index + 1}]", all_names)
            if tile is not None:
                entries.append((tile, f"tile {t_index + 1}"))
        raw_keys = raw.get("keys", [])
        if not isinstance(raw_keys, list) or not all(isinstance(t, dict) for t in raw_keys):
            self.add(path + ("keys",), f"{label}.keys", "key rows must be written as [[page.keys]] tables",
                     'e.g. [[page.keys]] row = 3, keys = "qwertyuiop"')
            raw_keys = []
        for k_index, raw_row in enumerate(raw_keys):
            for tile in self._key_row(raw_row, path + ("keys", k_index), f"{label}.keys[{k_index + 1}]"):
                entries.append((tile, f"key {tile.value!r} of key row {k_index + 1}"))

        if not entries and not raw_tiles and not raw_keys:
            self.add(path, f"{label}", "the page is empty (no tiles)",
                     'add tiles with [[page.tile]] or a key row with [[page.keys]] keys = "abc"')
            return None
        if rows is None or cols is None:
            return None
        ok = self._check_grid(entries, rows, cols, path, label)
        if not ok or len(self.problems) > problems_before:
            return None  # a page with any problem is not built (avoids follow-on messages)
        if name is None:
            return None
        return Page(name=name, rows=rows, cols=cols, tiles=[t for t, _ in entries], return_to=return_to)

    def _tile(self, raw: dict, path: tuple, label: str, all_names: list[str]) -> Tile | None:
        raw = dict(raw)
        if "colour" in raw and "color" not in raw:
            raw["color"] = raw.pop("colour")  # accept British spelling
        self.unknown_keys(raw, TILE_KEYS, path, f"{label}.", "a tile")
        ok = True
        kind = self.get_str(raw, path, "kind", f"{label}.kind", required=True)
        if kind is not None and kind not in TILE_KINDS:
            guess = _closest(kind, TILE_KINDS)
            self.add(path + ("kind",), f"{label}.kind", f'unknown tile kind "{kind}"',
                     (f'did you mean "{guess}"? ' if guess else "") + f"kinds: {', '.join(TILE_KINDS)}")
            kind = None
        row = self.get_int(raw, path, "row", f"{label}.row", required=True, lo=0)
        col = self.get_int(raw, path, "col", f"{label}.col", required=True, lo=0)
        row_span = self.get_int(raw, path, "row_span", f"{label}.row_span", default=1, lo=1)
        col_span = self.get_int(raw, path, "col_span", f"{label}.col_span", default=1, lo=1)
        text_label = self.get_str(raw, path, "label", f"{label}.label", allow_empty=True)
        value = self.get_str(raw, path, "value", f"{label}.value", allow_empty=True)
        color = self.colour(raw, "color", path, f"{label}.color")
        if "color" in raw and color is None:
            ok = False
        picture, picture_path = self.media(raw, "picture", path, label, PICTURE_SUFFIXES)
        sound, _ = self.media(raw, "sound", path, label, SOUND_SUFFIXES)
        if ("picture" in raw and picture is None) or ("sound" in raw and sound is None):
            ok = False
        slot = action = target = None
        if kind is None or None in (row, col, row_span, col_span):
            return None
        recording = self._recording(raw, path, label, kind)  # the person's own voice (aac/speech/bank.py)
        if "recording" in raw and recording is None:
            ok = False
        for key in ("slot", "action", "target", "value"):
            if key in raw and key not in KIND_FIELDS[kind] and not (key == "value" and kind == "phrase"):
                uses = [k for k, f in KIND_FIELDS.items() if key in f]
                self.add(path + (key,), f"{label}.{key}", f'"{key}" has no effect on a {kind} tile',
                         f"{key} is used by {'/'.join(uses)} tiles; remove it or change kind")
                ok = False
        if kind in ("word", "ending", "chunk"):
            hi = {"word": WORD_SLOTS - 1, "ending": ENDING_SLOTS - 1, "chunk": 9}[kind]
            slot = self.get_int(raw, path, "slot", f"{label}.slot", required=(kind != "chunk"), lo=0, hi=hi,
                                what=f" for {'an' if kind == 'ending' else 'a'} {kind} tile")
            if slot is None and kind != "chunk" or slot is None and "slot" in raw:
                ok = False
        elif kind in ("letter", "punct"):
            if value is None or value == "":
                if "value" not in raw:
                    self.add(path, f"{label}.value", f'missing key "value" (the character this {kind} tile types)',
                             'add e.g. value = "a"')
                elif value == "":
                    self.add(path + ("value",), f"{label}.value", "is empty", 'write the character, e.g. value = "a"')
                ok = False
        elif kind == "phrase":
            if not (value or "").strip():
                if (text_label or "").strip():
                    value = text_label
                else:
                    self.add(path, f"{label}.value", 'missing key "value" (the words this phrase says)',
                             'add e.g. value = "I need water"')
                    ok = False
        elif kind == "action":
            action = self.get_str(raw, path, "action", f"{label}.action", required=True)
            if action is not None and action not in ACTIONS:
                guess = _closest(action, ACTIONS)
                self.add(path + ("action",), f"{label}.action", f'unknown action "{action}"',
                         (f'did you mean "{guess}"? ' if guess else "") + f"actions: {', '.join(ACTIONS)}")
                action = None
            if action is None:
                ok = False
        elif kind == "page":
            target = self.get_str(raw, path, "target", f"{label}.target", required=True)
            if target is not None and target not in all_names:
                guess = _closest(target, all_names)
                self.add(path + ("target",), f"{label}.target", f'links to a page that does not exist: "{target}"',
                         (f'did you mean "{guess}"? ' if guess else "") + f"pages: {', '.join(all_names)}")
                target = None
            if target is None:
                ok = False
        if not ok:
            return None
        if not text_label:
            if kind in ("letter", "punct", "phrase"):
                text_label = value or ""
            elif kind == "action":
                text_label = action_label(self.language, action or "")  # the board's own words
            elif kind == "page":
                text_label = _page_label(target or "")
            else:
                text_label = ""
        return Tile(kind=kind, row=row, col=col, row_span=row_span, col_span=col_span, label=text_label,
                    value=value or "", slot=slot, action=action, target=target, color=color,
                    line=self.pos.exact(path) or self.pos.line_of(path), picture=picture, sound=sound,
                    picture_path=picture_path, recording=recording)

    def _recording(self, raw: dict, path: tuple, label: str, kind: str) -> str | None:
        """A phrase tile's ``recording``: the name of a recorded message in the person's profile
        (``aac voices bank list``), played instead of synthesis. Only names, never paths: the
        recording always comes from the profile, whoever wrote the layout."""
        if "recording" not in raw:
            return None
        from aac.speech.bank import RECORDING_NAME

        name = self.get_str(raw, path, "recording", f"{label}.recording")
        if name is None:
            return None
        if kind != "phrase":
            self.add(path + ("recording",), f"{label}.recording", f'"recording" has no effect on a {kind} tile',
                     "recordings play on phrase tiles; remove it or change kind")
            return None
        if not RECORDING_NAME.match(name):
            self.add(path + ("recording",), f"{label}.recording", f"not a recording name: {_short(name)}",
                     'use the name `aac voices bank import` printed (lower-case letters, digits, "-"), '
                     "e.g. recording = \"good-morning\"; list them with `aac voices bank list`")
            return None
        return name

    def _key_row(self, raw: dict, path: tuple, label: str) -> list[Tile]:
        raw = dict(raw)
        if "colour" in raw and "color" not in raw:
            raw["color"] = raw.pop("colour")
        self.unknown_keys(raw, KEYS_KEYS, path, f"{label}.", "a key row")
        if "keys" not in raw:
            self.add(path, f"{label}.keys", 'missing key "keys"', 'add e.g. keys = "qwertyuiop"')
            return []
        keys = raw["keys"]
        if isinstance(keys, list):
            bad = [k for k in keys if not isinstance(k, str) or not k.strip()]
            if bad:
                self.add(path + ("keys",), f"{label}.keys", f"every key must be text in quotes, got {_short(bad[0])}",
                         'e.g. keys = ["a", "b", "c"] or keys = "abc"')
                return []
        elif not isinstance(keys, str):
            self.add(path + ("keys",), f"{label}.keys", f"expected text in quotes, got {_type_name(keys)} {_short(keys)}",
                     'e.g. keys = "qwertyuiop"')
            return []
        items = _split_keys(keys)
        bad = next((b for b in map(screen_text_problem, items) if b), None)
        if bad:
            self.add(path + ("keys",), f"{label}.keys", bad, "remove it: keys are plain characters")
            return []
        if not items:
            self.add(path + ("keys",), f"{label}.keys", "is empty", 'write the keys, e.g. keys = "qwertyuiop"')
            return []
        kind = self.get_str(raw, path, "kind", f"{label}.kind") or "letter"
        if kind not in ("letter", "punct"):
            self.add(path + ("kind",), f"{label}.kind", f'a key row makes letter or punct tiles, not "{kind}"',
                     'use kind = "letter" or kind = "punct", or write [[page.tile]] entries')
            return []
        row = self.get_int(raw, path, "row", f"{label}.row", required=True, lo=0)
        col = self.get_int(raw, path, "col", f"{label}.col", default=0, lo=0)
        row_span = self.get_int(raw, path, "row_span", f"{label}.row_span", default=1, lo=1)
        col_span = self.get_int(raw, path, "col_span", f"{label}.col_span", default=1, lo=1)
        color = self.colour(raw, "color", path, f"{label}.color")
        if None in (row, col, row_span, col_span) or ("color" in raw and color is None):
            return []
        line = self.pos.exact(path + ("keys",)) or self.pos.line_of(path)
        return [
            Tile(kind=kind, row=row, col=col + i * col_span, row_span=row_span, col_span=col_span, label=item,
                 value=item, color=color, line=line)
            for i, item in enumerate(items)
        ]

    def _check_grid(self, entries: list[tuple[Tile, str]], rows: int, cols: int, path: tuple, label: str) -> bool:
        ok = True
        occupied: dict[tuple[int, int], tuple[Tile, str]] = {}
        reported: set[tuple[int, int]] = set()
        slots: dict[tuple[str, int], tuple[Tile, str]] = {}
        for tile, desc in entries:
            if tile.row + tile.row_span > rows or tile.col + tile.col_span > cols:
                ok = False
                parts = []
                if tile.row + tile.row_span > rows:
                    parts.append(f"{_span('row', tile.row, tile.row_span)} but the page has rows 0..{rows - 1}")
                if tile.col + tile.col_span > cols:
                    parts.append(f"{_span('column', tile.col, tile.col_span)} but the page has columns 0..{cols - 1}")
                self.add(path, f"{label}.{_desc_key(desc)}", f"{_describe(tile, desc)} is outside the grid: {'; '.join(parts)}",
                         f"rows and columns count from 0; move the tile, shrink its span, or make the page bigger (rows = {max(rows, tile.row + tile.row_span)}, cols = {max(cols, tile.col + tile.col_span)})",
                         line=tile.line)
                continue
            for cell in tile.cells():
                other = occupied.get(cell)
                if other is None:
                    occupied[cell] = (tile, desc)
                    continue
                pair = (id(other[0]), id(tile))
                if pair in reported:
                    continue
                reported.add(pair)
                ok = False
                self.add(path, f"{label}.{_desc_key(desc)}",
                         f"{_describe(tile, desc)} overlaps {_describe(other[0], other[1])}"
                         f"{' (line ' + str(other[0].line) + ')' if other[0].line else ''} at row {cell[0]}, col {cell[1]}",
                         "move one of them or reduce its row_span/col_span", line=tile.line)
            if tile.slot is not None and tile.kind in ("word", "ending", "chunk"):
                key = (tile.kind, tile.slot)
                if key in slots:
                    ok = False
                    prev = slots[key]
                    self.add(path, f"{label}.{_desc_key(desc)}.slot",
                             f"{tile.kind} slot {tile.slot} is used twice on this page: {desc} and {prev[1]}"
                             f"{' (line ' + str(prev[0].line) + ')' if prev[0].line else ''}",
                             f"each {tile.kind} slot appears once per page; {tile.kind} slots are 0.."
                             f"{(WORD_SLOTS if tile.kind == 'word' else ENDING_SLOTS if tile.kind == 'ending' else 10) - 1}",
                             line=tile.line)
                else:
                    slots[key] = (tile, desc)
        return ok

    def _check_navigation(self, pages: list[Page], raw_pages: list[dict]) -> None:
        """Every page shows the message; the home page can pause; every page leads back home."""
        for i, page in enumerate(pages):
            path = ("page", i)
            if not page.tiles_of("message"):
                self.add(path, f"page[{page.name}]", "the page has no message bar",
                         'add a tile with kind = "message" (usually row = 0 spanning most columns)')
        home = pages[0]
        if not any(t.action == "pause" for t in home.tiles):
            self.add(("page", 0), f"page[{home.name}]", "the home page (the first page) has no pause tile",
                     'add a tile with kind = "action", action = "pause" so the person can rest')
        links: dict[str, set[str]] = {p.name: {t.target for t in p.tiles if t.kind == "page" and t.target} for p in pages}
        for p in pages:
            if p.return_to:
                links[p.name].add(p.return_to)
        # reverse reachability: which pages can get back to home?
        back: dict[str, set[str]] = {p.name: set() for p in pages}
        for src, targets in links.items():
            for dst in targets:
                back.setdefault(dst, set()).add(src)
        reaches_home = {home.name}
        queue = deque([home.name])
        while queue:
            cur = queue.popleft()
            for src in back.get(cur, ()):
                if src not in reaches_home:
                    reaches_home.add(src)
                    queue.append(src)
        for i, page in enumerate(pages):
            if page.name not in reaches_home:
                self.add(("page", i), f"page[{page.name}]", f'there is no way back to the home page "{home.name}" from this page',
                         f'add a tile with kind = "page", target = "{home.name}"')


def _split_keys(keys: Any) -> list[str]:
    """``"qwerty"`` -> one key per character; ``"ch sh"`` -> split on spaces; a list as is."""
    if isinstance(keys, list):
        return [k for k in keys if isinstance(k, str)]
    if not isinstance(keys, str):
        return []
    if any(ch.isspace() for ch in keys.strip()):
        return keys.split()
    return [ch for ch in keys.strip()]


def _short(value: Any, quote: bool = True, limit: int = 30) -> str:
    text = repr(value) if quote else str(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _span(word: str, start: int, span: int) -> str:
    return f"{word} {start}" if span == 1 else f"{word}s {start}..{start + span - 1}"


def _desc_key(desc: str) -> str:
    if desc.startswith("tile "):
        return f"tile[{desc[5:]}]"
    return "keys"


def _describe(tile: Tile, desc: str) -> str:
    what = tile.kind
    if tile.kind in ("word", "ending", "chunk") and tile.slot is not None:
        what = f"{tile.kind} slot {tile.slot}"
    elif tile.kind in ("letter", "punct"):
        what = f"{tile.kind} {tile.value!r}"
    elif tile.kind == "action":
        what = f"action {tile.action}"
    elif tile.kind == "page":
        what = f"link to {tile.target!r}"
    elif tile.kind == "phrase":
        what = f"phrase {tile.label!r}"
    if desc.startswith("key "):
        return what + f" (key row {desc.rsplit(' ', 1)[-1]})"
    return f"{desc} ({what})"


def _page_label(target: str) -> str:
    """Default label of a page link: "quick_phrases" -> "Quick phrases"."""
    text = target.replace("_", " ").replace("-", " ").strip()
    return text[:1].upper() + text[1:]
