"""Next words on the tile being dwelt on: while the person dwells on a letter key or a word
tile, the tile shows the words it will bring, in the order of the word tiles (pure logic, no
pygame, clock-free).

Why: after each selection the person used to read the word tiles to see whether their next word
had come: on dev lines 1-20 the simulated person read 3.2 tiles per selection, 41 % of its time
(models/README.md, "Session 10"). The dwell is a second in which the eye rests on the tile
anyway, and text drawn on it is read there without a saccade across the board. AugKey
(Diaz-Tula & Morimoto, "AugKey: Increasing Foveal Throughput in Eye Typing with Augmented Keys",
CHI 2016, pp. 3533-3544) put the prediction's suffixes on the key being dwelt on and measured eye
typing 20 % faster than with a separate word list alone, with a lower workload; SliceType
(Benligiray, Topal & Akinlar, arXiv:1706.02499) and GazeTheKey (Sengupta et al., 2017) do the same.

The words are the word tiles' words once the tile is chosen, in the tiles' order
(:meth:`aac.ui.board_state.BoardState.words_after`), so "the second line on the key" is "the
second word tile". The board asks the prediction service with a low-priority ``peek``; the
request after the selection then comes from the predictor's cache.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aac.kinds import TileKind
from aac.predict.types import Suggestions

#: Lines a tile shows at most: the first word tiles, read in the dwell's second. A reading
#: fixation is 200-400 ms (Rayner 1998, Psychological Bulletin 124(3):372-422), and the words
#: come ~0.2 s after the eye lands (60 ms settle + the model), so about 3 of the 5 are read
#: before a 1 s dwell ends; more lines would only make the key's text smaller.
MAX_LINES = 3


@dataclass(frozen=True)
class NextWords:
    """What the tile being dwelt on shows under its label."""

    box_id: str
    words: tuple[str, ...]


#: Share of a tile's height its next words take, at the bottom (the label keeps the top).
WORDS_SHARE = 0.56


def line_centres(rect: tuple[int, int, int, int], n: int) -> list[tuple[float, float]]:
    """Where line i of ``n`` words sits on a tile at ``rect`` (x, y, w, h): the renderer draws
    each word centred there and the simulated person looks there to read it."""
    x, y, w, h = rect
    top = y + h * (1 - WORDS_SHARE)
    return [(x + w / 2, top + line_step(h, n) * (i + 0.5)) for i in range(n)]


def line_step(h: float, n: int) -> float:
    """Height of one of ``n`` lines on a tile ``h`` px high (clear of the tile's outline)."""
    return (h * WORDS_SHARE - max(7.0, h * 0.07)) / max(1, n)


class NextWordsOnTile:
    """Which tile shows its next words now, and the peek to ask for (owned by the controller)."""

    def __init__(self, enabled: bool = True, max_lines: int = MAX_LINES) -> None:
        self.enabled = enabled
        self.max_lines = max_lines
        self.asked: tuple[str, str] | None = None  # the (context, prefix) last peeked
        self.shown: NextWords | None = None

    def update(
        self,
        box_id: str | None,
        after: Callable[[], tuple[str, str] | None],
        peeked: Suggestions | None,
        words_after: Callable[[Suggestions], list[str]],
    ) -> tuple[str, str] | None:
        """One frame: ``box_id`` is the letter or word tile the eye rests on (None: another).

        ``after()`` gives the (context, prefix) that tile will make (None: nothing to ask);
        ``peeked`` is the service's answer to the last peek; ``words_after``
        arranges an answer as the word tiles will show it. Returns the (context, prefix) to
        peek for when it is new, else None.
        """
        if not self.enabled or box_id is None:
            self.shown = None
            return None
        want = after()
        if want is None:
            self.shown = None
            return None
        ask = want if want != self.asked else None
        self.asked = want
        if peeked is not None and peeked.matches(*want):
            words = tuple(w for w in words_after(peeked)[: self.max_lines])
            self.shown = NextWords(box_id, words) if any(words) else None
        elif self.shown is not None and self.shown.box_id != box_id:
            self.shown = None
        return ask

    def follow(self, looked: Any, session: Any, slot_of: Callable[[Any], Any], peeked: Suggestions | None,
               words_after: Callable[[Suggestions], list[str]]) -> tuple[str, str] | None:
        """:meth:`update` for the tile the eye rests on (``looked``: a TileBox or None); only
        letter keys and word tiles bring next words."""
        if looked is None or looked.kind not in (TileKind.LETTER, TileKind.WORD):
            return self.update(None, lambda: None, peeked, words_after)
        return self.update(looked.id, lambda: brings(looked, session, slot_of), peeked, words_after)

    def clear(self) -> None:
        """The text changed or the board paused: nothing is shown until the eye rests again."""
        self.shown = None
        self.asked = None


def brings(box: Any, session: Any, slot_of: Callable[[Any], Any]) -> tuple[str, str] | None:
    """The (context, prefix) choosing this letter key or word tile will make (None: nothing)."""
    if box.kind == TileKind.LETTER:
        return session.after_letter(str(box.tile.value))
    slot = slot_of(box)
    return session.after_word(slot.text) if slot.enabled and slot.text else None
