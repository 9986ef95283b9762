"""Live reload: notice that the layout file was saved (by ``aac edit`` or a text editor) and hand
the board the new, checked layout, but never in the middle of a dwell.

Pure logic (no pygame, no threads, the clock passed in) so tests drive it directly. The board's
controller calls :meth:`LayoutWatcher.poll` once per frame; the watcher itself looks at the file
only every ``interval_s`` (a ``stat``: ~10 us), so a save shows on the board within
``interval_s`` plus one frame after the dwell in progress, if any, ends. Why wait for the dwell:
swapping the layout under a dwell would move or replace the tile the person is looking at and
either throw away their effort or select a tile they did not choose.

A saved file that fails the checker is reported once (``problems``) and the board keeps the
layout it has; the next good save is picked up as usual.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from .loader import parse_layout_bytes, resolve_layout
from .model import Layout, LayoutError, LayoutProblem

#: How often the file is looked at; 0.25 s keeps "saved -> on the board" well under a second.
POLL_INTERVAL_S = 0.25


@dataclass
class WatchResult:
    """A new layout to show, or the problems of a saved file that cannot be shown."""

    layout: Layout | None
    problems: list[LayoutProblem] = field(default_factory=list)


class LayoutWatcher:
    """Watches one layout (name or path) for saved changes."""

    def __init__(self, name_or_path: str | os.PathLike, clock: Callable[[], float] = time.monotonic,
                 interval_s: float = POLL_INTERVAL_S):
        self.name_or_path = name_or_path
        self.clock = clock
        self.interval_s = interval_s
        self._next = 0.0
        self._stamp: tuple[int, int] | None = None
        self._digest: str | None = None
        self._pending: Layout | None = None
        try:
            self.path: Path | None = resolve_layout(name_or_path)
            self._stamp, self._digest = self._read_stamp(), self._hash()
        except (LayoutError, OSError):
            self.path = None

    def _read_stamp(self) -> tuple[int, int] | None:
        try:
            st = self.path.stat() if self.path else None
        except OSError:
            return None
        return (st.st_mtime_ns, st.st_size) if st else None

    def _hash(self) -> str | None:
        try:
            return hashlib.sha256(self.path.read_bytes()).hexdigest() if self.path else None
        except OSError:
            return None

    def poll(self, dwelling: bool = False, now: float | None = None) -> WatchResult | None:
        """Call every frame. Returns a new layout (only when ``dwelling`` is False) or the problems
        of a bad save (once per save); None when there is nothing to do."""
        now = self.clock() if now is None else now
        if now >= self._next:
            self._next = now + self.interval_s
            problems = self._look()
            if problems is not None:
                return WatchResult(None, problems)
        if self._pending is not None and not dwelling:
            layout, self._pending = self._pending, None
            return WatchResult(layout)
        return None

    def _look(self) -> list[LayoutProblem] | None:
        if self.path is None:  # a layout that did not exist yet may appear (e.g. copied by the editor)
            try:
                self.path = resolve_layout(self.name_or_path)
            except LayoutError:
                return None
        stamp = self._read_stamp()
        if stamp is None or stamp == self._stamp:
            return None
        self._stamp = stamp
        try:
            data = self.path.read_bytes()
        except OSError:
            return None
        digest = hashlib.sha256(data).hexdigest()
        if digest == self._digest:
            return None  # touched, not changed
        self._digest = digest
        try:
            self._pending = parse_layout_bytes(data, str(self.path), source=self.path)
        except LayoutError as exc:
            self._pending = None
            return list(exc.problems)
        return None
