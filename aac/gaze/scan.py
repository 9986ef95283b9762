"""Row-column switch scanning: pure logic over a grid of tile ids, time and switch presses.

For people who cannot use gaze reliably but can press one switch (a button, a blink sensor, a
sip-and-puff): rows light up in turn every ``interval_s``; a press selects the highlighted row,
then its tiles light up in turn; a press activates the highlighted tile and scanning starts again
at the first row. With a second switch ("step") the highlight moves only on a step press
(no timing pressure) and the select switch chooses, which many users with slow movements prefer.

The class knows nothing about pygame: the board calls :meth:`update` every frame with the time and
:meth:`press` on a key event and draws :attr:`state`. Tiles spanning several columns appear once per
row; empty cells (``None``) are skipped; after ``max_passes`` unanswered passes through a row's
tiles the scan returns to rows, so a mistaken row choice never traps the user.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

SELECT = "select"
STEP = "step"


@dataclass(frozen=True)
class ScanState:
    """What to draw: ``mode`` "rows" or "tiles", the highlighted row index and tile id (in tile mode),
    ``activated`` the tile id activated by this call (else None)."""

    mode: str
    row: int
    tile: str | None
    activated: str | None = None


class RowColumnScanner:
    """One- or two-switch row-column scanning over ``grid`` (rows of tile ids, ``None`` = empty)."""

    def __init__(
        self,
        grid: Sequence[Sequence[str | None]],
        interval_s: float = 1.2,
        *,
        two_switch: bool = False,
        max_passes: int = 2,
        first_delay_s: float | None = None,
    ) -> None:
        if interval_s <= 0:
            raise ValueError(f"scan interval must be positive, got {interval_s}")
        self.interval_s = interval_s
        self.two_switch = two_switch
        self.max_passes = max(1, max_passes)
        #: Extra time on the first item of a new scan, so the user can get ready (default 1.5x).
        self.first_delay_s = interval_s * 1.5 if first_delay_s is None else first_delay_s
        self.set_grid(grid)

    def set_grid(self, grid: Sequence[Sequence[str | None]]) -> None:
        """Replace the grid (e.g. page change) and restart at the first row."""
        rows: list[list[str]] = []
        for row in grid:
            tiles: list[str] = []
            for tid in row:
                if tid is not None and (not tiles or tiles[-1] != tid) and tid not in tiles:
                    tiles.append(tid)
            if tiles:
                rows.append(tiles)
        if not rows:
            raise ValueError("nothing to scan: the grid has no tiles")
        self.rows = rows
        self._mode = "rows"
        self._index = 0
        self._passes = 0
        self._row = 0
        self._next_t: float | None = None

    # -- state -------------------------------------------------------------------------------
    @property
    def state(self) -> ScanState:
        if self._mode == "rows":
            return ScanState("rows", self._index, None)
        return ScanState("tiles", self._row, self.rows[self._row][self._index])

    def _items(self) -> int:
        return len(self.rows) if self._mode == "rows" else len(self.rows[self._row])

    def _restart(self, t: float) -> None:
        self._mode, self._index, self._passes = "rows", 0, 0
        self._next_t = t + self.first_delay_s

    def _step(self) -> None:
        self._index += 1
        if self._index >= self._items():
            self._index = 0
            if self._mode == "tiles":
                self._passes += 1
                if self._passes >= self.max_passes:
                    self._mode, self._index, self._passes = "rows", 0, 0

    # -- inputs ------------------------------------------------------------------------------
    def update(self, t: float) -> ScanState:
        """Advance the highlight for the time ``t`` (seconds); call every frame."""
        if self._next_t is None:
            self._next_t = t + self.first_delay_s
        if self.two_switch:
            return self.state
        while t >= self._next_t:
            self._step()
            self._next_t += self.interval_s
        return self.state

    def press(self, t: float, switch: str = SELECT) -> ScanState:
        """A switch press at time ``t``. ``SELECT`` chooses; ``STEP`` moves on (two-switch use,
        also accepted in one-switch mode as a manual advance)."""
        self.update(t)
        if switch == STEP:
            self._step()
            self._next_t = t + self.interval_s
            return self.state
        if switch != SELECT:
            raise ValueError(f"unknown switch {switch!r}; expected {SELECT!r} or {STEP!r}")
        if self._mode == "rows":
            self._row, self._mode, self._index, self._passes = self._index, "tiles", 0, 0
            if len(self.rows[self._row]) == 1:  # one tile in the row: activate directly
                tile = self.rows[self._row][0]
                self._restart(t)
                return ScanState("rows", 0, None, tile)
            self._next_t = t + self.first_delay_s
            return self.state
        tile = self.rows[self._row][self._index]
        self._restart(t)
        return ScanState("rows", 0, None, tile)

    def cancel(self, t: float) -> ScanState:
        """Back to row scanning (e.g. a long press or a dedicated key)."""
        self._restart(t)
        return self.state
