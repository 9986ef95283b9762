"""Keystroke savings with and without learning, the learning curve, and the learner's cost.

    python tests/bench/learning_curve.py [--corpus FILE] [--limit N] [--cache FILE] [--block 100]

Runs the docs/ARCHITECTURE.md ideal-user simulation (``aac.predict.bench.simulate_sentence``) three times
on the same lines with the real predictor (``aac.predict.suggest.Predictor``, real ONNX model):

* ``static``: no learner (the model alone);
* ``cold``: a learner on an empty profile that is never taught (must equal ``static``);
* ``learn``: a learner on an empty profile, taught each sentence after it is typed.

Why a cache: the model's own answer for a (context, prefix) does not depend on learning (the
learner only reorders and adds to it, through the predictor's real ``_apply_learner``), so the
model's raw words/scores/endings are computed once per state and stored in a JSON cache file;
the three runs then cost model time only for states not seen before. The learner's time per
request (user candidates + rerank, both kinds) is measured separately: that is the "adds <= 5 ms"
figure.

Not covered here: the person's last sentences at the head of the model's prompt
(``PredictorSettings.history_lines``) change the model's own answer, so they cannot be cached;
``aac bench ks --block 100`` measures the whole predictor with them.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from aac.predict.bench import new_stats, percentile, read_corpus, simulate_sentence
from aac.predict.learn import Learner
from aac.predict.types import Candidate, Suggestions


class CachedModel:
    """The predictor's answer before learning, per (context, prefix), cached on disk."""

    def __init__(self, cache_path: Path | None) -> None:
        self.cache_path = cache_path
        self.cache: dict[str, Any] = {}
        if cache_path and cache_path.exists():
            self.cache = json.loads(cache_path.read_text())
        self._predictor = None
        self.misses = 0

    def _load_predictor(self) -> Any:
        from aac.predict.service import find_model_dir
        from aac.predict.suggest import Predictor

        p = Predictor.from_model_dir(find_model_dir(), learner=None)
        captured: dict[str, Any] = {}
        n_words = p.settings.n_words

        def words_hook(context, prefix, ranked, state, kind, sentence_start):  # noqa: ANN001
            captured.update(pool=[[w, float(total)] for w, _, total in ranked[: n_words + 10]],
                            sentence_start=bool(sentence_start))
            return ranked[:n_words]

        def endings_hook(context, prefix, endings, sentence_start):  # noqa: ANN001
            captured.update(endings=list(endings))
            return endings

        p._learner_words = words_hook  # type: ignore[method-assign]
        p._learner_endings = endings_hook  # type: ignore[method-assign]
        p._captured = captured  # type: ignore[attr-defined]
        return p

    def raw(self, context: str, prefix: str) -> dict[str, Any]:
        key = json.dumps([context, prefix])
        got = self.cache.get(key)
        if got is None:
            if self._predictor is None:
                self._predictor = self._load_predictor()
            self._predictor._captured.clear()
            sug = self._predictor.suggest(context, prefix)
            got = dict(self._predictor._captured, words=list(sug.words), chunks=list(sug.chunks))
            got.setdefault("endings", list(sug.endings))
            self.cache[key] = got
            self.misses += 1
        if "pool" not in got:  # cache written by the first version of this script
            got["pool"] = [[w, float(sc)] for w, sc in zip(got["words"], got["scores"])] + [[w, -30.0] for w in got["spare"]]
        return got

    def save(self) -> None:
        if self.cache_path:
            self.cache_path.write_text(json.dumps(self.cache))


class NoModel:
    """No model at all: measures what the person's own store predicts by itself."""

    misses = 0

    def raw(self, context: str, prefix: str) -> dict[str, Any]:
        return {"words": [], "spare": [], "endings": [], "scores": [], "sentence_start": not context.strip(), "chunks": []}

    def save(self) -> None:
        pass


class StoreOnly:
    """Suggestions from the person's store alone (top 5 words, top 3 endings), taught online."""

    def __init__(self, learner: Learner) -> None:
        self.learner = learner
        self.learner_ms: list[float] = []

    def suggest(self, context: str, prefix: str) -> Suggestions:
        t0 = time.perf_counter()
        words = [c.text for c in self.learner.user_word_candidates(context, prefix, 5)]
        endings = [c.text for c in self.learner.user_ending_candidates(context, prefix, 3)]
        self.learner_ms.append((time.perf_counter() - t0) * 1000)
        return Suggestions(context, prefix, words, endings)

    def learn(self, sentence: str) -> None:
        self.learner.learn_sentence(sentence)


