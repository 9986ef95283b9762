"""What stopping hopeless endings early buys, on the warm requests of `aac bench latency`.

    python tests/bench/ending_give_up.py [--rounds 2]

The same predictor settings with ``stop_hopeless_endings`` off and on, in alternating order, each
in a fresh process (a second predictor in one process ran ~1.7x slower whichever setting it had;
the machine is shared: compare within one run). For each: the warm requests
(1-3 letters typed into each word of the latency sentences, the learner taught first as in
`aac bench latency`), their wall time p50 / p95, model calls, the calls and milliseconds spent
decoding endings (aac.predict.endings), and how many requests showed a different tile (words,
visible endings, chunks) than with the stop off. Prints one line per run and the load average.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

from aac.predict.bench import HISTORY_SENTENCES, LATENCY_SENTENCES, new_stats, percentile, simulate_sentence
from aac.predict.learn import Learner
from aac.predict.model_store import model_dir
from aac.predict.suggest import Predictor, PredictorSettings


def warm_requests() -> list[tuple[str, str]]:
    out = []
    for sentence in LATENCY_SENTENCES:
        words = sentence.split()
        for i, w in enumerate(words):
            ctx = " ".join(words[:i]) + (" " if i else "")
            out.append((ctx, ""))  # the word's first request (not timed: the next-word figure)
            out += [(ctx, w[:j]) for j in range(1, min(3, len(w)) + 1)]
    return out


def run(stop: bool) -> tuple[dict[str, float], list[tuple]]:
    pred = Predictor.from_model_dir(model_dir(), PredictorSettings(stop_hopeless_endings=stop), learner=Learner.open(None))
    for sentence in HISTORY_SENTENCES:
        simulate_sentence(pred, sentence, new_stats())
        pred.learn(sentence)
    pred.clear_cache()
    ending_ms = [0.0]
    ending_calls = [0]
    decode = pred.endings.continue_rows

    def timed(*args, **kwargs):  # noqa: ANN002, ANN003 - a measuring wrapper around the real decoder
        t0, c0 = time.perf_counter(), pred.engine.calls
        try:
            return decode(*args, **kwargs)
        finally:
            ending_ms[0] += (time.perf_counter() - t0) * 1000
            ending_calls[0] += pred.engine.calls - c0

    pred.endings.continue_rows = timed  # type: ignore[method-assign]
    warm: list[float] = []
    tiles: list[tuple] = []
    calls = 0
    for ctx, pre in warm_requests():
        c0, e0, n0 = pred.engine.calls, ending_ms[0], ending_calls[0]
        t0 = time.perf_counter()
        s = pred.suggest(ctx, pre)
        ms = (time.perf_counter() - t0) * 1000
        tiles.append((s.words, s.visible_endings(), s.chunks))
        if pre:
            warm.append(ms)
            calls += pred.engine.calls - c0
        else:  # only warm requests count in the ending figures
            ending_ms[0], ending_calls[0] = e0, n0
    return {"warm_p50_ms": percentile(warm, 50), "warm_p95_ms": percentile(warm, 95), "calls": calls,
            "ending_calls": ending_calls[0], "ending_ms": ending_ms[0], "warm_ms": sum(warm), "n": len(warm)}, tiles


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--one", choices=["on", "off"], help=argparse.SUPPRESS)  # a single run, JSON out
    args = ap.parse_args()
    if args.one:
        fig, tiles = run(args.one == "on")
        print(json.dumps({"fig": fig, "tiles": tiles}))
        return
    reference: list | None = None
    for r in range(args.rounds):
        for stop in (("off", "on") if r % 2 == 0 else ("on", "off")):
            proc = subprocess.run([sys.executable, __file__, "--one", stop], capture_output=True, text=True, check=True)
            got = json.loads(proc.stdout.strip().splitlines()[-1])
            fig, tiles = got["fig"], got["tiles"]
            if stop == "off" and reference is None:
                reference = tiles
            differ = sum(a != b for a, b in zip(tiles, reference or tiles))
            print(f"stop={stop:3} warm n={fig['n']} p50 {fig['warm_p50_ms']:.1f} ms p95 {fig['warm_p95_ms']:.1f} ms"
                  f" | model calls {fig['calls']}, in endings {fig['ending_calls']}"
                  f" ({fig['ending_ms']:.0f} of {fig['warm_ms']:.0f} ms = {100 * fig['ending_ms'] / fig['warm_ms']:.0f} %)"
                  f" | requests with other tiles than stop=off: {differ} of {len(tiles)}"
                  f" | load {os.getloadavg()[0]:.2f}", flush=True)


if __name__ == "__main__":
    main()
