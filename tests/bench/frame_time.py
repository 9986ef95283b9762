"""Frame time of the real board while the model computes predictions.

    SDL_VIDEODRIVER=dummy python tests/bench/frame_time.py [--seconds 20] [--size 1920x1080]

Runs the same BoardApp as ``aac run`` (headless, real prediction service and model) with the
mouse gaze source hovering over the board, and types a letter every ``--every`` seconds so that a
new prediction is requested over and over. Frames are paced at 60 fps like the real loop. Prints
p50/p95/max of the frame's own work (input, dwell, session, render), for all frames and for the
frames during which a prediction was being computed (the board showed stale suggestions).
The machine load average is printed too: on a shared 2-core machine it dominates the tail.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=20.0)
    ap.add_argument("--size", default="1920x1080")
    ap.add_argument("--every", type=float, default=0.5, help="seconds between typed letters")
    ap.add_argument("--no-model", action="store_true", help="baseline: the same loop without predictions")
    ap.add_argument("--switch-ms", type=float, default=None, help="override the GIL switch interval (ms)")
    args = ap.parse_args()
    w, h = (int(v) for v in args.size.split("x"))
    if args.switch_ms is not None:
        sys.setswitchinterval(args.switch_ms / 1000.0)

    import pygame

    from aac.gaze.mouse import MouseSource
    from aac.store.profile import Profile
    from aac.ui.app import BoardApp, make_parts, percentile

    pygame.display.init()
    pygame.font.init()
    screen = pygame.display.set_mode((w, h))
    profile = Profile.open(Path(tempfile.mkdtemp(prefix="aac-bench-")) / "profile")
    parts = make_parts(profile, speech=False, predictions=not args.no_model)
    service = parts["service"]
    pointer = [(w * 0.3, h * 0.07)]
    app = BoardApp(profile, screen, source=MouseSource(lambda: pointer[0], (w, h)), service=service,
                   usage_log=parts["usage_log"], source_name="mouse", handle_events=False)
    if not args.no_model and (service is None or not service.wait_ready(120)):
        print(f"predictions unavailable: {getattr(service, 'error', 'no service')}", file=sys.stderr)
        return 2
    app.set_page("keyboard")
    text = "i would like to go outside today and see the garden with my family "
    i = 0
    clock = pygame.time.Clock()
    predicting: list[float] = []
    t_end = time.monotonic() + args.seconds
    next_letter = time.monotonic()
    app.frame_ms.clear()
    while time.monotonic() < t_end:
        if time.monotonic() >= next_letter:
            ch = text[i % len(text)]
            i += 1
            app.session.space() if ch == " " else app.session.type_letter(ch)
            app.session.drain_events()
            next_letter += args.every
        stale = app.board.stale and not args.no_model
        app.step()
        pygame.display.flip()
        if stale:
            predicting.append(app.frame_ms[-1])
        clock.tick(60)
    frames = app.frame_ms
    app.close()
    load = os.getloadavg()[0]
    mode = "no model (baseline)" if args.no_model else "model computing"
    print(f"{mode}: board {w}x{h}, {len(frames)} frames in {args.seconds:.0f} s, {i} letters typed, load avg {load:.2f} on {os.cpu_count()} cores")
    print(f"all frames        p50 {percentile(frames, 50):6.2f} ms  p95 {percentile(frames, 95):6.2f} ms  max {max(frames):6.2f} ms")
    if predicting:
        print(f"while predicting  p50 {percentile(predicting, 50):6.2f} ms  p95 {percentile(predicting, 95):6.2f} ms  "
              f"max {max(predicting):6.2f} ms  ({len(predicting)} frames)")
    over = sum(1 for f in frames if f > 17.0)
    print(f"frames over 17 ms: {over} ({100.0 * over / max(1, len(frames)):.1f} %)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
