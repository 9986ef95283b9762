"""Import Open Board Format boards (``.obf`` JSON, ``.obz`` zip) as caregiver layouts.

Why: many families already have boards made in other AAC apps; retyping them is hours of work.
Real files bend the spec (integer ids, ``rgb( 255, 0,  0) `` colours, links to boards that are
not in the file, actions nobody defined), so the importer tolerates what it can, says in a note
what it left out, and fails with one clear sentence only when a board cannot be rebuilt at all.

Mapping: each board becomes a page (the root board is the home page); buttons become phrase
tiles (label shown, ``vocalization`` or label spoken); ``+x`` spelling becomes a letter tile;
``:space``/``:clear``/``:backspace``/``:speak``/``:home``/``:back``/``:hush`` become actions;
``load_board`` to a board in the same ``.obz`` becomes a page tile. Every page gets a top row
with the message bar, undo, speak, clear and pause (home) or back-to-home (other pages), so the
result meets the same rules as a hand-written layout. Pictures and sounds inside the file (data
URIs, or files in the ``.obz``) are kept: pictures are resized to PNG and stored, with sounds, in
the layout's ``NAME.media/`` folder; pictures only linked by URL cannot be fetched (nothing is
downloaded) and are listed in the notes. A board written by ``aac layout export`` carries the
exact layout (``ext_aac_layout``) and is imported as it was exported.
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import posixpath
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..fileio import ZIP_MEMBER_ERRORS, FileTooLarge, NotARegularFile, atomic_write_bytes, atomic_write_text, read_capped
from .media import (
    MAX_PICTURE_BYTES,
    MAX_SOUND_BYTES,
    MediaError,
    decode_data_uri,
    normalise_picture,
    picture_name,
    sniff_sound,
    sound_name,
)
from ..text_safety import clean_for_screen
from .loader import MAX_COLS, MAX_ROWS, parse_layout_text
from .model import ENDING_SLOTS, WORD_SLOTS, Layout, LayoutError
from .themes import THEMES, contrast_ratio

MAX_JSON_BYTES = 20_000_000
MAX_ZIP_TOTAL = 200_000_000
#: The largest .obf/.obz file read at all (the .obz itself; what it unpacks to is MAX_ZIP_TOTAL).
MAX_FILE_BYTES = MAX_ZIP_TOTAL
#: Bytes asked of zlib per read of an archive member (bounds the memory one read can take).
READ_CHUNK = 1 << 16
MAX_BOARDS = 200
#: The top row added to every page needs room for message (>=2 cells) + 4 buttons.
MIN_COLS = 6
#: The app's default theme. OBF boards mostly use light fills made for dark text; the high-contrast
#: theme writes yellow text, so fills are darkened (hue kept) until that text reads well on them.
IMPORT_THEME = "high-contrast"
MIN_CONTRAST = 4.5

OBF_ACTIONS = {
    ":space": ("action", "space"),
    ":clear": ("action", "clear"),
    ":backspace": ("action", "delete_letter"),
    ":speak": ("action", "speak"),
    ":hush": ("action", "stop_speech"),
    ":home": ("home", None),
    ":back": ("home", None),
}


class ObfError(Exception):
    """The board cannot be imported; the message says why in one sentence."""


@dataclass
class _Button:
    id: str
    label: str
    vocalization: str
    action: str | None
    link: dict | None
    hidden: bool
    background: str | None
    has_image: bool
    has_sound: bool
    image_id: str | None = None
    sound_id: str | None = None


@dataclass
class _Board:
    key: str  # path inside the .obz, or the file name for a single .obf
    id: str
    name: str
    locale: str | None
    rows: int
    cols: int
    order: list[list[str | None]]
    buttons: dict[str, _Button]
    license: dict | None
    page_name: str = ""
    images: dict[str, dict] = field(default_factory=dict)
    sounds: dict[str, dict] = field(default_factory=dict)
    #: Media files read from the .obz package: {path in the zip: bytes}.
    files: dict[str, bytes] = field(default_factory=dict)


@dataclass
class ImportResult:
    """The converted layout as TOML text plus notes for the caregiver."""

    toml: str
    layout: Layout
    slug: str
    notes: list[str] = field(default_factory=list)
    #: Pictures and sounds to store next to the layout: {file name: bytes}, in ``media_folder``
    #: (``SLUG.media``, the folder the TOML's ``picture =`` paths name, relative to the file).
    media: dict[str, bytes] = field(default_factory=dict)
    media_folder: str = ""

    def write(self, path: Path) -> None:
        """Media files first (a layout must never name a picture that is not there yet)."""
        path = Path(path)
        for name, data in self.media.items():
            atomic_write_bytes(path.parent / self.media_folder / name, data)
        atomic_write_text(path, self.toml)


# --------------------------------------------------------------------------- reading


def _id(value: Any) -> str | None:
    """Ids may be strings or integers (0 included); keep "00" as it is."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, (int, str)):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return None


