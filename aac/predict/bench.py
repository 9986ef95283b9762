"""Benchmarks that print figures: keystroke savings (docs/ARCHITECTURE.md rules) and latency/RSS.

Keystroke savings, ideal user, normalized text (lowercase, words ``[a-z0-9']+``). At each step the
user sees the words, endings (and chunks, when enabled) for (context, typed prefix) and:
  1. takes an ending if it equals the rest of the sentence (1 selection, sentence done);
  2. else takes a chunk if its words are the next words (1 selection; only when chunks are on);
  3. else takes a word equal to the target word (1 selection, adds the space);
  4. else types the next letter (1), or the space after a fully typed word (1).
KS = 1 - selections / sum(len(word) + 1). After each sentence the predictor learns it (unless
``learn=False``).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any, Callable, Iterable

from aac.predict.filters import TextRules

#: text rules whose ``words_of`` normalize_words uses; ``set_language`` switches to a pack's letters
_rules = TextRules.for_language(None)


def set_language(pack: Any | None) -> None:
    """Normalise words with the pack's letters (English: ``[a-z0-9']+`` as before)."""
    global _rules
    _rules = TextRules.for_language(pack)


def normalize_words(text: str) -> list[str]:
    return _rules.words_of(text)


def _norm(text: str) -> str:
    return " ".join(normalize_words(text))


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    v = sorted(values)
    k = min(len(v) - 1, max(0, int(round(q / 100.0 * (len(v) - 1)))))
    return v[k]


def read_corpus(path: Path | str, limit: int | None = None) -> list[str]:
    lines = [ln.strip() for ln in Path(path).read_text(encoding="utf-8").splitlines()]
    lines = [ln for ln in lines if normalize_words(ln)]
    return lines[:limit] if limit else lines


def simulate_sentence(predictor: Any, line: str, stats: dict[str, Any], use_chunks: bool = True, previews: bool = False) -> None:
    """Type one sentence as the ideal user; adds to ``stats`` in place.

    ``previews``: the user also sees each word's previews (``predictor.with_previews``) and takes
    the wanted word with a preview that is the rest of the sentence in one selection, counted
    as ``preview_hits``, as the person on the board does (tests/bench/ks_with_previews.py). Off
    for `aac bench ks`, whose rules (DESIGN.md) have no previews.
    """
    words = normalize_words(line)
    stats["keystrokes"] += sum(len(w) + 1 for w in words)
    i, typed = 0, ""
    while i < len(words):
        context = " ".join(words[:i]) + (" " if i else "")
        t0 = time.perf_counter()
        sug = predictor.with_previews(context, typed) if previews else predictor.suggest(context, typed)
        stats["latency_ms"].append((time.perf_counter() - t0) * 1000)
        stats["requests"] += 1
        rest = " ".join(words[i:])
        stats["selections"] += 1
        # only the endings the board shows (the confidence gate leaves the others' tiles empty)
        endings = sug.visible_endings() if hasattr(sug, "visible_endings") else sug.endings
        stats["endings_shown"] = stats.get("endings_shown", 0) + len(endings)
        if any(_norm(e) == rest for e in endings):
            stats["ending_hits"] += 1
            _record(predictor, context, typed, next(e for e in endings if _norm(e) == rest))
            break
        hit = next((w for w in sug.words if _norm(w) == words[i]), None)
        if previews and hit is not None and any(_norm(e) == rest for e in sug.previews.get(hit, [])):
            stats["preview_hits"] = stats.get("preview_hits", 0) + 1
            _record(predictor, context, typed, hit)
            break
        if use_chunks and sug.chunks:
            best = 0
            for c in sug.chunks:
                cw = normalize_words(c)
                if len(cw) >= 2 and words[i : i + len(cw)] == cw:
                    best = max(best, len(cw))
            if best:
                stats["chunk_hits"] += 1
                i, typed = i + best, ""
                continue
        if hit is not None:
            stats["word_hits"] += 1
            _record(predictor, context, typed, hit)
            i, typed = i + 1, ""
            continue
        _record(predictor, context, typed, None)
        i, typed = type_on(words, i, typed, stats)


def type_on(words: list[str], i: int, typed: str, stats: dict[str, Any]) -> tuple[int, str]:
    """Nothing shown was taken: type the next letter of word ``i`` (or the space after it when
    it is typed in full), counted in ``stats``; returns the new (word index, typed prefix)."""
    if len(typed) < len(words[i]):
        stats["letters"] += 1
        return i, typed + words[i][len(typed)]
    stats["spaces"] += 1
    return i + 1, ""


def _record(predictor: Any, context: str, prefix: str, picked: str | None) -> None:
    rec = getattr(predictor, "record_choice", None)
    if rec is not None:
        rec(context, prefix, picked)


def new_stats() -> dict[str, Any]:
    """The counters ``simulate_sentence`` adds to, all zero."""
    return {"keystrokes": 0, "selections": 0, "word_hits": 0, "ending_hits": 0, "chunk_hits": 0,
            "letters": 0, "spaces": 0, "requests": 0, "endings_shown": 0, "latency_ms": []}


def run_ks(predictor: Any, lines: Iterable[str], learn: bool = True, use_chunks: bool = True, progress: Callable[[int, dict], None] | None = None) -> dict[str, Any]:
    stats: dict[str, Any] = {"sentences": 0, **new_stats()}
    t0 = time.perf_counter()
    for n, line in enumerate(lines, 1):
        simulate_sentence(predictor, line, stats, use_chunks=use_chunks)
        stats["sentences"] += 1
        if learn:
            predictor.learn(line)
        if progress:
            progress(n, stats)
    lat = stats.pop("latency_ms")
    ks = 1.0 - stats["selections"] / stats["keystrokes"] if stats["keystrokes"] else 0.0
    stats.update(
        ks=round(100 * ks, 2),
        latency_p50_ms=round(percentile(lat, 50), 1),
        latency_p95_ms=round(percentile(lat, 95), 1),
        seconds=round(time.perf_counter() - t0, 1),
        learn=learn,
    )
    return stats


def peak_rss_mb() -> float:
    """Peak resident memory of this process in MB (ru_maxrss is KiB on Linux); 0.0 where the
    ``resource`` module does not exist (Windows)."""
    try:
        import resource
    except ImportError:
        return 0.0
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def format_ks(stats: dict[str, Any]) -> str:
    return (
        f"KS {stats['ks']:.2f}%  selections {stats['selections']} / keystrokes {stats['keystrokes']}  "
        f"sentences {stats['sentences']}  hits: words {stats['word_hits']} endings {stats['ending_hits']} "
        f"chunks {stats['chunk_hits']}  endings shown {stats.get('endings_shown', 0)}  letters {stats['letters']} spaces {stats['spaces']}  "
        f"latency p50 {stats['latency_p50_ms']} ms p95 {stats['latency_p95_ms']} ms  "
        f"({stats['requests']} requests, {stats['seconds']} s, learn={stats['learn']})"
    )


#: Made-up messages for the latency benchmark (not from any evaluation corpus).
LATENCY_SENTENCES = [
    "could you turn the light off please",
    "i would like to sit by the window this afternoon",
    "my sister is coming to visit on sunday",
    "please call the nurse because my leg hurts",
    "what are we having for dinner tonight",
    "thank you for reading to me",
    "can we go outside when it stops raining",
    "i need my glasses to watch the football",
]


#: made-up Russian messages for timing (not from tests/data/ru_eval.txt)
LATENCY_SENTENCES_RU = [
    "выключи свет пожалуйста",
    "я хотел бы посидеть у окна после обеда",
    "моя сестра приедет в воскресенье",
    "позови медсестру потому что у меня болит нога",
    "что у нас сегодня на ужин",
    "спасибо что почитал мне",
    "давай выйдем на улицу когда закончится дождь",
    "дай мне очки чтобы смотреть футбол",
]


#: What the person "said before" when the latency benchmark runs with learning (as the board
#: does by default): made-up, and different from the timed messages.
HISTORY_SENTENCES = [
    "good morning, did you sleep well?", "I am thirsty, can I have some water please?",
    "my back hurts a little today", "please put the radio on", "when is the doctor coming?",
    "I would like the blue blanket", "tell Maria I said hello", "can you scratch my nose please?",
    "I want to watch the news", "it is too hot in here", "thank you, that is much better",
    "what time is it?",
]
HISTORY_SENTENCES_RU = [
    "доброе утро, как ты спал?", "я хочу пить, дай мне воды пожалуйста", "у меня немного болит спина",
    "включи радио пожалуйста", "когда придёт врач?", "я хочу синее одеяло", "передай Марии привет",
    "почеши мне нос пожалуйста", "я хочу посмотреть новости", "здесь слишком жарко",
    "спасибо, так намного лучше", "который час?",
]


def latency_bench(model_dir: Path, settings: Any, n: int = 40, threads: int | None = None, dwell_s: float = 1.0,
                  language: Any = None, learn: bool = True) -> dict[str, Any]:
    """Start-up, per-request latency (warm/next-word/cold context), preview readiness, peak RSS.

    ``learn`` (the board's default): the predictor has a learner that was taught a few sentences
    first, so its costs (the reranker and its training, the person's words decoded) are in
    the figures; ``learn=False`` measures the model alone.
    """
    from aac.predict.service import PredictionService
    from aac.predict.suggest import Predictor

    ru = getattr(language, "code", "en") == "ru"
    learner = None
    if learn:
        from aac.predict.learn import Learner

        learner = Learner.open(None)
    t_start = time.perf_counter()
    svc = PredictionService(lambda: Predictor.from_model_dir(model_dir, settings, learner=learner, threads=threads, language=language))
    sentences = LATENCY_SENTENCES_RU if ru else LATENCY_SENTENCES
    try:
        svc.request("", "")
        first = svc.wait_for("", "", timeout=120)
        first_s = time.perf_counter() - t_start
        if first is None:
            raise RuntimeError(svc.error or "no suggestions within 120 s")
        svc.wait_idle(60)
        pred = svc.predictor
        if learner is not None:
            # the person said these before: the learner trains (its reranker's SGD) as it would
            # after their first sentences on the board, with suggestion lists to learn from
            for sentence in HISTORY_SENTENCES_RU if ru else HISTORY_SENTENCES:
                simulate_sentence(pred, sentence, new_stats())
                pred.learn(sentence)
        pred.clear_cache()
        # the service's worker is idle now; drive the predictor directly for exact timings
        warm: list[float] = []
        warm_cpu: list[float] = []
        words_only: list[float] = []
        next_word: list[float] = []
        cold: list[float] = []
        k = 0
        while len(warm) + len(next_word) < n:
            words = sentences[k % len(sentences)].split()
            k += 1
            for i, w in enumerate(words):
                ctx = " ".join(words[:i]) + (" " if i else "")
                t0 = time.perf_counter()
                pred.suggest(ctx, "")
                (next_word if i else cold).append((time.perf_counter() - t0) * 1000)
                for j in range(1, min(3, len(w)) + 1):
                    t0 = time.perf_counter()
                    c0 = time.process_time()
                    pred.suggest(ctx, w[:j], on_words=lambda _s: words_only.append((time.perf_counter() - t0) * 1000))
                    warm.append((time.perf_counter() - t0) * 1000)
                    warm_cpu.append((time.process_time() - c0) * 1000)
                if len(warm) + len(next_word) >= n:
                    break
        # cold: unrelated contexts one after another (only the lead text's KV is reused)
        for j in range(min(n, 12)):
            words = sentences[(j * 3) % len(sentences)].split()
            ctx = " ".join(words[: 3 + j % 4]) + " "
            pred.clear_cache()
            t0 = time.perf_counter()
            pred.suggest(ctx, "")
            cold.append((time.perf_counter() - t0) * 1000)
        # preview readiness through the service: request -> published with previews
        pred.clear_cache()
        ready: list[float] = []
        top_ready: list[float] = []  # the top words' previews (published first)
        first_pub: list[float] = []
        for j in range(min(n, 10)):
            words = sentences[j % len(sentences)].split()
            ctx = " ".join(words[: 1 + j % 4]) + " "
            t0 = time.perf_counter()
            since = time.monotonic() - svc.started_at
            svc.request(ctx, "")
            s = svc.wait_for(ctx, "", timeout=60)
            first_pub.append((time.perf_counter() - t0) * 1000)
            s = svc.wait_for(ctx, "", timeout=60, previews=True)
            if s is not None:
                ready.append((time.perf_counter() - t0) * 1000)
                pubs = [t for c, p, prev, t in list(svc.published) if prev and (c, p) == (ctx, "") and t >= since]
                if pubs:
                    top_ready.append((min(pubs) - since) * 1000)
        # the person's view: an ideal user typing with a dwell pause between selections, so the
        # service speculates like it would on the board (hits are served from the cache)
        flow: list[float] = []
        spec0 = svc.speculated
        for sentence in sentences[:3]:
            target = sentence.split()
            ctx, typed, i = "", "", 0
            while i < len(target) and len(flow) < n:
                t0 = time.perf_counter()
                svc.request(ctx, typed)
                sug = svc.wait_for(ctx, typed, timeout=60)
                flow.append((time.perf_counter() - t0) * 1000)
                time.sleep(dwell_s)
                if sug is None:
                    break
                hit = next((w for w in sug.words if w.lower() == target[i]), None)
                if hit is not None:
                    ctx, typed, i = ctx + hit + " ", "", i + 1
                elif len(typed) < len(target[i]):
                    typed += target[i][len(typed)]
                else:
                    ctx, typed, i = ctx + typed + " ", "", i + 1
        return {
            "model_dir": str(model_dir),
            "user_flow_p50_ms": round(percentile(flow, 50), 1),
            "user_flow_p95_ms": round(percentile(flow, 95), 1),
            "user_flow_requests": len(flow),
            "user_flow_speculated": svc.speculated - spec0,
            "first_suggestions_s": round(first_s, 2),
            "warm_p50_ms": round(percentile(warm, 50), 1),
            "warm_p95_ms": round(percentile(warm, 95), 1),
            "warm_cpu_p50_ms": round(percentile(warm_cpu, 50), 1),
            "warm_words_only_p50_ms": round(percentile(words_only, 50), 1),
            "warm_words_only_p95_ms": round(percentile(words_only, 95), 1),
            "next_word_p50_ms": round(percentile(next_word, 50), 1),
            "next_word_p95_ms": round(percentile(next_word, 95), 1),
            "cold_p50_ms": round(percentile(cold, 50), 1),
            "cold_p95_ms": round(percentile(cold, 95), 1),
            "service_first_result_p50_ms": round(percentile(first_pub, 50), 1),
            "previews_ready_p50_ms": round(percentile(ready, 50), 1),
            "previews_ready_p95_ms": round(percentile(ready, 95), 1),
            "top_previews_ready_p50_ms": round(percentile(top_ready, 50), 1),
            "top_previews_ready_p95_ms": round(percentile(top_ready, 95), 1),
            "requests": len(warm) + len(next_word) + len(cold),
            "peak_rss_mb": round(peak_rss_mb(), 1),
            "learning": learner is not None,
            "load_average": round(__import__("os").getloadavg()[0], 2),
        }
    finally:
        svc.close()
