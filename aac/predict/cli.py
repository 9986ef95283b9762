"""`aac predict --jsonl`, `aac bench ks`, `aac bench latency` (and `aac model ...` from the model store).

The JSONL contract (docs/ARCHITECTURE.md) is relied on by other tools; keep it stable:
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

from aac.language import MAX_HISTORY_LINES
from aac.predict.prompt import FRAMINGS
from aac.predict.service import ModelNotFound, find_model_dir, language_of, open_learner
from aac.text_safety import clean_for_screen

#: The longest sentence ``{"learn": ...}`` accepts. A message composed on the board is a few
#: dozen characters (the dev corpus's longest line is under 200); 40 learns of 100,000
#: characters took the service from 282 MB to 1.24 GB and every later start to 13 s (issue 20).
MAX_LEARN_CHARS = 1000
#: The longest request line read; longer lines are answered with an error and skipped whole.
MAX_LINE_BYTES = 8 * 1024 * 1024


def _history_lines(text: str) -> int:
    """``--history-lines``: the bounds a language pack's ``history_lines`` has (0 to
    MAX_HISTORY_LINES), so a typo is refused with a message instead of silently meaning 0 or a
    prompt the model cannot hold."""
    try:
        n = int(text)
    except ValueError:
        n = -1
    if not 0 <= n <= MAX_HISTORY_LINES:
        raise argparse.ArgumentTypeError(f"must be a whole number from 0 to {MAX_HISTORY_LINES} (got {text!r})")
    return n


def _add_model_opts(p: argparse.ArgumentParser) -> None:
    p.add_argument("--model-dir", help="built model directory (default: the model store / AAC_MODEL_DIR)")
    p.add_argument("--profile", help="profile directory whose learned data to use and update (default: a fresh in-memory state)")
    p.add_argument("--lang", help="language pack code (en, ru; default: the profile's language, else en)")
    p.add_argument("--profanity", action="store_true", help="allow profanity in suggestions (off by default)")
    p.add_argument("--framing", choices=FRAMINGS, help="lead text framing (experiments)")
    p.add_argument("--lead-lines", type=int, help="number of lead example lines (experiments)")
    p.add_argument("--history-lines", type=_history_lines, metavar="N", help="the person's last messages in the prompt when learning (default: the language pack's)")
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
    ks = bsub.add_parser("ks", help="keystroke-savings simulation (docs/ARCHITECTURE.md rules)")
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

    from aac.predict import model_store

    model_store.register_model_commands(sub)


def _settings(args: argparse.Namespace) -> Any:
    from aac.predict.suggest import PredictorSettings

    s = PredictorSettings()
    if getattr(args, "profanity", False):
        s.profanity_filter = False
    for name, attr in [("framing", "framing"), ("lead_lines", "lead_lines"), ("history_lines", "history_lines"), ("beam", "beam"), ("ending_rows", "ending_rows"), ("chunks", "chunks")]:
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
        return _learn(predictor, req["learn"])
    if "context" not in req and "prefix" not in req:
        return {"error": "expected \"context\" and \"prefix\" (or \"learn\")"}
    context, prefix = req.get("context", ""), req.get("prefix", "")
    if not isinstance(context, str) or not isinstance(prefix, str):
        return {"error": "\"context\" and \"prefix\" must be strings"}
    if _has_surrogate(context) or _has_surrogate(prefix):
        return {"error": "\"context\" and \"prefix\" must be valid Unicode text (found a lone surrogate escape like \\ud800)"}
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


def _has_surrogate(text: str) -> bool:
    return any("\ud800" <= ch <= "\udfff" for ch in text)


def _learn(predictor: Any, sentence: Any) -> dict:
    """``{"learn": ...}``: validated, limited, and an error whenever it was not learned and kept."""
    if not isinstance(sentence, str):
        return {"error": "\"learn\" must be a string (the sentence the person said)"}
    if _has_surrogate(sentence):  # cannot be saved as UTF-8: the save failed and learning went off
        return {"error": "\"learn\" must be valid Unicode text (found a lone surrogate escape like \\ud800); not learned"}
    if len(sentence) > MAX_LEARN_CHARS:
        return {"error": f"\"learn\" is {len(sentence)} characters; a sentence is at most {MAX_LEARN_CHARS}; not learned"}
    sentence = clean_for_screen(sentence)  # learned words are shown on tiles: no control characters
    if getattr(predictor, "_learner_failed", False):
        return {"error": "learning is off for this session after an earlier failure (see the service's log); not learned"}
    learner = getattr(predictor, "learner", None)
    before = len(getattr(learner, "problems", []) or [])
    try:
        predictor.learn(sentence)
    except Exception as exc:  # noqa: BLE001
        return {"error": f"learning failed: {exc}"}
    if getattr(predictor, "_learner_failed", False):
        return {"error": "learning failed and is off for this session; not learned"}
    problems = list(getattr(learner, "problems", []) or [])[before:]
    if problems:
        return {"error": f"learned for this session, but not saved: {problems[-1]}"}
    return {"ok": True}


def _request_lines(stream: Any) -> Any:
    """(text or None, error) per input line, read as bytes so no byte can end the service.

    Invalid UTF-8 gives an error answer for that line only; a line over MAX_LINE_BYTES is read
    to its end and answered with an error. Blank lines are not requests (no answer)."""
    while True:
        raw = stream.readline(MAX_LINE_BYTES + 1)
        if not raw:
            return
        if len(raw) > MAX_LINE_BYTES and not raw.endswith(b"\n"):
            while True:  # skip the rest of this line without holding it
                more = stream.readline(1 << 20)
                if not more or more.endswith(b"\n"):
                    break
            yield None, f"line longer than {MAX_LINE_BYTES} bytes; not read"
            continue
        try:
            text = raw if isinstance(raw, str) else raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            if not raw.strip():
                continue
            yield None, f"line is not UTF-8 text (byte 0x{raw[exc.start]:02x} at position {exc.start})"
            continue
        if text.strip():
            yield text, None


def cmd_predict(args: argparse.Namespace) -> int:
    from aac.language import LanguageError

    profile = getattr(args, "profile", None)
    if profile and Path(profile).exists() and not Path(profile).is_dir():
        # checked before the model loads: every answer would be given, and every learned
        # sentence lost, with only a warning on stderr
        print(f"aac predict: --profile {profile} is a file; give a profile folder (it is created if missing)",
              file=sys.stderr)
        return 2
    if profile:
        from aac.store.profile import ProfileError, check_profile_folder

        from aac.store.profile_lock import ProfileBusy, acquire

        try:  # before anything writes: a folder that is not a profile is never re-moded or filled
            check_profile_folder(Path(profile).expanduser())
            if Path(profile).expanduser().is_dir():  # one process learns into a profile at a time
                acquire(Path(profile).expanduser())  # held until the process exits
        except (ProfileError, ProfileBusy) as exc:
            print(f"aac predict: --profile {exc}", file=sys.stderr)
            return 2
    try:
        predictor = _predictor(args, learn=True)
    except LanguageError as exc:
        print(f"aac predict: {exc}", file=sys.stderr)
        return 2
    except ModelNotFound as exc:
        print(f"aac predict: {exc}", file=sys.stderr)
        return 3
    # the contract's 3 endings are each the rest of a sentence, shown on the board or not; the
    # board stops decoding the ones its gate hides (aac.predict.endings), this output does not
    predictor.settings.stop_hopeless_endings = False
    stdin = getattr(sys.stdin, "buffer", None)
    for line, error in _request_lines(stdin if stdin is not None else sys.stdin):
        try:
            out = {"error": error} if line is None else handle_line(predictor, line, previews=not args.no_previews)
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
    from aac.progress import Progress

    lines_progress = Progress("bench ks", total=len(lines))

    def progress(n: int, st: dict) -> None:
        if n % 20 == 0 or n == len(lines):  # a line per 20 sentences, on a terminal only
            ks = 1 - st["selections"] / max(1, st["keystrokes"])
            lines_progress.step(f"sentences, KS so far {100 * ks:.1f}%", at=n)
        if args.block > 0 and (n % args.block == 0 or n == len(lines)):
            sel, keys = st["selections"] - mark["sel"], st["keystrokes"] - mark["keys"]
            if keys:
                blocks.append(round(100 * (1 - sel / keys), 2))
            mark.update(sel=st["selections"], keys=st["keystrokes"])

    stats = run_ks(predictor, lines, learn=learn, progress=progress)
    lines_progress.done(f"{len(lines)} sentences of {corpus.name}, keystroke savings {stats.get('ks')}%")
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
    from aac.progress import Progress

    timing = Progress("bench latency")
    timing.note(f"{args.requests} requests on {path} ...")
    res = latency_bench(path, _settings(args), n=args.requests, threads=args.threads, language=pack,
                        learn=not args.no_learn)
    p50 = next((v for k, v in res.items() if "p50" in k), None)
    p95 = next((v for k, v in res.items() if "p95" in k), None)
    timing.done(f"{args.requests} requests" + (f", p50 {p50} ms, p95 {p95} ms" if p50 is not None else ""))
    if args.json:
        print(json.dumps(res))
    else:
        for k, v in res.items():
            print(f"{k:32s} {v}")
    return 0
