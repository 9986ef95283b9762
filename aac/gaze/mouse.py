"""Mouse / head-mouse pointer as a gaze source: where the pointer hovers is where the user looks.

Head-mouse users (a camera that moves the pointer with the head) and carers testing a board
both come in here. The pointer is read once per poll; the board passes ``pygame.mouse.get_pos``.
"""

from __future__ import annotations

import math
import time
from typing import Callable

from aac.gaze.sample import GazeSample
from aac.gaze.source import Clock, GazeSource, SourceError


class MouseSource(GazeSource):
    """One sample per poll from ``pointer()`` (pixels) normalized by ``screen_size``.

    A pointer that returns ``None``, raises, or gives non-numbers yields an invalid sample, so a
    broken pointer can never drive a dwell.
    """

    name = "mouse"

    def __init__(
        self,
        pointer: Callable[[], "tuple[float, float] | None"],
        screen_size: tuple[int, int],
        *,
        clock: Clock = time.monotonic,
    ) -> None:
        w, h = screen_size
        if w <= 0 or h <= 0:
            raise SourceError(f"screen size must be positive, got {screen_size}")
        self._pointer = pointer
        self._w, self._h = float(w), float(h)
        self._clock = clock
        self._status = ""

    def poll(self) -> list[GazeSample]:
        t = self._clock()
        try:
            pos = self._pointer()
            x, y = float(pos[0]) / self._w, float(pos[1]) / self._h  # type: ignore[index]
        except Exception as exc:  # noqa: BLE001 - any pointer failure is "no data"
            self._status = f"pointer unavailable: {exc}"
            return [GazeSample(t, math.nan, math.nan, False, 0.0)]
        self._status = ""
        ok = math.isfinite(x) and math.isfinite(y)
        return [GazeSample(t, x, y, ok, 1.0 if ok else 0.0)]

    @property
    def status(self) -> str:
        return self._status
