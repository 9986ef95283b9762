"""``aac edit``: the caregiver's board editor, served to a browser on this machine only.

Security (GUIDE: any local server binds 127.0.0.1 and checks a token): the server listens on
127.0.0.1 at a random free port; the URL it prints carries a one-time random token; every
``/api`` request (reads too: phrases are private) must send it (``X-AAC-Token`` header), compared
in constant time; requests whose ``Host`` is not this server's address are refused (a web page
elsewhere cannot reach it through DNS rebinding), and so are writes from another ``Origin``.
Uploads are size-checked before they are read, decoded as pictures (never trusted by name) and
stored under a content-derived name inside the layout's own ``NAME.media/`` folder, so no upload
can name a path.

Files stay the source of truth: a save edits the TOML file in place (comments kept, see
:mod:`aac.edit.toml_edit`), only after the layout checker passes, atomically, keeping the previous
version as ``NAME.toml.bak``; a save based on a file that changed since it was opened (a second
editor, a text editor) is refused with a message instead of overwriting.
"""

from __future__ import annotations

import asyncio
import hmac
import re
import secrets
import socket
import tempfile
import threading
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from aac.fileio import atomic_write_bytes
from aac.layouts.loader import (
    keep_working_version,
    list_layouts,
    load_layout,
    parse_layout_text,
    user_layouts_dir,
    working_version_of_file,
)
from aac.layouts.media import (
    MAX_PICTURE_BYTES,
    MediaError,
    media_dir_for,
    normalise_picture,
    picture_name,
)
from aac.layouts.model import TILE_KEY, LayoutError, LayoutProblem

from .toml_edit import apply_edits, editor_data, file_hash, plain_toml, same_layout

STATIC = Path(__file__).parent / "static"
#: Settings the editor shows (the rest stay in ``aac profile set``).
EDITOR_SETTINGS = ("dwell_ms", "lock_on_ms", "voice", "theme", "language", "text_logging", "profanity_filter", "layout",
                   "keep_history_audio", "adaptive_dwell", "adaptive_dwell_min_ms", "adaptive_dwell_max_ms",
                   "suggestion_gate", "next_words_on_tile", "speak_on_sentence_end")
#: Largest recording upload: a 2-minute message (the bank's longest, aac/speech/bank.py MAX_SECONDS)
#: as 48 kHz stereo 16-bit WAV is 23 MB.
MAX_RECORDING_UPLOAD = 30_000_000
MAX_JSON_BYTES = 2_000_000
LAYOUT_NAME = re.compile(r"^[\w-]{1,60}$")
#: A broken layout file replaced by a save from the editor is kept under its name + this (not
#: ``.toml``, so it is never listed as a layout; not ``.bak``, which every save overwrites).
BROKEN_SUFFIX = ".broken"


class EditorError(Exception):
    """A request that cannot be done; ``status`` and a sentence for the caregiver."""

    def __init__(self, message: str, status: int = 400, **extra: Any):
        super().__init__(message)
        self.status = status
        self.extra = extra


def problem_json(problem: LayoutProblem, data: dict[str, Any] | None) -> dict[str, Any]:
    """A checker problem with the page / tile / field it concerns, so the editor can show it there."""
    out: dict[str, Any] = {"text": f"{problem.message}" + (f" ({problem.suggestion})" if problem.suggestion else ""),
                           "key": problem.key}
    m = TILE_KEY.match(problem.key or "")
    if m and data is not None:
        names = [p.get("name") for p in data.get("pages", [])]
        page = m.group("page")
        index = names.index(page) if page in names else (int(page) - 1 if page.isdigit() else None)
        out["page"] = index
        if m.group("tile"):
            out["tile"] = int(m.group("tile")) - 1
        out["field"] = m.group("field")
        # "tile 16 (...) overlaps tile 15 (...)": the message belongs next to both tiles
        out["tiles"] = sorted({int(n) - 1 for n in re.findall(r"\btile (\d+)\b", problem.message)} | (
            {out["tile"]} if "tile" in out else set()))
    elif problem.key and problem.key.startswith("layout."):
        out["field"] = problem.key
    return out


