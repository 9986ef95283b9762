"""Pick up a layout file saved while the board runs (a caregiver's editor): checked once a second.

The shell calls :meth:`LayoutWatcher.poll` every frame; at most once a second it looks at the
file's modification time (one ``stat``, microseconds). A changed file is loaded; a clean load is
handed to :meth:`~aac.ui.controller.BoardController.reload_layout`, which applies it when no dwell
is in progress. A file with problems keeps the board as it is and reports them.
"""

from __future__ import annotations

import logging
from pathlib import Path

from aac.layouts.loader import load_layout_or_default
from aac.layouts.model import Layout

log = logging.getLogger(__name__)

#: How often the layout file is looked at (the board picks a save up within this time).
CHECK_EVERY_S = 1.0


class LayoutWatcher:
    """Watches the file the current layout came from (nothing for built-in or emergency boards)."""

    def __init__(self, layout: Layout, now: float) -> None:
        self.watch(layout, now)

    def watch(self, layout: Layout, now: float) -> None:
        """Follow ``layout``'s file from now on (after a layout switch)."""
        self.layout = layout
        self.path: Path | None = Path(layout.source) if layout.source else None
        self._mtime = self._stat()
        self._next = now + CHECK_EVERY_S

    def _stat(self) -> float | None:
        try:
            return self.path.stat().st_mtime_ns if self.path is not None else None
        except OSError:
            return None

    def poll(self, now: float) -> tuple[Layout | None, list[str]]:
        """(the reloaded layout or None, problems of a broken save)."""
        if self.path is None or now < self._next:
            return None, []
        self._next = now + CHECK_EVERY_S
        mtime = self._stat()
        if mtime is None or mtime == self._mtime:
            return None, []
        self._mtime = mtime
        layout, problems = load_layout_or_default(self.path, last_good=self.layout)
        if problems or layout is self.layout:
            log.warning("layout %s saved with problems; the board keeps the last good one", self.path)
            return None, [str(p) for p in problems]
        self.layout = layout
        return layout, []