def _short_repr(value: Any, limit: int = 40) -> str:
    """repr() for messages, cut short (a 4,000-digit number or a long string stays readable)."""
    try:
        text = repr(value)
    except ValueError:  # int too large for str()
        return "a number with more than 4300 digits"
    return text if len(text) <= limit else text[:limit] + "..."


def _json(data: bytes, where: str) -> dict:
    if len(data) > MAX_JSON_BYTES:
        raise ObfError(f"{where} is too large ({len(data)} bytes) to be a board")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ObfError(f"{where} is not UTF-8 text (an .obf board is a JSON file)") from None
    try:
        obj = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ObfError(f"{where} is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}") from None
    except RecursionError:
        raise ObfError(f"{where} is not valid JSON: nested too deeply") from None
    except ValueError as exc:  # e.g. a 5,000-digit number (Python's integer-digits limit)
        raise ObfError(f"{where} is not valid JSON: {str(exc)[:80]}") from None
    if not isinstance(obj, dict):
        raise ObfError(f"{where} must hold a JSON object (a board), not {type(obj).__name__}")
    return obj


_RGB = re.compile(r"^rgba?\(\s*([\d.]+)\s*,\s*([\d.]+)\s*,\s*([\d.]+)\s*(?:,\s*([\d.]+)\s*)?\)$")
_HEX = re.compile(r"^#([0-9a-fA-F]{3}|[0-9a-fA-F]{6}|[0-9a-fA-F]{8})$")


def parse_colour(value: Any) -> str | None:
    """OBF colour (``rgb()``, ``rgba()``, ``#rgb``, ``#rrggbb``) -> ``#rrggbb`` over white, or None."""
    if not isinstance(value, str):
        return None
    v = value.strip().lower()
    m = _RGB.match(v)
    if m:
        try:
            r, g, b = (min(255.0, float(x)) for x in m.groups()[:3])
            a = float(m.group(4)) if m.group(4) is not None else 1.0
        except ValueError:
            return None
        a = max(0.0, min(1.0, a))
        r, g, b = (round(c * a + 255 * (1 - a)) for c in (r, g, b))  # blend over a white page
        return f"#{int(r):02x}{int(g):02x}{int(b):02x}"
    m = _HEX.match(v)
    if m:
        digits = m.group(1)
        if len(digits) == 3:
            digits = "".join(c * 2 for c in digits)
        return "#" + digits[:6]
    return None


def darken_for_text(colour: str, text: str, min_ratio: float = MIN_CONTRAST) -> str:
    """``colour`` scaled towards black (same hue) until ``text`` on it has ``min_ratio`` contrast."""
    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    for step in range(1, 21):
        f = 1 - step * 0.05
        cand = f"#{round(r * f):02x}{round(g * f):02x}{round(b * f):02x}"
        if contrast_ratio(cand, text) >= min_ratio:
            return cand
    return "#000000"


