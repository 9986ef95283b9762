"""Where the wanted word sits in the model's list, on the 5-word board's path (issue 15).

    python tests/bench/word_ranks.py [--corpus F] [--skip 20] [--limit 100] [--depth 8]

Why: the board shows 5 word tiles. A sixth, seventh or eighth tile would catch some words a
letter later than now, but the person reads every tile it reaches. This prints how often the
wanted word was at each rank when the ideal user of ``aac bench ks`` (no learning) asked, and
how many of its letter selections had the word just below the shown five: the most a longer
word row could save the ideal user. The simulated person then says what the reading costs
(models/README.md, session 13: six tiles saved 5 of 183 selections and added 26 s of reading).

The ideal user follows the real board: it takes a shown ending that finishes the sentence, else
the wanted word if it is among the first five, else types the next letter (or the space).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))


def walk(predictor: Any, lines: list[str], shown: int = 5) -> dict[str, Any]:
    """The ideal user's path on a board of ``shown`` word tiles; ``predictor.suggest`` lists more."""
    from aac.predict.bench import _norm, normalize_words, type_on

    ranks: dict[int, int] = {}
    counts = {"requests": 0, "letters": 0, "spaces": 0, "word_hits": 0, "ending_hits": 0, "letters_with_word_below": 0}
    for line in lines:
        words = normalize_words(line)
        i, typed = 0, ""
        while i < len(words):
            context = " ".join(words[:i]) + (" " if i else "")
            sug = predictor.suggest(context, typed)
            counts["requests"] += 1
            if any(_norm(e) == " ".join(words[i:]) for e in sug.visible_endings()):
                counts["ending_hits"] += 1
                break
            listed = [_norm(w) for w in sug.words]
            if words[i] in listed:
                rank = listed.index(words[i]) + 1
                ranks[rank] = ranks.get(rank, 0) + 1
                if rank <= shown:
                    counts["word_hits"] += 1
                    i, typed = i + 1, ""
                    continue
                counts["letters_with_word_below"] += 1
            i, typed = type_on(words, i, typed, counts)
    return {"lines": len(lines), **counts, "wanted_word_at_rank": {str(r): ranks[r] for r in sorted(ranks)}}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", default=str(ROOT.parent / "shared" / "data" / "aac_dev.txt"))
    ap.add_argument("--skip", type=int, default=20)
    ap.add_argument("--limit", type=int, default=100)
    ap.add_argument("--depth", type=int, default=8, help="how many words to ask the model for")
    ap.add_argument("--shown", type=int, default=5, help="word tiles on the board")
    args = ap.parse_args()

    from aac.predict.bench import read_corpus
    from aac.predict.service import find_model_dir
    from aac.predict.suggest import Predictor, PredictorSettings

    settings = PredictorSettings()
    settings.n_words = args.depth
    predictor = Predictor.from_model_dir(find_model_dir(None), settings, learner=None)
    lines = read_corpus(args.corpus)[args.skip : args.skip + args.limit]
    print(json.dumps(walk(predictor, lines, args.shown)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
