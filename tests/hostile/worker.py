"""The child process that runs hostile cases under memory/CPU limits (see runner.py).

Protocol: one JSON case per stdin line, one JSON answer per stdout line:
``{"status": "ok"|"refused"|"traceback", "detail", "ms", "rss_mb"}``. "refused" is the app's
own clear error (ObfError, LayoutError, ProfileError...); "traceback" is anything else escaping
the app's entry point - the defect the harness exists to find. The worker runs the app code the
user runs (import_board, load_layout + the renderer's FontBook, Profile.open + profile_state,
read_log + compute + the CSV writer, the JSON-lines service's line reader and handler with the
real model when it is built).
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import sys
import tempfile
import time
import traceback
from pathlib import Path
from typing import Any

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")

def _model_dir() -> Path | None:
    """The built model, looked up before the cache folder is redirected below."""
    try:
        from aac.predict.service import find_model_dir

        return find_model_dir()
    except Exception:  # noqa: BLE001 - not built: the service family is skipped
        return None


MODEL_DIR = _model_dir()
WORK = Path(tempfile.mkdtemp(prefix="aac-hostile-"))
os.environ["AAC_DATA_DIR"] = str(WORK / "data")
os.environ["AAC_CACHE_DIR"] = str(WORK / "cache")


def _place(data: bytes, shape: str, path: Path) -> Path:
    """Hand the bytes over as a regular file, or as something that is not one."""
    if path.is_symlink() or path.exists():
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        else:
            path.unlink()
    path.parent.mkdir(parents=True, exist_ok=True)
    if shape == "fifo":
        os.mkfifo(path)
    elif shape == "dir":
        path.mkdir()
    elif shape == "symlink-dev-zero":
        path.symlink_to("/dev/zero")
    elif shape == "symlink-missing":
        path.symlink_to(WORK / "nowhere")
    else:
        path.write_bytes(data)
    return path


class Runner:
    def __init__(self) -> None:
        self._fonts = None
        self._predictor: Any = None
        self._predictor_tried = False
        self._profile_template: Path | None = None

    # -- families ---------------------------------------------------------------------------
    def obf(self, c: dict) -> str:
        from aac.layouts.obf import ObfError, import_board

        path = _place(c["data"].encode("latin-1"), c.get("shape", "file"), WORK / f"board{c.get('suffix', '.obf')}")
        try:
            result = import_board(path)
        except ObfError:
            return "refused"
        self._render_labels(t.label for p in result.layout.pages for t in p.tiles)
        return "ok"

    obz = obf

    def layout(self, c: dict) -> str:
        from aac.layouts.loader import LayoutError, load_layout, load_layout_or_default

        path = _place(c["data"].encode("latin-1"), c.get("shape", "file"), WORK / "layouts" / "mine.toml")
        layout, problems = load_layout_or_default(str(path))  # the board's path: never raises
        self._render_labels(t.label for p in layout.pages for t in p.tiles)
        try:
            load_layout(str(path))
        except LayoutError:
            return "refused"
        return "ok"

    def profile(self, c: dict) -> str:
        from aac.store.profile import Profile, ProfileError
        from aac.store.state import profile_state

        if self._profile_template is None:
            self._profile_template = WORK / "template"
            Profile.open(self._profile_template).close()
        d = WORK / "profile"
        if d.exists():
            shutil.rmtree(d)
        shutil.copytree(self._profile_template, d)
        _place(c["data"].encode("latin-1"), c.get("shape", "file"), d / c["name"])
        try:
            prof = Profile.open(d)
        except ProfileError:
            return "refused"
        from aac.predict.learn import Learner

        Learner.open(d)  # directly: profile_state's summary catches everything; the board's open_learner too
        state = profile_state(prof)
        json.dumps(state, ensure_ascii=False).encode("utf-8")  # `aac profile show --json` prints it
        self._render_labels([state["draft"]])
        prof.close()
        return "ok"

    def usage(self, c: dict) -> str:
        from aac.store.report import _csv_text, parse_day
        from aac.store.report_metrics import compute
        from aac.store.usage_query import integrity_check, read_log, usage_counts

        db = WORK / "usage.sqlite"
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(str(db) + suffix).unlink(missing_ok=True)
        db.write_bytes(c["data"].encode("latin-1"))
        lo = parse_day(c.get("since"), "--since")
        hi = parse_day(c.get("until"), "--until", end=True)
        rows, warnings = read_log(db, since=lo, until=hi)
        m = compute(rows)
        for table, data in rows.items():
            if data:
                _csv_text(data, list(data[0]))
        _ = m.summary
        usage_counts(db)
        integrity_check(db)
        return "refused" if warnings else "ok"

    def service(self, c: dict) -> str:
        import io

        from aac.predict.cli import _request_lines, handle_line

        predictor = self._get_predictor()
        if predictor is None:
            return "skipped"
        raw = c["data"].encode("latin-1")
        expected = 0
        for line in raw.split(b"\n"):
            try:
                if line.decode("utf-8").strip():
                    expected += 1
            except UnicodeDecodeError:
                if line.strip():
                    expected += 1
        answers = []
        for line, error in _request_lines(io.BytesIO(raw)):
            out = {"error": error} if line is None else handle_line(predictor, line, previews=False)
            text = json.dumps(out, ensure_ascii=False)
            text.encode("utf-8")  # what _emit writes must be valid UTF-8
            # optional keys of the contract (ARCHITECTURE.md): previews, chunks, and issue 15's gate
            keys = set(out) - {"latency_ms", "previews", "chunks", "endings", "endings_shown", "ending_probs"}
            if keys not in ({"error"}, {"ok"}, {"words"}):
                raise AssertionError(f"answer with keys {sorted(out)}: {text[:200]}")
            answers.append(out)
        if len(answers) != expected:
            raise AssertionError(f"{expected} request lines, {len(answers)} answers")
        return "refused" if any("error" in a for a in answers) else "ok"

    # -- helpers ------------------------------------------------------------------------------
    def _get_predictor(self) -> Any:
        if not self._predictor_tried:
            self._predictor_tried = True
            try:
                from aac.predict.service import open_learner
                from aac.predict.suggest import Predictor, PredictorSettings

                if MODEL_DIR is None:
                    raise RuntimeError("the prediction model is not built")
                prof = WORK / "service-profile"
                self._predictor = Predictor.from_model_dir(MODEL_DIR, PredictorSettings(),
                                                           learner=open_learner(prof), threads=1)
            except Exception as exc:  # noqa: BLE001 - no model built: the family is skipped
                sys.stderr.write(f"service family skipped: {exc}\n")
                self._predictor = None
        return self._predictor

    def _render_labels(self, labels: Any) -> None:
        """Draw every label as the board does (Renderer: fit, wrap, FontBook; a NUL here once
        stopped the board on every start), in a tile-sized and a small box."""
        if self._fonts is None:
            import pygame

            pygame.font.init()
            from aac.ui.render import Renderer

            self._fonts = (Renderer(), pygame.Surface((320, 200)), pygame.Rect(10, 10, 300, 180),
                           pygame.Rect(0, 0, 40, 30))
        renderer, surf, big, small = self._fonts
        for text in labels:
            if text:
                renderer.draw_text_centered(surf, text, big, 64, (255, 255, 255))
                renderer.draw_text_centered(surf, text, small, 20, (255, 255, 255), max_lines=1)


def main() -> int:
    runner = Runner()
    out = sys.stdout
    sys.stdout = sys.stderr  # app prints must not break the protocol
    for line in sys.stdin:
        c = json.loads(line)
        t0 = time.perf_counter()
        try:
            status = getattr(runner, c["family"])(c)
            detail = ""
        except MemoryError:
            status, detail = "memory", "MemoryError (over the case's memory limit)"
        except BaseException:  # noqa: BLE001 - exactly what the harness looks for
            status, detail = "traceback", traceback.format_exc(limit=12)[-3000:]
        ms = (time.perf_counter() - t0) * 1000
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        out.write(json.dumps({"status": status, "detail": detail, "ms": round(ms, 2), "rss_mb": round(rss, 1)}) + "\n")
        out.flush()
    shutil.rmtree(WORK, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
