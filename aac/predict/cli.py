"""`aac predict --jsonl`, `aac bench ks`, `aac bench latency` (and `aac model ...` from the model store).

The JSONL contract (DESIGN.md) is relied on by other tools; keep it stable:
  {"context": "...", "prefix": "..."} -> {"words": [...5], "endings": [...3], "previews": {...}, "chunks": [...]}
  {"learn": "sentence"}               -> {"ok": true}
  anything else                       -> {"error": "..."}   (and the process keeps running)
Exactly one line out per line in, flushed. Fewer than 5 words / 3 endings only when no more valid
ones exist (e.g. a prefix no word starts with).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from aac.predict.service import ModelNotFound, find_model_dir, language_of, open_learner


def _add_model_opts(p: argparse.ArgumentParser) -> None:
    p.add_argument("--model-dir", help="built model directory (default: the model store / AAC_MODEL_DIR)")
    p.add_argument("--profile", help="profile directory whose learned data to use and update (default: a fresh in-memory state)")
    p.add_argument("--lang", help="language pack code (en, ru; default: the profile's language, else en)")
    p.add_argument("--profanity", action="store_true", help="allow profanity in suggestions (off by default)")
    p.add_argument("--framing", choices=["plain", "chat", "none"], help="lead text framing (experiments)")
    p.add_argument("--lead-lines", type=int, help="number of lead example lines (experiments)")
    p.add_argument("--beam", type=int, help="word-start candidates decoded per request (experiments)")
    p.add_argument("--ending-rows", type=int, help="words continued into endings in the foreground")
    p.add_argument("--chunks", action="store_true", default=None, help="offer multi-word chunks")
    p.add_argument("--no-chunks", dest="chunks", action="store_false", help="no chunks")
    p.add_argument("--no-truecase", action="store_true", help="feed the context exactly as typed")
    p.add_argument("--threads", type=int, help="ONNX Runtime intra-op threads (default: all cores)")
    p.add_argument("--gate-min-gain", type=float, help="confidence gate: minimum expected selections saved to show an ending (experiments)")
    p.add_argument("--no-gate", action="store_true", help="show every ending (no confidence gate)")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("predict", help="word/ending prediction over a JSON-lines pipe")
    p.add_argument("--jsonl", action="store_true", required=True, help="read JSON lines on stdin, answer one line each")
    p.add_argument("--no-previews", action="store_true", help="leave previews empty (faster)")
    _add_model_opts(p)
    p.set_defaults(func=cmd_predict)

    b = sub.add_parser("bench", help="prediction benchmarks (keystroke savings, latency)")
    bsub = b.add_subparsers(dest="bench", metavar="BENCH")
    ks = bsub.add_parser("ks", help="keystroke-savings simulation (DESIGN.md rules)")
    ks.add_argument("--corpus", default=None, help="one sentence per line (default: ../shared/data/aac_dev.txt)")
    ks.add_argument("--limit", type=int, default=None, help="first N sentences only")
    ks.add_argument("--skip", type=int, default=0, help="skip the first N sentences (e.g. hold out the lines used for tuning)")
    ks.add_argument("--no-learn", action="store_true", help="do not learn each sentence after typing it")
    ks.add_argument("--json", action="store_true", help="print the figures as one JSON object")
    ks.add_argument("--block", type=int, default=0, help="also report KS per block of N sentences (the learning curve)")
    _add_model_opts(ks)
    ks.set_defaults(func=cmd_bench_ks)
    lat = bsub.add_parser("latency", help="start-up time, per-request p50/p95, preview readiness, peak RSS")
    lat.add_argument("--requests", type=int, default=40, help="requests per measurement")
    lat.add_argument("--json", action="store_true")
    lat.add_argument("--no-learn", action="store_true",
                     help="the model alone (default: with a learner taught a few sentences, as on the board)")
    _add_model_opts(lat)
    lat.set_defaults(func=cmd_bench_latency)
    b.set_defaults(func=lambda a: (b.print_help(), 2)[1])

    try:
        from aac.predict import model_store

        model_store.register_model_commands(sub)
    except ImportError:
        pass


def _settings(args: argparse.Namespace) -> Any:
    from aac.predict.suggest import PredictorSettings

    s = PredictorSettings()
    if getattr(args, "profanity", False):
        s.profanity_filter = False
    for name, attr in [("framing", "framing"), ("lead_lines", "lead_lines"), ("beam", "beam"), ("ending_rows", "ending_rows"), ("chunks", "chunks")]:
        v = getattr(args, name, None)
        if v is not None:
            setattr(s, attr, v)
    if getattr(args, "no_truecase", False):
        s.truecase = False
    if getattr(args, "gate_min_gain", None) is not None:
        s.gate_min_gain = float(args.gate_min_gain)
    if getattr(args, "no_gate", False):
        s.gate = False
    return s


def _language(args: argparse.Namespace) -> Any:
    """--lang, else the --profile's settings.language, else English."""
    settings = None
    if not getattr(args, "lang", None) and getattr(args, "profile", None):
        try:
            from aac.store import Profile

            settings = Profile.open(Path(args.profile)).settings
        except Exception:  # noqa: BLE001 - an unreadable profile: its learner says so later
            settings = None
    return language_of(settings, getattr(args, "lang", None))