def _board(obj: dict, key: str, notes: list[str]) -> _Board:
    where = f"board {key!r}"
    grid = obj.get("grid")
    if grid is None:
        raise ObfError(f"{where} has no grid (the rows/columns/order of its buttons)")
    if not isinstance(grid, dict):
        raise ObfError(f"{where}: grid must be an object with rows, columns and order")
    rows, cols = grid.get("rows"), grid.get("columns")
    for name, v in (("rows", rows), ("columns", cols)):
        if isinstance(v, bool) or not isinstance(v, int) or v < 1:
            raise ObfError(f"{where}: grid.{name} must be a positive whole number, got {_short_repr(v)}")
    if rows > MAX_ROWS or cols > MAX_COLS:  # checked before the grid is built (10^5 x 10^5 took 3.8 GB)
        raise ObfError(f"{where} is {rows} x {cols}; the largest page is {MAX_ROWS - 1} x {MAX_COLS} "
                       "(one row is added for the message bar)")
    order = grid.get("order")
    if not isinstance(order, list) or not all(isinstance(r, list) for r in order):
        raise ObfError(f"{where}: grid.order must be a list of rows (lists of button ids)")
    if len(order) != rows or any(len(r) != cols for r in order):
        notes.append(f"{where}: grid.order does not match {rows} x {cols}; extra cells dropped, missing ones left empty")
    norm: list[list[str | None]] = []
    for r in range(rows):
        src = order[r] if r < len(order) else []
        norm.append([_id(src[c]) if c < len(src) else None for c in range(cols)])

    cleaned = [0]

    def clean(text: str) -> str:
        """Labels reach the screen: control and text-direction characters removed (issue 20)."""
        out = clean_for_screen(text)
        cleaned[0] += out != text
        return out

    raw_buttons = obj.get("buttons", [])
    if not isinstance(raw_buttons, list):
        raise ObfError(f"{where}: buttons must be a list")
    buttons: dict[str, _Button] = {}
    dupes: list[str] = []
    for b in raw_buttons:
        if not isinstance(b, dict):
            notes.append(f"{where}: a button that is not an object was skipped")
            continue
        bid = _id(b.get("id"))
        if bid is None:
            notes.append(f"{where}: a button without an id was skipped ({b.get('label')!r})")
            continue
        if bid in buttons:
            dupes.append(bid)
            continue
        label = clean(b.get("label")) if isinstance(b.get("label"), str) else ""
        voc = clean(b.get("vocalization")) if isinstance(b.get("vocalization"), str) else ""
        link = b.get("load_board") if isinstance(b.get("load_board"), dict) else None
        buttons[bid] = _Button(
            id=bid, label=" ".join(label.split()), vocalization=" ".join(voc.split()),
            action=clean(b.get("action")) if isinstance(b.get("action"), str) else None,
            link=link, hidden=bool(b.get("hidden")), background=b.get("background_color"),
            has_image=b.get("image_id") not in (None, ""), has_sound=b.get("sound_id") not in (None, ""),
            image_id=_id(b.get("image_id")), sound_id=_id(b.get("sound_id")),
        )
    if dupes:
        notes.append(f"{where}: duplicate button ids {sorted(set(dupes))}; the first button with each id was kept")
    locale = obj.get("locale") if isinstance(obj.get("locale"), str) else None
    name = clean(obj.get("name")) if isinstance(obj.get("name"), str) and obj.get("name").strip() else None
    raw_license = obj.get("license") if isinstance(obj.get("license"), dict) else None
    licence = ({k: clean(v) if isinstance(v, str) else v for k, v in raw_license.items()}
               if raw_license is not None else None)
    if cleaned[0]:
        notes.append(f"{where}: {cleaned[0]} text(s) held control or text-direction characters; they were removed")
    media: dict[str, dict[str, dict]] = {"images": {}, "sounds": {}}
    for kind in media:
        entries = obj.get(kind)
        for entry in entries if isinstance(entries, list) else []:
            if isinstance(entry, dict) and _id(entry.get("id")) is not None:
                media[kind].setdefault(_id(entry.get("id")), entry)  # type: ignore[index]
    return _Board(key=key, id=_id(obj.get("id")) or key, name=" ".join((name or key).split()), locale=locale,
                  rows=rows, cols=cols, order=norm, buttons=buttons, license=licence,
                  images=media["images"], sounds=media["sounds"])


def _read_boards(path: Path, notes: list[str]) -> list[_Board]:
    """All boards reachable in the file, root first.

    The file is read once, with a cap, and only if it is a regular file (a symlink to /dev/zero
    or a fifo was read for ever: issue 20, finding 4); an .obz is then opened from those bytes.
    """
    try:
        data = read_capped(path, MAX_FILE_BYTES)
    except FileNotFoundError:
        raise ObfError("file not found") from None
    except FileTooLarge:
        raise ObfError(f"file is too large to be a board (more than {MAX_FILE_BYTES // 1_000_000} MB)") from None
    except NotARegularFile:
        raise ObfError("not a regular file (a device, fifo or folder); give the .obf or .obz file itself") from None
    except OSError as exc:
        raise ObfError(f"cannot read the file: {exc.strerror or exc}") from None
    if data[:4] == b"PK\x03\x04" or path.suffix.lower() == ".obz":
        return _read_obz(data, notes)
    return [_board(_json(data, path.name), path.name, notes)]


#: A damaged package's member: any of these means it cannot be read (aac.fileio.ZIP_MEMBER_ERRORS).
ZIP_READ_ERRORS = ZIP_MEMBER_ERRORS + (OSError,)


def _read_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo, budget: list[int]) -> bytes:
    """One member's bytes, read in chunks and capped: never trusts the header's sizes.

    ``zf.read`` asks zlib for up to 2**31 bytes in one call, so a member whose header claims
    150 bytes grew to 2.1 GB before its CRC failed. Here each member stops at MAX_JSON_BYTES and
    the whole package at ``budget[0]`` bytes actually unpacked.
    """
    cap = min(MAX_JSON_BYTES, budget[0])
    out, total = [], 0
    with zf.open(info) as fh:
        while True:
            chunk = fh.read(min(READ_CHUNK, cap + 1 - total))
            if not chunk:
                break
            out.append(chunk)
            total += len(chunk)
            if total > cap:
                raise ObfError(f"{info.filename!r} unpacks to more than {cap} bytes (its header says "
                               f"{info.file_size}); refusing to open the package")
    budget[0] -= total
    return b"".join(out)


