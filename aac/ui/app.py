"""The thin pygame shell around the board controller: events, frame timing, drawing, effects.

One :class:`BoardApp` is the whole product; ``aac run`` drives it with the real clock and a real
window, ``aac simulate`` drives the very same ``step()`` with a simulated clock and gaze. The
decisions are the :class:`~aac.ui.controller.BoardController`'s; this shell polls the gaze
source, hands the controller what happened, draws what it returns and carries out its effects
through small typed interfaces (:mod:`aac.ui.ports`). A frame never waits: the model runs in the
PredictionService's thread, speech in the Speaker's worker, the draft, the history and the usage
log in their writer threads. Each frame's own work is timed (``frame_ms``).
"""

from __future__ import annotations

import gc
import logging
import math
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pygame

from aac.gaze.filter import OneEuroFilter
from aac.gaze.sample import GazeSample
from aac.layouts.loader import load_layout_or_default
from aac.layouts.model import Layout
from aac.layouts.watch import LayoutWatcher
from aac.speech.policy import SpeechPolicy
from aac.ui import effects as fx
from aac.ui.calibration_screen import calibrate_board
from aac.ui.controller import BoardController, BoardOptions
from aac.ui.history_file import HistoryFile
from aac.ui.language_choice import effective_layout, effective_voice, language_code
from aac.ui.ports import DraftSink, GazePort, PredictionsPort, SpeakerPort, UsageSink, learning_problems, status_of
from aac.ui.render import FrameView, Renderer
from aac.ui.settings_screen import SettingsScreen
from aac.ui.wording import learning_status

log = logging.getLogger(__name__)

Clock = Callable[[], float]
Activation = fx.Activation
#: Niceness added to the prediction worker thread: on a 2-core machine the model's threads
#: otherwise compete on equal terms with the frame loop and stretch the frame-time tail.
BACKGROUND_NICE = 5