def _model_path(args: argparse.Namespace, pack: Any) -> Path:
    # English keeps its old lookup (default recipe); other languages ask for the pack's recipe
    return find_model_dir(args.model_dir, recipe=pack.model if pack.code != "en" else None)


def _predictor(args: argparse.Namespace, learn: bool = True) -> Any:
    from aac.predict.suggest import Predictor

    pack = _language(args)
    path = _model_path(args, pack)
    profile = Path(args.profile) if getattr(args, "profile", None) else None
    # no --profile: an in-memory learner (a fresh state that adapts within this run only)
    enabled = True
    if profile is not None and learn:
        # the profile's own switch: learning turned off by the caregiver stays off here too
        from aac.store.profile import Profile

        try:
            enabled = bool(Profile.open(profile).settings.learning_enabled)
        except Exception:  # noqa: BLE001 - a broken profile must not stop predictions
            enabled = True
    learner = open_learner(profile, enabled=enabled) if learn else None
    return Predictor.from_model_dir(path, _settings(args), learner=learner, threads=args.threads, language=pack)


def _default_corpus() -> Path:
    from aac.paths import REPO_ROOT

    for cand in [REPO_ROOT.parent / "shared" / "data" / "aac_dev.txt", REPO_ROOT / "data" / "aac_dev.txt"]:
        if cand.exists():
            return cand
    return REPO_ROOT.parent / "shared" / "data" / "aac_dev.txt"


def _emit(obj: dict) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=False) + "\n")
    sys.stdout.flush()


def handle_line(predictor: Any, line: str, previews: bool = True) -> dict:
    """One JSONL request -> one response object (never raises)."""
    try:
        req = json.loads(line)
    except json.JSONDecodeError as exc:
        return {"error": f"not valid JSON ({exc.msg} at column {exc.colno})"}
    except (RecursionError, ValueError, MemoryError) as exc:  # e.g. absurdly deep nesting
        return {"error": f"not valid JSON ({type(exc).__name__})"}
    if not isinstance(req, dict):
        return {"error": "expected a JSON object like {\"context\": \"...\", \"prefix\": \"...\"} or {\"learn\": \"...\"}"}
    if "learn" in req:
        if not isinstance(req["learn"], str):
            return {"error": "\"learn\" must be a string (the sentence the person said)"}
        try:
            predictor.learn(req["learn"])
        except Exception as exc:  # noqa: BLE001
            return {"error": f"learning failed: {exc}"}
        return {"ok": True}
    if "context" not in req and "prefix" not in req:
        return {"error": "expected \"context\" and \"prefix\" (or \"learn\")"}
    context, prefix = req.get("context", ""), req.get("prefix", "")
    if not isinstance(context, str) or not isinstance(prefix, str):
        return {"error": "\"context\" and \"prefix\" must be strings"}
    if any(c.isspace() for c in prefix.strip()):
        return {"error": "\"prefix\" is the partial word being typed and cannot contain spaces"}
    try:
        sug = predictor.with_previews(context, prefix) if previews else predictor.suggest(context, prefix)
    except Exception as exc:  # noqa: BLE001 - keep serving
        return {"error": f"prediction failed: {type(exc).__name__}: {exc}"}
    out = {"words": sug.words, "endings": sug.endings, "previews": sug.previews, "chunks": sug.chunks, "latency_ms": round(sug.latency_ms, 1)}
    if sug.endings_shown:  # optional (issue 15): the confidence gate's decision and probabilities
        out["endings_shown"], out["ending_probs"] = list(sug.endings_shown), list(sug.ending_probs)
    return out


