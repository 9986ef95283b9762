"""How well the person's own-message estimate at a new message comes true (no model needed).

    python tests/bench/new_message_calibration.py [--corpus F --limit N ...] [--share-only]

Why: at a new message (nothing written yet, or the first letters of the first word) the ending
tiles offer the person's own frequent messages, and the confidence gate (aac.predict.gate) shows
one only when its estimate times the selections it saves pays for reading it. So the estimate
must be a probability. For each corpus, every line in order: before the line is learned, the
learner's offers (``user_ending_candidates``, ten of them) are recorded at the empty message and
after one and two letters of its first word, with whether the offer is exactly that line. One
line per corpus and estimate: how many offers pass the gate, how many of those came true, and
per bin of the estimate its mean against how often it came true ("mean/observed").

``--share-only`` divides the repeat rate back out of every offer that is not a follower: the
estimate before session 14 (``learner.ending_prob``), for comparison.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from aac.predict import gate  # noqa: E402
from aac.predict.bench import normalize_words  # noqa: E402
from aac.predict.learn import Learner  # noqa: E402

BINS = (0.0, 0.02, 0.05, 0.1, 0.2, 0.35, 0.5, 1.01)
DEFAULT = [(ROOT / "tests" / "data" / "persona_tom_als.txt", None),
           (ROOT / "tests" / "data" / "persona_maya_school.txt", None),
           (ROOT.parent / "shared" / "data" / "aac_dev.txt", 120)]


def _norm(text: str) -> str:
    return " ".join(normalize_words(text))


def offers(lines: list[str], share_only: bool = False) -> list[tuple[float, bool, int]]:
    """(estimate, came true, words) of every offer at a new message along ``lines``."""
    now = [1000.0]
    learner = Learner(None, clock=lambda: now[0])  # two minutes between messages
    rows: list[tuple[float, bool, int]] = []
    for line in lines:
        words = normalize_words(line)
        first = words[0] if words else ""
        rate = learner.vocab.repeat_rate()
        for k in range(min(2, len(first)) + 1):
            follow = {_norm(t): p for t, p in learner.followers(first[:k])}
            for c in learner.user_ending_candidates("", first[:k], 10):
                if c.prob is None:
                    continue
                key = _norm(c.text)
                p = float(c.prob)
                if share_only and follow.get(key) != p:
                    p /= rate
                rows.append((p, key == " ".join(words), len(key.split())))
        learner.learn_sentence(line)
        now[0] += 120
    return rows


def report(rows: list[tuple[float, bool, int]]) -> str:
    passing = [r for r in rows if gate.shown([r[0]], [r[2]])[0]]
    out = f"offers {len(rows)}, passing the gate {len(passing)}, of them came true {sum(r[1] for r in passing)} |"
    for lo, hi in zip(BINS, BINS[1:]):
        b = [r for r in rows if lo <= r[0] < hi]
        if b:
            out += f" [{lo:g},{hi:g}) {len(b)}: {sum(r[0] for r in b) / len(b):.2f}/{sum(r[1] for r in b) / len(b):.2f}"
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", action="append", type=Path, help="a corpus (repeatable; default: both personas and dev 1-120)")
    ap.add_argument("--limit", type=int, default=None, help="first N lines of each --corpus")
    ap.add_argument("--share-only", action="store_true", help="the estimate before session 14, for comparison")
    args = ap.parse_args()
    corpora = [(c, args.limit) for c in args.corpus] if args.corpus else DEFAULT
    for path, limit in corpora:
        if not path.exists():
            print(f"{path}: not found, skipped (give it with --corpus)")
            continue
        lines = [ln.strip() for ln in path.read_text(encoding="utf-8").splitlines() if ln.strip()][:limit]
        print(f"{path.name} ({len(lines)} lines): {report(offers(lines, args.share_only))}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
