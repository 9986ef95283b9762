"""The board's frame loop: gaze -> filter -> dwell -> session -> predictions -> render.

One :class:`BoardApp` is the whole product; ``aac run`` drives it with the real clock and a real
window, ``aac simulate`` drives the very same ``step()`` with a simulated clock and gaze. A frame
never waits: the model runs in the PredictionService's thread (``request`` + ``latest``), speech in
the Speaker's worker, the draft and the usage log in their writer threads. Each frame's own work
is timed (``frame_ms``) so the 60 fps promise is measured, not assumed.
"""

from __future__ import annotations

import logging
import math
import os
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pygame

from aac.gaze.sample import GazeSample
from aac.ui.board_state import BoardState
from aac.ui.geometry import TileBox, layout_page
from aac.ui.wording import status_text
from aac.ui.render import FrameView, Renderer

log = logging.getLogger(__name__)

Clock = Callable[[], float]

#: Dwell on a settings tile (long, so the gaze user does not open it by accident).
SETTINGS_DWELL_S = 3.0
#: Layout problems stay on screen this long as a banner, then move to the status line.
BANNER_S = 20.0
#: An undo this soon after the previous activation is logged as a suspected false activation.
SUSPECT_UNDO_S = 4.0
PREDICTION_KINDS = ("word", "ending", "chunk")
#: Selection kinds that write text (the usage log's kinds; everything else is "action" or "page").
CONTENT_KINDS = ("word", "ending", "chunk", "letter", "phrase", "punct", "space")
#: After one of these is chosen on a page with ``return_to``, the board goes back to that page.
RETURNING_KINDS = ("letter", "punct", "word", "ending", "chunk", "phrase")
#: Shown while the eye tracker reports the eyes lost (dwell is cancelled meanwhile).
#: The page the "history" tile opens (built by the board, not in the layout file).
HISTORY_PAGE = "__history__"
#: Spoken messages shown on the history page (one full-width tile each, big enough to hit).
HISTORY_TILES = 5
#: Where the spoken-message history is kept, only while text logging is on.
HISTORY_FILE = "speech_history.json"


@dataclass
class Activation:
    """One tile activation as the app handled it (for the simulator, tests and frame dumps)."""

    t: float
    box_id: str
    kind: str
    text: str
    page: str
    events: list[Any] = field(default_factory=list)


