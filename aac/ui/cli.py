"""``aac run`` (the board) and ``aac simulate`` (the end-to-end simulated gaze user)."""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path


def register(sub: argparse._SubParsersAction) -> None:
    run = sub.add_parser("run", help="show the dwell board (full screen)")
    run.add_argument("--profile", help="profile folder or name (default: the 'default' profile)")
    run.add_argument("--layout", help="layout name from layouts/ or a .toml path (default: from settings)")
    run.add_argument("--gaze", help="gaze source: mouse, tobii, titta, webcam, replay:FILE, scan")
    run.add_argument("--windowed", metavar="WxH", help="run in a window of this size instead of full screen")
    run.add_argument("--record-gaze", metavar="FILE", help="record the gaze samples to a JSONL trace")
    run.add_argument("--screenshot", metavar="PATH", help="save a PNG of the board after --frames frames and exit")
    run.add_argument("--frames", type=int, default=0, help="stop after this many frames (0 = run until closed)")
    run.add_argument("--log-as-use", action="store_true",
                     help="with --screenshot/--frames: log this test run in the usage log (marked, left out of the report)")
    run.set_defaults(func=cmd_run)

    sim = sub.add_parser("simulate", help="a simulated gaze user writes sentences through the real board, headless")
    sim.add_argument("--text-file", required=True, help="sentences to write, one per line")
    sim.add_argument("--noise-deg", type=float, default=1.0, help="gaze noise (Gaussian sigma) in degrees")
    sim.add_argument("--dwell-ms", type=int, default=None,
                     help="dwell time in milliseconds (default: the profile's, 1000 for a fresh profile)")
    sim.add_argument("--speed", type=float, default=1.0, help="run the simulated clock this many times faster")
    sim.add_argument("--frames", metavar="DIR", help="save a PNG of every activation into DIR")
    sim.add_argument("--profile", help="profile folder or name whose board to simulate: its settings and learned "
                     "words, on a private copy (default: a fresh temporary profile)")
    sim.add_argument("--log-as-use", action="store_true",
                     help="write the run into the profile's usage log (marked simulated, left out of the report "
                          "unless --include-simulated) and keep what the board learned")
    sim.add_argument("--layout", help="layout name or path (default: from the profile's settings)")
    sim.add_argument("--limit", type=int, default=0, help="only the first N sentences")
    sim.add_argument("--size", default="1920x1080", metavar="WxH", help="simulated screen size")
    sim.add_argument("--seed", type=int, default=1, help="random seed for the simulated person")
    sim.add_argument("--timeout-s", type=float, default=240.0, help="give up a sentence after this many simulated seconds")
    sim.add_argument("--no-model", action="store_true", help="run without predictions (keyboard only)")
    sim.add_argument("--speech", choices=("real", "record"), default="real",
                     help="real: speak through the profile's voice; record: keep the spoken texts only")
    sim.add_argument("--json", action="store_true", help="print one final JSON line with the results")
    sim.add_argument("--verbose", "-v", action="store_true", help="print each sentence as it is finished")
    sim.add_argument("--reread-all", action="store_true", help="the simulated person before issue 15: re-reads every tile after every selection")
    sim.add_argument("--ignore-tile-words", action="store_true",
                     help="the simulated person before session 11: does not read what the tile it dwells on brings up "
                          "(its next words, a word's previews)")
    sim.add_argument("--set", action="append", default=[], metavar="KEY=JSON",
                     help="profile setting for this run only, e.g. suggestion_gate=false (repeatable)")
    sim.set_defaults(func=cmd_simulate)


def _overrides(items: list[str]) -> dict | None:
    """``--set KEY=JSON`` pairs checked like settings.json values (None after printing why not)."""
    import json

    from aac.store.settings import check_value, field_names

    out: dict = {}
    for item in items:
        key, sep, raw = item.partition("=")
        if not sep or key not in field_names():
            print(f"aac simulate: --set {item!r}: expected KEY=VALUE with a settings key", file=sys.stderr)
            return None
        try:
            value = json.loads(raw)
        except json.JSONDecodeError:
            value = raw
        clean, why = check_value(key, value)
        if why:
            print(f"aac simulate: --set {key}: {why}", file=sys.stderr)
            return None
        out[key] = clean
    return out


