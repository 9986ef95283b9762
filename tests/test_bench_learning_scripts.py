"""The learning benchmarks' harnesses (tests/bench/learning_curve.py, learning_ceiling.py) still run.

They drive the predictor's real learner hooks through a shim; the shim broke once when the
predictor grew language rules, unnoticed because nothing ran it. Here a fixed stand-in for the
model's cached answer (the same five words everywhere, no endings) keeps them honest and fast:
the real learner and the oracles must both beat the model alone on a sentence said again.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent / "bench"))
import learning_ceiling  # noqa: E402
import learning_curve  # noqa: E402

from aac.predict.learn import Learner  # noqa: E402

LINES = ["I want some water please.", "Call my sister.", "I want some water please."]


class FixedModel:
    """The same model answer for every state: five common words, no endings, no chunks."""

    misses = 0

    def raw(self, context: str, prefix: str) -> dict[str, Any]:
        words = [w for w in ["i", "the", "a", "you", "it", "to", "is"] if w.startswith(prefix)][:5]
        return {"words": words, "endings": [], "chunks": [], "sentence_start": not context.strip(),
                "pool": [[w, -1.0 - i] for i, w in enumerate(words)]}

    def save(self) -> None:
        pass


def test_learning_curve_harness_learns_a_repeated_sentence(tmp_path):
    static = learning_curve.run(learning_curve.BenchPredictor(FixedModel(), None, teach=False), LINES, 10)
    learner = Learner.open(tmp_path / "profile")
    learned = learning_curve.run(learning_curve.BenchPredictor(FixedModel(), learner, teach=True), LINES, 10)
    assert learned["keystrokes"] == static["keystrokes"]
    assert learned["ks"] > static["ks"], (learned["ks"], static["ks"])
    assert learner.summary()["sentences"] == len(LINES)


def test_learning_ceiling_oracles_bound_from_above():
    alone = learning_ceiling.run(learning_ceiling.OraclePredictor(FixedModel(), False, False, False), LINES)
    endings = learning_ceiling.run(learning_ceiling.OraclePredictor(FixedModel(), True, False, False), LINES)
    store = learning_ceiling.run(learning_ceiling.OraclePredictor(FixedModel(), False, False, True), LINES)
    # the third line repeats the first: the endings oracle finishes it with one selection
    assert endings["ending_hits"] == 1 and endings["ks"] > alone["ks"]
    # every word of the third line was said before: the store oracle shows each one
    assert store["word_hits"] >= alone["word_hits"] + 4 and store["ks"] > alone["ks"]