def _read_obz(data: bytes, notes: list[str]) -> list[_Board]:
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError, OSError):
        raise ObfError("not a valid .obz (zip) package") from None
    with zf:
        names = {i.filename: i for i in zf.infolist() if not i.is_dir()}
        if sum(i.file_size for i in names.values()) > MAX_ZIP_TOTAL:
            raise ObfError("the package unpacks to more than 200 MB; refusing to open it")
        budget = [MAX_ZIP_TOTAL]

        def read(member: str) -> bytes:
            try:
                return _read_member(zf, names[member], budget)
            except ZIP_READ_ERRORS as exc:
                raise ObfError(f"cannot read {member!r} from the package: {exc}") from None

        if "manifest.json" not in names:
            raise ObfError("the .obz package has no manifest.json")
        manifest = _json(read("manifest.json"), "manifest.json")
        root = manifest.get("root")
        if not isinstance(root, str) or _norm(root) not in names:
            raise ObfError(f"manifest.json: root must name a board file in the package, got {root!r}")
        board_paths = manifest.get("paths", {}).get("boards", {}) if isinstance(manifest.get("paths"), dict) else {}
        if not isinstance(board_paths, dict):
            board_paths = {}
        id_to_path = {str(k): _norm(v) for k, v in board_paths.items() if isinstance(v, str)}

        boards: dict[str, _Board] = {}
        queue = [_norm(root)]
        while queue:
            key = queue.pop(0)
            if key in boards:
                continue
            if len(boards) >= MAX_BOARDS:
                notes.append(f"more than {MAX_BOARDS} boards; the rest were not imported")
                break
            board = _board(_json(read(key), key), key, notes)
            boards[key] = board
            for b in board.buttons.values():
                target = _link_target(b.link, key, names, id_to_path)
                if target and target not in boards:
                    queue.append(target)
        paths_of = manifest.get("paths") if isinstance(manifest.get("paths"), dict) else {}
        for board in boards.values():
            for kind, entries in (("images", board.images), ("sounds", board.sounds)):
                listed = paths_of.get(kind) if isinstance(paths_of.get(kind), dict) else {}
                for mid, entry in entries.items():
                    p = entry.get("path") if isinstance(entry.get("path"), str) else listed.get(mid)
                    if not isinstance(p, str):
                        continue
                    member = _norm(p)
                    limit = MAX_PICTURE_BYTES if kind == "images" else MAX_SOUND_BYTES
                    if member in names and names[member].file_size <= limit:
                        board.files[member] = read(member)
                        entry["_member"] = member
        unused = [p for p in id_to_path.values() if p in names and p not in boards]
        if unused:
            notes.append(f"{len(unused)} board(s) in the package are not linked from the root and were not imported: {unused[:5]}")
        return list(boards.values())


def _norm(p: str) -> str:
    return posixpath.normpath(p.strip().lstrip("/"))


def _link_target(link: dict | None, current: str, names: Any, id_to_path: dict[str, str]) -> str | None:
    """The package path a load_board points to, or None (remote / missing)."""
    if not link:
        return None
    p = link.get("path")
    if isinstance(p, str) and p.strip():
        for cand in (_norm(p), _norm(posixpath.join(posixpath.dirname(current), p))):
            if cand in names:
                return cand
    lid = _id(link.get("id"))
    if lid is not None and lid in id_to_path and id_to_path[lid] in names:
        return id_to_path[lid]
    return None


# --------------------------------------------------------------------------- converting


def _slug(text: str, fallback: str = "board") -> str:
    s = re.sub(r"[^\w]+", "-", text.lower(), flags=re.UNICODE).strip("-_")
    return s[:40] or fallback


def _toml_str(s: str) -> str:
    out = ['"']
    for ch in s:
        o = ord(ch)
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif o < 0x20 or o == 0x7F:
            out.append(f"\\u{o:04x}")
        elif 0xD800 <= o <= 0xDFFF:
            out.append("\ufffd")  # a lone surrogate from a JSON escape cannot be stored as UTF-8
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def _language(boards: list[_Board], override: str | None, notes: list[str]) -> str:
    if override:
        return override
    loc = boards[0].locale
    if loc:
        code = re.split(r"[-_]", loc.strip().lower())[0]
        if re.fullmatch(r"[a-z]{2,3}", code):
            return code
    notes.append('the board has no usable locale; language set to "en" (use --language to change)')
    return "en"