def parse_size(text: str) -> tuple[int, int]:
    try:
        w, h = text.lower().split("x")
        size = int(w), int(h)
    except ValueError:
        raise SystemExit(f"error: size {text!r} must look like 1280x720") from None
    if size[0] < 320 or size[1] < 240:
        raise SystemExit(f"error: size {text!r} is too small for a board (at least 320x240)")
    return size


def has_display() -> bool:
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY") or os.environ.get("SDL_VIDEODRIVER"))


NO_DISPLAY = """\
aac run: no display found (DISPLAY and WAYLAND_DISPLAY are not set).
The board needs a screen. On a machine without one you can still:
  - watch the simulated user write sentences headless:   make demo
        or: aac simulate --text-file tests/data/demo_sentences.txt --frames /tmp/aac-frames --json
  - take a screenshot headless:  SDL_VIDEODRIVER=dummy aac run --windowed 1280x720 --frames 30 --screenshot board.png
"""


def cmd_run(args: argparse.Namespace) -> int:
    if not has_display():
        print(NO_DISPLAY, file=sys.stderr, end="")
        return 2
    os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
    import pygame

    from aac.store.profile import ProfileError, resolve_profile

    try:
        profile = resolve_profile(args.profile)
    except ProfileError as exc:
        print(f"aac run: {exc}", file=sys.stderr)
        return 2
    pygame.init()
    try:
        if args.windowed:
            size = parse_size(args.windowed)
            screen = pygame.display.set_mode(size)
        else:
            info = pygame.display.Info()
            w, h = info.current_w, info.current_h
            if w <= 0 or h <= 0 or os.environ.get("SDL_VIDEODRIVER") == "dummy":
                w, h = 1920, 1080
            screen = pygame.display.set_mode((w, h), pygame.FULLSCREEN)
    except pygame.error as exc:
        print(f"aac run: cannot open the screen: {exc}\n\n{NO_DISPLAY}", file=sys.stderr, end="")
        return 2
    pygame.display.set_caption("AAC board")
    if (args.screenshot or args.frames) and not getattr(args, "log_as_use", False):
        # A screenshot or a timed test run is not the person's use: it runs on a private copy of
        # their profile (same settings, words and calibration) so their log, draft and learned
        # data stay exactly as they were.
        import shutil
        import tempfile

        from aac.store.private_copy import copy_profile
        from aac.store.profile import Profile

        tmp = tempfile.mkdtemp(prefix="aac-run-")
        try:
            copy = Profile.open(copy_profile(profile.dir, Path(tmp) / "profile"))
            copy.name = profile.name
            return run_board(copy, screen, args, test_run=True)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    return run_board(profile, screen, args, test_run=bool(args.screenshot or args.frames))


def _make_source(spec: str, size: tuple[int, int], settings, record: str | None, calibration=None):
    """The started gaze source (with failover to ``settings.fallback_sources``). ``calibration``
    is the profile's latest calibration record: its mapping applies when it was made with the
    same kind of source (webcam regression, mouse/replay correction)."""
    import pygame

    from aac.gaze.factory import make_source
    from aac.gaze.source import FailoverSource, SourceError

    pointer = pygame.mouse.get_pos

    def factory(one: str):
        return lambda: make_source(one, size, pointer=pointer, calibration=calibration)

    if spec.split(":", 1)[0].strip().lower() == "scan":
        source = make_source("scan", size)  # switch scanning: the keyboard is the input
        source.start()
        return source
    specs = [spec] + [s for s in (settings.fallback_sources or []) if s != spec]
    try:
        source = FailoverSource([factory(s) for s in specs], failover_s=settings.failover_s)
        source.start()
    except SourceError as exc:
        print(f"aac run: gaze source {spec!r} failed ({exc}); using the mouse", file=sys.stderr)
        source = make_source("mouse", size, pointer=pointer, calibration=calibration)
        source.start()
    if record:
        from aac.gaze.replay import RecordingSource

        source = RecordingSource(source, Path(record))
    return source


