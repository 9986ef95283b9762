"""Export a layout as Open Board Format (``.obz`` package or single ``.obf`` board).

Why: boards travel between AAC apps (CoughDrop, Cboard, AsTeRICS Grid read OBF); a family that
made a board here must be able to give it to a therapist using another app.

What other apps see: each page is a board; phrase tiles are buttons with label and
``vocalization``; letters are ``+x`` spelling buttons; space/clear/backspace/speak/stop are the
spec's ``:space``/``:clear``/``:backspace``/``:speak``/``:hush``; page links are ``load_board``
(within the ``.obz``); pictures are ``images`` (files in the ``.obz``, data URIs in an ``.obf``);
the message bar and prediction tiles, which other apps cannot fill, are ``hidden`` buttons.

What we see: the root board carries the whole layout as an ``ext_aac_layout`` extension (the spec
reserves ``ext_`` keys for this) plus a fingerprint of the standard part, so ``aac layout import``
of our own export rebuilds exactly the same layout, and a board edited in another app since
(fingerprint differs) is imported from its standard part instead.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from pathlib import Path
from typing import Any

from ..fileio import atomic_write_bytes
from .media import data_uri, sniff_picture
from .model import Layout, Tile
from .model_io import layout_to_data

FORMAT = "open-board-0.1"
EXT_FORMAT = "aac-layout-1"

#: Our actions that have an OBF spec equivalent.
SPEC_ACTIONS = {"space": ":space", "clear": ":clear", "delete_letter": ":backspace", "speak": ":speak",
                "stop_speech": ":hush"}
PICTURE_TYPES = {"png": "image/png", "jpeg": "image/jpeg", "gif": "image/gif", "svg": "image/svg+xml"}
SOUND_TYPES = {".wav": "audio/wav", ".mp3": "audio/mpeg", ".ogg": "audio/ogg", ".m4a": "audio/mp4",
               ".webm": "audio/webm", ".flac": "audio/flac"}


class ExportError(Exception):
    """The layout cannot be exported; the message says why."""


def _rgb(colour: str) -> str:
    return "rgb({}, {}, {})".format(*(int(colour[i : i + 2], 16) for i in (1, 3, 5)))


def fingerprint(boards: list[dict]) -> str:
    """Hash of the standard (non-``ext_``) part of every board: changes when another app edits it."""
    def strip(obj: Any) -> Any:
        if isinstance(obj, dict):
            return {k: strip(v) for k, v in sorted(obj.items()) if not str(k).startswith("ext_")}
        if isinstance(obj, list):
            return [strip(v) for v in obj]
        return obj

    payload = json.dumps([strip(b) for b in boards], sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:16]


def _board_path(page_name: str, index: int) -> str:
    safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in page_name)[:40] or "page"
    return f"boards/{index:02d}-{safe}.obf"


def build_boards(layout: Layout, package: bool) -> tuple[list[dict], dict[str, tuple[str, bytes]]]:
    """The boards (root first) and the media files {zip path: (content type, bytes)}."""
    page_ids = {p.name: f"page-{i}" for i, p in enumerate(layout.pages)}
    page_paths = {p.name: _board_path(p.name, i) for i, p in enumerate(layout.pages)}
    files: dict[str, tuple[str, bytes]] = {}
    data = layout_to_data(layout)
    media_ids: dict[str, str] = {}  # picture/sound file (absolute) -> media id
    boards: list[dict] = []
    for pi, page in enumerate(layout.pages):
        buttons: list[dict] = []
        images: list[dict] = []
        sounds: list[dict] = []
        order: list[list[str | None]] = [[None] * page.cols for _ in range(page.rows)]
        for ti, tile in enumerate(page.tiles):
            bid = f"{pi}-{ti}"
            order[tile.row][tile.col] = bid
            button = _button(tile, bid, layout, page_ids, page_paths if package else None)
            ext_tile = data["pages"][pi]["tiles"][ti]
            if tile.picture:
                image = _media_entry(layout, tile.picture, "picture", media_ids, files, package)
                if image is not None:
                    button["image_id"] = image["id"]
                    ext_tile["picture"] = image["id"]
                    if not any(i["id"] == image["id"] for i in images):
                        images.append(image)
            if tile.sound:
                sound = _media_entry(layout, tile.sound, "sound", media_ids, files, package)
                if sound is not None:
                    button["sound_id"] = sound["id"]
                    ext_tile["sound"] = sound["id"]
                    if not any(s["id"] == sound["id"] for s in sounds):
                        sounds.append(sound)
            buttons.append(button)
        board: dict[str, Any] = {
            "format": FORMAT, "id": page_ids[page.name], "locale": layout.language, "name": page.name,
            "grid": {"rows": page.rows, "columns": page.cols, "order": order},
            "buttons": buttons, "images": images, "sounds": sounds,
        }
        boards.append(board)
    boards[0]["name"] = layout.name if len(layout.pages) == 1 else boards[0]["name"]
    boards[0]["ext_aac_layout"] = {"format": EXT_FORMAT, "layout": data}
    return boards, files


def _button(tile: Tile, bid: str, layout: Layout, page_ids: dict[str, str],
            page_paths: dict[str, str] | None) -> dict[str, Any]:
    button: dict[str, Any] = {"id": bid, "label": tile.label or tile.value or ""}
    own = tile.color or layout.theme.colour_for(tile.kind)
    button["background_color"] = _rgb(own)
    button["border_color"] = _rgb(layout.theme.border)
    if tile.kind in ("message", "word", "ending", "chunk"):
        # Filled by our predictor at run time; other apps would show an empty button.
        button["hidden"] = True
        button["label"] = {"message": "(message)", "word": f"(word {tile.slot})", "ending": f"(ending {tile.slot})",
                           "chunk": "(chunk)"}[tile.kind]
    elif tile.kind in ("letter", "punct"):
        button["action"] = "+" + tile.value
    elif tile.kind == "phrase":
        button["vocalization"] = tile.value
    elif tile.kind == "action":
        if tile.action in SPEC_ACTIONS:
            button["action"] = SPEC_ACTIONS[tile.action]
        else:
            button["hidden"] = True  # pause, settings, undo...: no spec equivalent
    elif tile.kind == "page" and tile.target:
        link: dict[str, Any] = {"id": page_ids[tile.target]}
        if page_paths is not None:
            link["path"] = page_paths[tile.target]
        button["load_board"] = link
    return button


def _media_entry(layout: Layout, rel: str, what: str, media_ids: dict[str, str],
                 files: dict[str, tuple[str, bytes]], package: bool) -> dict[str, Any] | None:
    if layout.source is None:
        raise ExportError(f"the layout was not loaded from a file, so its {what} {rel!r} cannot be found")
    path = Path(layout.source).parent / rel
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ExportError(f"cannot read the {what} {path}: {exc.strerror or exc}") from None
    key = str(path)
    mid = media_ids.setdefault(key, f"{'img' if what == 'picture' else 'snd'}-{len(media_ids)}")
    if what == "picture":
        kind = sniff_picture(data) or "png"
        ctype = PICTURE_TYPES.get(kind, "image/png")
        entry: dict[str, Any] = {"id": mid, "content_type": ctype}
        try:
            import os

            os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
            import pygame

            if kind != "svg":
                w, h = pygame.image.load(io.BytesIO(data), f"p.{kind}").get_size()
                entry.update(width=w, height=h)
        except Exception:  # noqa: BLE001 - size is optional in the spec
            pass
        suffix = {"jpeg": ".jpg", "svg": ".svg", "gif": ".gif"}.get(kind, ".png")
        zip_path = f"images/{mid}{suffix}"
    else:
        ctype = SOUND_TYPES.get(path.suffix.lower(), "application/octet-stream")
        entry = {"id": mid, "content_type": ctype}
        zip_path = f"sounds/{mid}{path.suffix.lower()}"
    if package:
        entry["path"] = zip_path
        files[zip_path] = (ctype, data)
    else:
        entry["data"] = data_uri(data, ctype)
    return entry


def export_layout(layout: Layout, out: Path) -> list[str]:
    """Write ``out`` (``.obz`` or ``.obf``, by suffix); returns notes for the caregiver."""
    out = Path(out)
    suffix = out.suffix.lower()
    if suffix not in (".obz", ".obf"):
        raise ExportError(f"{out.name}: the file must end in .obz (all pages, pictures inside) or .obf (one board)")
    package = suffix == ".obz"
    boards, files = build_boards(layout, package)
    notes: list[str] = []
    hidden = sum(1 for b in boards for btn in b["buttons"] if btn.get("hidden"))
    if hidden:
        notes.append(f"{hidden} tile(s) other apps cannot use (message bar, predictions, pause/undo/settings) "
                     "are written as hidden buttons")
    if not package:
        root = boards[0]
        for key in ("images", "sounds"):  # the other pages' pictures travel in the one board
            seen = {m["id"] for m in root[key]}
            for b in boards[1:]:
                root[key].extend(m for m in b[key] if m["id"] not in seen and not seen.add(m["id"]))
        boards = [root]
    boards[0]["ext_aac_layout"]["fingerprint"] = fingerprint(boards)
    if package:
        manifest = {
            "format": FORMAT,
            "root": _board_path(layout.pages[0].name, 0),
            "paths": {
                "boards": {b["id"]: _board_path(p.name, i) for i, (b, p) in enumerate(zip(boards, layout.pages))},
                "images": {img["id"]: img["path"] for b in boards for img in b["images"]},
                "sounds": {snd["id"]: snd["path"] for b in boards for snd in b["sounds"]},
            },
        }
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
            zf.writestr("manifest.json", json.dumps(manifest, indent=1, ensure_ascii=False))
            for b, p, i in zip(boards, layout.pages, range(len(boards))):
                zf.writestr(_board_path(p.name, i), json.dumps(b, indent=1, ensure_ascii=False))
            for path, (_ctype, data) in files.items():
                zf.writestr(path, data)
        atomic_write_bytes(out, buf.getvalue())
    else:
        if len(layout.pages) > 1:
            notes.append(f"an .obf file holds one board: other apps see the home page only "
                         f"({len(layout.pages) - 1} more page(s) are kept for `aac layout import`; use .obz to share every page)")
        atomic_write_bytes(out, json.dumps(boards[0], indent=1, ensure_ascii=False).encode("utf-8"))
    return notes
