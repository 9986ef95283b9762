"""tests/bench/ks_with_previews.py: the ideal user who also takes a word's previews.

Its figures stand next to `aac bench ks` in models/README.md (session 14), so its rules are
checked against a stand-in predictor with fixed answers: a preview that is the rest of the
sentence is taken with its word in one selection, a hidden ending is not taken, and without
previews the user types on as `bench ks` does.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent / "bench"))
import ks_with_previews  # noqa: E402

from aac.predict.types import Suggestions  # noqa: E402


class Fixed:
    """Words "i", "please", "the"; an ending the gate hides; previews of "please" when asked."""

    def __init__(self, previews: bool) -> None:
        self.previews = previews
        self.asked: list[tuple[str, str]] = []
        self.learned: list[str] = []

    def with_previews(self, context: str, prefix: str) -> Suggestions:
        self.asked.append((context, prefix))
        words = [w for w in ("i", "please", "the", "suction", "me") if w.startswith(prefix)]
        prev = {"please": ["please suction me."]} if self.previews else {}
        return Suggestions(context, prefix, words, ["please suction me."], prev, [], 0.0, [0.01], [False])

    def learn(self, sentence: str) -> None:
        self.learned.append(sentence)


def test_a_preview_that_ends_the_sentence_is_one_selection():
    p = Fixed(previews=True)
    stats = ks_with_previews.run(p, ["Please suction me."])
    assert stats["selections"] == 1 and stats["preview_hits"] == 1 and stats["ending_hits"] == 0
    assert p.asked == [("", "")] and p.learned == ["Please suction me."]
    assert stats["ks"] == round(100 * (1 - 1 / 18), 2)  # (6 + 1) + (7 + 1) + (2 + 1) keystrokes


def test_without_previews_the_hidden_ending_is_not_taken_and_words_are():
    stats = ks_with_previews.run(Fixed(previews=False), ["Please suction me."])
    assert stats["selections"] == 3 and stats["word_hits"] == 3 and stats["preview_hits"] == 0
