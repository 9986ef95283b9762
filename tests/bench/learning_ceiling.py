"""How much learning *could* add on a corpus: oracle ceilings next to the real learner.

    python tests/bench/learning_ceiling.py [--corpus FILE] [--limit N] [--cache FILE]

Why: issue 7 asks learning to add 5 KS points over the model alone. This script measures what
the person's own past sentences can possibly give on the corpus, with the docs/ARCHITECTURE.md simulation
(``aac.predict.bench.simulate_sentence``) on the model's cached answers (``learning_curve.py``'s
cache, built with the real model on first use). Each oracle *knows the sentence being typed* and
only uses what the person said before it, so each is an upper bound no honest learner can pass:

* ``endings oracle``: when the rest of the sentence was said before (as the end of any earlier
  sentence), it is shown as the third ending;
* ``pool oracle``: when the wanted word is among the model's 15 best for this context and prefix
  and the person used it before, it is shown as the fifth word (a perfect reranker of the pool);
* ``store oracle``: when the person used the wanted word before, it is shown as the fifth word
  even if the model did not rank it (perfect injection of the person's words);
* ``both`` / ``all``: endings oracle + pool oracle / + store oracle.

The real learner's figure for the same cache comes from ``learning_curve.py --only learn``.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from learning_curve import CachedModel  # noqa: E402

from aac.predict.bench import _norm, new_stats, normalize_words, read_corpus, simulate_sentence  # noqa: E402
from aac.predict.types import Suggestions  # noqa: E402


class OraclePredictor:
    """Predictor-compatible: the model's cached answer, plus what an oracle learner would add."""

    def __init__(self, model: CachedModel, endings: bool, pool: bool, store: bool) -> None:
        self.model, self.use_endings, self.use_pool, self.use_store = model, endings, pool, store
        self.said_words: Counter[str] = Counter()
        self.said_suffixes: set[tuple[str, ...]] = set()
        self.line: list[str] = []

    def start(self, line: str) -> None:
        self.line = normalize_words(line)

    def suggest(self, context: str, prefix: str) -> Suggestions:
        raw = self.model.raw(context, prefix)
        words, endings = list(raw["words"]), list(raw["endings"])
        rest = tuple(self.line[len(normalize_words(context)):])
        if rest:
            target = rest[0]
            shown = {_norm(w) for w in words}
            pool = {_norm(w) for w, _ in raw["pool"]}
            if target not in shown and self.said_words[target]:
                if (self.use_pool and target in pool) or self.use_store:
                    words = words[:4] + [target]
            if self.use_endings and rest in self.said_suffixes and rest[0].startswith(prefix):
                endings = endings[:2] + [" ".join(rest)]
        return Suggestions(context, prefix, words, endings, {}, list(raw.get("chunks", [])))

    def learn(self, line: str) -> None:
        words = normalize_words(line)
        self.said_words.update(words)
        self.said_suffixes.update(tuple(words[i:]) for i in range(len(words)))


def run(pred: OraclePredictor, lines: list[str]) -> dict[str, Any]:
    stats = new_stats()
    for line in lines:
        pred.start(line)
        simulate_sentence(pred, line, stats)
        pred.learn(line)
    stats.pop("latency_ms")
    stats["ks"] = round(100 * (1 - stats["selections"] / stats["keystrokes"]), 2)
    return stats


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", default="/work/shared/data/aac_dev.txt")
    ap.add_argument("--limit", type=int, default=None)
    ap.add_argument("--cache", default=str(Path(tempfile.gettempdir()) / "aac_learning_curve_cache.json"))
    args = ap.parse_args(argv)
    lines = read_corpus(args.corpus, args.limit)
    model = CachedModel(Path(args.cache))
    runs = {"model alone": (False, False, False), "endings oracle": (True, False, False),
            "pool oracle": (False, True, False), "store oracle": (False, False, True),
            "both (endings + pool)": (True, True, False), "all (endings + store)": (True, False, True)}
    try:
        base = None
        for name, flags in runs.items():
            res = run(OraclePredictor(model, *flags), lines)
            base = res["ks"] if base is None else base
            print(f"{name:22s} KS {res['ks']:6.2f} %  ({res['ks'] - base:+.2f})  word hits {res['word_hits']}, "
                  f"ending hits {res['ending_hits']}", flush=True)
    finally:
        model.save()
    return 0


if __name__ == "__main__":
    sys.exit(main())
