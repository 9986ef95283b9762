"""``aac calibrate``: a calm full-screen calibration with validation and an accept/redo screen.

    aac calibrate [--gaze tobii|titta|webcam|mouse|replay:FILE] [--pattern 9-point] [--profile NAME]
                  [--screen-cm 52] [--distance-cm 60] [--windowed WxH] [--yes] [--frames DIR]

The screen itself (countdown, targets, fitting, validation on separate points, the accept/redo
screen and its state machine) is :mod:`aac.ui.calibration_screen`; this module is the command.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import Any, Callable

from aac.gaze.calibration import CalibrationError, ScreenGeometry, load_pattern
from aac.gaze.source import SourceError
from aac.ui.calibration_screen import CalibrationRun, calibrate_on_screen

__all__ = ["CalibrationRun", "calibrate_on_screen", "cmd_calibrate", "register"]


# ============================================================================ command
def register(subparsers: Any) -> None:
    p = subparsers.add_parser("calibrate", help="calibrate the gaze source and measure its accuracy")
    p.add_argument("--gaze", help="source: tobii[:SERIAL], titta[:ADDRESS], webcam[:N], mouse, replay:FILE "
                                  "(default: the profile's gaze_source)")
    p.add_argument("--pattern", default="9-point", help="calibration/<NAME>.toml: 5-point, 9-point, 13-point or a path")
    p.add_argument("--profile", help="profile folder or name (default: 'default')")
    p.add_argument("--screen-cm", type=float, default=52.0, help="visible screen width in cm (for degrees)")
    p.add_argument("--distance-cm", type=float, default=60.0, help="eye-to-screen distance in cm")
    p.add_argument("--windowed", metavar="WxH", help="use a window of this size instead of full screen")
    p.add_argument("--yes", action="store_true", help="accept the result without the results screen (tests/scripts)")
    p.add_argument("--frames", metavar="DIR", help="save a PNG of the results screen into DIR")
    p.add_argument("--max-seconds", type=float, default=600.0, help="give up after this long (default 600)")
    p.set_defaults(func=cmd_calibrate)


def _size(text: str | None) -> tuple[int, int] | None:
    if not text:
        return None
    try:
        w, h = (int(v) for v in text.lower().split("x"))
        if w < 200 or h < 150:
            raise ValueError
        return w, h
    except ValueError:
        raise SystemExit(f"aac calibrate: --windowed expects WxH, e.g. 1280x720 (got {text!r})") from None


def cmd_calibrate(args: argparse.Namespace, *, clock: Callable[[], float] = time.monotonic,
                  pointer: Callable[[], tuple[float, float]] | None = None, frame_hook: Callable[[CalibrationRun, float], None] | None = None,
                  realtime: bool = True) -> int:
    """Run the calibration. ``clock``/``pointer``/``frame_hook``/``realtime`` let tests drive it headless."""
    os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
    import pygame  # noqa: PLC0415

    from aac.gaze.factory import make_source  # noqa: PLC0415
    from aac.store.profile import ProfileError, resolve_profile  # noqa: PLC0415

    try:
        profile = resolve_profile(args.profile)
    except ProfileError as exc:
        print(f"aac calibrate: {exc}", file=sys.stderr)
        return 2
    try:
        pattern = load_pattern(args.pattern)
    except CalibrationError as exc:
        print(f"aac calibrate: {exc}", file=sys.stderr)
        return 2
    spec = args.gaze or getattr(profile.settings, "gaze_source", "mouse") or "mouse"
    if spec.startswith("scan"):
        print("aac calibrate: switch scanning needs no calibration", file=sys.stderr)
        return 2
    from aac.ui.cli import has_display  # noqa: PLC0415

    if pointer is None and not has_display():
        # without this SDL falls back to an off-screen window and the run waits, unseen, for a
        # gaze that never comes (until --max-seconds)
        print("aac calibrate: no display found (DISPLAY and WAYLAND_DISPLAY are not set). Calibration shows "
              "targets on the screen the person looks at: run it on the board's computer with its screen on "
              "(the previous calibration is kept).", file=sys.stderr)
        return 2

    pygame.display.init()
    pygame.font.init()
    size = _size(args.windowed)
    try:
        screen = pygame.display.set_mode(size or (0, 0), 0 if size else pygame.FULLSCREEN)
    except pygame.error as exc:
        print(f"aac calibrate: cannot open the screen: {exc}", file=sys.stderr)
        return 2
    pygame.display.set_caption("AAC calibration")
    w, h = screen.get_size()
    geometry = ScreenGeometry(w, h, args.screen_cm, args.distance_cm)
    try:
        source = make_source(spec, (w, h), pointer=pointer or pygame.mouse.get_pos, clock=clock)
        source.start()
    except SourceError as exc:
        print(f"aac calibrate: gaze source {spec!r}: {exc}", file=sys.stderr)
        pygame.quit()
        return 2
    try:
        decision, run = calibrate_on_screen(
            screen, source, pattern, geometry, clock=clock, frame_hook=frame_hook, realtime=realtime,
            auto_accept=args.yes, frames_dir=Path(args.frames) if args.frames else None,
            max_seconds=args.max_seconds)
    finally:
        source.stop()
        pygame.quit()

    if decision != "accept":
        why = {"cancel": "cancelled; the previous calibration is kept", "timeout": "timed out",
               "failed": run.error or "failed"}.get(decision, decision)
        print(f"aac calibrate: {why}", file=sys.stderr)
        return 1
    stored = profile.save_calibration(run.result())
    print(f"calibration saved to profile {profile.name!r} ({stored['date']}): "
          f"accuracy {stored['accuracy_deg']:.2f} deg ({stored['accuracy_px']:.0f} px), "
          f"precision {stored['precision_deg']:.2f} deg, method {stored['method']}, pattern {stored['pattern']}")
    for region, r in stored["regions"].items():
        print(f"  {region:13s} accuracy {r['accuracy_deg']:.2f} deg")
    print(f"  smallest reliable tile: {stored['min_tile_deg']:.1f} deg "
          f"({stored['min_tile_fraction'][0] * 100:.0f}% x {stored['min_tile_fraction'][1] * 100:.0f}% of the screen)")
    return 0