def import_board(path: Path, name: str | None = None, language: str | None = None,
                 predictions: bool = False) -> ImportResult:
    """Convert an .obf/.obz file; raises ObfError with a clear sentence when it cannot.

    ``predictions`` adds two rows under the message bar of every page: 3 sentence endings and
    5 next words (OBF boards have no prediction tiles; with them each word costs one look).
    """
    path = Path(path)
    if language is not None and not re.fullmatch(r"[a-z]{2,3}", language):
        raise ObfError(f'language must be a 2-3 letter code such as "en" or "ru", not {language!r}')
    notes: list[str] = []
    own = _import_own_export(path, name, language, notes)
    if own is not None:
        return own
    boards = _read_boards(path, notes)
    if not boards:
        raise ObfError("no boards found")
    by_key = {b.key: b for b in boards}
    used: set[str] = set()
    for b in boards:
        base = _slug(b.name, "board")
        cand, n = base, 2
        while cand in used:
            cand, n = f"{base}-{n}", n + 1
        used.add(cand)
        b.page_name = cand
    home = boards[0]
    lang = _language(boards, language, notes)
    layout_name = name or home.name
    names_in_zip = set(by_key)
    id_to_key = {b.id: b.key for b in boards}
    theme = THEMES[IMPORT_THEME]

    counts = {"hidden": 0, "images": 0, "sounds": 0, "remote": 0, "actions": set(), "colours": 0, "empty": 0,
              "missing": 0, "darkened": 0, "pictures_kept": 0, "sounds_kept": 0, "media_url": 0, "media_bad": []}
    media: dict[str, bytes] = {}
    lines: list[str] = []
    lines.append(f"# Imported from {path.name} (Open Board Format) by `aac layout import`.")
    for b in boards:
        lic = b.license
        if lic:
            parts = [str(lic.get(k)) for k in ("type", "author_name", "author_url", "copyright_notice_url", "source_url")
                     if isinstance(lic.get(k), (str, int)) and str(lic.get(k)).strip()]
            if parts:
                lines.append(f"# Board {b.name!r}: licence " + "; ".join(" ".join(p.split()) for p in parts))
    lines.append("# Edit freely; check with: aac layout check <this file>")
    lines.append("")
    lines.append("[layout]")
    lines.append(f"name = {_toml_str(layout_name)}")
    lines.append(f"language = {_toml_str(lang)}")
    lines.append(f"theme = {_toml_str(IMPORT_THEME)}")
    lines.append("font_scale = 1.0")

    media_folder = f"{_slug(layout_name, 'imported')}.media"

    def tile(kind: str, row: int, col: int, span: int = 1, **kw: Any) -> None:
        source = kw.pop("_media", None)
        if source is not None:  # only buttons that become tiles keep (and count) their media
            counts["images"] += source[1].has_image
            counts["sounds"] += source[1].has_sound
            kw.update(_button_media(source[0], source[1], media, counts))
        lines.extend(["", "[[page.tile]]", f"kind = {_toml_str(kind)}"])
        for key in ("action", "target", "value", "label", "color"):
            if kw.get(key):
                lines.append(f"{key} = {_toml_str(kw[key])}")
        for key in ("picture", "sound"):
            if kw.get(key):
                lines.append(f"{key} = {_toml_str(media_folder + '/' + kw[key])}")
        lines.extend([f"row = {row}", f"col = {col}"])
        if span != 1:
            lines.append(f"col_span = {span}")

    for b in boards:
        extra_rows = 3 if predictions else 1
        k = max(1, math.ceil(MIN_COLS / b.cols))  # MIN_COLS >= WORD_SLOTS
        cols = b.cols * k
        rows = b.rows + extra_rows
        if rows > MAX_ROWS or cols > MAX_COLS:
            raise ObfError(f"board {b.name!r} is {b.rows} x {b.cols}; the largest page is {MAX_ROWS - extra_rows} x {MAX_COLS} "
                           f"({extra_rows} row(s) are added for the message bar{' and predictions' if predictions else ''})")
        lines.extend(["", f"# Board {b.name!r}" + (" (home page)" if b is home else ""), "[[page]]",
                      f"name = {_toml_str(b.page_name)}", f"rows = {rows}", f"cols = {cols}"])

        # Top row: clear sits in the top-right corner, edge to edge with nothing it could be
        # confused with (never next to a prediction); undo is always one look away.
        if predictions:
            tile("message", 0, 0, cols - 3)
        else:
            tile("message", 0, 0, cols - 4)
            tile("action", 0, cols - 4, action="undo")
        tile("action", 0, cols - 3, action="speak")
        if b is home:
            tile("action", 0, cols - 2, action="pause")
        else:
            tile("page", 0, cols - 2, target=home.page_name, label="Home")
        tile("action", 0, cols - 1, action="clear")

        if predictions:
            width = cols - 1  # the last column of the endings row holds undo, under clear
            for slot in range(ENDING_SLOTS):
                lo, hi = slot * width // ENDING_SLOTS, (slot + 1) * width // ENDING_SLOTS
                lines.extend(["", "[[page.tile]]", 'kind = "ending"', f"slot = {slot}", "row = 1", f"col = {lo}",
                              f"col_span = {hi - lo}"])
            tile("action", 1, cols - 1, action="undo")
            for slot in range(WORD_SLOTS):
                lo, hi = slot * cols // WORD_SLOTS, (slot + 1) * cols // WORD_SLOTS
                lines.extend(["", "[[page.tile]]", 'kind = "word"', f"slot = {slot}", "row = 2", f"col = {lo}",
                              f"col_span = {hi - lo}"])

        placed: set[str] = set()
        for r, row in enumerate(b.order):
            for c, bid in enumerate(row):
                if bid is None:
                    continue
                btn = b.buttons.get(bid)
                if btn is None:
                    counts["missing"] += 1
                    continue
                placed.add(bid)
                if btn.hidden:
                    counts["hidden"] += 1
                    continue

                colour = parse_colour(btn.background)
                if btn.background is not None and colour is None:
                    counts["colours"] += 1
                if colour is not None and contrast_ratio(colour, theme.tile_text) < MIN_CONTRAST:
                    colour = darken_for_text(colour, theme.tile_text)
                    counts["darkened"] += 1
                kw: dict[str, Any] = {"color": colour, "_media": (b, btn)}
                pos = (r + extra_rows, c * k, k)
                label = btn.label or btn.vocalization
                if btn.link is not None:
                    target = _link_target(btn.link, b.key, names_in_zip, {i: key for i, key in id_to_key.items()})
                    if target and target in by_key:
                        tile("page", *pos, target=by_key[target].page_name, label=label or by_key[target].name, **kw)
                    else:
                        counts["remote"] += 1
                    continue
                act = (btn.action or "").strip()
                if act.startswith("+") and len(act) > 1:
                    text = act[1:]
                    if len(text) == 1:
                        tile("letter", *pos, value=text, label=label or text, **kw)
                    else:
                        tile("phrase", *pos, value=text, label=label or text, **kw)
                        notes.append(f"board {b.name!r}: spelling button {act!r} became a phrase tile")
                    continue
                if act.startswith(":"):
                    mapped = OBF_ACTIONS.get(act.lower())
                    if mapped is None:
                        counts["actions"].add(act)
                        continue
                    if mapped[0] == "home":
                        if b is home:
                            counts["actions"].add(act + " (on the home page)")
                            continue
                        tile("page", *pos, target=home.page_name, label=label or "Home", **kw)
                    else:
                        tile("action", *pos, action=mapped[1], label=label, **kw)
                    continue
                if act:
                    counts["actions"].add(act)
                spoken = btn.vocalization or btn.label
                if not spoken:
                    counts["empty"] += 1
                    continue
                tile("phrase", *pos, value=spoken, label=label, **kw)
        not_placed = [i for i in b.buttons if i not in placed]
        if not_placed:
            notes.append(f"board {b.name!r}: {len(not_placed)} button(s) not in grid.order were left out: {not_placed[:8]}")

    if counts["hidden"]:
        notes.append(f"{counts['hidden']} hidden button(s) left out")
    if counts["missing"]:
        notes.append(f"{counts['missing']} grid cell(s) name a button id that does not exist; left empty")
    if counts["remote"]:
        notes.append(f"{counts['remote']} link(s) to boards outside this file left out (import the .obz that contains them)")
    if counts["actions"]:
        notes.append(f"unsupported action(s) left out: {', '.join(sorted(counts['actions']))}")
    if counts["empty"]:
        notes.append(f"{counts['empty']} button(s) with no label or vocalization left out")
    if counts["colours"]:
        notes.append(f"{counts['colours']} colour(s) not understood; theme colours used instead")
    if counts["darkened"]:
        notes.append(f"{counts['darkened']} button colour(s) darkened so the {IMPORT_THEME} theme's text stays readable")
    if counts["pictures_kept"] or counts["sounds_kept"]:
        notes.append(f"pictures and sounds kept: {counts['pictures_kept']} picture(s), {counts['sounds_kept']} sound(s) "
                     f"(stored in the layout's .media folder)")
    lost_pictures = counts["images"] - counts["pictures_kept"]
    lost_sounds = counts["sounds"] - counts["sounds_kept"]
    if lost_pictures or lost_sounds:
        why = []
        if counts["media_url"]:
            why.append(f"{counts['media_url']} only linked by a web address (nothing is downloaded)")
        if counts["media_bad"]:
            why.append("; ".join(sorted(set(counts["media_bad"])))[:300])
        notes.append(f"pictures and sounds not kept: {lost_pictures} picture(s), {lost_sounds} sound(s); those tiles "
                     f"show their label text" + (f" ({'; '.join(why)})" if why else ""))

    text = "\n".join(lines) + "\n"
    try:
        layout = parse_layout_text(text, f"<import of {path.name}>")
    except LayoutError as exc:  # a bug in the converter, not in the user's file
        raise ObfError("the converted layout did not pass the check: " + "; ".join(str(p) for p in exc.problems[:3])) from None
    return ImportResult(toml=text, layout=layout, slug=_slug(layout_name, "imported"), notes=notes, media=media,
                        media_folder=media_folder)