def cmd_predict(args: argparse.Namespace) -> int:
    from aac.language import LanguageError

    profile = getattr(args, "profile", None)
    if profile and Path(profile).exists() and not Path(profile).is_dir():
        # checked before the model loads: every answer would be given, and every learned
        # sentence lost, with only a warning on stderr
        print(f"aac predict: --profile {profile} is a file; give a profile folder (it is created if missing)",
              file=sys.stderr)
        return 2
    try:
        predictor = _predictor(args, learn=True)
    except LanguageError as exc:
        print(f"aac predict: {exc}", file=sys.stderr)
        return 2
    except ModelNotFound as exc:
        print(f"aac predict: {exc}", file=sys.stderr)
        return 3
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            out = handle_line(predictor, line, previews=not args.no_previews)
        except Exception as exc:  # noqa: BLE001 - the contract: one line out, keep running
            out = {"error": f"{type(exc).__name__}: {exc}"}
        _emit(out)
    predictor.close()  # the learner's training lists kept back between sentences (see Learner.save)
    return 0


def cmd_bench_ks(args: argparse.Namespace) -> int:
    from aac.language import LanguageError
    from aac.predict.bench import format_ks, read_corpus, run_ks, set_language

    try:
        set_language(_language(args))
    except LanguageError as exc:
        print(f"aac bench ks: {exc}", file=sys.stderr)
        return 2
    corpus = Path(args.corpus) if args.corpus else _default_corpus()
    if not corpus.exists():
        print(f"aac bench ks: corpus not found: {corpus} (use --corpus FILE)", file=sys.stderr)
        return 2
    lines = read_corpus(corpus)[args.skip :]
    lines = lines[: args.limit] if args.limit else lines
    learn = not args.no_learn
    try:
        predictor = _predictor(args, learn=learn)
    except ModelNotFound as exc:
        print(f"aac bench ks: {exc}", file=sys.stderr)
        return 3

    blocks: list[float] = []
    mark = {"sel": 0, "keys": 0}

    def progress(n: int, st: dict) -> None:
        if not args.json and n % 20 == 0:
            ks = 1 - st["selections"] / max(1, st["keystrokes"])
            print(f"  {n}/{len(lines)} sentences, KS so far {100 * ks:.1f}%", file=sys.stderr, flush=True)
        if args.block > 0 and (n % args.block == 0 or n == len(lines)):
            sel, keys = st["selections"] - mark["sel"], st["keystrokes"] - mark["keys"]
            if keys:
                blocks.append(round(100 * (1 - sel / keys), 2))
            mark.update(sel=st["selections"], keys=st["keystrokes"])

    stats = run_ks(predictor, lines, learn=learn, progress=progress)
    if args.block > 0:
        stats["block"] = args.block
        stats["ks_per_block"] = blocks
    stats["corpus"] = str(corpus)
    stats["model_dir"] = str(predictor.engine.model_dir)
    stats["learner"] = type(predictor.learner).__name__ if predictor.learner is not None else None
    stats["chunks_enabled"] = predictor.settings.chunks
    if args.json:
        print(json.dumps(stats))
    else:
        print(format_ks(stats))
        print(f"model {stats['model_dir']}  learner {stats['learner']}  chunks {stats['chunks_enabled']}")
        if blocks:
            print(f"KS per {args.block} sentences: " + ", ".join(f"{v:.2f}%" for v in blocks))
    return 0


def cmd_bench_latency(args: argparse.Namespace) -> int:
    from aac.predict.bench import latency_bench

    from aac.language import LanguageError

    try:
        pack = _language(args)
        path = _model_path(args, pack)
    except (ModelNotFound, LanguageError) as exc:
        print(f"aac bench latency: {exc}", file=sys.stderr)
        return 3
    res = latency_bench(path, _settings(args), n=args.requests, threads=args.threads, language=pack,
                        learn=not args.no_learn)
    if args.json:
        print(json.dumps(res))
    else:
        for k, v in res.items():
            print(f"{k:32s} {v}")
    return 0
