"""Which tile decides a word's previews on the ending tiles: where the eye rests (pure logic).

Why not the dwell's target: after the gaze moves on, the target stays on the previous tile for
the exit grace (120 ms) and then waits for the lock-on (150 ms), so a word's previews came ~0.2 s
after the eye landed on it, the end of a reading fixation. On dev lines 1-20 the simulated person,
which looks at a tile 200-400 ms, saw the next word's previews in 4 of the 22 reads where one of
them finished its sentence (models/README.md, session 7).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aac.gaze.dwell import DwellState
from aac.kinds import TileKind

#: How long the gaze rests on a word tile before its previews show: 60 ms, the shortest fixation
#: of Tobii's I-VT fixation filter (A. Olsen, "The Tobii I-VT Fixation Filter", Tobii Technology,
#: 2012: "discard short fixations" below 60 ms), so a gaze passing over a word tile does not swap
#: the ending tiles.
PREVIEW_SETTLE_S = 0.06

#: Dwell phases in which the tile under the gaze is being chosen (its text must not change).
DWELLING_PHASES = ("lock_on", "dwell", "blink")


def previewing_tile(state: DwellState, kind_of: Callable[[str], str | None]) -> str | None:
    """The tile whose kind sets the previews now (a word: its previews; an ending: keep them;
    another tile: none), or None to leave the ending tiles as they are.

    - the tile under the gaze once it has rested there ``PREVIEW_SETTLE_S``, else the tile
      being dwelt on (progress > 0);
    - an ending being chosen keeps its text, even while the gaze strays briefly;
    - the tile just chosen is not previewed while the eye is still on it (``rearm``): it now
      shows the next word, which was not looked at yet.
    """
    if state.target_id is not None and kind_of(state.target_id) == TileKind.ENDING and state.phase in DWELLING_PHASES:
        return None
    looked = state.under if state.under is not None and state.under_s >= PREVIEW_SETTLE_S else None
    if looked is not None and looked == state.target_id and state.phase == "rearm":
        return None
    if looked is None and state.progress > 0:
        looked = state.target_id
    return looked


def follow_preview(board: Any, looked: Any, slot_of: Callable[[Any], Any]) -> None:
    """Gaze resting on a word tile -> ``board`` (BoardState) previews its endings; on another
    tile but an ending -> back to the plain endings; ``looked`` None -> unchanged."""
    if looked is None:
        return
    if looked.kind == TileKind.WORD:
        slot = slot_of(looked)
        if slot.enabled:
            board.set_preview(slot.text)
    elif looked.kind != TileKind.ENDING:
        board.set_preview(None)
