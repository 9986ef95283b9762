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

Reading and checking a changed file takes ~30 ms (layouts/default.toml, measured on the 2-core
machine under load 15), two frames, so it runs off the UI thread (``run``: a daemon thread by
default; tests pass ``run=lambda job: job()`` to do it in place). ``poll`` itself only calls
``stat`` (12 us measured) and picks up a finished result.
"""

from __future__ import annotations

import hashlib
import os
import threading
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
                 interval_s: float = POLL_INTERVAL_S, run: Callable[[Callable[[], None]], None] | None = None):
        self.name_or_path = name_or_path
        self.clock = clock
        self.interval_s = interval_s
        self.run = run or _in_thread
        self._lock = threading.Lock()
        self._loading = False
        self._done: tuple[str, Layout | None, list[LayoutProblem]] | None = None
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
            self._look()
        with self._lock:
            done, self._done = self._done, None
        if done is not None:
            digest, layout, problems = done
            if digest != self._digest:  # not a re-read of what the board already has
                self._digest = digest
                if layout is None:
                    self._pending = None
                    return WatchResult(None, problems)
                self._pending = layout
        if self._pending is not None and not dwelling:
            layout, self._pending = self._pending, None
            return WatchResult(layout)
        return None

    def _look(self) -> None:
        """Start reading the file (in ``run``) when its stat changed; at most one read at a time."""
        if self.path is None:  # a layout that did not exist yet may appear (e.g. copied by the editor)
            try:
                self.path = resolve_layout(self.name_or_path)
            except LayoutError:
                return
        stamp = self._read_stamp()
        if stamp is None or stamp == self._stamp or self._loading:
            return
        self._stamp = stamp
        self._loading = True
        self.run(self._load)

    def _load(self) -> None:
        """Read, hash and check the file (off the UI thread); the result waits for ``poll``."""
        path = self.path
        try:
            data = path.read_bytes() if path else b""
            digest = hashlib.sha256(data).hexdigest()
            layout: Layout | None = None
            problems: list[LayoutProblem] = []
            if digest != self._digest:
                try:
                    layout = parse_layout_bytes(data, str(path), source=path)
                except LayoutError as exc:
                    problems = list(exc.problems)
            with self._lock:
                self._done = (digest, layout, problems)
        except OSError:
            self._stamp = None  # try again at the next poll
        finally:
            self._loading = False


def _in_thread(job: Callable[[], None]) -> None:
    threading.Thread(target=job, name="aac-layout-watch", daemon=True).start()
