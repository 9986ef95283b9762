"""Fit the confidence gate's calibration and print the KS trade-off (issue 15).

    python tests/bench/ending_calibration.py [--corpus F] [--skip 20] [--limit 200] [--learn] [--out rows.json]

For every line the ideal user of ``aac bench ks`` (aac.predict.bench) types it *ignoring the
endings*, so one pass records, at every request on the way, each ending's features
(``aac.predict.gate.gate_endings``: log P(ending | context, prefix), complete, words), its calibrated
probability and whether it is exactly the rest of the sentence. Because the path up to the first
ending taken is the same with or without endings, KS for any gate threshold follows from the
recorded path: the sentence ends at the first request whose hit ending passes the gate.

Prints: the logistic fit (a, b, c) of P(hit) = sigmoid(a + b cond + c complete), a reliability
table, and threshold -> KS, ending hits, endings shown per request (what the person reads).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

import numpy as np

from aac.predict import gate
from aac.predict.bench import normalize_words, read_corpus


def _norm(text: str) -> str:
    return " ".join(normalize_words(text))


def record_line(p, line: str) -> list[dict]:  # noqa: ANN001
    """The word/letter path of the ideal user (endings ignored); one record per request."""
    words = normalize_words(line)
    i, typed = 0, ""
    out: list[dict] = []
    while i < len(words):
        context = " ".join(words[:i]) + (" " if i else "")
        sug = p.suggest(context, typed)
        rest = " ".join(words[i:])
        feats = p._last.ending_feats if p._last is not None else []
        ends = []
        for j, e in enumerate(sug.endings):
            cond, complete, n = feats[j] if j < len(feats) else (-math.inf, False, len(_norm(e).split()))
            ends.append({"cond": cond if math.isfinite(cond) else -99.0, "complete": bool(complete), "n": n,
                         "p": sug.ending_probs[j] if j < len(sug.ending_probs) else 0.0, "hit": _norm(e) == rest})
        rec = {"ends": ends, "chunk": 0, "word": False}
        if p.settings.chunks and sug.chunks:
            for c in sug.chunks:
                cw = normalize_words(c)
                if len(cw) >= 2 and words[i : i + len(cw)] == cw:
                    rec["chunk"] = max(rec["chunk"], len(cw))
        if rec["chunk"]:
            i, typed = i + rec["chunk"], ""
        elif any(_norm(w) == words[i] for w in sug.words):
            rec["word"] = True
            i, typed = i + 1, ""
        elif len(typed) < len(words[i]):
            typed += words[i][len(typed)]
        else:
            i, typed = i + 1, ""
        out.append(rec)
    return out


def fit_logistic(x: np.ndarray, y: np.ndarray, l2: float = 1e-3, iters: int = 50) -> np.ndarray:
    """Newton's method for the logistic regression (x has the intercept column)."""
    w = np.zeros(x.shape[1])
    for _ in range(iters):
        p = 1.0 / (1.0 + np.exp(-(x @ w)))
        g = x.T @ (p - y) + l2 * w
        h = (x * (p * (1 - p))[:, None]).T @ x + l2 * np.eye(x.shape[1])
        step = np.linalg.solve(h, g)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    return w


def ks_for(paths: list[tuple[int, list[dict]]], min_gain: float | None, calib: tuple[float, float, float] | None = None) -> dict:
    """KS (DESIGN.md rules) when endings pass the gate at ``min_gain`` (None: all shown)."""
    sel = keys = hits = shown = reqs = 0
    settings = gate.GateSettings(min_gain=min_gain if min_gain is not None else 0.0, enabled=min_gain is not None)
    for n_keys, recs in paths:
        keys += n_keys
        for k, rec in enumerate(recs):
            reqs += 1
            probs = [gate.model_ending_prob(e["cond"], e["complete"], calib) if calib else e["p"] for e in rec["ends"]]
            vis = gate.shown(probs, [e["n"] for e in rec["ends"]], settings)
            shown += sum(vis)
            sel += 1
            if any(v and e["hit"] for v, e in zip(vis, rec["ends"])):
                hits += 1
                break
    return {"ks": round(100 * (1 - sel / keys), 2), "ending_hits": hits, "shown_per_request": round(shown / max(1, reqs), 2), "requests": reqs}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--corpus", default=None, help="default: aac bench ks's dev corpus")
    ap.add_argument("--skip", type=int, default=20)
    ap.add_argument("--limit", type=int, default=200)
    ap.add_argument("--learn", action="store_true", help="an in-memory learner taught each line after it")
    ap.add_argument("--out", help="write the recorded paths as JSON (re-analyse with --load)")
    ap.add_argument("--load", help="analyse recorded paths instead of running the model")
    args = ap.parse_args(argv)
    if args.load:
        paths = [tuple(x) for x in json.loads(Path(args.load).read_text())]
    else:
        from aac.predict.learn import Learner
        from aac.predict.service import find_model_dir
        from aac.predict.suggest import Predictor

        from aac.predict.cli import _default_corpus

        lines = read_corpus(args.corpus or _default_corpus())[args.skip : args.skip + args.limit]
        learner = Learner(None) if args.learn else None
        p = Predictor.from_model_dir(find_model_dir(), learner=learner)
        paths = []
        for n, line in enumerate(lines, 1):
            recs = record_line(p, line)
            paths.append((sum(len(w) + 1 for w in normalize_words(line)), recs))
            if args.learn:
                p.learn(line)
            if n % 20 == 0:
                print(f"{n} lines", file=sys.stderr, flush=True)
        if args.out:
            Path(args.out).write_text(json.dumps(paths))
    rows = [e for _, recs in paths for rec in recs for e in rec["ends"]]
    x = np.array([[1.0, e["cond"], 1.0 if e["complete"] else 0.0] for e in rows if e["cond"] > -98])
    y = np.array([1.0 if e["hit"] else 0.0 for e in rows if e["cond"] > -98])
    w = fit_logistic(x, y)
    calib = (float(w[0]), float(w[1]), float(w[2]))
    print(f"endings {len(y)}  hits {int(y.sum())}  fit a={calib[0]:.3f} b={calib[1]:.3f} c={calib[2]:.3f}")
    p_fit = 1.0 / (1.0 + np.exp(-(x @ w)))
    for lo, hi in [(0, 0.02), (0.02, 0.05), (0.05, 0.1), (0.1, 0.2), (0.2, 0.4), (0.4, 1.01)]:
        m = (p_fit >= lo) & (p_fit < hi)
        if m.any():
            print(f"  predicted {lo:.2f}-{hi:.2f}: n={int(m.sum()):5d} mean predicted {p_fit[m].mean():.3f} observed {y[m].mean():.3f}")
    print("min_gain -> KS, ending hits, endings shown per request (fitted calibration)")
    print(f"  off   {ks_for(paths, None)}")
    for g in (0.05, 0.1, 0.2, 0.3, 0.4, 0.6, 0.8, 1.0):
        print(f"  {g:<5} {ks_for(paths, g, calib)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
