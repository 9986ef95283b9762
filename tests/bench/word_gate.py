"""Fit the word tiles' confidence calibration and print the reading/selection trade-off (issue 15).

    python tests/bench/word_gate.py [--corpus F] [--skip 20] [--limit 100] [--out rows.json | --load rows.json]

The simulated person reads every shown suggestion tile before it chooses (about 0.36 s per tile
on main: 654 tiles, 237 s of a 568 s run of dev lines 1-20), and after the endings' gate most of
that reading is word tiles. A word tile the person rarely wants costs a read at every request.

For every line, for every word i and every prefix of it (k = 0 .. len), the predictor is asked
once, as the ideal user of ``aac bench ks`` could ask it; each shown word's features are
recorded (log P(word | context, prefix) among the words that fit the prefix, its rank, the
prefix length) with whether it is the wanted word, and whether a shown ending finishes the
sentence. Any word-gate policy is then replayed offline: at (i, k) the user takes a visible
ending that finishes the sentence, else a visible wanted word, else types the next letter (or
the space). Reading cost: the person reads the visible endings, then the visible words in order,
and stops at the one it wants. Time per selection and per tile read come from the run above
(1.59 s = selecting + glance; 0.36 s).

Prints the logistic calibration, a reliability table and policy -> KS, word hits, tiles read
per selection, estimated seconds.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

import numpy as np

from aac.predict.bench import normalize_words, read_corpus
from ending_calibration import _norm, fit_logistic  # same folder: the endings' calibration bench

SELECT_S = 1.59
READ_S = 0.362


def word_feats(p, context: str, prefix: str) -> list[tuple[str, float, int]]:  # noqa: ANN001
    """(word, log P(word | context, prefix), rank) for each shown word of the last request."""
    search = p._last
    mass = search.letter_mass
    z = float(np.logaddexp.reduce(np.array(list(mass.values())))) if mass else 0.0
    out = []
    for r, w in enumerate(search.words):
        lp = mass.get(w)
        out.append((w, (lp - z) if lp is not None else -99.0, r))
    return out


def record_line(p, line: str) -> list[list[dict]]:  # noqa: ANN001
    """For each word of the line, one record per prefix length k = 0 .. len(word)."""
    words = normalize_words(line)
    out: list[list[dict]] = []
    for i, target in enumerate(words):
        context = " ".join(words[:i]) + (" " if i else "")
        rest = " ".join(words[i:])
        per_k = []
        for k in range(len(target) + 1):
            prefix = target[:k]
            sug = p.suggest(context, prefix)
            ends = [(_norm(e) == rest) for e in sug.visible_endings()]
            feats = word_feats(p, context, prefix)
            per_k.append({
                "ends_shown": len(ends), "end_hit": any(ends),
                "words": [{"cond": c, "rank": r, "n": len(_norm(w)), "hit": _norm(w) == target} for w, c, r in feats],
            })
        out.append(per_k)
    return out


def features(wd: dict, k: int) -> list[float]:
    return [1.0, max(wd["cond"], -30.0), 1.0 if k == 0 else 0.0]


def replay(lines: list[tuple[list[str], list[list[dict]]]], visible) -> dict:  # noqa: ANN001
    """KS, hits, reads and estimated time when ``visible(word_record, k, target) -> bool``."""
    sel = keys = reads = hits = ends = 0
    for words, recs in lines:
        keys += sum(len(w) + 1 for w in words)
        i = 0
        while i < len(words):
            target = words[i]
            k = 0
            done_line = False
            while True:
                rec = recs[i][k]
                sel += 1
                reads += rec["ends_shown"]
                if rec["end_hit"]:
                    ends += 1
                    done_line = True
                    break
                shown = [wd for wd in rec["words"] if visible(wd, k, target)]
                hit_at = next((n for n, wd in enumerate(shown) if wd["hit"]), None)
                reads += len(shown) if hit_at is None else hit_at + 1
                if hit_at is not None:
                    hits += 1
                    i += 1
                    break
                if k < len(target):
                    k += 1
                else:
                    i += 1
                    break
            if done_line:
                break
    secs = sel * SELECT_S + reads * READ_S
    return {"ks": round(100 * (1 - sel / keys), 2), "word_hits": hits, "ending_hits": ends,
            "reads_per_selection": round(reads / max(1, sel), 2), "selections": sel, "reads": reads, "est_s": round(secs, 1)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--corpus", default=None, help="default: aac bench ks's dev corpus")
    ap.add_argument("--skip", type=int, default=20)
    ap.add_argument("--limit", type=int, default=100)
    ap.add_argument("--out", help="write the records as JSON (re-analyse with --load)")
    ap.add_argument("--load", help="analyse recorded paths instead of running the model")
    args = ap.parse_args(argv)
    if args.load:
        lines = [(w, r) for w, r in json.loads(Path(args.load).read_text())]
    else:
        from aac.predict.cli import _default_corpus
        from aac.predict.service import find_model_dir
        from aac.predict.suggest import Predictor

        corpus = read_corpus(args.corpus or _default_corpus())[args.skip : args.skip + args.limit]
        p = Predictor.from_model_dir(find_model_dir())
        lines = []
        for n, line in enumerate(corpus, 1):
            lines.append((normalize_words(line), record_line(p, line)))
            if n % 10 == 0:
                print(f"{n} lines", file=sys.stderr, flush=True)
        if args.out:
            Path(args.out).write_text(json.dumps(lines))
    rows = [(wd, k) for _, recs in lines for per_k in recs for k, rec in enumerate(per_k) for wd in rec["words"]]
    x = np.array([features(wd, k) for wd, k in rows])
    y = np.array([1.0 if wd["hit"] else 0.0 for wd, _ in rows])
    w = fit_logistic(x, y)
    print(f"word tiles {len(y)}  wanted {int(y.sum())}  fit {np.round(w, 3).tolist()}")
    p_fit = 1.0 / (1.0 + np.exp(-(x @ w)))
    for lo, hi in [(0, 0.01), (0.01, 0.03), (0.03, 0.06), (0.06, 0.1), (0.1, 0.2), (0.2, 0.4), (0.4, 0.7), (0.7, 1.01)]:
        m = (p_fit >= lo) & (p_fit < hi)
        if m.any():
            print(f"  predicted {lo:.2f}-{hi:.2f}: n={int(m.sum()):5d} mean predicted {p_fit[m].mean():.3f} observed {y[m].mean():.3f}")

    def prob(wd: dict, k: int) -> float:
        return float(1.0 / (1.0 + math.exp(-float(np.dot(w, features(wd, k))))))

    print("policy -> KS, hits, tiles read per selection, estimated seconds")
    print(f"  all shown      {replay(lines, lambda wd, k, t: True)}")
    for th in (0.01, 0.02, 0.03, 0.05, 0.08, 0.1, 0.15, 0.2):
        print(f"  p >= {th:<9} {replay(lines, lambda wd, k, t, th=th: prob(wd, k) >= th)}")
    for g in (0.05, 0.1, 0.2, 0.3, 0.5):
        print(f"  p*left >= {g:<4} {replay(lines, lambda wd, k, t, g=g: prob(wd, k) * max(1, wd['n'] - k) >= g)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