class BenchPredictor:
    """Predictor-compatible: the cached model answer + the predictor's real learner hooks.

    ``Predictor._learner_words`` and ``Predictor._learner_endings`` (the code the app runs) are
    called with a minimal ``self``. One approximation: the model's endings are the ones it made
    for its own top words; in the app, endings follow the reranked top words.
    """

    def __init__(self, model: Any, learner: Learner | None, teach: bool) -> None:
        from aac.predict.suggest import Predictor, PredictorSettings, TextRules

        self.model = model
        self.learner = learner
        self.teach = teach
        self.learner_ms: list[float] = []
        self.learner_cpu_ms: list[float] = []  # CPU time of this thread: immune to other processes
        self._shim = SimpleNamespace(settings=PredictorSettings(), learner=learner, _learner_failed=False,
                                     rules=TextRules.for_language(None))
        self._shim._learner_call = lambda name, *a: Predictor._learner_call(self._shim, name, *a)
        self._shim._norm = lambda text: Predictor._norm(self._shim, text)
        self._shim._force_word = lambda state, word, kind: SimpleNamespace(score=-20.0)
        self._words_hook = Predictor._learner_words
        self._endings_hook = Predictor._learner_endings
        self._last: tuple[Suggestions, dict[str, float]] | None = None

    def suggest(self, context: str, prefix: str) -> Suggestions:
        raw = self.model.raw(context, prefix)
        words, endings = list(raw["words"]), list(raw["endings"])
        totals = {w.lower(): t for w, t in raw["pool"]}
        if self.learner is not None:
            t0, c0 = time.perf_counter(), time.thread_time()
            ranked = [(w, None, t) for w, t in raw["pool"]]
            chosen = self._words_hook(self._shim, context, prefix.strip(), ranked, None, "space", raw["sentence_start"])
            words = [c[0] for c in chosen]
            endings = self._endings_hook(self._shim, context, prefix.strip(), endings, raw["sentence_start"])
            self.learner_ms.append((time.perf_counter() - t0) * 1000)
            self.learner_cpu_ms.append((time.thread_time() - c0) * 1000)
        sug = Suggestions(context, prefix, words, endings, {}, list(raw.get("chunks", [])))
        self._last = (sug, totals)
        return sug

    def record_choice(self, context: str, prefix: str, picked: str | None) -> None:
        if self.learner is None or not self.teach or self._last is None:
            return
        sug, totals = self._last
        shown = [Candidate(w, "word", float(totals.get(w.lower(), -30.0)), i, "lm") for i, w in enumerate(sug.words)]
        shown += [Candidate(e, "ending", 0.0, i, "lm") for i, e in enumerate(sug.endings)]
        self.learner.record_choice(context, prefix, shown, picked)

    def learn(self, sentence: str) -> None:
        if self.learner is not None and self.teach:
            self.learner.learn_sentence(sentence)


def run(pred: BenchPredictor, lines: list[str], block: int) -> dict[str, Any]:
    total = {"keystrokes": 0, "selections": 0}
    blocks = []
    cur = None
    for n, line in enumerate(lines):
        if n % block == 0:
            cur = new_stats()
            blocks.append(cur)
        simulate_sentence(pred, line, cur)
        pred.learn(line)
        if (n + 1) % 25 == 0:
            getattr(getattr(pred, "model", None), "save", lambda: None)()  # keep the cache on a kill
            print(f"  {n + 1} sentences, KS so far {100 * (1 - sum(b['selections'] for b in blocks) / sum(b['keystrokes'] for b in blocks)):.2f}",
                  file=sys.stderr, flush=True)
    for b in blocks:
        total["keystrokes"] += b["keystrokes"]
        total["selections"] += b["selections"]
        b["ks"] = round(100 * (1 - b["selections"] / b["keystrokes"]), 2)
        b.pop("latency_ms")
    total["ks"] = round(100 * (1 - total["selections"] / total["keystrokes"]), 2)
    total["blocks"] = blocks
    return total


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", default="/work/shared/data/aac_dev.txt")
    ap.add_argument("--limit", type=int, default=None)
    ap.add_argument("--cache", default=str(Path(tempfile.gettempdir()) / "aac_learning_curve_cache.json"))
    ap.add_argument("--block", type=int, default=100)
    ap.add_argument("--only", choices=["static", "cold", "learn", "store"], action="append",
                    help="runs to do (default static, cold, learn); store = the person's store alone, no model")
    args = ap.parse_args(argv)
    lines = read_corpus(args.corpus, args.limit)
    model = CachedModel(Path(args.cache) if args.cache else None)
    results: dict[str, Any] = {}
    which = args.only or ["static", "cold", "learn"]
    try:
        for name in which:
            with tempfile.TemporaryDirectory(prefix="aac-learn-bench-") as tmp:
                learner = None if name == "static" else Learner.open(Path(tmp))
                if name == "store":
                    pred = StoreOnly(learner)
                else:
                    pred = BenchPredictor(model, learner, teach=(name == "learn"))
                t0 = time.perf_counter()
                res = run(pred, lines, args.block)
                res["seconds"] = round(time.perf_counter() - t0, 1)
                if pred.learner_ms:
                    res["learner_ms_p50"] = round(percentile(pred.learner_ms, 50), 2)
                    res["learner_ms_p95"] = round(percentile(pred.learner_ms, 95), 2)
                    res["learner_ms_mean"] = round(statistics.fmean(pred.learner_ms), 2)
                cpu = getattr(pred, "learner_cpu_ms", [])
                if cpu:
                    res["learner_cpu_ms_p50"] = round(percentile(cpu, 50), 2)
                    res["learner_cpu_ms_p95"] = round(percentile(cpu, 95), 2)
                    res["learner_cpu_ms_max"] = round(max(cpu), 2)
                if learner is not None:
                    res["learner"] = learner.summary()
                results[name] = res
                curve = " ".join(f"{b['ks']:.1f}" for b in res["blocks"])
                extra = (f"  learner wall p50 {res.get('learner_ms_p50')} ms p95 {res.get('learner_ms_p95')} ms, "
                         f"cpu p50 {res.get('learner_cpu_ms_p50')} p95 {res.get('learner_cpu_ms_p95')} ms") if learner else ""
                print(f"{name:6s} KS {res['ks']:.2f}%  per {args.block} sentences: {curve}{extra}  "
                      f"(model cache misses so far {model.misses})", flush=True)
                model.save()
    finally:
        model.save()
    if "static" in results and "learn" in results:
        print(f"gain from learning: {results['learn']['ks'] - results['static']['ks']:+.2f} points")
    if "static" in results and "cold" in results:
        print(f"cold start (empty, untaught learner) vs static: {results['cold']['ks'] - results['static']['ks']:+.2f} points")
    print(json.dumps({k: {kk: vv for kk, vv in v.items() if kk != "blocks"} | {"curve": [b["ks"] for b in v["blocks"]]}
                      for k, v in results.items()}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