def percentile(values: Sequence[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    k = min(len(ordered) - 1, max(0, math.ceil(q / 100.0 * len(ordered)) - 1))
    return ordered[k]


def plain_problems(problems: Sequence[Any]) -> list[str]:
    """Layout problems as the status line says them: the file's name, line, page and tile in
    words (``LayoutProblem.plain``), not a compiler-style path the message bar would cut off.
    The loader's notes ("showing the last version that worked") are not problems: the board's
    count of problems must match the list the editor shows."""
    return [p.plain() if hasattr(p, "plain") else str(p) for p in problems if not getattr(p, "note", False)]


class BoardApp:
    """The dwell board: one ``step()`` per frame. ``aac run`` passes the real parts from
    :func:`make_parts`; ``aac simulate`` the same parts with a simulated clock and eye tracker.
    ``record_usage=False`` (simulations that must not write a usage log) drops log effects."""

    def __init__(self, profile: Any, surface: pygame.Surface, *, layout_name: str | None = None,
                 clock: Clock = time.monotonic, source: GazePort | None = None,
                 service: PredictionsPort | None = None, speaker: SpeakerPort | None = None,
                 usage_log: UsageSink | None = None, gaze_filter: OneEuroFilter | None = None,
                 source_name: str = "", handle_events: bool = True,
                 source_factory: Callable[[Any], GazePort] | None = None, record_usage: bool = True) -> None:
        self.profile, self.surface, self.clock = profile, surface, clock
        self.source, self.service, self.speaker = source, service, speaker
        self._peek: tuple[str, str] | None = None  # the dwelt-on tile's last peek (aac.ui.next_words)
        self.usage_log = usage_log if record_usage else None
        self.handle_events, self.source_factory = handle_events, source_factory
        self.renderer = Renderer()
        self.running = True
        self.frame_ms: list[float] = []
        self.on_activation: Callable[[Activation], None] | None = None
        self.settings_screen: SettingsScreen | None = None
        #: Extra keyword arguments for the calibration screen (tests drive it headless);
        #: "pattern" names the calibration pattern (default 9-point).
        self.calibrate_options: dict[str, Any] = {}
        self._skip_frame_stat = False
        settings = profile.settings
        self.history_file = HistoryFile(Path(profile.dir))
        self.language = language_code(settings)
        layout, problems = load_layout_or_default(layout_name or effective_layout(settings), language=self.language)
        self._applied = (settings.layout, self.language)
        self.source_name = source_name or str(getattr(source, "name", "none"))
        scanning = self.source_name.split(":", 1)[0] == "scan"
        self.controller = BoardController(
            layout, BoardOptions.from_settings(settings), surface.get_size(), now=clock(),
            problems=plain_problems(problems), draft=self._load_draft(),
            history=self.history_file.load(bool(settings.text_logging)),
            speech_policy=SpeechPolicy.from_settings(settings),
            gaze_filter=gaze_filter if gaze_filter is not None else OneEuroFilter.for_source(self.source_name or "tobii"),
            scanning=scanning, calibration=profile.calibration,
        )
        self.layout_watch = self._watch(layout)
        if self.usage_log is not None:
            cal = profile.calibration or {}
            self.usage_log.start_session(self.source_name, settings.dwell_ms, cal.get("accuracy_deg"),
                                         self.language, layout.name)
        self._run_effects(self.controller.drain_effects())
        self._heap_frozen_ready = False
        self._start_up_frame()

    def _start_up_frame(self) -> None:
        """Start-up work that would otherwise land in the first frames while the model loads.

        * The first image of the board is composed here (every tile's font, fitted label and
          image rendered once): drawn in the first frame instead, it took 68-83 ms of the UI
          thread (`aac simulate`, 3 dev lines, speed 4, load 3.6), always while the first
          prediction was pending. The frame loop draws the same view again from the caches.
        * What the board and the libraries loaded so far is moved out of the cyclic garbage
          collector's reach (``gc.freeze``): a full collection walked ~37 000 long-lived objects
          on the UI thread and held it 39-42 ms in one frame (same runs; after the freeze the
          collections in frames took <= 0.3 ms). Frozen objects are still freed by reference
          counting; only cycles among them are never collected, and start-up makes few.
        """
        try:
            self.renderer.draw(self.surface, self.controller.view(self.clock()))
        except Exception as exc:  # noqa: BLE001 - the first frame draws it again and reports
            log.debug("start-up frame not drawn: %s", exc)
        gc.freeze()

    def _freeze_when_ready(self) -> None:
        """Once the prediction service has loaded its model (on its own thread), freeze what it
        loaded too (see _start_up_frame): ``gc.freeze`` only moves a list, so it costs the
        frame nothing."""
        if not self._heap_frozen_ready and self.service is not None and bool(getattr(self.service, "ready", False)):
            self._heap_frozen_ready = True
            gc.freeze()

    def _watch(self, layout: Layout) -> LayoutWatcher | None:
        """Follow the file the layout came from (a caregiver's editor may save it while the board
        runs); the watcher reads and checks a changed file off this thread. Built-in and
        emergency boards have no file."""
        return LayoutWatcher(layout.source, clock=self.clock) if layout.source else None

    def _load_draft(self) -> str:
        try:
            return str(self.profile.load_draft() or "")
        except Exception as exc:  # noqa: BLE001 - a damaged draft must not stop the board
            log.warning("draft not restored: %s", exc)
            return ""

    # ------------------------------------------------------------------ the controller's state, read-only
    session = property(lambda self: self.controller.session)
    board = property(lambda self: self.controller.board)
    boxes = property(lambda self: self.controller.boxes)
    layout = property(lambda self: self.controller.layout)
    theme = property(lambda self: self.controller.theme)
    page_name = property(lambda self: self.controller.page_name)
    activations = property(lambda self: self.controller.activations)
    scanner = property(lambda self: self.controller.scanner)
    layout_problems = property(lambda self: self.controller.layout_problems)
    settings = property(lambda self: self.profile.settings)
    size = property(lambda self: self.surface.get_size())

    def targets(self) -> list[Any]:
        return self.controller.targets()

    def status_lines(self, now: float) -> list[str]:
        """The status items now (the parts' own status read afresh)."""
        lost = self.controller.gaze_lost
        self.controller.take_inputs([self._predictions_in(), fx.PartsStatus(self._parts_status(lost))], now)
        return self.controller.status_lines(now)

    def frame_view(self, now: float) -> FrameView:
        return self.controller.view(now)

    def set_page(self, name: str) -> None:
        self.controller.set_page(name)

    # ------------------------------------------------------------------ the frame
    def step(self, now: float | None = None) -> None:
        """One frame: input, gaze, the controller, effects, draw. Never blocks."""
        start = time.perf_counter()
        now = self.clock() if now is None else now
        inputs: list[fx.InputEvent] = self._pygame_inputs() if self.handle_events else []
        if self.settings_screen is not None:
            self.settings_screen.draw(self.surface)
            self.frame_ms.append((time.perf_counter() - start) * 1000.0)
            return
        saved = self.layout_watch.poll(now=now) if self.layout_watch is not None else None
        if saved is not None and saved.layout is not None:
            self.controller.reload_layout(saved.layout)  # taken when no dwell is in progress
        elif saved is not None and saved.problems:
            self.controller.show_layout(self.controller.layout, plain_problems(saved.problems), now)
        self._freeze_when_ready()
        samples = self._poll_gaze()
        lost = bool(getattr(self.source, "lost", False))
        inputs += [fx.GazeLost(lost), self._predictions_in(), fx.PartsStatus(self._parts_status(lost))]
        view, effects = self.controller.step(now, samples, inputs)
        self._run_effects(effects)
        self.renderer.draw(self.surface, view)
        if self._skip_frame_stat:  # a modal screen (calibration) ran inside this frame
            self._skip_frame_stat = False
        else:
            self.frame_ms.append((time.perf_counter() - start) * 1000.0)

    def _poll_gaze(self) -> list[GazeSample]:
        if self.source is None:
            return []
        try:
            return list(self.source.poll())
        except Exception as exc:  # noqa: BLE001 - a failing device is "no gaze", never a crash
            self.controller.say(f"Gaze source failed: {exc}")
            return []

    def _predictions_in(self) -> fx.PredictionsIn:
        if self.service is None:
            return fx.PredictionsIn(None, present=False)
        peeked = self.service.peeked(*self._peek) if self._peek is not None else None
        return fx.PredictionsIn(self.service.latest(), self.service.error, bool(self.service.ready), peeked=peeked)

    def _parts_status(self, gaze_lost: bool) -> tuple[str, ...]:
        # while gaze is lost the source's own words repeat that line, except when a switch to the
        # next input is under way (FailoverSource.switching): then they say why there is no gaze
        switching = bool(getattr(self.source, "switching", False))
        parts = (self.speaker, None if gaze_lost and not switching else self.source, self.usage_log, self._draft_sink())
        lines = tuple(s for s in (status_of(p) for p in parts if p is not None) if s)
        learning = learning_status(self.language, learning_problems(self.service))
        return lines + (learning,) if learning else lines

    def _draft_sink(self) -> DraftSink | None:
        try:
            sink: DraftSink = self.profile.draft_writer
            return sink
        except Exception:  # noqa: BLE001 - a profile without a draft writer (tests' fakes)
            return None

    def _pygame_inputs(self) -> list[fx.InputEvent]:
        out: list[fx.InputEvent] = []
        for event in pygame.event.get():
            if self.settings_screen is not None:
                self.settings_screen.handle(event)
            elif event.type == pygame.QUIT:
                self.running = False
            elif event.type == pygame.KEYDOWN:
                ctrl = event.mod & pygame.KMOD_CTRL
                if event.key == pygame.K_F2 or (event.key == pygame.K_s and ctrl):
                    self.open_settings()
                elif (event.key == pygame.K_q and ctrl) or event.key == pygame.K_ESCAPE:
                    self.running = False
                elif event.key in (pygame.K_SPACE, pygame.K_RETURN, pygame.K_KP_ENTER):
                    out.append(fx.SwitchPress("select"))
                elif event.key in (pygame.K_TAB, pygame.K_RIGHT):
                    out.append(fx.SwitchPress("step"))
        return out

    # ------------------------------------------------------------------ effects
    def _run_effects(self, effects: Sequence[fx.Effect]) -> None:
        for effect in effects:
            try:
                self._run_effect(effect)
            except Exception as exc:  # noqa: BLE001 - a failing part shows, the board goes on
                log.warning("%s failed: %s", type(effect).__name__, exc)
                self.controller.say(f"{type(effect).__name__} failed: {exc}")

    def _run_effect(self, e: fx.Effect) -> None:
        log_ = self.usage_log
        if isinstance(e, fx.RequestPredictions):
            self._request(e)
        elif isinstance(e, fx.PeekPredictions) and self.service is not None:
            self._peek = (e.context, e.prefix)
            self.service.peek(e.context, e.prefix)
        elif isinstance(e, fx.Speak) and self.speaker is not None:
            say = self.speaker.replay if e.replay else self.speaker.speak
            say(e.text, recording=e.recording)
        elif isinstance(e, fx.Click) and self.speaker is not None:
            self.speaker.click()
        elif isinstance(e, fx.StopSpeech) and self.speaker is not None:
            self.speaker.stop()
        elif isinstance(e, fx.Learn) and self.service is not None:
            self.service.learn(e.text)
        elif isinstance(e, fx.SaveDraft):
            self.profile.draft_writer.submit(e.text)
        elif isinstance(e, fx.SaveHistory):
            self.history_file.save(e.items)
        elif isinstance(e, fx.ForgetHistory):
            self.history_file.forget()
        elif isinstance(e, fx.OpenScreen):
            self.open_settings() if e.screen == fx.Screen.SETTINGS else self.calibrate()
        elif isinstance(e, fx.Activated) and self.on_activation is not None:
            self.on_activation(e.activation)
        elif isinstance(e, fx.DwellTimeChanged):
            log.info("dwell time now %d ms (%s)", e.dwell_ms, e.reason)
            if log_ is not None:  # the clinician's dwell-over-time (settings and adaptive dwell)
                log_.event("dwell_change", e.dwell_ms, e.reason)
        elif log_ is not None and isinstance(e, fx.LogSelection):
            log_.selection(e.kind, slot=e.slot, rank=e.rank, dwell_ms=e.dwell_ms, latency_ms=e.latency_ms,
                           tile_id=e.tile_id, page=e.page, text=e.text)
        elif log_ is not None and isinstance(e, fx.LogError):
            log_.error(e.kind)
        elif log_ is not None and isinstance(e, fx.LogMessage):
            log_.message(e.text, selections=e.selections, seconds=e.seconds, spoken=True)

    def _request(self, e: fx.RequestPredictions) -> None:
        if self.service is not None:
            try:
                self.service.request(e.context, e.prefix)
            except Exception as exc:  # noqa: BLE001 - the keyboard still works
                self.controller.predictions_failed(str(exc))

    # ------------------------------------------------------------------ actions from outside
    def activate_box(self, box_id: str, now: float | None = None) -> None:
        """Activate a tile as if dwelt on (keyboard/mouse click, tests)."""
        self.controller.activate(box_id, self.clock() if now is None else now)
        self._run_effects(self.controller.drain_effects())

    def scan_press(self, switch: str = "select", now: float | None = None) -> None:
        """A switch press (space/enter = select, tab/right = step) for row-column scanning."""
        self.controller.press_switch(switch, self.clock() if now is None else now)
        self._run_effects(self.controller.drain_effects())

    def switch_layout(self, name: str) -> bool:
        """Show another layout now. A broken file keeps the current board (``last_good``) and
        shows its problems; returns True when the new layout is in use. Pause holds."""
        layout, problems = load_layout_or_default(name, last_good=self.controller.layout)
        self.layout_watch = self._watch(layout)
        return self.controller.show_layout(layout, plain_problems(problems), self.clock())

    def calibrate(self) -> str:
        """The "calibrate" tile: the calibration screen in this window with the running source;
        accepted, it is saved and the source rebuilt so the new mapping applies now."""
        if self.source is None or self.controller.scanner is not None:
            self.controller.say("Calibration needs an eye tracker (this board has no gaze source)")
            return "unavailable"
        self._skip_frame_stat = True
        try:
            decision, stored, message = calibrate_board(self.surface, self.source, self.profile, self.clock,
                                                        self.calibrate_options)
        finally:
            self.controller.after_modal()
        if stored is not None and self.source_factory is not None:
            try:
                new = self.source_factory(stored)
            except Exception as exc:  # noqa: BLE001 - keep the running source
                message = f"Calibration saved, but the gaze source was not restarted: {exc}"
            else:
                old, self.source = self.source, new
                old.stop()
        if stored is not None:
            self.controller.set_calibration(stored)
        self.controller.say(message, now=self.clock())
        return decision

    # ------------------------------------------------------------------ settings
    def open_settings(self) -> None:
        self.settings_screen = SettingsScreen(self.profile, self.surface.get_size(), on_close=self._settings_closed)

    def _settings_closed(self, changed: bool) -> None:
        self.settings_screen = None
        if changed:
            self.apply_settings()

    def apply_settings(self) -> None:
        """Take new settings from the profile (dwell time, theme, layout, voice). Only a changed
        layout or language setting switches the layout (compared with the setting last applied,
        not the layout's display name)."""
        s = self.profile.settings
        self.language = language_code(s)
        if (s.layout, self.language) != self._applied:
            self._applied = (s.layout, self.language)
            self.switch_layout(effective_layout(s))
        self.controller.set_speech_policy(SpeechPolicy.from_settings(s))
        self.controller.apply_options(BoardOptions.from_settings(s), self.clock())
        self._run_effects(self.controller.drain_effects())
        if self.speaker is not None:
            try:
                from aac.speech import make_speaker

                old = self.speaker
                self.speaker = make_speaker(effective_voice(s), interrupt=s.speech_interrupt, profile_dir=self.profile.dir,
                                            keep_history_audio=s.keep_history_audio)
                old.close()
            except Exception as exc:  # noqa: BLE001 - keep the old voice
                self.controller.say(f"Voice not changed: {exc}")

    @property
    def dwell_config(self) -> Any:
        return self.controller.dwell.config

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
        if self.controller.options.text_logging:
            self.history_file.flush()
            self.history_file.save(self.controller.history.to_list(), wait=True)
        steps: list[Callable[[], Any]] = [lambda: self.profile.draft_writer.submit(self.session.text),
                                          self.profile.close]
        if self.usage_log is not None:
            steps += [self.usage_log.end_session, self.usage_log.close]
        steps += [p.close for p in (self.speaker, self.service) if p is not None]
        if self.source is not None:
            steps.append(self.source.stop)
        for stop in steps:
            try:
                stop()
            except Exception as exc:  # noqa: BLE001 - shutdown: log, go on
                log.debug("ignored: %s", exc)


def make_parts(profile: Any, *, speech: bool = True, predictions: bool = True, usage_log: bool = True) -> dict[str, Any]:
    """The real background parts for a profile: prediction service, speaker, usage log.

    Each one that cannot start is replaced by None and a visible status (never a crash).
    ``usage_log=False``: no usage log (simulations that must not write one).
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

            parts["speaker"] = make_speaker(effective_voice(settings), interrupt=settings.speech_interrupt,
                                            profile_dir=profile.dir, keep_history_audio=settings.keep_history_audio)
        except Exception as exc:  # noqa: BLE001
            parts["problems"].append(f"speech unavailable: {exc}")
    if usage_log:
        try:
            from aac.store.usage_log import UsageLog

            parts["usage_log"] = UsageLog(profile)
        except Exception as exc:  # noqa: BLE001
            parts["problems"].append(f"usage log unavailable: {exc}")
    return parts
