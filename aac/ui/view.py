"""What one frame shows: the plain value the board controller builds and the renderer draws.

No pygame here, so the controller (and its tests) can build frames without a display; the
renderer (:mod:`aac.ui.render`) re-exports :class:`FrameView` as part of its API.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from aac.ui.board_state import SlotContent
from aac.ui.geometry import TileBox
from aac.ui.next_words import NextWords

#: How long a fired tile flashes (s); a prediction tile shows the text it fired with meanwhile
#: (BoardController.view).
FLASH_S = 0.25


@dataclass
class FrameView:
    """Everything one frame shows (built by the board controller each frame)."""

    boxes: Sequence[TileBox]
    theme: Any  # aac.layouts Theme
    font_scale: float
    slots: dict[str, SlotContent]  # box id -> prediction slot content (word/ending/chunk tiles)
    message: str
    dwell_id: str | None = None
    dwell_progress: float = 0.0
    flash_id: str | None = None
    flash_age: float = 1.0
    paused: bool = False
    resume_ids: frozenset[str] = frozenset()
    disabled_ids: frozenset[str] = frozenset()
    preview_word: str | None = None
    status: list[str] = field(default_factory=list)
    banner: list[str] = field(default_factory=list)
    gaze: tuple[float, float] | None = None
    resume_dwell_s: float = 2.0
    highlight_ids: frozenset[str] = frozenset()  # switch scanning: the highlighted row or tile
    language: str = "en"  # the board's own words (aac.ui.wording)
    next_words: NextWords | None = None  # the tile being dwelt on and the words it brings (aac.ui.next_words)
