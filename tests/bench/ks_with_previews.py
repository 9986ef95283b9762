"""Keystroke savings of an ideal user who also takes a word's previews (word + ending at once).

    python tests/bench/ks_with_previews.py [--corpus F] [--skip N] [--limit N] [--no-learn]

Why: `aac bench ks` (the DESIGN.md rules) sees the 5 words and the 3 shown endings. On the board
the person also sees, while reading a word tile, the endings that follow that word (its
previews), and takes word + ending in one selection. The simulated person does, and most of its
endings come that way (persona_tom_als: 103 of 169). So a change can save the `bench ks` user
selections that the simulated person already saves through a preview (session 14: 19 fewer
selections on persona_tom_als for `bench ks`, the same for the person). This user takes, in
order: a shown ending that is the rest of the sentence; the wanted word when one of its previews
is the rest of the sentence (one selection, counted as ``preview_hits``); a chunk; the wanted
word; else the next letter. It learns each sentence after it, as `bench ks` does.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))


def run(predictor: Any, lines: list[str], learn: bool = True) -> dict[str, Any]:
    """The ideal user with previews over ``lines`` (aac.predict.bench.simulate_sentence)."""
    from aac.predict.bench import new_stats, simulate_sentence

    stats: dict[str, Any] = {"sentences": 0, **new_stats(), "preview_hits": 0}
    for line in lines:
        simulate_sentence(predictor, line, stats, previews=True)
        stats["sentences"] += 1
        if learn:
            predictor.learn(line)
    stats.pop("latency_ms")
    stats["ks"] = round(100 * (1 - stats["selections"] / stats["keystrokes"]), 2) if stats["keystrokes"] else 0.0
    return stats


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "data" / "aac_dev.txt")
    ap.add_argument("--skip", type=int, default=0)
    ap.add_argument("--limit", type=int, default=None)
    ap.add_argument("--no-learn", action="store_true")
    args = ap.parse_args()
    from aac.predict.bench import read_corpus
    from aac.predict.learn import Learner
    from aac.predict.model_store import model_dir
    from aac.predict.suggest import Predictor

    if not args.corpus.exists():
        print(f"corpus not found: {args.corpus} (use --corpus FILE)", file=sys.stderr)
        return 2
    lines = read_corpus(args.corpus)[args.skip :]
    lines = lines[: args.limit] if args.limit else lines
    learner = None if args.no_learn else Learner.open(None)
    predictor = Predictor.from_model_dir(model_dir(), learner=learner)
    stats = run(predictor, lines, learn=not args.no_learn)
    stats["corpus"] = str(args.corpus)
    print(json.dumps(stats))
    return 0


if __name__ == "__main__":
    sys.exit(main())