def _media_bytes(board: _Board, entry: dict, limit: int) -> tuple[bytes, str | None] | str:
    """The bytes of an OBF image/sound entry (inline data URI or file in the package), or why not."""
    raw = entry.get("data")
    if isinstance(raw, str) and raw.startswith("data:"):
        decoded = decode_data_uri(raw, limit)
        if decoded is None:
            return "an inline picture or sound could not be decoded or is too large"
        return decoded[0], decoded[1]
    member = entry.get("_member")
    if isinstance(member, str) and member in board.files:
        ctype = entry.get("content_type") if isinstance(entry.get("content_type"), str) else None
        return board.files[member], ctype
    if isinstance(entry.get("url"), str) or isinstance(entry.get("symbol"), dict):
        return "url"
    return "a picture or sound entry names no data in the file"


def _button_media(board: _Board, btn: _Button, media: dict[str, bytes], counts: dict[str, Any]) -> dict[str, str]:
    """Store the button's picture (as PNG) and sound; returns the tile keys that name them."""
    out: dict[str, str] = {}
    if btn.image_id is not None and btn.image_id in board.images:
        got = _media_bytes(board, board.images[btn.image_id], MAX_PICTURE_BYTES)
        if got == "url":
            counts["media_url"] += 1
        elif isinstance(got, str):
            counts["media_bad"].append(got)
        else:
            try:
                png = normalise_picture(got[0])
            except MediaError as exc:
                counts["media_bad"].append(str(exc))
            else:
                name = picture_name(png)
                media[name] = png
                out["picture"] = name
                counts["pictures_kept"] += 1
    if btn.sound_id is not None and btn.sound_id in board.sounds:
        entry = board.sounds[btn.sound_id]
        got = _media_bytes(board, entry, MAX_SOUND_BYTES)
        if got == "url":
            counts["media_url"] += 1
        elif isinstance(got, str):
            counts["media_bad"].append(got)
        else:
            suffix = sniff_sound(got[0], got[1] or entry.get("content_type"), entry.get("path"))
            if suffix is None:
                counts["media_bad"].append("a sound is not in a known format (wav, mp3, ogg, m4a, flac)")
            else:
                name = sound_name(got[0], suffix)
                media[name] = got[0]
                out["sound"] = name
                counts["sounds_kept"] += 1
    return out


