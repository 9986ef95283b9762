"""A public way to drive the board: look at a tile, dwell, read what is shown.

The simulated person (``aac simulate``), the tests and the screenshot tool use this instead of
the board's private attributes, so the board can change inside without breaking them. The driver
reads the board only through its public view; with a pointer (the mouse source's position
cell) and a settable clock it also moves the gaze and advances time, one 60 Hz frame at a time.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from aac.ui.controller import is_resume
from aac.ui.geometry import TileBox
from aac.ui.wording import status_text

FRAME_S = 1.0 / 60.0


class BoardDriver:
    """Drive a board (``BoardApp``) as a person would: gaze, dwell, read.

    ``pointer`` is a one-item list holding the gaze point in pixels (what a
    :class:`~aac.gaze.mouse.MouseSource` reads); ``clock`` an object with a writable ``now``.
    Without them the driver only reads (the simulator moves the gaze itself).
    """

    def __init__(self, app: Any, pointer: list[tuple[float, float]] | None = None, clock: Any = None) -> None:
        self.app = app
        self.pointer = pointer
        self.clock = clock

    # ------------------------------------------------------------------ reading
    @property
    def tiles(self) -> list[TileBox]:
        """The tiles on screen now (page order)."""
        return list(self.app.boxes)

    def box(self, box_id: str | None) -> TileBox | None:
        """The tile with this id on the current page, or None."""
        return self.app.controller.box(box_id)

    def find(self, kind: str, **attrs: Any) -> TileBox | None:
        """The first tile of ``kind`` whose tile attributes equal ``attrs`` (None if absent)."""
        for b in self.app.boxes:
            if b.kind == kind and all(getattr(b.tile, k, None) == v for k, v in attrs.items()):
                return b
        return None

    def tile(self, kind: str, **attrs: Any) -> TileBox:
        """Like :meth:`find`, but a missing tile is an error that names what was looked for."""
        box = self.find(kind, **attrs)
        if box is None:
            raise LookupError(f"no {kind} tile with {attrs} on page {self.page!r}")
        return box

    def resume_tile(self) -> TileBox | None:
        """The tile that ends a pause (the pause tile turns into it)."""
        return next((b for b in self.app.boxes if is_resume(b)), None)

    @property
    def text(self) -> str:
        return str(self.app.session.text)

    @property
    def page(self) -> str:
        return str(self.app.page_name)

    @property
    def home_page(self) -> str:
        return str(self.app.layout.home.name)

    @property
    def paused(self) -> bool:
        return bool(self.app.session.paused)

    @property
    def last_spoken(self) -> str | None:
        """The last message spoken (None before the first)."""
        return self.app.controller.last_spoken

    @property
    def activation_count(self) -> int:
        return len(self.app.activations)

    def status(self) -> list[str]:
        """The status line items shown now."""
        return list(self.app.frame_view(self._now()).status)

    def status_says_paused(self) -> bool:
        view = self.app.frame_view(self._now())
        return bool(view.paused) and status_text(view.language, "paused") in view.status

    def slot(self, box: TileBox) -> Any:
        """What a prediction tile shows (text, enabled, stale, via_word)."""
        return self.app.board.slot(box.kind, box.tile.slot or 0)

    @property
    def next_words(self) -> Any:
        """The tile showing its next words now and the words (aac.ui.next_words.NextWords), or None."""
        return self.app.controller.next_words.shown

    @property
    def dwell(self) -> tuple[str | None, float]:
        """The tile whose dwell bar is drawn and how full it is (0..1), as the person sees it."""
        st = self.app.controller.dwell_state
        return st.target_id, float(st.progress)

    @property
    def suggestions_complete(self) -> bool:
        return bool(self.app.board.complete)

    # ------------------------------------------------------------------ acting
    def reset_message(self, now: float) -> None:
        """What a carer does between two tasks: clear the message and end a pause."""
        self.app.controller.reset_message(now)

    def activate(self, box: TileBox) -> None:
        """Choose a tile without dwelling (a click)."""
        self.app.activate_box(box.id, self._now())

    def _now(self) -> float:
        if self.clock is not None:
            return float(self.clock.now)
        return float(self.app.clock())

    def look_at(self, box: TileBox | tuple[float, float]) -> None:
        if self.pointer is None:
            raise RuntimeError("this driver has no pointer: it cannot move the gaze")
        self.pointer[0] = box.center if isinstance(box, TileBox) else box

    def look_away(self, seconds: float = 0.5) -> None:
        """Rest the gaze on the message bar (selects nothing) for ``seconds``."""
        msg = self.find("message")
        self.look_at(msg.center if msg is not None else (1.0, 1.0))
        self.run(seconds)

    def run(self, seconds: float, until: Callable[[], bool] | None = None) -> None:
        """Advance the clock frame by frame, stepping the board (stops early when ``until()``)."""
        if self.clock is None:
            raise RuntimeError("this driver has no clock: it cannot advance time")
        for _ in range(max(1, round(seconds / FRAME_S))):
            self.clock.now += FRAME_S
            self.app.step(self.clock.now)
            if until is not None and until():
                return

    def dwell_on(self, box: TileBox, seconds: float) -> None:
        """Look at ``box`` and keep looking for ``seconds``."""
        self.look_at(box)
        self.run(seconds)

    def wait_for_suggestions(self, timeout_s: float = 10.0) -> bool:
        """Step frames (in real time too: the model runs on its own thread) until fresh words
        and endings are shown; False when they did not come."""
        end = time.monotonic() + timeout_s
        while time.monotonic() < end:
            self.run(FRAME_S)
            if self.app.service is None or self.suggestions_complete:
                return True
            time.sleep(0.005)
        return False
