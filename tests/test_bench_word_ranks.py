"""tests/bench/word_ranks.py counts where the wanted word sat on the ideal user's path.

The script backs a models/README.md figure (ranks 6-8 hold as many wanted words as ranks 4-5),
so its bookkeeping is checked here against a stand-in predictor with a fixed list of eight
words: a word listed below the shown five costs a letter and is counted, and the letter brings it up.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent / "bench"))
import word_ranks  # noqa: E402

EIGHT = ["i", "the", "a", "you", "it", "to", "is", "cat"]


@dataclass
class FixedList:
    """Eight words in a fixed order, those that fit the typed prefix first; no endings."""

    asked: list[tuple[str, str]] = field(default_factory=list)

    def suggest(self, context: str, prefix: str) -> "FixedList.Answer":
        self.asked.append((context, prefix))
        fit = [w for w in EIGHT if w.startswith(prefix)]
        return self.Answer(fit + [w for w in EIGHT if w not in fit])

    @dataclass
    class Answer:
        words: list[str]

        def visible_endings(self) -> list[str]:
            return []


def test_a_word_below_the_shown_five_costs_a_letter_and_is_counted():
    stand_in = FixedList()
    got = word_ranks.walk(stand_in, ["The cat."], shown=5)
    # "the" at rank 2 is taken; "cat" at rank 8 is not shown, so "c" is typed and "cat" comes first
    assert got["word_hits"] == 2 and got["letters"] == 1 and got["letters_with_word_below"] == 1
    assert got["wanted_word_at_rank"] == {"2": 1, "8": 1, "1": 1}
    assert stand_in.asked == [("", ""), ("the ", ""), ("the ", "c")]


def test_with_eight_tiles_the_same_word_is_a_hit():
    got = word_ranks.walk(FixedList(), ["The cat."], shown=8)
    assert got["word_hits"] == 2 and got["letters"] == 0 and got["letters_with_word_below"] == 0
    assert got["requests"] == 2