def percentile(values: Sequence[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    k = min(len(ordered) - 1, max(0, math.ceil(q / 100.0 * len(ordered)) - 1))
    return ordered[k]


class BoardApp:
    """The dwell board: one ``step()`` per frame. ``aac run`` passes the real parts from
    :func:`make_parts`; ``aac simulate`` the same parts with a simulated clock and eye tracker."""

    def __init__(
        self,
        profile: Any,
        surface: pygame.Surface,
        *,
        layout_name: str | None = None,
        clock: Clock = time.monotonic,
        source: Any = None,
        service: Any = None,
        speaker: Any = None,
        usage_log: Any = None,
        gaze_filter: Any = None,
        source_name: str = "",
        handle_events: bool = True,
        source_factory: Callable[[Any], Any] | None = None,
    ) -> None:
        from aac.gaze.dwell import DwellConfig, DwellEngine
        from aac.layouts.loader import load_layout_or_default
        from aac.session import Session

        self.profile = profile
        self.settings = profile.settings
        self.surface = surface
        self.size = surface.get_size()
        self.clock = clock
        self.source = source
        self.service = service
        self.speaker = speaker
        self.usage_log = usage_log
        self.handle_events = handle_events
        self.renderer = Renderer()
        self.board = BoardState()
        self.running = True
        self.frame_ms: list[float] = []
        self.activations: list[Activation] = []
        self.on_activation: Callable[[Activation], None] | None = None
        self.settings_screen: Any = None
        self._gaze_px: tuple[float, float] | None = None
        self._last_sample: GazeSample | None = None
        self._flash: tuple[str, float] | None = None
        self._dwell_id: str | None = None
        self._dwell_progress = 0.0
        self._dwell_phase = "idle"
        self._dwell_started: dict[str, float] = {}
        self._message_started: float | None = None
        self._message_selections = 0
        self._last_text: str | None = None
        self._transient: tuple[str, float] | None = None
        self._spoken = ""
        self.last_spoken: str | None = None
        #: Builds and starts a new gaze source for a calibration record (after the "calibrate"
        #: tile's calibration is accepted, so its mapping applies at once).
        self.source_factory = source_factory
        #: Extra keyword arguments for aac.gaze.cli.calibrate_on_screen (tests drive it headless);
        #: "pattern" names the calibration pattern (default 9-point).
        self.calibrate_options: dict[str, Any] = {}
        self.gaze_lost = False
        self._history_page: Any = None
        self._history_back = ""
        self._history_lock = threading.Lock()
        self.speech_policy, self.history = self._make_speech_parts()
        self.tile_warning = ""  # the full sentence (settings, logs)
        self.tile_hint = ""  # its short form on the status line
        self._skip_frame_stat = False

        # Layout (a broken file falls back and shows its problems).
        from aac.ui.language_choice import effective_layout, language_code

        self.language = language_code(self.settings)
        wanted = layout_name or effective_layout(self.settings)
        self.layout, problems = load_layout_or_default(wanted, language=self.language)
        self._settings_layout = getattr(self.settings, "layout", "default")
        self._settings_language = self.language
        self.layout_problems = [str(p) for p in problems]
        self._banner_until = clock() + BANNER_S if problems else 0.0
        self.theme = self._pick_theme()

        # Session with the restored draft.
        draft = ""
        try:
            draft = profile.load_draft() or ""
        except Exception as exc:  # noqa: BLE001 - a damaged draft must not stop the board
            log.warning("draft not restored: %s", exc)
        self.session = Session(
            clock=clock,
            text=draft,
            clear_after_speak=bool(getattr(self.settings, "clear_after_speak", True)),
            language=str(getattr(self.layout, "language", "en") or "en"),
            page=self.layout.home.name,
        )
        self._last_text = self.session.text

        # Dwell engine and filter.
        s = self.settings
        self.dwell_config = DwellConfig.from_settings(s)
        self.dwell = DwellEngine(self.dwell_config)
        self.source_name = source_name or getattr(source, "name", "none")
        self.filter = gaze_filter if gaze_filter is not None else self._make_filter(self.source_name)

        self._page_name = self.layout.home.name
        self.boxes: list[TileBox] = []
        self.scanner: Any = None
        if self.source_name.split(":", 1)[0] == "scan":
            from aac.gaze.scan import RowColumnScanner

            self.scanner = RowColumnScanner(
                [["-"]], interval_s=max(0.3, getattr(s, "scan_interval_ms", 1200) / 1000.0)
            )
        self._relayout()
        if self.usage_log is not None:
            cal = getattr(profile, "calibration", None) or {}
            deg = cal.get("accuracy_deg") if isinstance(cal, dict) else None
            self.usage_log.start_session(self.source_name, s.dwell_ms, deg, self.language, self.layout.name)
        self._request_predictions(force=True)

    # ------------------------------------------------------------------ construction helpers
    def _pick_theme(self) -> Any:
        """The board's theme. Precedence:

        1. the settings theme (the caregiver's choice on the settings screen) picks the palette;
        2. colours the layout file sets itself (``[theme]`` table overrides) stay on top of it,
           because the caregiver who wrote them meant those tiles to look that way;
        3. a layout theme with its own name (not a built-in) is a complete custom theme: it wins.
        A settings theme equal to the layout's (or empty/unknown) keeps the layout's theme as is.
        """
        layout_theme = self.layout.theme
        wanted = getattr(self.settings, "theme", "") or ""
        if not wanted or wanted == layout_theme.name:
            return layout_theme
        try:
            from aac.layouts.themes import THEMES, get_theme, with_overrides

            chosen = get_theme(wanted)
        except (ImportError, KeyError):
            return layout_theme
        base = THEMES.get(layout_theme.name)
        if base is None:
            return layout_theme  # a custom named theme in the layout file
        from dataclasses import fields

        overrides = {
            f.name: getattr(layout_theme, f.name)
            for f in fields(base)
            if f.name != "name" and getattr(layout_theme, f.name) != getattr(base, f.name)
        }
        return with_overrides(chosen, overrides, chosen.name) if overrides else chosen

    def _make_speech_parts(self) -> tuple[Any, Any]:
        """SpeechPolicy (speak each word / on sentence end, from settings) and SpeechHistory
        (restored from the profile only while text logging is on; deleted when it is off)."""
        try:
            from aac.speech.history import SpeechHistory
            from aac.speech.policy import SpeechPolicy
        except ImportError:  # speech package unavailable: no policy, no history
            return None, None
        items: list[str] = []
        path = Path(self.profile.dir) / HISTORY_FILE
        if getattr(self.settings, "text_logging", False):
            try:
                from aac.store.jsonfile import read_json

                data, problems = read_json(path, expect=list)
                items = [t for t in (data or []) if isinstance(t, str)]
                for problem in problems:
                    log.warning("speech history: %s", problem)
            except Exception as exc:  # noqa: BLE001 - a damaged history never stops the board
                log.warning("speech history not restored: %s", exc)
        else:
            try:
                path.unlink()  # text logging off: no message text stays on disk
            except FileNotFoundError:
                pass
            except OSError as exc:
                log.warning("speech history not removed: %s", exc)
        return SpeechPolicy.from_settings(self.settings), SpeechHistory(items=items)

    def _save_history(self, wait: bool = False) -> None:
        """Persist the history (text logging on only), off the UI thread."""
        if self.history is None or not getattr(self.settings, "text_logging", False):
            return
        items = self.history.to_list()
        path = Path(self.profile.dir) / HISTORY_FILE

        def write() -> None:
            from aac.fileio import atomic_write_json

            with self._history_lock:
                try:
                    atomic_write_json(path, items)
                except OSError as exc:
                    log.warning("speech history not saved: %s", exc)

        if wait:
            write()
        else:
            threading.Thread(target=write, name="aac-history-writer", daemon=True).start()

    def _make_filter(self, source_name: str) -> Any:
        """The One Euro filter preset for this kind of source (none for the mouse)."""
        try:
            from aac.gaze.filter import OneEuroFilter
        except ImportError:
            return None
        return OneEuroFilter.for_source(source_name or "tobii")

    def _relayout(self) -> None:
        page = self.current_page
        self.boxes = layout_page(page, self.size)
        self._box_by_id = {b.id: b for b in self.boxes}
        self._rescan()
        self._update_tile_warning()

    def _update_tile_warning(self) -> None:
        """Warn (status line) when this page's smallest tile is below what the person's measured
        gaze accuracy can reliably hit; suggest the layout with larger tiles."""
        self.tile_warning = ""
        self.tile_hint = ""
        if self.scanner is not None:
            return  # switch scanning: tile size does not depend on gaze accuracy
        cal = getattr(self.profile, "calibration", None)
        sizes = [b.norm[2:] for b in getattr(self, "boxes", []) if b.kind != "message"]
        if not cal or not sizes:
            return
        try:
            from aac.gaze.calibration import tile_size_warning
        except ImportError:
            return
        w = min(sz[0] for sz in sizes)
        h = min(sz[1] for sz in sizes)
        warning = tile_size_warning(cal, w, h)
        if warning:
            large = "ru-large" if str(getattr(self.layout, "language", "en")) == "ru" else "large"
            self.tile_warning = f"{warning} Try the '{large}' layout."
            acc = cal.get("accuracy_deg") if isinstance(cal, dict) else None
            acc_txt = f" ({float(acc):.1f} deg)" if isinstance(acc, (int, float)) else ""
            self.tile_hint = f"Tiles are small for your gaze accuracy{acc_txt}: try the '{large}' layout"

    def _rescan(self) -> None:
        """Give the switch scanner the rows of this page (only Resume while paused)."""
        if self.scanner is None:
            return
        paused = bool(getattr(getattr(self, "session", None), "paused", False))
        rows: dict[int, list[TileBox]] = {}
        for b in self.boxes:
            if b.kind == "message" or (paused and not self._is_resume(b)):
                continue
            rows.setdefault(int(b.tile.row), []).append(b)
        grid = [[b.id for b in sorted(rows[r], key=lambda b: b.tile.col)] for r in sorted(rows)]
        if grid:
            self.scanner.set_grid(grid)

    def scan_press(self, switch: str = "select", now: float | None = None) -> None:
        """A switch press (space/enter = select, tab/right = step) for row-column scanning."""
        if self.scanner is None:
            return
        now = self.clock() if now is None else now
        state = self.scanner.press(now, switch)
        if state.activated:
            self._activate(state.activated, now)

    @property
    def current_page(self) -> Any:
        if self._page_name == HISTORY_PAGE and self._history_page is not None:
            return self._history_page
        try:
            return self.layout.page(self._page_name)
        except KeyError:
            self._page_name = self.layout.home.name
            return self.layout.home

    @property
    def page_name(self) -> str:
        return self._page_name

    def set_page(self, name: str) -> None:
        if name == self._page_name:
            return
        try:
            if name != HISTORY_PAGE or self._history_page is None:
                self.layout.page(name)
        except KeyError:
            self._say(f"No page named {name!r} in this layout")
            return
        self._page_name = name
        self._relayout()
        self.board.set_preview(None)
        # New tiles under a still gaze were not chosen: they need a look-away first.
        self.dwell.cancel(require_look_away=True)

    # ------------------------------------------------------------------ targets
    def _is_resume(self, box: TileBox) -> bool:
        return box.kind == "action" and box.tile.action in ("pause", "resume")

    def targets(self) -> list[Any]:
        """Dwell targets for this frame (disabled: stale/blank predictions, display-only tiles)."""
        from aac.gaze.dwell import DwellTarget

        paused = bool(getattr(self.session, "paused", False))
        out = []
        for box in self.boxes:
            kind = box.kind
            if kind == "message":
                continue
            enabled = True
            dwell_s = None
            while_paused = False
            if kind in PREDICTION_KINDS:
                enabled = self.board.slot(kind, box.tile.slot if box.tile.slot is not None else 0).enabled
            elif kind == "history":
                enabled = bool(box.tile.value)
            elif kind == "action":
                action = box.tile.action
                if action in ("pause", "resume"):
                    if paused:
                        while_paused = True
                        dwell_s = self.dwell_config.resume_dwell_s
                    elif action == "resume":
                        enabled = False
                elif action == "settings":
                    dwell_s = max(SETTINGS_DWELL_S, self.dwell_config.dwell_s * 2)
            out.append(DwellTarget(box.id, box.norm, enabled=enabled, dwell_s=dwell_s, while_paused=while_paused))
        return out

    # ------------------------------------------------------------------ the frame
    def step(self, now: float | None = None) -> None:
        """One frame: input, dwell, actions, predictions, draw. Never blocks."""
        start = time.perf_counter()
        now = self.clock() if now is None else now
        if self.handle_events:
            self._handle_pygame_events()
        if self.settings_screen is not None:
            self.settings_screen.draw(self.surface)
            self.frame_ms.append((time.perf_counter() - start) * 1000.0)
            return
        if self.scanner is not None:
            state = self.scanner.update(now)
            if state.activated:
                self._activate(state.activated, now)
        samples = self._poll_gaze()
        self._check_gaze_lost()
        targets = self.targets()
        for sample in samples:
            state = self._update_dwell(sample, targets)
            if state is not None and state.activated:
                self._activate(state.activated, now)
                self._sync_context()  # the old suggestions are stale from this very sample on
                targets = self.targets()
        self._update_preview()
        self._sync_context()
        self._take_suggestions()
        self._after_text_change()
        self._draw(now)
        if self._skip_frame_stat:  # a modal screen (calibration) ran inside this frame
            self._skip_frame_stat = False
        else:
            self.frame_ms.append((time.perf_counter() - start) * 1000.0)

    def _check_gaze_lost(self) -> None:
        """When the source reports the eyes lost (longer than a blink), drop the dwell in
        progress: a half-filled tile must not complete on whatever the gaze lands on next."""
        lost = bool(getattr(self.source, "lost", False)) if self.source is not None else False
        if lost and not self.gaze_lost:
            self.dwell.cancel()
            self._dwell_id, self._dwell_progress, self._dwell_phase = None, 0.0, "idle"
        self.gaze_lost = lost

    def _poll_gaze(self) -> list[GazeSample]:
        if self.source is None:
            return []
        try:
            samples = self.source.poll()
        except Exception as exc:  # noqa: BLE001 - a failing device is "no gaze", never a crash
            self._say(f"Gaze source failed: {exc}")
            return []
        return list(samples)

    def _update_dwell(self, sample: GazeSample, targets: Sequence[Any]) -> Any:
        filtered = sample
        if self.filter is not None and sample.usable:
            try:
                filtered = self.filter.filter(sample)
            except Exception:  # noqa: BLE001
                filtered = sample
        self._last_sample = filtered
        if filtered.usable:
            self._gaze_px = (filtered.x * self.size[0], filtered.y * self.size[1])
        state = self.dwell.update(filtered, targets)
        target = getattr(state, "target_id", None)
        progress = float(getattr(state, "progress", 0.0) or 0.0)
        if target != self._dwell_id:
            self._dwell_started[target] = sample.t
        self._dwell_id, self._dwell_progress = target, progress
        self._dwell_phase = getattr(state, "phase", "dwell" if progress > 0 else "idle")
        return state

    def _dwelling_prediction(self) -> tuple[str, int] | None:
        """The prediction tile under a lock-on or dwell (its text must not change now)."""
        if self._dwell_id is None or self._dwell_phase not in ("lock_on", "dwell", "blink"):
            return None
        box = self._box_by_id.get(self._dwell_id)
        if box is None or box.kind not in PREDICTION_KINDS:
            return None
        return box.kind, box.tile.slot or 0

    def _update_preview(self) -> None:
        """Word tile locked on -> preview its endings; another (non-ending) tile -> clear."""
        if self._dwell_id is None or self._dwell_progress <= 0:
            return
        box = self._box_by_id.get(self._dwell_id)
        if box is None:
            return
        if box.kind == "word":
            slot = self.board.slot("word", box.tile.slot or 0)
            if slot.enabled:
                self.board.set_preview(slot.text)
        elif box.kind != "ending":
            self.board.set_preview(None)

    def _sync_context(self) -> None:
        context, prefix = self.session.context_and_prefix()
        if self.board.set_context(context, prefix):
            self._request_predictions()

    def _request_predictions(self, force: bool = False) -> None:
        context, prefix = self.session.context_and_prefix()
        if force:
            self.board.set_context(context, prefix)
        if self.service is not None:
            try:
                self.service.request(context, prefix)
            except Exception as exc:  # noqa: BLE001
                self.board.unavailable = f"{exc}"

    def _take_suggestions(self) -> None:
        if self.service is None:
            lang = str(getattr(self.layout, "language", "en"))
            self.board.unavailable = self.board.unavailable or status_text(lang, "no_service")
            return
        err = getattr(self.service, "error", None)
        self.board.unavailable = err or None
        latest = self.service.latest()
        dwelling = self._dwelling_prediction()
        self.board.offer(latest, dwelling)
        if dwelling is None and self.board.pending is not None:
            self.board.release()

    def _after_text_change(self) -> None:
        text = self.session.text
        if text != self._last_text:
            self._last_text = text
            try:
                self.profile.draft_writer.submit(text)
            except Exception as exc:  # noqa: BLE001
                self._say(f"Draft not saved: {exc}")

    # ------------------------------------------------------------------ actions
    def activate_box(self, box_id: str, now: float | None = None) -> None:
        """Activate a tile as if dwelt on (keyboard/mouse click, tests)."""
        self._activate(box_id, self.clock() if now is None else now)

    def _activate(self, box_id: str, now: float) -> None:
        box = self._box_by_id.get(box_id)
        if box is None:
            return
        self._flash = (box_id, now)
        if getattr(self.settings, "click_sound", False) and self.speaker is not None:
            try:
                self.speaker.click()
            except Exception as exc:  # noqa: BLE001 - shutdown/optional part: log, go on
                log.debug("ignored: %s", exc)
        tile = box.tile
        kind = box.kind
        text = ""
        s = self.session
        page_before = self._page_name
        sugg = self.board.shown
        if kind in PREDICTION_KINDS:
            slot = self.board.slot(kind, tile.slot or 0)
            if not slot.enabled:
                return
            text = slot.text
            if kind == "word":
                s.insert_word(text, slot=tile.slot)
            elif kind == "ending":
                if slot.via_word:
                    s.insert_ending(text, slot=tile.slot, via_word=slot.via_word)
                else:
                    s.insert_ending(text, slot=tile.slot)
            else:
                s.insert_chunk(text, slot=tile.slot)
        elif kind == "letter":
            text = tile.value
            s.type_letter(tile.value)
        elif kind == "punct":
            text = tile.value
            s.punctuation(tile.value)
        elif kind == "phrase":
            text = tile.value or tile.label
            self._insert_phrase(text)
        elif kind == "page":
            text = tile.target or ""
            s.switch_page(text)
        elif kind == "action":
            text = tile.action or ""
            self._do_action(text)
        elif kind == "history":
            text = tile.value
            self._respeak(text)
        events = s.drain_events()
        self._handle_events(events, box, sugg, now)
        # Page changes: explicit page tiles, or return_to after a selection.
        page_now = getattr(s, "page", None)
        if kind == "page" and page_now:
            self.set_page(page_now)
        elif kind in RETURNING_KINDS:
            back = getattr(self.current_page, "return_to", None)
            if back and back != page_before:
                s.switch_page(back)
                s.drain_events()
                self.set_page(back)
        # Ask for the new context's suggestions now, whatever path activated the tile (dwell,
        # switch scanning, a click): the person is about to wait for them.
        self._sync_context()
        act = Activation(now, box_id, kind, text, page_before, events)
        self.activations.append(act)
        if self.on_activation is not None:
            self.on_activation(act)

    def _insert_phrase(self, phrase: str) -> None:
        fn = getattr(self.session, "phrase", None)
        if fn is not None:
            fn(phrase)
        else:
            self.session.insert_chunk(phrase)

    def _do_action(self, action: str) -> None:
        s = self.session
        if action == "speak":
            self._spoken = s.speak()
        elif action == "delete_letter":
            s.delete_letter()
        elif action == "delete_word":
            s.delete_word()
        elif action == "undo":
            s.undo()
        elif action == "clear":
            s.clear()
        elif action == "space":
            s.space()
        elif action == "pause":
            if s.paused:
                s.resume()
            else:
                s.pause()
        elif action == "resume":
            s.resume()
        elif action == "stop_speech":
            if self.speaker is not None:
                self.speaker.stop()
        elif action == "settings":
            self.open_settings()
        elif action == "calibrate":
            self.calibrate()
        elif action == "history":
            self.open_history()
        else:
            self._say(f"{action.replace('_', ' ').capitalize()} is not available on this board yet")

    def _handle_events(self, events: list[Any], box: TileBox, sugg: Any, now: float) -> None:
        for ev in events:
            kind = ev.kind
            if kind in ("pause", "resume"):
                setter = getattr(self.dwell, "set_paused", None)
                if setter is not None:
                    setter(kind == "pause")
                self._rescan()
            if kind == "speak":
                spoken, self._spoken = self._spoken, ""
                self._on_speak(spoken, now)
            if kind in ("undo", "delete_letter", "delete_word", "clear") and self.usage_log is not None:
                self.usage_log.error(kind)
                # An undo right after a selection suggests that selection was not meant.
                if kind == "undo" and self.activations and now - self.activations[-1].t < SUSPECT_UNDO_S:
                    self.usage_log.error("false_activation_suspected")
            if kind in ("word", "ending", "chunk", "letter", "space", "punct", "phrase"):
                if self._message_started is None:
                    self._message_started = now
                self._message_selections += 1
            if self.speech_policy is not None and kind != "speak":
                for say in self.speech_policy.on_event(ev, self.session.text):
                    self._speak_text(say)
            if self.usage_log is not None:
                slot = getattr(ev, "slot", None)
                latency = getattr(sugg, "latency_ms", None) if kind in PREDICTION_KINDS else None
                started = self._dwell_started.get(box.id)
                dwell_ms = (now - started) * 1000.0 if started is not None else self.dwell_config.dwell_s * 1000.0
                log_kind = kind if kind in CONTENT_KINDS or kind == "page" else "action"
                self.usage_log.selection(
                    log_kind,
                    slot=slot,
                    rank=slot if kind in PREDICTION_KINDS else None,
                    dwell_ms=dwell_ms,
                    latency_ms=latency,
                    tile_id=box.id,
                    page=self._page_name,
                    text=ev.value,
                )

    def _speak_text(self, text: str) -> None:
        if self.speaker is not None and text.strip():
            try:
                self.speaker.speak(text)
            except Exception as exc:  # noqa: BLE001
                self._say(f"Speech failed: {exc}")

    def _respeak(self, text: str) -> None:
        """A history tile: say that message again (it moves to the top of the history)."""
        if not text.strip():
            return
        self.last_spoken = text
        self._speak_text(text)
        if self.history is not None and self.history.add(text):
            self._save_history()
        if self._history_page is not None and self._page_name == HISTORY_PAGE:
            self._build_history_page()
            self._relayout()

    def open_history(self) -> None:
        """Show the recent spoken messages as tiles; one selection says one again."""
        if self._page_name != HISTORY_PAGE:
            self._history_back = self._page_name
        self._build_history_page()
        if self._page_name == HISTORY_PAGE:
            self._relayout()
        else:
            self.session.switch_page(HISTORY_PAGE)
            self.session.drain_events()
            self.set_page(HISTORY_PAGE)

    def _build_history_page(self) -> None:
        from aac.layouts.model import Page, Tile

        ru = str(getattr(self.layout, "language", "en")) == "ru"
        back = self._history_back or self.layout.home.name
        items = self.history.items()[:HISTORY_TILES] if self.history is not None else []
        tiles = [
            Tile("message", 0, 0, col_span=2),
            Tile("page", 0, 2, label="Назад" if ru else "Back", target=back),
            Tile("action", 0, 3, action="pause", label="Пауза" if ru else "Pause"),
        ]
        if not items:
            tiles.append(Tile("history", 1, 0, col_span=4, label="Пока ничего не сказано" if ru else "Nothing spoken yet"))
        for i, text in enumerate(items):
            tiles.append(Tile("history", 1 + i, 0, col_span=4, label=text, value=text))
        self._history_page = Page(HISTORY_PAGE, 1 + max(1, len(items)), 4, tiles)

    def _on_speak(self, text: str, now: float) -> None:
        self.last_spoken = text
        if not text.strip():
            return
        self._speak_text(text)
        if self.history is not None and self.history.add(text):
            self._save_history()
        if self.service is not None:
            try:
                self.service.learn(text)
            except Exception as exc:  # noqa: BLE001 - shutdown/optional part: log, go on
                log.debug("ignored: %s", exc)
        if self.usage_log is not None:
            seconds = now - self._message_started if self._message_started is not None else None
            self.usage_log.message(text, selections=self._message_selections + 1, seconds=seconds, spoken=True)
        self._message_started = None
        self._message_selections = 0

    def _say(self, message: str, seconds: float = 6.0) -> None:
        """A transient status line (e.g. a tile this board cannot do yet)."""
        self._transient = (message, self.clock() + seconds)

    # ------------------------------------------------------------------ calibration
    def calibrate(self) -> str:
        """The "calibrate" tile: run the calibration screens in the board's own window with the
        running source; on acceptance save it to the profile and rebuild the source so the new
        mapping applies now. Returns the decision (accept/cancel/failed/timeout/unavailable)."""
        if self.source is None or self.scanner is not None:
            self._say("Calibration needs an eye tracker (this board has no gaze source)")
            return "unavailable"
        try:
            from aac.gaze.calibration import (
                CalibrationError,
                ScreenGeometry,
                load_pattern,
            )
            from aac.gaze.cli import calibrate_on_screen
        except ImportError as exc:
            self._say(f"Calibration unavailable: {exc}")
            return "unavailable"
        options = dict(self.calibrate_options)
        try:
            pattern = load_pattern(options.pop("pattern", "9-point"))
        except CalibrationError as exc:
            self._say(f"Calibration unavailable: {exc}")
            return "unavailable"
        w, h = self.size
        options.setdefault("clock", self.clock)
        self._skip_frame_stat = True
        try:
            decision, run = calibrate_on_screen(self.surface, self.source, pattern, ScreenGeometry(w, h), **options)
        except Exception as exc:  # noqa: BLE001 - a failed calibration must leave the board usable
            self._say(f"Calibration failed: {exc}")
            return "failed"
        finally:
            self.dwell.cancel(require_look_away=True)
            if self.filter is not None and hasattr(self.filter, "reset"):
                self.filter.reset()
        if decision != "accept":
            why = {"cancel": "cancelled; the previous calibration is kept"}.get(decision, getattr(run, "error", "") or decision)
            self._say(f"Calibration {why}")
            return decision
        try:
            stored = self.profile.save_calibration(run.result())
        except Exception as exc:  # noqa: BLE001
            self._say(f"Calibration not saved: {exc}")
            return "failed"
        if self.source_factory is not None:
            try:
                new = self.source_factory(stored)
            except Exception as exc:  # noqa: BLE001 - keep the running source
                self._say(f"Calibration saved, but the gaze source was not restarted: {exc}")
            else:
                old, self.source = self.source, new
                try:
                    old.stop()
                except Exception as exc:  # noqa: BLE001
                    log.debug("ignored: %s", exc)
        self._update_tile_warning()
        acc = stored.get("accuracy_deg") if isinstance(stored, dict) else None
        self._say(f"Calibration saved: accuracy {acc:.1f} degrees" if isinstance(acc, (int, float)) else "Calibration saved")
        return decision

    # ------------------------------------------------------------------ settings screen
    def open_settings(self) -> None:
        from aac.ui.settings_screen import SettingsScreen

        self.settings_screen = SettingsScreen(self.profile, self.size, on_close=self._settings_closed)

    def switch_layout(self, name: str) -> bool:
        """Show another layout now. A broken file keeps the current board (``last_good``) and
        shows its problems; returns True when the new layout is in use."""
        from aac.layouts.loader import load_layout_or_default

        layout, problems = load_layout_or_default(name, last_good=self.layout)
        self.layout_problems = [str(p) for p in problems]
        self._banner_until = self.clock() + BANNER_S if problems else 0.0
        if layout is self.layout:
            return not problems
        self.layout = layout
        self.theme = self._pick_theme()
        self._page_name = self.layout.home.name
        self._relayout()
        self.board.set_preview(None)
        self.dwell.cancel(require_look_away=True)
        return True

    def _settings_closed(self, changed: bool) -> None:
        self.settings_screen = None
        if changed:
            self.apply_settings()

    def apply_settings(self) -> None:
        """Take new settings from the profile (dwell time, theme, layout, voice)."""
        from aac.gaze.dwell import DwellConfig

        s = self.settings = self.profile.settings
        self.dwell_config = DwellConfig.from_settings(s)
        # The same engine with new timings: its pause (and look-away state) is kept. A new engine
        # started unpaused while the session stayed paused (issue 14): every tile fired again.
        self.dwell.reconfigure(self.dwell_config)
        # Compare with the settings value the board last applied (not the layout's display
        # name, which is e.g. "Русская (ЙЦУКЕН)" for "ru-default"): only a changed setting switches.
        from aac.ui.language_choice import (
            effective_layout,
            effective_voice,
            language_code,
        )

        self.language = language_code(s)
        if s.layout != self._settings_layout or self.language != self._settings_language:
            self._settings_layout, self._settings_language = s.layout, self.language
            self.switch_layout(effective_layout(s))
        self.theme = self._pick_theme()
        if self.history is not None:
            from aac.speech.policy import SpeechPolicy

            self.speech_policy = SpeechPolicy.from_settings(s)
            if s.text_logging:
                self._save_history()
            else:
                try:
                    (Path(self.profile.dir) / HISTORY_FILE).unlink()
                except OSError:
                    pass
        if self.speaker is not None and hasattr(self.speaker, "close"):
            try:
                from aac.speech import make_speaker

                old = self.speaker
                self.speaker = make_speaker(effective_voice(s), interrupt=s.speech_interrupt)
                old.close()
            except Exception as exc:  # noqa: BLE001
                self._say(f"Voice not changed: {exc}")

    # ------------------------------------------------------------------ input events
    def _handle_pygame_events(self) -> None:
        for event in pygame.event.get():
            if self.settings_screen is not None:
                self.settings_screen.handle(event)
                continue
            if event.type == pygame.QUIT:
                self.running = False
            elif event.type == pygame.KEYDOWN:
                mods = event.mod
                if event.key == pygame.K_F2 or (event.key == pygame.K_s and mods & pygame.KMOD_CTRL):
                    self.open_settings()
                elif event.key == pygame.K_q and mods & pygame.KMOD_CTRL or event.key == pygame.K_ESCAPE:
                    self.running = False
                elif self.scanner is not None and event.key in (pygame.K_SPACE, pygame.K_RETURN, pygame.K_KP_ENTER):
                    self.scan_press("select")
                elif self.scanner is not None and event.key in (pygame.K_TAB, pygame.K_RIGHT):
                    self.scan_press("step")

    # ------------------------------------------------------------------ drawing
    def status_lines(self, now: float) -> list[str]:
        """Status items, most important first (the renderer drops from the end when short of room)."""
        lines = []
        lang = str(getattr(self.layout, "language", "en"))
        if self.gaze_lost:
            # Plain words first; the tracker's technical reason is in the log, not on the board.
            lines.append(status_text(lang, "gaze_lost"))
            log.info("gaze lost: %s", getattr(self.source, "status", ""))
        if self.board.unavailable:
            lines.append(status_text(lang, "unavailable", why=str(self.board.unavailable)))
        elif self.service is not None and not getattr(self.service, "ready", True):
            lines.append(status_text(lang, "loading"))
        if self.tile_hint:
            lines.append(self.tile_hint)
        for part in (self.speaker, None if self.gaze_lost else self.source, self.usage_log):
            st = getattr(part, "status", "") if part is not None else ""
            if st:
                lines.append(str(st))
        writer = getattr(self.profile, "_draft_writer", None)
        if writer is not None and writer.status:
            lines.append(writer.status)
        if self.layout_problems and now >= self._banner_until:
            lines.append(f"Layout problems ({len(self.layout_problems)}): using {self.layout.name}")
        if self._transient and now < self._transient[1]:
            lines.append(self._transient[0])
        if getattr(self.session, "paused", False):
            lines.append(status_text(lang, "paused"))
        return lines

    def slots_view(self) -> dict[str, Any]:
        out = {}
        for box in self.boxes:
            if box.kind in PREDICTION_KINDS:
                out[box.id] = self.board.slot(box.kind, box.tile.slot or 0)
        return out

    def frame_view(self, now: float) -> FrameView:
        paused = bool(getattr(self.session, "paused", False))
        flash_id, flash_age = (None, 1.0)
        if self._flash is not None:
            flash_id, flash_age = self._flash[0], now - self._flash[1]
        banner = []
        if self.layout_problems and now < self._banner_until:
            banner = ["The layout file has problems; showing the " + self.layout.name + " layout instead:"]
            banner += self.layout_problems[:5]
        return FrameView(
            boxes=self.boxes,
            theme=self.theme,
            font_scale=float(getattr(self.layout, "font_scale", 1.0) or 1.0),
            slots=self.slots_view(),
            message=self.session.text,
            dwell_id=self._dwell_id,
            dwell_progress=self._dwell_progress,
            flash_id=flash_id,
            flash_age=flash_age,
            paused=paused,
            resume_ids=frozenset(b.id for b in self.boxes if self._is_resume(b)),
            preview_word=self.board.preview_word if self.board.previewing else None,
            status=self.status_lines(now),
            banner=banner,
            gaze=self._gaze_px if getattr(self.settings, "show_gaze_cursor", False) else None,
            resume_dwell_s=self.dwell_config.resume_dwell_s,
            highlight_ids=self._scan_highlight(),
            language=str(getattr(self.layout, "language", "en")),
        )

    def _scan_highlight(self) -> frozenset[str]:
        if self.scanner is None:
            return frozenset()
        st = self.scanner.state
        if st.mode == "tiles" and st.tile:
            return frozenset([st.tile])
        rows = self.scanner.rows
        return frozenset(rows[st.row]) if 0 <= st.row < len(rows) else frozenset()

    def _draw(self, now: float) -> None:
        self.renderer.draw(self.surface, self.frame_view(now))

    # ------------------------------------------------------------------ stats, shutdown
    def frame_stats(self, skip: int = 5) -> dict[str, float]:
        data = self.frame_ms[skip:] if len(self.frame_ms) > skip * 2 else self.frame_ms
        return {
            "frames": len(self.frame_ms),
            "frame_ms_p50": round(percentile(data, 50), 2),
            "frame_ms_p95": round(percentile(data, 95), 2),
            "frame_ms_max": round(max(data) if data else 0.0, 2),
        }

    def close(self) -> None:
        """Stop everything in the order that loses nothing: draft, log, speech, model, gaze."""
        self._save_history(wait=True)
        try:
            self.profile.draft_writer.submit(self.session.text)
        except Exception as exc:  # noqa: BLE001 - shutdown/optional part: log, go on
            log.debug("ignored: %s", exc)
        try:
            self.profile.close()
        except Exception as exc:  # noqa: BLE001 - shutdown/optional part: log, go on
            log.debug("ignored: %s", exc)
        if self.usage_log is not None:
            try:
                self.usage_log.end_session()
                self.usage_log.close()
            except Exception as exc:  # noqa: BLE001 - shutdown/optional part: log, go on
                log.debug("ignored: %s", exc)
        for part in (self.speaker, self.service):
            if part is not None:
                try:
                    part.close()
                except Exception as exc:  # noqa: BLE001 - shutdown/optional part: log, go on
                    log.debug("ignored: %s", exc)
        if self.source is not None:
            try:
                self.source.stop()
            except Exception as exc:  # noqa: BLE001 - shutdown/optional part: log, go on
                log.debug("ignored: %s", exc)


#: Niceness added to the prediction worker thread: on a 2-core machine the model's threads
#: otherwise compete on equal terms with the frame loop and stretch the frame-time tail.
BACKGROUND_NICE = 5


def make_parts(profile: Any, *, speech: bool = True, predictions: bool = True) -> dict[str, Any]:
    """The real background parts for a profile: prediction service, speaker, usage log.

    Each one that cannot start is replaced by None and a visible status (never a crash).
    """
    parts: dict[str, Any] = {"service": None, "speaker": None, "usage_log": None, "problems": []}
    settings = profile.settings
    if predictions:
        try:
            from aac.predict.service import create_service

            parts["service"] = create_service(Path(profile.dir), settings)
            parts["service"].set_worker_priority(BACKGROUND_NICE)
        except Exception as exc:  # noqa: BLE001
            parts["problems"].append(f"predictions unavailable: {exc}")
    if speech:
        try:
            from aac.speech import make_speaker
            from aac.ui.language_choice import effective_voice

            parts["speaker"] = make_speaker(effective_voice(settings), interrupt=settings.speech_interrupt)
        except Exception as exc:  # noqa: BLE001
            parts["problems"].append(f"speech unavailable: {exc}")
    try:
        from aac.store.usage_log import UsageLog

        parts["usage_log"] = UsageLog(profile)
    except Exception as exc:  # noqa: BLE001
        parts["problems"].append(f"usage log unavailable: {exc}")
    return parts
