"""What the prediction tiles show: suggestions, stale flag, preview, hold-during-dwell.

Pure logic (no pygame, no model) because it encodes the board's promises to the person:
- suggestions are never blank once there have been some: while the model works on a new context
  the previous ones stay, drawn stale (dimmed) and not selectable;
- the tile under a dwell never changes its text: a fresh result that would change it waits until
  the dwell ends;
- gazing at a word tile (after lock-on) turns the ending tiles into that word's previews, and the
  preview stays while the gaze travels to an ending tile, so "word + ending" is one selection;
- an ending the predictor's confidence gate did not let through (``Suggestions.endings_shown``)
  is drawn as an empty tile: not worth the person's reading time (aac.predict.gate);
- suggestions that stay valid after a selection keep their tile (issue 15): a word still offered
  after a letter is typed, an ending that is still the same ending (or what is left of it after
  its first words were chosen) stays where the person read it; new ones fill the free tiles in
  the predictor's order. Nothing the person just read jumps around, so they need not read it
  again.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from aac.predict.types import Suggestions

_WORDS = re.compile(r"[^\W_]+(?:'[^\W_]+)*")


def _key(text: str) -> str:
    """Text compared for slot stability: case and punctuation ignored."""
    return " ".join(_WORDS.findall(text.lower()))

N_WORDS = 5
N_ENDINGS = 3


@dataclass(frozen=True)
class SlotContent:
    """The text of one prediction tile and whether it can be selected now."""

    text: str
    enabled: bool
    stale: bool = False
    via_word: str | None = None  # set when an ending tile shows a preview of this word


class BoardState:
    """Holds the displayed suggestions for the current (context, prefix)."""

    def __init__(self, n_words: int = N_WORDS, n_endings: int = N_ENDINGS) -> None:
        self.n_words = n_words
        self.n_endings = n_endings
        self.context = ""
        self.prefix = ""
        self.shown: Suggestions | None = None
        self.pending: Suggestions | None = None
        self.preview_word: str | None = None
        self.unavailable: str | None = None  # why predictions are off (model missing), or None
        # The service may publish the words first and the endings a moment later. Until they
        # come, the ending tiles keep the previous endings, stale, instead of going blank.
        self.endings_pending = False
        self._endings_src: Suggestions | None = None
        self.updates = 0  # how many times the shown suggestions changed (flicker checks in tests)
        # slot stability: what each tile showed last (texts), and for the shown result which of
        # its items each tile shows (index into words/endings, None = empty tile)
        self._displayed: dict[str, list[str]] = {"word": [""] * n_words, "ending": [""] * n_endings}
        self._order: dict[str, list[int | None]] = {"word": [None] * n_words, "ending": [None] * n_endings}

    # --- state changes -------------------------------------------------------------------
    def set_context(self, context: str, prefix: str) -> bool:
        """The session's text changed: the shown suggestions become stale until fresh ones arrive."""
        if (context, prefix) == (self.context, self.prefix):
            return False
        self.context, self.prefix = context, prefix
        self.preview_word = None
        if self.pending is not None and not self.pending.matches(context, prefix):
            self.pending = None
        return True

    @property
    def stale(self) -> bool:
        """True when the shown suggestions belong to another context (or there are none yet)."""
        return self.shown is None or not self.shown.matches(self.context, self.prefix)

    @property
    def fresh(self) -> bool:
        return not self.stale

    @property
    def complete(self) -> bool:
        """Fresh words and fresh endings (what a person waits for before reading)."""
        return self.fresh and not self.endings_pending

    def offer(self, sugg: Suggestions | None, dwelling: tuple[str, int] | None = None) -> bool:
        """Offer the service's newest result; returns True when the display changed.

        ``dwelling`` is (kind, slot) of the prediction tile a dwell is in progress on, if any.
        A result is held back when it would change that tile's text; :meth:`release` applies it.
        """
        if sugg is None or not sugg.matches(self.context, self.prefix):
            return False
        if sugg is self.shown:
            return False
        if dwelling is not None and self.fresh and self._visible_change(sugg, dwelling):
            self.pending = sugg
            return False
        self._apply(sugg)
        return True

    def _visible_change(self, sugg: Suggestions, dwelling: tuple[str, int]) -> bool:
        """Would ``sugg`` change any prediction tile the person can see and select now?

        Previews filling in (the reason to dwell on a word) and endings arriving after the words
        (their tiles were stale, not selectable) are not changes; anything else waits.
        """
        shown = self.shown
        if shown is None:
            return False
        if list(shown.words) != list(sugg.words) or list(shown.chunks) != list(sugg.chunks):
            return True
        if not self.endings_pending and list(shown.endings) != list(sugg.endings):
            return True
        before = self.slot(*dwelling)
        after = self._slot_for(sugg, *dwelling)
        return (before.text, before.via_word) != (after.text, after.via_word)

    def release(self) -> bool:
        """The dwell ended: apply a held-back result if it still belongs to the context."""
        pending, self.pending = self.pending, None
        if pending is not None and pending.matches(self.context, self.prefix):
            self._apply(pending)
            return True
        return False

    def _apply(self, sugg: Suggestions) -> None:
        old = self.shown
        same_context = old is not None and old.matches(sugg.context, sugg.prefix)
        if sugg.endings:
            self.endings_pending, self._endings_src = False, None
        elif same_context and self.endings_pending:
            # A second answer for this context, still without endings: there are none.
            self.endings_pending, self._endings_src = False, None
        elif not same_context:
            # Words first: remember where the ending tiles' (stale) texts come from meanwhile.
            src = old if (old is not None and old.endings) else self._endings_src
            self.endings_pending, self._endings_src = True, src
        for kind in ("word", "ending"):
            if kind == "ending" and not sugg.endings and self.endings_pending:
                continue  # the ending tiles keep their (stale) texts until the endings come
            order = self._arrange(sugg, kind)
            self._order[kind] = order
            items = sugg.words if kind == "word" else sugg.endings
            self._displayed[kind] = [items[i] if i is not None else "" for i in order]
        self.shown = sugg
        self.pending = None
        self.updates += 1
        if self.preview_word is not None and self.preview_word not in sugg.words:
            self.preview_word = None

    def _visible_items(self, sugg: Suggestions, kind: str) -> list[int]:
        if kind == "word":
            return [i for i, w in enumerate(sugg.words) if w]
        return [i for i in range(len(sugg.endings)) if sugg.ending_visible(i)]

    def _arrange(self, sugg: Suggestions, kind: str) -> list[int | None]:
        """Which item of ``sugg`` each tile of ``kind`` shows (None: empty), keeping tiles stable.

        An item equal to what a tile showed last stays on that tile; an ending that is what is
        left of a tile's ending (its first words were just chosen) stays too; the other items
        fill the free tiles in the predictor's order.
        """
        n = self.n_words if kind == "word" else self.n_endings
        items = sugg.words if kind == "word" else sugg.endings
        free = self._visible_items(sugg, kind)
        before = self._displayed.get(kind, [""] * n)
        order: list[int | None] = [None] * n
        for slot, old in enumerate(before[:n]):
            okey = _key(old)
            if not okey:
                continue
            hit = next((i for i in free if _key(items[i]) == okey), None)
            if hit is None and kind == "ending":
                hit = next((i for i in free if _key(items[i]) and okey.endswith(" " + _key(items[i]))), None)
            if hit is not None:
                order[slot] = hit
                free.remove(hit)
        for slot in range(n):
            if order[slot] is None and free:
                order[slot] = free.pop(0)
        return order

    def words_after(self, sugg: Suggestions) -> list[str]:
        """What the word tiles will show once ``sugg`` is applied, tile by tile ("" = empty),
        the same arrangement :meth:`offer` will make (a letter key shows it: aac.ui.next_words)."""
        order = self._arrange(sugg, "word")
        return [sugg.words[i] if i is not None else "" for i in order]

    def set_preview(self, word: str | None) -> None:
        """Show ``word``'s previews on the ending tiles (None: back to the plain endings)."""
        self.preview_word = word or None

    # --- what to draw ----------------------------------------------------------------------
    def previews_for(self, word: str) -> list[str]:
        if self.shown is None or self.stale:
            return []
        return [e for e in self.shown.previews.get(word, []) if e][: self.n_endings]

    @property
    def previewing(self) -> bool:
        return self.preview_word is not None and bool(self.previews_for(self.preview_word))

    def slot(self, kind: str, slot: int) -> SlotContent:
        return self._slot_for(self.shown, kind, slot, self.preview_word)

    def _slot_for(
        self, sugg: Suggestions | None, kind: str, slot: int, preview: str | None = "__same__"
    ) -> SlotContent:
        if preview == "__same__":
            preview = self.preview_word
        if sugg is None:
            return SlotContent("", False)
        stale = not sugg.matches(self.context, self.prefix)
        via = None
        index = slot
        if kind in ("word", "ending"):
            order = self._order[kind] if sugg is self.shown else self._arrange(sugg, kind)
            index = order[slot] if slot is not None and 0 <= slot < len(order) else None
        if kind == "word":
            items = sugg.words
        elif kind == "ending":
            items = sugg.endings
            if not items and sugg is self.shown and self.endings_pending and self._endings_src is not None:
                shown = self._displayed["ending"]
                text = shown[slot] if slot is not None and 0 <= slot < len(shown) else ""
                return SlotContent(text, False, bool(text))
            if preview and not stale:
                prev = [e for e in sugg.previews.get(preview, []) if e]
                if prev:
                    items, via, index = prev, preview, slot
        elif kind == "chunk":
            items = sugg.chunks
        else:
            return SlotContent("", False)
        if index is None or not 0 <= index < len(items) or not items[index]:
            return SlotContent("", False, stale)
        return SlotContent(items[index], not stale, stale, via)

    def rank(self, kind: str, slot: int) -> int | None:
        """The predictor's rank (0 = best) of what tile ``slot`` shows: with stable tiles a
        suggestion's tile is not its rank (the usage log's ``rank`` should use this)."""
        if self.shown is None or kind not in self._order or not 0 <= slot < len(self._order[kind]):
            return slot
        if kind == "ending" and self.previewing:
            return slot
        return self._order[kind][slot]

    def words(self) -> list[SlotContent]:
        return [self.slot("word", i) for i in range(self.n_words)]

    def endings(self) -> list[SlotContent]:
        return [self.slot("ending", i) for i in range(self.n_endings)]
