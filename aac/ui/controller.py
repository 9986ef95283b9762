"""The board controller: the one owner of the board's state, with no pygame and no threads.

It owns the session (the message, the page, pause), the dwell engine, the gaze filter, the
suggestion slots (:class:`~aac.ui.board_state.BoardState`), the tiles on screen, switch
scanning and the spoken-message history page. One call per frame::

    view, effects = controller.step(now, samples, events)

turns gaze samples and input events (:mod:`aac.ui.effects`) into what to draw (a
:class:`~aac.ui.view.FrameView`) and what must happen (speak, learn, log, save the draft, open a
screen), which the pygame shell (:mod:`aac.ui.app`) carries out. The data flows one way:
gaze -> filter -> dwell -> controller -> session -> predictions -> render (docs/ARCHITECTURE.md).

Pause has one owner, the session: the dwell engine follows it in :meth:`_sync_pause`, the only
place that tells the engine, and the engine is reconfigured (never rebuilt) when the dwell
time changes, so no settings change, layout switch or worker restart can unpause the board.

Hooks for parts that are wired later: :meth:`reload_layout` (a caregiver editor saved the
layout: taken when no dwell is in progress, so tiles never move under a dwell),
:meth:`set_dwell_time` (adaptive dwell: each change is an effect the shell logs), and the
``recording`` field of :class:`~aac.ui.effects.Speak` (play a recorded phrase instead of
synthesis).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, fields, replace
from typing import Any

from aac.gaze.calibration import tile_size_warning
from aac.gaze.adaptive_dwell import AdaptiveDwell, AdaptiveDwellSettings
from aac.gaze.dwell import DwellConfig, DwellEngine, DwellState, DwellTarget
from aac.gaze.filter import OneEuroFilter
from aac.gaze.sample import GazeSample
from aac.gaze.scan import RowColumnScanner
from aac.kinds import (
    CONTENT_KINDS,
    CORRECTION_KINDS,
    PAUSE_ACTIONS,
    PREDICTION_KINDS,
    PREVIEW_ENDING,
    RETURNING_KINDS,
    Action,
    ErrorKind,
    EventKind,
    TileKind,
    UsageKind,
)
from aac.layouts.model import Layout, Page, Tile, Theme
from aac.layouts.themes import THEMES, get_theme, with_overrides
from aac.session import Event, Session
from aac.speech.history import SpeechHistory
from aac.speech.policy import SpeechPolicy
from aac.ui.board_state import BoardState, SlotContent
from aac.ui.effects import (
    Activate,
    Activated,
    Activation,
    Click,
    DwellTimeChanged,
    Effect,
    ForgetHistory,
    GazeLost,
    InputEvent,
    LogError,
    LogSelection,
    OpenScreen,
    PartsStatus,
    PeekPredictions,
    PredictionsIn,
    RequestPredictions,
    SaveDraft,
    Screen,
    StopSpeech,
    SwitchPress,
)
from aac.ui.geometry import TileBox, layout_page
from aac.ui.message_speech import MessageSpeech
from aac.ui.next_words import NextWordsOnTile
from aac.ui.preview_gaze import DWELLING_PHASES, follow_preview, previewing_tile
from aac.ui.spoken import SpokenMessages
from aac.ui.view import FLASH_S, FrameView
from aac.ui.wording import board_text, status_text

log = logging.getLogger(__name__)

#: Dwell on a settings tile (long, so the gaze user does not open it by accident).
SETTINGS_DWELL_S = 3.0
#: Layout problems stay first on the status line this long, then shrink to a short note.
BANNER_S = 20.0
#: An undo this soon after the previous activation is logged as a suspected false activation.
SUSPECT_UNDO_S = 4.0
#: How long a transient status line (e.g. "not available yet") stays.
SAY_S = 6.0
#: The page the "history" tile opens (built by the board, not in the layout file).
HISTORY_PAGE = "__history__"
#: Spoken messages shown on the history page (one full-width tile each, big enough to hit).
HISTORY_TILES = 5


@dataclass(frozen=True)
class BoardOptions:
    """The settings the controller reads (taken from the profile's settings by the shell)."""

    dwell: DwellConfig
    theme: str = ""
    clear_after_speak: bool = True
    click_sound: bool = False
    show_gaze_cursor: bool = False
    text_logging: bool = False
    scan_interval_s: float = 1.2
    adaptive: AdaptiveDwellSettings = AdaptiveDwellSettings()
    next_words_on_tile: bool = True

    @classmethod
    def from_settings(cls, settings: Any) -> BoardOptions:
        return cls(
            dwell=DwellConfig.from_settings(settings),
            theme=str(getattr(settings, "theme", "") or ""),
            clear_after_speak=bool(getattr(settings, "clear_after_speak", True)),
            click_sound=bool(getattr(settings, "click_sound", False)),
            show_gaze_cursor=bool(getattr(settings, "show_gaze_cursor", False)),
            text_logging=bool(getattr(settings, "text_logging", False)),
            scan_interval_s=max(0.3, float(getattr(settings, "scan_interval_ms", 1200)) / 1000.0),
            adaptive=AdaptiveDwellSettings.from_settings(settings),
            next_words_on_tile=bool(getattr(settings, "next_words_on_tile", True)),
        )


def pick_theme(layout_theme: Theme, wanted: str) -> Theme:
    """The board's theme. Precedence:

    1. the settings theme (the caregiver's choice on the settings screen) picks the palette;
    2. colours the layout file sets itself (``[theme]`` table overrides) stay on top of it,
       because the caregiver who wrote them meant those tiles to look that way;
    3. a layout theme with its own name (not a built-in) is a complete custom theme: it wins.
    A settings theme equal to the layout's (or empty/unknown) keeps the layout's theme as is.
    """
    if not wanted or wanted == layout_theme.name:
        return layout_theme
    try:
        chosen = get_theme(wanted)
    except KeyError:
        return layout_theme
    base = THEMES.get(layout_theme.name)
    if base is None:
        return layout_theme  # a custom named theme in the layout file
    overrides = {
        f.name: getattr(layout_theme, f.name)
        for f in fields(base)
        if f.name != "name" and getattr(layout_theme, f.name) != getattr(base, f.name)
    }
    return with_overrides(chosen, overrides, chosen.name) if overrides else chosen


def is_resume(box: TileBox) -> bool:
    """The tile that pauses, and (while paused) resumes: the way out is always there."""
    return box.kind == TileKind.ACTION and box.tile.action in PAUSE_ACTIONS


class BoardController:
    """The board's state and rules (see the module docstring). Build one per board."""

    def __init__(
        self,
        layout: Layout,
        options: BoardOptions,
        size: tuple[int, int],
        *,
        now: float,
        problems: Sequence[str] = (),
        draft: str = "",
        history: Iterable[str] = (),
        speech_policy: SpeechPolicy | None = None,
        gaze_filter: OneEuroFilter | None = None,
        scanning: bool = False,
        calibration: dict[str, Any] | None = None,
    ) -> None:
        self.layout = layout
        self.options = options
        self.size = size
        self._effects: list[Effect] = []
        self.theme = pick_theme(layout.theme, options.theme)
        self.session = Session(
            clock=lambda: self._now, text=draft, clear_after_speak=options.clear_after_speak,
            language=str(layout.language or "en"), page=layout.home.name,
        )
        self.dwell = DwellEngine(options.dwell)
        self.filter = gaze_filter
        self.board = BoardState()
        self.next_words = NextWordsOnTile(options.next_words_on_tile)
        self.messages = SpokenMessages(SpeechHistory(items=list(history)), self._effects_append,
                                       lambda: self.options.text_logging)
        self.speech = MessageSpeech(self.messages, speech_policy or SpeechPolicy())
        self.scanner = RowColumnScanner([["-"]], interval_s=options.scan_interval_s) if scanning else None
        self.calibration = calibration
        self.activations: list[Activation] = []
        self.boxes: list[TileBox] = []
        self.layout_problems = [str(p) for p in problems]
        self.tile_warning = ""  # the full sentence (settings, logs)
        self.tile_hint = ""  # its short form on the status line
        self.gaze_lost = False
        self.gaze_px: tuple[float, float] | None = None
        self._now = now
        self._banner_until = now + BANNER_S if problems else 0.0
        self._by_id: dict[str, TileBox] = {}
        self.adaptive = self._start_adaptive(options, now)
        self._predictions = PredictionsIn(None, present=False)
        self._parts_status: tuple[str, ...] = ()
        # the tile that fired, when, and (a prediction tile) the text it fired with: see view()
        self._flash: tuple[str, float, SlotContent | None] | None = None
        self._transient: tuple[str, float] | None = None
        self._dwell_state = DwellState(None, 0.0, None, "idle")
        self._dwell_started: dict[str | None, float] = {}
        self._last_text = self.session.text
        self._history_page: Page | None = None
        self._history_back = ""
        self._pending_layout: Layout | None = None
        self._relayout()
        self._request_predictions(force=True)

    # ------------------------------------------------------------------ reading
    @property
    def page_name(self) -> str:
        """The page shown: the session's page is the one record of it."""
        return self.session.page

    @property
    def paused(self) -> bool:
        return self.session.paused

    @property
    def language(self) -> str:
        """The language of the board's own words (the layout's)."""
        return str(self.layout.language or "en")

    @property
    def current_page(self) -> Page:
        name = self.session.page
        if name == HISTORY_PAGE and self._history_page is not None:
            return self._history_page
        try:
            return self.layout.page(name)
        except KeyError:
            self._go_to_page(self.layout.home.name)
            return self.layout.home

    @property
    def dwell_state(self) -> DwellState:
        """The tile under the gaze, its progress and phase (after the last sample)."""
        return self._dwell_state

    @property
    def history(self) -> SpeechHistory:
        """The spoken messages the history page shows (owned by :attr:`messages`)."""
        return self.messages.history

    @property
    def last_spoken(self) -> str | None:
        """The last message said (spoken, a recording, or said again)."""
        return self.messages.last_spoken

    def _effects_append(self, effect: Effect) -> None:
        self._effects.append(effect)

    def box(self, box_id: str | None) -> TileBox | None:
        return self._by_id.get(box_id) if box_id is not None else None

    def slot_of(self, box: TileBox) -> SlotContent:
        return self.board.slot(box.kind, box.tile.slot or 0)

    def drain_effects(self) -> list[Effect]:
        """Effects of calls made outside :meth:`step` (a click, a settings change)."""
        out, self._effects = self._effects, []
        return out

    # ------------------------------------------------------------------ the frame
    def step(self, now: float, samples: Sequence[GazeSample] = (),
             events: Sequence[InputEvent] = ()) -> tuple[FrameView, list[Effect]]:
        """One frame: input events, scanning, dwell over ``samples``, suggestions, the view."""
        self.take_inputs(events, now)
        if self.scanner is not None:
            scan = self.scanner.update(now)
            if scan.activated:
                self.activate(scan.activated, now)
        self._take_pending_layout()
        targets = self.targets()
        for sample in samples:
            state = self._update_dwell(sample, targets)
            if state.activated:
                self.activate(state.activated, now)
                self._sync_context()  # the old suggestions are stale from this very sample on
                targets = self.targets()
        follow_preview(self.board, self._looked(), self.slot_of)  # a word tile looked at: its previews
        self._sync_context()
        self._take_suggestions()
        self._update_next_words()
        self._after_text_change()
        return self.view(now), self.drain_effects()

    def take_inputs(self, events: Iterable[InputEvent], now: float) -> None:
        """Input events outside a frame (also the first thing :meth:`step` does)."""
        self._now = now
        for event in events:
            self._take_input(event, now)

    def _take_input(self, event: InputEvent, now: float) -> None:
        if isinstance(event, GazeLost):
            if event.lost and not self.gaze_lost:
                # A half-filled tile must not complete on whatever the gaze lands on next.
                self.dwell.cancel()
                self._dwell_state = DwellState(None, 0.0, None, "idle")
            self.gaze_lost = event.lost
        elif isinstance(event, PredictionsIn):
            self._predictions = event
        elif isinstance(event, PartsStatus):
            self._parts_status = event.lines
        elif isinstance(event, Activate):
            self.activate(event.box_id, now)
        elif isinstance(event, SwitchPress):
            self.press_switch(event.switch, now)

    def press_switch(self, switch: str, now: float) -> None:
        """A switch press for row-column scanning (``select`` or ``step``); no-op without it."""
        if self.scanner is None:
            return
        state = self.scanner.press(now, switch)
        if state.activated:
            self.activate(state.activated, now)

    def _update_dwell(self, sample: GazeSample, targets: Sequence[DwellTarget]) -> DwellState:
        filtered = sample
        if self.filter is not None and sample.usable:
            try:
                filtered = self.filter.filter(sample)
            except Exception:  # noqa: BLE001 - a filter failure must not stop the board
                filtered = sample
        if filtered.usable:
            self.gaze_px = (filtered.x * self.size[0], filtered.y * self.size[1])
        state = self.dwell.update(filtered, targets)
        if state.target_id != self._dwell_state.target_id:
            self._dwell_started[state.target_id] = sample.t
        self._dwell_state = state
        return state

    def targets(self) -> list[DwellTarget]:
        """Dwell targets for this frame (disabled: stale/blank predictions, display-only tiles)."""
        return dwell_targets(self.boxes, self.slot_of, self.session.paused, self.dwell.config)

    # ------------------------------------------------------------------ suggestions
    def _dwelling_prediction(self) -> tuple[str, int] | None:
        """The prediction tile under a lock-on or dwell (its text must not change now)."""
        st = self._dwell_state
        if st.target_id is None or st.phase not in DWELLING_PHASES:
            return None
        box = self._by_id.get(st.target_id)
        if box is None or box.kind not in PREDICTION_KINDS:
            return None
        return box.kind, box.tile.slot or 0

    def _looked(self) -> TileBox | None:
        """The tile the eye rests on, as :func:`aac.ui.preview_gaze.previewing_tile` says."""
        looked = previewing_tile(self._dwell_state, lambda tid: (b.kind if (b := self._by_id.get(tid)) else None))
        return self._by_id.get(looked) if looked is not None else None

    def _update_next_words(self) -> None:
        """The letter or word tile the eye rests on shows the words it brings
        (aac.ui.next_words); only over fresh suggestions (they are arranged like the tiles
        they will replace)."""
        on = not self.session.paused and self.scanner is None and self.board.fresh and self._predictions.present
        ask = self.next_words.follow(self._looked() if on else None, self.session, self.slot_of,
                                     self._predictions.peeked, self.board.words_after)
        if ask is not None:
            self._effects.append(PeekPredictions(*ask))

    def _sync_context(self) -> None:
        context, prefix = self.session.context_and_prefix()
        if self.board.set_context(context, prefix):
            self.next_words.clear()
            self._request_predictions()

    def _request_predictions(self, force: bool = False) -> None:
        context, prefix = self.session.context_and_prefix()
        if force:
            self.board.set_context(context, prefix)
        self._effects.append(RequestPredictions(context, prefix))

    def predictions_failed(self, why: str) -> None:
        """The service refused a request: the prediction tiles say so, the keyboard works."""
        self.board.unavailable = why

    def _take_suggestions(self) -> None:
        p = self._predictions
        if not p.present:
            self.board.unavailable = self.board.unavailable or status_text(self.language, "no_service")
            return
        self.board.unavailable = p.error or None
        dwelling = self._dwelling_prediction()
        self.board.offer(p.latest, dwelling)
        if dwelling is None and self.board.pending is not None:
            self.board.release()

    def _after_text_change(self) -> None:
        text = self.session.text
        if text != self._last_text:
            self._last_text = text
            self._effects.append(SaveDraft(text))

    # ------------------------------------------------------------------ activations
    def activate(self, box_id: str, now: float) -> None:
        """A tile fires (dwell, switch, click): change the session, then the page."""
        self._now = now
        box = self._by_id.get(box_id)
        if box is None:
            return
        if box.kind in PREDICTION_KINDS and not self.slot_of(box).enabled:
            return
        self._flash = (box_id, now, self.slot_of(box) if box.kind in PREDICTION_KINDS else None)
        if self.options.click_sound:
            self._effects.append(Click())
        page_before = self.session.page
        shown = self.board.shown
        text = self._apply_tile(box)
        events = self.session.drain_events()
        self._handle_events(events, box, shown, now)
        self._follow_page(box, page_before)
        # Ask for the new context's suggestions now, whatever path activated the tile: the
        # person is about to wait for them.
        self._sync_context()
        act = Activation(now, box_id, box.kind, text, page_before, events)
        self.activations.append(act)
        self._effects.append(Activated(act))

    def _apply_tile(self, box: TileBox) -> str:
        """Do what the tile says; returns the text the activation records."""
        tile, kind, s = box.tile, box.kind, self.session
        if kind in PREDICTION_KINDS:
            slot = self.slot_of(box)
            if kind == TileKind.WORD:
                s.insert_word(slot.text, slot=tile.slot)
            elif kind == TileKind.ENDING:
                s.insert_ending(slot.text, slot=tile.slot, via_word=slot.via_word)
            else:
                s.insert_chunk(slot.text, slot=tile.slot)
            return slot.text
        handlers: dict[TileKind, tuple[Callable[[str], object], str]] = {
            TileKind.LETTER: (s.type_letter, tile.value), TileKind.PUNCT: (s.punctuation, tile.value),
            TileKind.PHRASE: (s.phrase, tile.value or tile.label), TileKind.PAGE: (s.switch_page, tile.target or ""),
            TileKind.ACTION: (self._do_action, tile.action or ""), TileKind.HISTORY: (lambda text: self._respeak(text, box), tile.value),
        }
        if kind not in handlers:
            return ""
        if kind == TileKind.PHRASE and tile.recording:
            return self.messages.play_recording(tile.value or tile.label, tile.recording, box_id=box.id,
                                                page=self.session.page, dwell_ms=self.dwell.config.dwell_s * 1000.0)
        handler, text = handlers[TileKind(kind)]
        handler(text)
        return text

    def _follow_page(self, box: TileBox, page_before: str) -> None:
        """Page tiles switch the page (the session already holds it); a selection on a page
        with ``return_to`` goes back there."""
        if box.kind == TileKind.PAGE:
            self._page_changed(page_before)
        elif box.kind in RETURNING_KINDS:
            back = self.current_page.return_to
            if back and back != page_before:
                self._go_to_page(back)

    def _do_action(self, action: str) -> None:
        s = self.session
        simple = {
            Action.DELETE_LETTER: s.delete_letter, Action.DELETE_WORD: s.delete_word,
            Action.UNDO: s.undo, Action.CLEAR: s.clear, Action.SPACE: s.space, Action.RESUME: s.resume,
        }
        if action in simple:
            simple[Action(action)]()
        elif action == Action.SPEAK:
            self.speech.speak_tile(s)
        elif action == Action.PAUSE:
            (s.resume if s.paused else s.pause)()
        elif action == Action.STOP_SPEECH:
            self._effects.append(StopSpeech())
        elif action == Action.SETTINGS:
            self._effects.append(OpenScreen(Screen.SETTINGS))
        elif action == Action.CALIBRATE:
            self._effects.append(OpenScreen(Screen.CALIBRATE))
        elif action == Action.HISTORY:
            self.open_history()
        else:
            self.say(board_text(self.language, "not_available", action=action.replace("_", " ").capitalize()))

    def _handle_events(self, events: list[Event], box: TileBox, shown: Any, now: float) -> None:
        for ev in list(events):  # a sentence said as a message adds its speak event to ``events``
            kind = ev.kind
            if kind in (EventKind.PAUSE, EventKind.RESUME):
                self._sync_pause()
            if kind in CORRECTION_KINDS:
                self._effects.append(LogError(ErrorKind(kind)))
                # An undo right after a selection suggests that selection was not meant.
                suspect = kind == EventKind.UNDO and bool(self.activations) and now - self.activations[-1].t < SUSPECT_UNDO_S
                if suspect:
                    self._effects.append(LogError(ErrorKind.FALSE_ACTIVATION_SUSPECTED))
                if kind == EventKind.UNDO:  # adaptive dwell: a mistake lengthens the dwell at once
                    (self.adaptive.false_activation if suspect else self.adaptive.undo)(now)
            if kind in CONTENT_KINDS or kind == EventKind.SPEAK:
                self.adaptive.selection(now)  # a kept streak shortens it in small steps
            if kind in CONTENT_KINDS:
                self.messages.count_selection(now)
            events.extend(self.speech.after(ev, self.session, now))  # recorded, not handled again
            started = self._dwell_started.get(box.id)
            dwell_ms = (now - started) * 1000.0 if started is not None else self.dwell.config.dwell_s * 1000.0
            self._effects.append(selection_log(ev, box, shown, dwell_ms, self.session.page, self.board))

    def _sync_pause(self) -> None:
        """The only place the dwell engine learns about pause: it follows the session."""
        self.dwell.set_paused(self.session.paused)
        self._rescan()

    # ------------------------------------------------------------------ history page
    def _respeak(self, text: str, box: TileBox) -> None:
        """A history tile says its message again (:meth:`SpokenMessages.say_again`); the page
        is rebuilt, since that message moved to the top."""
        if not self.messages.say_again(text, box_id=box.id, page=self.session.page,
                                       dwell_ms=self.dwell.config.dwell_s * 1000.0):
            return
        if self._history_page is not None and self.session.page == HISTORY_PAGE:
            self._history_page = self._build_history_page()
            self._relayout()

    def open_history(self) -> None:
        """Show the recent spoken messages as tiles; one selection says one again."""
        if self.session.page != HISTORY_PAGE:
            self._history_back = self.session.page
        self._history_page = self._build_history_page()
        if self.session.page == HISTORY_PAGE:
            self._relayout()
        else:
            self._go_to_page(HISTORY_PAGE)

    def _build_history_page(self) -> Page:
        back = self._history_back or self.layout.home.name
        return history_page(self.history.items()[:HISTORY_TILES], back, self.language)

    # ------------------------------------------------------------------ pages and layouts
    def set_page(self, name: str) -> None:
        """Show another page of this layout (an unknown name is said, not shown)."""
        if name == self.session.page:
            return
        if name != HISTORY_PAGE or self._history_page is None:
            try:
                self.layout.page(name)
            except KeyError:
                self.say(board_text(self.language, "no_page", name=name))
                return
        self._go_to_page(name)

    def _go_to_page(self, name: str) -> None:
        before = self.session.page
        self.session.switch_page(name)
        self.session.drain_events()
        self._page_changed(before)

    def _page_changed(self, before: str) -> None:
        name = self.session.page
        if name != HISTORY_PAGE or self._history_page is None:
            try:
                self.layout.page(name)
            except KeyError:
                self.say(board_text(self.language, "no_page", name=name))
                self.session.switch_page(before)
                self.session.drain_events()
                return
        if name == before:
            return
        self._relayout()
        self.board.set_preview(None)
        # New tiles under a still gaze were not chosen: they need a look-away first.
        self.dwell.cancel(require_look_away=True)

    def show_layout(self, layout: Layout, problems: Sequence[str], now: float) -> bool:
        """Use ``layout`` (already loaded; ``problems`` from loading it). The same layout object
        back (a broken file kept the current board) only shows the problems. Pause holds."""
        self.layout_problems = [str(p) for p in problems]
        self._banner_until = now + BANNER_S if problems else 0.0
        if layout is self.layout:
            return not problems
        self.layout = layout
        self.theme = pick_theme(layout.theme, self.options.theme)
        self._history_page = None
        self._go_to_page(layout.home.name)
        self._relayout()
        self.board.set_preview(None)
        self.dwell.cancel(require_look_away=True)
        return True

    def reload_layout(self, layout: Layout) -> None:
        """Hook for a caregiver editor that saved the layout while the board runs: taken at the
        first frame with no dwell in progress (tiles never move under a dwell), on the same page
        when the new layout still has it."""
        self._pending_layout = layout

    def _take_pending_layout(self) -> None:
        if self._pending_layout is None or self._dwell_state.phase in DWELLING_PHASES:
            return
        layout, self._pending_layout = self._pending_layout, None
        page = self.session.page
        self.layout = layout
        self.theme = pick_theme(layout.theme, self.options.theme)
        names = {p.name for p in layout.pages}
        if page not in names and page != HISTORY_PAGE:
            self._go_to_page(layout.home.name)
        self._relayout()
        self.dwell.cancel(require_look_away=True)

    def _relayout(self) -> None:
        self.boxes = layout_page(self.current_page, self.size)
        self._by_id = {b.id: b for b in self.boxes}
        self._rescan()
        self._update_tile_warning()

    def _rescan(self) -> None:
        """Give the switch scanner the rows of this page (only Resume while paused)."""
        grid = scan_rows(self.boxes, self.session.paused) if self.scanner is not None else []
        if self.scanner is not None and grid:
            self.scanner.set_grid(grid)

    # ------------------------------------------------------------------ settings, calibration
    def apply_options(self, options: BoardOptions, now: float) -> None:
        """New settings (dwell time, theme, speech, logging) for the running board. The dwell
        engine keeps its state (pause above all); a changed dwell time is logged."""
        old = self.options
        self.options = options
        self.session.clear_after_speak = options.clear_after_speak
        self.next_words.enabled = options.next_words_on_tile
        self.theme = pick_theme(self.layout.theme, options.theme)
        if options.dwell != old.dwell:
            self.dwell.reconfigure(options.dwell)
            if options.dwell.dwell_s != old.dwell.dwell_s:
                self._effects.append(DwellTimeChanged(round(options.dwell.dwell_s * 1000), "settings"))
        if options.dwell.dwell_s != old.dwell.dwell_s or options.adaptive != old.adaptive:
            self.adaptive = self._start_adaptive(options, now)  # from the caregiver's new dwell and bounds
        if options.text_logging:
            self.messages.history_changed()
        else:
            self._effects.append(ForgetHistory())

    def set_dwell_time(self, dwell_ms: int, reason: str = "adaptive") -> None:
        """Hook for adaptive dwell: change the dwell time at run time (logged, pause kept)."""
        cfg = replace(self.dwell.config, dwell_s=dwell_ms / 1000.0)
        self.options = replace(self.options, dwell=cfg)
        self.dwell.reconfigure(cfg)
        self._effects.append(DwellTimeChanged(int(dwell_ms), reason))

    def _start_adaptive(self, options: BoardOptions, now: float) -> AdaptiveDwell:
        """Adaptive dwell (off unless the caregiver turns it on): its changes go through
        :meth:`set_dwell_time`, so they keep the pause and are logged for the clinician."""
        return AdaptiveDwell.start(options.adaptive, round(options.dwell.dwell_s * 1000), t=now,
                                   on_change=lambda c: self.set_dwell_time(c.new_ms, f"adaptive:{c.reason}"))

    def reset_message(self, now: float) -> None:
        """Clear the message and end a pause (a carer between two tasks); nothing is logged."""
        self._now = now
        self.session.clear()
        if self.session.paused:
            self.session.resume()
        self.session.drain_events()
        self._sync_pause()

    def set_speech_policy(self, policy: SpeechPolicy) -> None:
        self.speech.policy = policy

    def after_modal(self) -> None:
        """A modal screen (calibration) covered the board: nothing under the returning gaze
        fires, and the filter forgets the old gaze."""
        self.dwell.cancel(require_look_away=True)
        if self.filter is not None:
            self.filter.reset()

    def set_calibration(self, calibration: dict[str, Any] | None) -> None:
        self.calibration = calibration
        self._update_tile_warning()

    def _update_tile_warning(self) -> None:
        """Warn (status line) when the tiles are small for the measured gaze accuracy (not with
        switch scanning: there tile size does not depend on gaze accuracy)."""
        scanning = self.scanner is not None
        self.tile_warning, self.tile_hint = ("", "") if scanning else tile_size_hint(self.calibration, self.boxes, self.language)

    def say(self, message: str, seconds: float = SAY_S, now: float | None = None) -> None:
        """A transient status line (e.g. a tile this board cannot do yet) from ``now`` (default:
        the time of the last frame)."""
        self._transient = (message, (self._now if now is None else now) + seconds)

    # ------------------------------------------------------------------ what to draw
    def status_lines(self, now: float) -> list[str]:
        """Status items, most important first (the renderer drops from the end when short of
        room). They live in the message bar's status strip and never cover a tile."""
        lang = self.language
        lines = []
        if self.layout_problems and now < self._banner_until:
            # already worded for the caregiver (file name without folders: LayoutProblem.plain); with
            # more than one, the count comes first: the line may be cut, and the editor lists them all
            key = "layout_banner" if len(self.layout_problems) == 1 else "layout_banner_more"
            lines.append(board_text(lang, key, layout=self.layout.name, problem=self.layout_problems[0],
                                    count=len(self.layout_problems)))
        if self.gaze_lost:
            lines.append(status_text(lang, "gaze_lost"))
        if self.board.unavailable:
            lines.append(status_text(lang, "unavailable", why=str(self.board.unavailable)))
        elif self._predictions.present and not self._predictions.ready:
            lines.append(status_text(lang, "loading"))
        if self.tile_hint:
            lines.append(self.tile_hint)
        lines.extend(line for line in self._parts_status if line)
        if self.layout_problems and now >= self._banner_until:
            lines.append(board_text(lang, "layout_problems", count=len(self.layout_problems), layout=self.layout.name))
        if self._transient and now < self._transient[1]:
            lines.append(self._transient[0])
        if self.session.paused:
            lines.append(status_text(lang, "paused"))
        return lines

    def view(self, now: float) -> FrameView:
        """Everything this frame shows."""
        flash_id, flash_age = (None, 1.0)
        slots = {b.id: self.slot_of(b) for b in self.boxes if b.kind in PREDICTION_KINDS}
        if self._flash is not None:
            flash_id, flash_age = self._flash[0], now - self._flash[1]
            chosen = self._flash[2]
            if chosen is not None and flash_age < FLASH_S and flash_id in slots:
                # The flash confirms what was chosen, so it shows that text: the tile itself
                # may already hold other text (a preview's tile falls back to the plain,
                # stale endings when the message changes; fresh words can arrive mid-flash).
                slots[flash_id] = replace(chosen, enabled=False)
        st = self._dwell_state
        return FrameView(
            boxes=self.boxes,
            theme=self.theme,
            font_scale=float(self.layout.font_scale or 1.0),
            slots=slots,
            message=self.session.text,
            dwell_id=st.target_id,
            dwell_progress=st.progress,
            flash_id=flash_id,
            flash_age=flash_age,
            paused=self.session.paused,
            resume_ids=frozenset(b.id for b in self.boxes if is_resume(b)),
            preview_word=self.board.preview_word if self.board.previewing else None,
            status=self.status_lines(now),
            banner=[],  # layout problems go on the status strip: nothing covers a tile
            gaze=self.gaze_px if self.options.show_gaze_cursor else None,
            resume_dwell_s=self.dwell.config.resume_dwell_s,
            highlight_ids=scan_highlight(self.scanner),
            next_words=self.next_words.shown,
            language=self.language,
        )


def selection_log(ev: Event, box: TileBox, shown: Any, dwell_ms: float, page: str, board: BoardState) -> LogSelection:
    """The usage log's record of one selection. A prediction tile's rank is the predictor's rank
    of what it showed: with stable tiles (issue 15) a suggestion keeps its tile, so its slot is
    not its rank. An ending taken from a word's preview is logged as such (the report counts them)."""
    kind = ev.kind
    latency = getattr(shown, "latency_ms", None) if kind in PREDICTION_KINDS else None
    log_kind = UsageKind(kind) if kind in CONTENT_KINDS or kind == EventKind.PAGE else UsageKind.ACTION
    if kind == EventKind.ENDING and ev.extra.get("via_word"):
        log_kind = PREVIEW_ENDING
    rank = board.rank(str(kind), ev.slot) if kind in PREDICTION_KINDS and ev.slot is not None else None
    return LogSelection(str(log_kind), ev.slot, rank, dwell_ms, latency, box.id, page, ev.value)


def dwell_targets(boxes: Sequence[TileBox], slot_of: Callable[[TileBox], SlotContent], paused: bool,
                  cfg: DwellConfig) -> list[DwellTarget]:
    """The tiles the gaze can choose now: prediction tiles only with a fresh text, history tiles
    with a message, only Resume (with its longer dwell) while paused, settings with a long dwell."""
    out = []
    for box in boxes:
        kind = box.kind
        if kind == TileKind.MESSAGE:
            continue
        enabled, dwell_s, while_paused = True, None, False
        if kind in PREDICTION_KINDS:
            enabled = slot_of(box).enabled
        elif kind == TileKind.HISTORY:
            enabled = bool(box.tile.value)
        elif is_resume(box):
            if paused:
                while_paused, dwell_s = True, cfg.resume_dwell_s
            elif box.tile.action == Action.RESUME:
                enabled = False
        elif kind == TileKind.ACTION and box.tile.action == Action.SETTINGS:
            dwell_s = max(SETTINGS_DWELL_S, cfg.dwell_s * 2)
        out.append(DwellTarget(box.id, box.norm, enabled=enabled, dwell_s=dwell_s, while_paused=while_paused))
    return out


def history_page(items: Sequence[str], back: str, language: str) -> Page:
    """The spoken-message history as a page: Back, Pause, then one full-width tile per message."""
    tiles = [
        Tile(TileKind.MESSAGE, 0, 0, col_span=2),
        Tile(TileKind.PAGE, 0, 2, label=board_text(language, "back"), target=back),
        Tile(TileKind.ACTION, 0, 3, action=Action.PAUSE, label=board_text(language, "pause")),
    ]
    if not items:
        tiles.append(Tile(TileKind.HISTORY, 1, 0, col_span=4, label=board_text(language, "nothing_spoken")))
    for i, text in enumerate(items):
        tiles.append(Tile(TileKind.HISTORY, 1 + i, 0, col_span=4, label=text, value=text))
    return Page(HISTORY_PAGE, 1 + max(1, len(items)), 4, tiles)


def tile_size_hint(calibration: dict[str, Any] | None, boxes: Sequence[TileBox], language: str) -> tuple[str, str]:
    """(the warning sentence, its short status form) when this page's smallest tile is below what
    the person's measured gaze accuracy can reliably hit; ("", "") when fine."""
    sizes = [b.norm[2:] for b in boxes if b.kind != TileKind.MESSAGE]
    if not calibration or not sizes:
        return "", ""
    warning = tile_size_warning(calibration, min(sz[0] for sz in sizes), min(sz[1] for sz in sizes))
    if not warning:
        return "", ""
    large = board_text(language, "large_layout")
    acc = calibration.get("accuracy_deg")
    acc_txt = f" ({float(acc):.1f} deg)" if isinstance(acc, (int, float)) else ""
    return f"{warning} Try the '{large}' layout.", board_text(language, "small_tiles", accuracy=acc_txt, large=large)


def scan_rows(boxes: Sequence[TileBox], paused: bool) -> list[list[str | None]]:
    """The switch scanner's rows for this page (only Resume while paused)."""
    rows: dict[int, list[TileBox]] = {}
    for b in boxes:
        if b.kind == TileKind.MESSAGE or (paused and not is_resume(b)):
            continue
        rows.setdefault(int(b.tile.row), []).append(b)
    return [[b.id for b in sorted(rows[r], key=lambda b: b.tile.col)] for r in sorted(rows)]


def scan_highlight(scanner: RowColumnScanner | None) -> frozenset[str]:
    """The highlighted row's tiles, or the highlighted tile, for the renderer."""
    if scanner is None:
        return frozenset()
    st = scanner.state
    if st.mode == "tiles" and st.tile:
        return frozenset([st.tile])
    rows = scanner.rows
    return frozenset(rows[st.row]) if 0 <= st.row < len(rows) else frozenset()