def run_board(profile, screen, args: argparse.Namespace, test_run: bool = False) -> int:
    import pygame

    from aac.ui.app import BoardApp, make_parts

    size = screen.get_size()
    spec = args.gaze or profile.settings.gaze_source or "mouse"
    source = _make_source(spec, size, profile.settings, args.record_gaze, calibration=profile.calibration)

    rebuilt = [0]

    def source_factory(calibration):
        """After the board's "calibrate" tile: the same source, now with the new calibration.
        A recorded trace goes on in a new file (reopening the first one would truncate it)."""
        record = args.record_gaze
        if record:
            rebuilt[0] += 1
            path = Path(record)
            record = str(path.with_name(f"{path.stem}-cal{rebuilt[0]}{path.suffix}"))
        return _make_source(spec, size, profile.settings, record, calibration=calibration)

    parts = make_parts(profile)
    for problem in parts["problems"]:
        print(f"aac run: {problem}", file=sys.stderr)
    usage_log = parts["usage_log"]
    if test_run and usage_log is not None:
        # Nothing of a test run goes into the person's log unless asked (--log-as-use), and
        # then as a marked session the report leaves out.
        usage_log.close()  # unused: writes nothing
        usage_log = None
        if getattr(args, "log_as_use", False):
            from aac.store.usage_log import UsageLog

            usage_log = UsageLog(profile, session_kind="screenshot")
    app = BoardApp(
        profile,
        screen,
        layout_name=args.layout,
        source=source,
        service=parts["service"],
        speaker=parts["speaker"],
        usage_log=usage_log,
        source_name=spec,
        source_factory=source_factory,
    )
    clock = pygame.time.Clock()
    frames = 0
    try:
        while app.running:
            app.step()
            pygame.display.flip()
            frames += 1
            if args.frames and frames >= args.frames:
                break
            clock.tick(60)
        if args.screenshot:
            Path(args.screenshot).parent.mkdir(parents=True, exist_ok=True)
            pygame.image.save(screen, args.screenshot)
            print(f"saved {args.screenshot}")
    finally:
        app.close()
        pygame.quit()
    stats = app.frame_stats()
    if args.frames:
        print(f"frames {stats['frames']}, frame ms p50 {stats['frame_ms_p50']} p95 {stats['frame_ms_p95']} max {stats['frame_ms_max']}")
    return 0


def cmd_simulate(args: argparse.Namespace) -> int:
    os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
    os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
    os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
    from aac.ui.simulate import SentenceResult, SimulationConfig, run_simulation

    path = Path(args.text_file)
    try:
        lines = [ln.strip() for ln in path.read_text(encoding="utf-8").splitlines()]
    except OSError as exc:
        print(f"aac simulate: cannot read {path}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    sentences = [ln for ln in lines if ln and not ln.startswith("#")]
    if args.limit:
        sentences = sentences[: args.limit]
    if not sentences:
        print(f"aac simulate: {path} has no sentences", file=sys.stderr)
        return 2
    cfg = SimulationConfig(
        noise_deg=args.noise_deg,
        dwell_ms=args.dwell_ms,
        speed=args.speed,
        frames_dir=Path(args.frames) if args.frames else None,
        profile=args.profile,
        layout=args.layout,
        size=parse_size(args.size),
        seed=args.seed,
        sentence_timeout_s=args.timeout_s,
        predictions=not args.no_model,
        speech=args.speech,
        verbose=args.verbose,
        log_as_use=args.log_as_use,
        person_remembers=not args.reread_all,
        person_reads_tile_words=not args.ignore_tile_words,
        settings=_overrides(args.set),
    )
    if cfg.settings is None:
        return 2
    from aac.progress import Progress

    progress = Progress("simulate", total=len(sentences))
    if cfg.frames_dir is not None:
        progress.note(f"saving a frame per activation into {cfg.frames_dir}")

    def on_sentence(res: SentenceResult) -> None:
        mark = "written" if res.correct else "NOT written"
        progress.step(f"{mark} in {res.seconds:.0f} simulated s ({res.selections} selections): {res.target!r}")

    cfg.on_sentence = on_sentence
    t0 = time.time()
    result = run_simulation(sentences, cfg)
    result["wall_seconds"] = round(time.time() - t0, 1)
    summary = (f"{result.get('correct')}/{result.get('sentences')} sentences written, "
               f"{result.get('wpm')} words/min, {result.get('false_activations')} false activations")
    if cfg.frames_dir is not None:
        n = sum(1 for _ in cfg.frames_dir.glob("*.png")) if cfg.frames_dir.is_dir() else 0
        summary += f"; {n} frames in {cfg.frames_dir}"
    progress.done(summary)
    if args.json:
        import json

        print(json.dumps(result), flush=True)
    else:
        for key, value in result.items():
            if key != "per_sentence":
                print(f"{key}: {value}")
    return 0 if result.get("sentences") == result.get("correct") else 1