# --------------------------------------------------------------------------- our own exports


def _own_boards(path: Path) -> tuple[list[dict], dict[str, bytes]] | None:
    """The raw boards (root first) and package files of a file ``aac layout export`` wrote, else None."""
    try:  # the same guarded read as every board (issue 20): regular files only, capped
        data = read_capped(path, MAX_FILE_BYTES)
    except OSError:  # includes NotARegularFile and FileTooLarge; _read_boards then says why
        return None
    if data[:4] != b"PK\x03\x04":
        try:
            root = _json(data, path.name)
        except ObfError:
            return None
        return ([root], {}) if isinstance(root.get("ext_aac_layout"), dict) else None
    budget = [MAX_ZIP_TOTAL]  # members are read with a byte cap: headers can lie about sizes

    def read(member: str) -> bytes:
        return _read_member(zf, names[member], budget)

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            names = {i.filename: i for i in zf.infolist() if not i.is_dir()}
            if "manifest.json" not in names or sum(i.file_size for i in names.values()) > MAX_ZIP_TOTAL:
                return None
            manifest = _json(read("manifest.json"), "manifest.json")
            root_path = manifest.get("root")
            if not isinstance(root_path, str) or _norm(root_path) not in names:
                return None
            root = _json(read(_norm(root_path)), root_path)
            if not isinstance(root.get("ext_aac_layout"), dict):
                return None
            paths_of = manifest.get("paths") if isinstance(manifest.get("paths"), dict) else {}
            board_paths = paths_of.get("boards") if isinstance(paths_of.get("boards"), dict) else {}
            boards = [root]
            for p in board_paths.values():
                if isinstance(p, str) and _norm(p) != _norm(root_path) and _norm(p) in names:
                    boards.append(_json(read(_norm(p)), p))
            files: dict[str, bytes] = {}
            for kind in ("images", "sounds"):
                listed = paths_of.get(kind) if isinstance(paths_of.get(kind), dict) else {}
                for p in listed.values():
                    if isinstance(p, str) and _norm(p) in names and names[_norm(p)].file_size <= MAX_PICTURE_BYTES:
                        files[_norm(p)] = read(_norm(p))
            return boards, files
    except ZIP_READ_ERRORS + (ObfError,):  # damaged: _read_boards then says why, as for any package
        return None