class EditorApp:
    """State of one ``aac edit`` session: the profile, the token, the layouts folder."""

    def __init__(self, profile: Any, token: str | None = None):
        self.profile = profile
        self.token = token or secrets.token_urlsafe(24)
        self.port = 0
        self._lock = threading.Lock()  # one save at a time (two tabs of the same editor)
        self._bank_lock = asyncio.Lock()  # one recording import/removal at a time (held across awaits)
        self.app = Starlette(routes=[
            Route("/", self.index),
            Mount("/static", app=StaticFiles(directory=str(STATIC)), name="static"),
            Route("/api/state", self.api(self.state)),
            Route("/api/layout", self.api(self.get_layout)),
            Route("/api/check", self.api(self.check), methods=["POST"]),
            Route("/api/preview", self.api(self.preview), methods=["POST"]),
            Route("/api/save", self.api(self.save), methods=["POST"]),
            Route("/api/copy", self.api(self.copy), methods=["POST"]),
            Route("/api/import", self.api(self.import_board), methods=["POST"]),
            Route("/api/picture", self.api(self.picture), methods=["POST"]),
            Route("/api/media", self.api(self.media)),
            Route("/api/settings", self.api(self.settings), methods=["POST"]),
            Route("/api/speak", self.api(self.speak), methods=["POST"]),
            Route("/api/export", self.api(self.export)),
            Route("/api/recordings", self.api(self.recordings)),
            Route("/api/recordings/upload", self.api(self.upload_recording), methods=["POST"]),
            Route("/api/recordings/remove", self.api(self.remove_recording), methods=["POST"]),
            Route("/api/recording", self.api(self.recording_audio)),
        ])

    # ------------------------------------------------------------------ guard
    def allowed_hosts(self) -> set[str]:
        return {f"127.0.0.1:{self.port}", f"localhost:{self.port}"}

    def api(self, handler):
        async def endpoint(request: Request) -> Response:
            host = request.headers.get("host", "")
            if self.port and host not in self.allowed_hosts():
                return JSONResponse({"error": f"refused: this editor only answers at 127.0.0.1:{self.port}"}, 403)
            given = request.headers.get("x-aac-token", "")
            if not hmac.compare_digest(given.encode(), self.token.encode()):
                return JSONResponse({"error": "missing or wrong token: open the link that `aac edit` printed"}, 403)
            origin = request.headers.get("origin")
            if request.method != "GET" and origin and self.port and origin not in {f"http://{h}" for h in self.allowed_hosts()}:
                return JSONResponse({"error": "refused: the request came from another web page"}, 403)
            try:
                return await handler(request)
            except EditorError as exc:
                return JSONResponse({"error": str(exc), **exc.extra}, exc.status)

        return endpoint

    async def index(self, request: Request) -> Response:
        return FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-store",
                                                            "Content-Security-Policy": "default-src 'self'; img-src 'self' blob: data:; media-src 'self' blob:"})

    async def json_body(self, request: Request) -> dict[str, Any]:
        length = int(request.headers.get("content-length") or 0)
        if length > MAX_JSON_BYTES:
            raise EditorError("the request is too large", 413)
        try:
            body = await request.json()
        except ValueError:
            raise EditorError("the request is not JSON") from None
        if not isinstance(body, dict):
            raise EditorError("the request must be a JSON object")
        return body

    # ------------------------------------------------------------------ layouts
    def layout_path(self, name: Any, must_be_user: bool = False) -> Path:
        if not isinstance(name, str) or not LAYOUT_NAME.match(name):
            raise EditorError(f"layout name {name!r}: use letters, digits, - and _ only")
        found = dict(list_layouts())
        path = found.get(name)
        if path is None:
            raise EditorError(f"no layout named {name!r}", 404)
        if must_be_user and path.parent.resolve() != user_layouts_dir().resolve():
            raise EditorError(f"{name!r} is a shipped layout: copy it first to make your own", 403)
        return path

    async def state(self, request: Request) -> Response:
        from aac.language import available_languages
        from aac.layouts.themes import theme_names
        from aac.speech.voices import available_profiles

        layouts = []
        for name, path in list_layouts():
            layouts.append({"name": name, "editable": path.parent.resolve() == user_layouts_dir().resolve()})
        settings = {k: getattr(self.profile.settings, k) for k in EDITOR_SETTINGS}
        return JSONResponse({"profile": self.profile.name, "settings": settings, "layouts": layouts,
                             "themes": theme_names(), "voices": available_profiles(),
                             "languages": available_languages()})

    async def get_layout(self, request: Request) -> Response:
        """The layout for the editor. A caregiver's file that no longer passes the check (a text
        editor left a typo) opens as the last version that worked, with the file's problems, so
        it can be mended here: saving writes that version (with the edits) over the broken file,
        which is kept next to it (``.broken``)."""
        path = self.layout_path(request.query_params.get("name"))
        data = path.read_bytes()
        editable = path.parent.resolve() == user_layouts_dir().resolve()
        out: dict[str, Any] = {"name": path.stem, "hash": file_hash(data), "editable": editable, "file": str(path)}
        try:
            layout = load_layout(path)
        except LayoutError as exc:
            working = working_version_of_file(path) if editable else None
            if working is None:
                raise EditorError(f"{path.name} does not pass the check and no version that worked is kept, so it "
                                  "cannot be opened here; fix it in a text editor (`aac layout check "
                                  f"{path.stem}` lists every problem): " + "; ".join(p.plain(with_file=False) for p in exc.problems[:5]),
                                  422) from None
            out["recovered"] = {"saved": working.saved, "problems": [p.plain(with_file=False) for p in exc.problems],
                                "backup": path.name + BROKEN_SUFFIX}
            layout = working.layout
        return JSONResponse({**out, "data": editor_data(layout)})

    def _check_data(self, path: Path, data: Any) -> tuple[Any, list[dict[str, Any]]]:
        if not isinstance(data, dict) or not isinstance(data.get("pages"), list):
            raise EditorError("the layout data is missing its pages")
        try:
            text = plain_toml(data)
        except (KeyError, TypeError, ValueError) as exc:
            raise EditorError(f"the layout data is incomplete ({exc})") from None
        try:
            return parse_layout_text(text, path.name, source=path), []
        except LayoutError as exc:
            return None, [problem_json(p, data) for p in exc.problems]

    async def check(self, request: Request) -> Response:
        from aac.layouts.glyphs import glyph_warnings

        body = await self.json_body(request)
        path = self.layout_path(body.get("name"))
        layout, problems = self._check_data(path, body.get("data"))
        warnings = glyph_warnings(layout) if layout is not None else []
        return JSONResponse({"ok": not problems, "problems": problems, "warnings": warnings})

    async def preview(self, request: Request) -> Response:
        from starlette.concurrency import run_in_threadpool

        from aac.layouts.theme_choice import effective_theme
        from aac.ui.page_preview import render_page_png

        body = await self.json_body(request)
        path = self.layout_path(body.get("name"))
        layout, problems = self._check_data(path, body.get("data"))
        if layout is None:
            return JSONResponse({"ok": False, "problems": problems}, 422)
        page = body.get("page")
        if page not in layout.page_names():
            page = layout.home.name
        theme_name = body.get("theme") or self.profile.settings.theme
        theme, _why = effective_theme(layout.theme, theme_name)
        png = await run_in_threadpool(render_page_png, layout, page, (960, 540), theme)
        return Response(png, media_type="image/png", headers={"Cache-Control": "no-store"})

    async def save(self, request: Request) -> Response:
        body = await self.json_body(request)
        path = self.layout_path(body.get("name"), must_be_user=True)
        data = body.get("data")
        with self._lock:
            current = path.read_bytes()
            if body.get("hash") != file_hash(current):
                raise EditorError("the layout file changed since you opened it (another editor or a text editor "
                                  "saved it); nothing was saved. Reload the layout to see that version, then "
                                  "make your changes again.", 409, conflict=True)
            wanted, problems = self._check_data(path, data)
            if problems:
                return JSONResponse({"ok": False, "problems": problems,
                                     "error": "not saved: the layout checker found problems (shown next to the fields)"}, 422)
            try:
                original, base = load_layout(path), current.decode("utf-8")
                broken = False
            except LayoutError:  # opened as the last version that worked (get_layout)
                working = working_version_of_file(path)
                if working is None:
                    raise EditorError(f"not saved: {path.name} does not pass the check and no version that worked "
                                      "is kept; fix it in a text editor", 409) from None
                original, base, broken = working.layout, working.text, True
            text = apply_edits(base, data, original)
            try:
                saved = parse_layout_text(text, path.name, source=path)
            except LayoutError as exc:
                return JSONResponse({"ok": False, "problems": [problem_json(p, None) for p in exc.problems],
                                     "error": "not saved: the edited file did not pass the checker"}, 422)
            if not same_layout(saved, wanted):
                raise EditorError("not saved: the file could not be edited in place without changing something "
                                  "else; please report this layout file", 500)
            # the broken file gets its own name: the next save's .bak would overwrite it
            backup = path.with_name(path.name + (BROKEN_SUFFIX if broken else ".bak"))
            atomic_write_bytes(backup, current)
            new = text.encode("utf-8")
            atomic_write_bytes(path, new)
        what = "the file that did not pass the check" if broken else "previous version"
        # ``saved`` is the text just written, checked with this file as its source: no second read
        keep_working_version(path.stem, saved)  # what the board and this editor fall back on after a bad edit
        return JSONResponse({"ok": True, "hash": file_hash(new), "data": editor_data(saved),
                             "message": f"saved {path.name} ({what} kept as {backup.name})"})

    async def copy(self, request: Request) -> Response:
        from aac.layouts.cli import copy_media, existing_layouts, renamed_copy

        body = await self.json_body(request)
        source = self.layout_path(body.get("source"))
        name = body.get("name")
        if not isinstance(name, str) or not LAYOUT_NAME.match(name):
            raise EditorError("the new name may use letters, digits, - and _ only (it becomes the file name)")
        out = user_layouts_dir() / f"{name}.toml"
        replaced = existing_layouts(name, out)
        if replaced and not body.get("force"):
            raise EditorError(f"a layout named {name!r} already exists; this would replace {' and '.join(replaced)}. "
                              "Choose another name.", 409)
        atomic_write_bytes(out, renamed_copy(source.read_text(encoding="utf-8"), name).encode("utf-8"))
        copy_media(source, out)
        try:
            keep_working_version(name, load_layout(out))  # the version to fall back on after a bad edit
        except LayoutError:
            pass  # a copy of a broken layout opens as such
        return JSONResponse({"ok": True, "name": name, "message": f"copied {source.stem} to your layout {name!r}"})

    async def read_upload(self, request: Request, limit: int) -> tuple[bytes, str, dict[str, str]]:
        length = int(request.headers.get("content-length") or 0)
        if length > limit + 100_000:
            raise EditorError(f"the file is too large ({length // 1_000_000} MB); the limit is {limit // 1_000_000} MB", 413)
        form = await request.form(max_files=1, max_fields=10, max_part_size=limit + 1)
        upload = form.get("file")
        if upload is None or isinstance(upload, str):
            raise EditorError("no file was sent")
        data = await upload.read(limit + 1)
        if len(data) > limit:
            raise EditorError(f"the file is too large; the limit is {limit // 1_000_000} MB", 413)
        fields = {k: v for k, v in form.items() if isinstance(v, str)}
        return data, upload.filename or "", fields

    async def picture(self, request: Request) -> Response:
        from starlette.concurrency import run_in_threadpool

        name = request.query_params.get("name")
        path = self.layout_path(name, must_be_user=True)
        data, _filename, _ = await self.read_upload(request, MAX_PICTURE_BYTES)
        try:
            png = await run_in_threadpool(normalise_picture, data)
        except MediaError as exc:
            raise EditorError(f"picture refused: {exc}", 415) from None
        folder = media_dir_for(path)
        file_name = picture_name(png)  # never the uploaded name: no upload can choose a path
        atomic_write_bytes(folder / file_name, png)
        return JSONResponse({"ok": True, "picture": f"{folder.name}/{file_name}"})

    async def media(self, request: Request) -> Response:
        path = self.layout_path(request.query_params.get("name"))
        rel = request.query_params.get("file", "")
        base = path.parent.resolve()
        target = (path.parent / rel).resolve()
        if not rel or not target.is_relative_to(base) or not target.is_file() \
                or target.suffix.lower() not in (".png", ".jpg", ".jpeg", ".svg"):
            raise EditorError("no such picture in this layout's folder", 404)
        media_type = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".svg": "image/svg+xml"}[target.suffix.lower()]
        return Response(target.read_bytes(), media_type=media_type, headers={"Cache-Control": "no-store"})

    async def import_board(self, request: Request) -> Response:
        from starlette.concurrency import run_in_threadpool

        from aac.layouts.cli import existing_layouts
        from aac.layouts.obf import ObfError, import_board

        data, filename, fields = await self.read_upload(request, 50_000_000)
        suffix = ".obz" if data[:4] == b"PK\x03\x04" else ".obf"
        with tempfile.TemporaryDirectory(prefix="aac-edit-") as tmp:
            board = Path(tmp) / f"board{suffix}"
            board.write_bytes(data)
            try:
                result = await run_in_threadpool(import_board, board, fields.get("name") or None)
            except ObfError as exc:
                raise EditorError(f"{Path(filename).name or 'the board'}: cannot import: {exc}", 422) from None
        out = user_layouts_dir() / f"{result.slug}.toml"
        replaced = existing_layouts(result.slug, out)
        if replaced and fields.get("force") != "1":
            raise EditorError(f"a layout named {result.slug!r} already exists; importing would replace "
                              f"{' and '.join(replaced)}. Give the board another name.", 409)
        result.write(out)
        return JSONResponse({"ok": True, "name": out.stem, "notes": result.notes,
                             "message": f"imported {len(result.layout.pages)} page(s) as your layout {out.stem!r}"})

    async def export(self, request: Request) -> Response:
        """The layout as an .obz package (Open Board Format) for another AAC app."""
        from starlette.concurrency import run_in_threadpool

        from aac.layouts.obf_export import ExportError, export_layout

        path = self.layout_path(request.query_params.get("name"))
        try:
            layout = load_layout(path)
        except LayoutError as exc:
            raise EditorError("fix the layout first: " + "; ".join(str(p) for p in exc.problems[:3]), 422) from None
        with tempfile.TemporaryDirectory(prefix="aac-export-") as tmp:
            out = Path(tmp) / f"{path.stem}.obz"
            try:
                await run_in_threadpool(export_layout, layout, out)
            except ExportError as exc:
                raise EditorError(f"cannot export: {exc}", 422) from None
            data = out.read_bytes()
        return Response(data, media_type="application/zip",
                        headers={"Content-Disposition": f'attachment; filename="{path.stem}.obz"', "Cache-Control": "no-store"})

    # ------------------------------------------------------------------ recorded messages
    def bank(self) -> Any:
        from aac.speech.bank import VoiceBank

        return VoiceBank(self.profile.dir)

    def _bank_list(self) -> list[dict[str, Any]]:
        from aac.speech.bank import BankError

        try:
            recs = self.bank().list()
        except BankError as exc:
            raise EditorError(f"the recordings cannot be read: {exc}", 500) from None
        return [{"name": r.name, "phrase": r.phrase, "duration": r.duration, "warnings": r.warnings} for r in recs]

    async def recordings(self, request: Request) -> Response:
        """The person's recorded messages (aac/speech/bank.py): name, words, length."""
        return JSONResponse({"recordings": self._bank_list()})

    async def upload_recording(self, request: Request) -> Response:
        """A recording for a phrase: checked and stored by the bank exactly as `aac voices bank
        import` does (format by content, length, silence, clipping; 0600 in the profile). The
        uploaded file name is never a path: the file is read from a private temporary folder under a
        fixed name and stored under a name made from the phrase."""
        from starlette.concurrency import run_in_threadpool

        from aac.speech.bank import BankError, name_for

        data, filename, fields = await self.read_upload(request, MAX_RECORDING_UPLOAD)
        phrase = " ".join(str(fields.get("phrase") or "").split())[:300]
        if not phrase:
            raise EditorError("say which words the recording says (the tile's message is empty)", field="recording")
        bank = self.bank()
        async with self._bank_lock:
            taken = {r["name"] for r in self._bank_list()}
            base = name_for(phrase)[:36].strip("-") or "rec"
            name = base
            n = 2
            while name in taken:  # a second take of the same words is kept beside the first, never over it
                name, n = f"{base}-{n}", n + 1
            shown = re.sub(r"[^\w .()-]", "_", Path(filename.replace("\\", "/")).name)[:80] or "upload"
            with tempfile.TemporaryDirectory(prefix="aac-rec-") as tmp:
                src = Path(tmp) / "upload"
                src.write_bytes(data)
                try:
                    rec = await run_in_threadpool(bank.import_file, src, phrase, name)
                except BankError as exc:
                    raise EditorError(f"recording refused: {str(exc).replace('upload: ', shown + ': ', 1)}", 422,
                                      field="recording") from None
        rec_out = {"name": rec.name, "phrase": rec.phrase, "duration": rec.duration, "warnings": rec.warnings}
        note = f" ({'; '.join(rec.warnings)})" if rec.warnings else ""
        return JSONResponse({"ok": True, "recording": rec_out, "recordings": self._bank_list(),
                             "message": f"recording {rec.name!r} of {shown} kept ({rec.duration:.1f} s){note}"})

    def _recording_name(self, name: Any) -> str:
        from aac.speech.bank import RECORDING_NAME

        if not isinstance(name, str) or not RECORDING_NAME.match(name):
            raise EditorError(f"not a recording name: {str(name)[:60]!r}", 404)
        return name

    async def recording_audio(self, request: Request) -> Response:
        """One recording as WAV for the browser's player (names only: never a path)."""
        name = self._recording_name(request.query_params.get("name"))
        path = self.bank().path(name)
        if path is None:
            raise EditorError(f"no recording named {name!r}", 404)
        return Response(path.read_bytes(), media_type="audio/wav", headers={"Cache-Control": "no-store"})

    async def remove_recording(self, request: Request) -> Response:
        """Delete a recording from the bank; tiles that named it say their words instead (listed)."""
        from aac.speech.bank import BankError

        body = await self.json_body(request)
        name = self._recording_name(body.get("name"))
        async with self._bank_lock:
            try:
                self.bank().remove(name)
            except BankError as exc:
                raise EditorError(str(exc), 404) from None
        users = self._tiles_using(name)
        note = (" Tiles that played it now say their words: " + "; ".join(users) + ".") if users else ""
        return JSONResponse({"ok": True, "recordings": self._bank_list(),
                             "message": f"recording {name!r} removed.{note}"})

    def _tiles_using(self, name: str) -> list[str]:
        out = []
        for layout_name, path in list_layouts():
            if path.parent.resolve() != user_layouts_dir().resolve():
                continue
            try:
                layout = load_layout(path)
            except LayoutError:
                continue
            for page in layout.pages:
                out.extend(f"{layout_name} / {page.name} / {t.label or t.value}" for t in page.tiles
                           if getattr(t, "recording", None) == name)
        return out[:10]

    # ------------------------------------------------------------------ settings and voice
    async def settings(self, request: Request) -> Response:
        from aac.store.cli import reference_problem
        from aac.store.settings import check_value

        body = await self.json_body(request)
        changes = body.get("settings")
        if not isinstance(changes, dict):
            raise EditorError("settings must be an object")
        errors: dict[str, str] = {}
        clean: dict[str, Any] = {}
        for key, value in changes.items():
            if key not in EDITOR_SETTINGS:
                errors[key] = "this setting cannot be changed here"
                continue
            value, why = check_value(key, value)
            if why is None and isinstance(value, str):
                why = reference_problem(key, value)
            if why:
                errors[key] = why
            else:
                clean[key] = value
        lo = clean.get("adaptive_dwell_min_ms", self.profile.settings.adaptive_dwell_min_ms)
        hi = clean.get("adaptive_dwell_max_ms", self.profile.settings.adaptive_dwell_max_ms)
        if not errors and lo > hi:  # the board would swap them; say it instead of guessing
            errors["adaptive_dwell_min_ms" if "adaptive_dwell_min_ms" in clean else "adaptive_dwell_max_ms"] = (
                f"the shortest dwell ({lo / 1000:g} s) must not be longer than the longest ({hi / 1000:g} s)")
        if errors:
            return JSONResponse({"ok": False, "errors": errors, "error": "settings not saved (see the fields)"}, 422)
        for key, value in clean.items():
            self.profile.set(key, value)
        return JSONResponse({"ok": True, "settings": {k: getattr(self.profile.settings, k) for k in EDITOR_SETTINGS}})

    async def speak(self, request: Request) -> Response:
        from starlette.concurrency import run_in_threadpool

        from aac.speech.synth import SynthesisError, synthesize_to_wav
        from aac.speech.voices import VoiceError

        body = await self.json_body(request)
        text = str(body.get("text") or "Hello, this is my voice.")[:300]
        voice = str(body.get("voice") or self.profile.settings.voice)
        with tempfile.TemporaryDirectory(prefix="aac-voice-") as tmp:
            wav = Path(tmp) / "try.wav"
            try:
                await run_in_threadpool(synthesize_to_wav, text, voice, wav, False)
            except (SynthesisError, VoiceError, OSError) as exc:
                raise EditorError(f"the voice {voice!r} could not speak: {exc}", 422) from None
            return Response(wav.read_bytes(), media_type="audio/wav", headers={"Cache-Control": "no-store"})


def bind_localhost(port: int = 0) -> socket.socket:
    """A listening socket on 127.0.0.1 only (port 0: a random free port)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port))
    sock.listen(64)
    sock.set_inheritable(True)
    return sock


class RunningEditor:
    """The editor served by uvicorn in a background thread (``aac edit`` and the tests)."""

    def __init__(self, profile: Any, port: int = 0):
        import uvicorn

        self.editor = EditorApp(profile)
        self.sock = bind_localhost(port)
        self.editor.port = self.sock.getsockname()[1]
        config = uvicorn.Config(self.editor.app, log_level="warning", access_log=False, lifespan="off")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True,
                                       name="aac-edit")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.editor.port}/?token={self.editor.token}"

    def start(self) -> RunningEditor:
        import time

        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started and time.monotonic() < deadline and self.thread.is_alive():
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.sock.close()
