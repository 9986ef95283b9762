"""Per-request latency of the real ``aac predict --jsonl --no-previews`` over the dev corpus.

    PYTHONPATH=$PWD .venv/bin/python tests/bench/predict_jsonl_latency.py [--limit 20] [--corpus F]

Why this exists: issue 15's budget is p95 <= 100 ms over *every* request the ideal typist of
`aac bench ks` makes (cold ones at a new word included), not only the warm ones `aac bench
latency` times. So this script *is* that typist, driving the real subprocess over its pipe: for
each sentence it asks for (context, typed prefix), reads the answer, and takes an ending that
equals the rest of the sentence (only those the confidence gate shows), else a chunk of the next
words, else the target word, else types the next letter (or the space) - the same rules as
``aac.predict.bench.simulate_sentence`` - and after the sentence sends ``{"learn": ...}`` as
`aac bench ks` learns it. The request stream is therefore exactly that of `aac bench ks` on the
same lines (learning on, as on the board).

Prints p50/p95/max of the wall time from writing a request to reading its answer line, the same
of the ``latency_ms`` the tool reports, p50/p95 of the ``learn`` lines (learning a message also
computes the next message's first suggestions when the person's messages join the prompt), the
keystroke savings reached (a cross-check that the predictions did not change), and the load
average at start and end (the machine is shared).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from aac.predict.bench import normalize_words, percentile, read_corpus  # noqa: E402


def _norm(text: str) -> str:
    return " ".join(normalize_words(text))


def _visible_endings(ans: dict[str, Any]) -> list[str]:
    endings = ans.get("endings") or []
    shown = ans.get("endings_shown")
    if not shown:
        return list(endings)
    return [e for e, s in zip(endings, shown) if s and e]


class Typist:
    """The ideal user of `aac bench ks`, talking to one `aac predict --jsonl` process."""

    def __init__(self, cmd: list[str], env: dict[str, str]) -> None:
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env, cwd=str(ROOT))
        self.wall: list[float] = []
        self.reported: list[float] = []
        #: the ``learn`` lines' wall times (not requests: learning also readies the next message)
        self.learn_wall: list[float] = []
        self.stats = {"keystrokes": 0, "selections": 0, "word_hits": 0, "ending_hits": 0, "chunk_hits": 0, "requests": 0}

    def ask(self, obj: dict[str, Any]) -> dict[str, Any]:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        line = (json.dumps(obj, ensure_ascii=False) + "\n").encode("utf-8")
        t0 = time.perf_counter()
        self.proc.stdin.write(line)
        self.proc.stdin.flush()
        out = self.proc.stdout.readline()
        dt = (time.perf_counter() - t0) * 1000
        if not out:
            raise RuntimeError("aac predict ended early (see its stderr above)")
        ans = json.loads(out)
        if "error" in ans:
            raise RuntimeError(f"aac predict answered an error: {ans['error']}")
        if "learn" in obj:
            self.learn_wall.append(dt)
        else:
            self.wall.append(dt)
            if "latency_ms" in ans:
                self.reported.append(float(ans["latency_ms"]))
        return ans

    def sentence(self, line: str) -> None:
        words = normalize_words(line)
        st = self.stats
        st["keystrokes"] += sum(len(w) + 1 for w in words)
        i, typed = 0, ""
        while i < len(words):
            context = " ".join(words[:i]) + (" " if i else "")
            ans = self.ask({"context": context, "prefix": typed})
            st["requests"] += 1
            st["selections"] += 1
            rest = " ".join(words[i:])
            if any(_norm(e) == rest for e in _visible_endings(ans)):
                st["ending_hits"] += 1
                break
            best = 0
            for c in ans.get("chunks") or []:
                cw = normalize_words(c)
                if len(cw) >= 2 and words[i : i + len(cw)] == cw:
                    best = max(best, len(cw))
            if best:
                st["chunk_hits"] += 1
                i, typed = i + best, ""
                continue
            if any(_norm(w) == words[i] for w in ans.get("words") or []):
                st["word_hits"] += 1
                i, typed = i + 1, ""
                continue
            if len(typed) < len(words[i]):
                typed += words[i][len(typed)]
            else:
                i, typed = i + 1, ""
        self.ask({"learn": line})

    def close(self) -> int:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        return self.proc.wait(timeout=120)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", default=None, help="one sentence per line (default: the dev corpus `aac bench ks` uses)")
    ap.add_argument("--limit", type=int, default=20, help="first N sentences (default 20: ~300 requests, a few minutes)")
    ap.add_argument("--skip", type=int, default=0)
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    ap.add_argument("--python", default=sys.executable, help="interpreter that runs `aac` (default: this one)")
    args = ap.parse_args()
    from aac.predict.cli import _default_corpus

    lines = read_corpus(args.corpus or _default_corpus())[args.skip :][: args.limit]
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    load0 = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        # a fresh profile (learning on, as on the board), never the person's own
        cmd = [args.python, "-m", "aac.cli", "predict", "--jsonl", "--no-previews", "--profile", str(Path(tmp) / "p")]
        typist = Typist(cmd, env)
        t0 = time.perf_counter()
        try:
            typist.ask({"context": "", "prefix": ""})  # the model load, not a corpus request
            typist.wall.clear()
            typist.reported.clear()
            t0 = time.perf_counter()
            for line in lines:
                typist.sentence(line)
        finally:
            rc = typist.close()
    st = typist.stats
    res = {
        "sentences": len(lines),
        "requests": len(typist.wall),
        "wall_p50_ms": round(percentile(typist.wall, 50), 1),
        "wall_p95_ms": round(percentile(typist.wall, 95), 1),
        "wall_max_ms": round(max(typist.wall, default=float("nan")), 1),
        "reported_p50_ms": round(percentile(typist.reported, 50), 1),
        "reported_p95_ms": round(percentile(typist.reported, 95), 1),
        "over_100ms": sum(1 for v in typist.wall if v > 100),
        "learn_p50_ms": round(percentile(typist.learn_wall, 50), 1),
        "learn_p95_ms": round(percentile(typist.learn_wall, 95), 1),
        "ks": round(100 * (1 - st["selections"] / max(1, st["keystrokes"])), 2),
        **{k: st[k] for k in ("word_hits", "ending_hits", "chunk_hits")},
        "seconds": round(time.perf_counter() - t0, 1),
        "load_start": round(load0, 2),
        "load_end": round(os.getloadavg()[0], 2),
        "exit_code": rc,
    }
    if args.json:
        print(json.dumps(res))
    else:
        for k, v in res.items():
            print(f"{k:18s} {v}")
    return 0 if rc == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