def _import_own_export(path: Path, name: str | None, language: str | None, notes: list[str]) -> ImportResult | None:
    """Rebuild the exact layout from a file ``aac layout export`` wrote (None: not ours, or changed since)."""
    from .model_io import data_to_toml
    from .obf_export import EXT_FORMAT, fingerprint

    found = _own_boards(path)
    if found is None:
        return None
    boards, files = found
    ext = boards[0]["ext_aac_layout"]
    data = ext.get("layout")
    if ext.get("format") != EXT_FORMAT or not isinstance(data, dict):
        notes.append("the board carries an aac layout of an unknown version; imported from the standard board")
        return None
    if ext.get("fingerprint") != fingerprint(boards):
        notes.append("the board was changed in another app after `aac layout export`; imported from the standard board")
        return None
    entries: dict[str, dict] = {}
    for b in boards:
        for kind in ("images", "sounds"):
            for entry in b.get(kind) or []:
                if isinstance(entry, dict) and _id(entry.get("id")) is not None:
                    entries.setdefault(_id(entry.get("id")), entry)  # type: ignore[arg-type]
    media: dict[str, bytes] = {}
    head = data.setdefault("layout", {})
    if name:
        head["name"] = name
    if language:
        head["language"] = language
    media_folder = f"{_slug(str(head.get('name') or 'imported'), 'imported')}.media"
    holder = _Board(key="", id="", name="", locale=None, rows=1, cols=1, order=[], buttons={}, license=None, files=files)
    for page in data.get("pages", []):
        for tile in page.get("tiles", []):
            for key in ("picture", "sound"):
                mid = tile.get(key)
                if mid is None:
                    continue
                entry = entries.get(str(mid))
                if entry is None:
                    raise ObfError(f"the exported board names a {key} {mid!r} it does not contain")
                entry = dict(entry)
                if isinstance(entry.get("path"), str):
                    entry["_member"] = _norm(entry["path"])
                got = _media_bytes(holder, entry, MAX_PICTURE_BYTES)
                if isinstance(got, str):
                    raise ObfError(f"the exported board's {key} {mid!r} cannot be read ({got})")
                raw = got[0]
                if key == "picture":
                    from .media import sniff_picture

                    suffix = {"jpeg": ".jpg", "svg": ".svg", "gif": ".gif", "png": ".png"}.get(sniff_picture(raw) or "", "")
                    if not suffix or suffix == ".gif":
                        raw, suffix = normalise_picture(raw), ".png"
                    file_name = f"pic-{hashlib.sha256(raw).hexdigest()[:12]}{suffix}"
                else:
                    file_name = sound_name(raw, sniff_sound(raw, entry.get("content_type"), entry.get("path")) or ".wav")
                media[file_name] = raw
                tile[key] = f"{media_folder}/{file_name}"
    text = data_to_toml(data, [f"Imported from {path.name} (written by `aac layout export`) by `aac layout import`.",
                               "Edit freely; check with: aac layout check <this file>"])
    try:
        layout = parse_layout_text(text, f"<import of {path.name}>")
    except LayoutError as exc:
        raise ObfError("the layout inside the exported board does not pass the check: "
                       + "; ".join(str(p) for p in exc.problems[:3])) from None
    notes.append(f"written by aac layout export: imported exactly ({len(layout.pages)} pages, {len(media)} media file(s))")
    return ImportResult(toml=text, layout=layout, slug=_slug(str(head.get("name") or "imported"), "imported"),
                        notes=notes, media=media, media_folder=media_folder)
