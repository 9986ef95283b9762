"""Screenshots of the real board for the docs: ``python -m aac.ui.screenshots [OUT_DIR]``.

Runs the same BoardApp as ``aac run`` headless, with the real prediction model, a throw-away
profile and the mouse gaze source pointed at tiles (hover = gaze), and saves for each size:
the home page, the keyboard page mid-word, and a preview state (gaze resting on a word tile, its
endings shown on the ending tiles, dwell ring filling).
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

SIZES = [(1920, 1080), (1280, 720)]


def _wait_fresh(app, clock_step, timeout: float = 60.0, previews: bool = False) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        clock_step()
        shown = app.board.shown
        if app.board.complete and (not previews or (shown is not None and shown.previews)):
            return True
        if app.board.unavailable:
            return False
        time.sleep(0.01)
    return False


def take(out_dir: Path, size: tuple[int, int], layout: str = "default", language: str = "en") -> list[Path]:
    """Home, keyboard and preview screenshots; a Russian profile (``language="ru"``) saves them as
    ``ru-predictions`` (home with a sentence begun) and ``ru-preview``."""
    import pygame

    from aac.gaze.mouse import MouseSource
    from aac.store.profile import Profile
    from aac.ui.app import BoardApp, make_parts

    pygame.display.init()
    pygame.font.init()
    screen = pygame.display.set_mode(size)
    tmp = tempfile.mkdtemp(prefix="aac-shots-")
    profile = Profile.open(Path(tmp) / "profile")
    if language != "en":
        profile.set("language", language)
        layout = f"{language}-default" if layout == "default" else layout
    parts = make_parts(profile, speech=False)
    pointer = [(size[0] * 0.4, size[1] * 0.08)]  # resting on the message bar
    source = MouseSource(lambda: pointer[0], size)
    app = BoardApp(profile, screen, layout_name=layout, source=source, service=parts["service"],
                   usage_log=None, source_name="mouse", handle_events=False)
    saved: list[Path] = []
    tag = f"{size[0]}x{size[1]}"

    def step() -> None:
        app.step()

    def frames(n: int) -> None:
        for _ in range(n):
            app.step()
            time.sleep(1 / 60)

    def save(name: str) -> None:
        path = out_dir / f"{name}-{tag}.png"
        pygame.image.save(screen, str(path))
        saved.append(path)

    def preview(text: str) -> None:
        """A sentence start, then the gaze rests on word tile 1 (lock-on + part of the dwell)."""
        app.session.restore(text)
        _wait_fresh(app, step, previews=True)
        word = next(b for b in app.boxes if b.kind == "word" and b.tile.slot == 0)
        pointer[0] = word.center
        t0 = time.monotonic()
        while time.monotonic() - t0 < 0.7:
            app.step()
            time.sleep(1 / 60)

    try:
        if language == "ru":
            app.session.restore("У меня болит ")
            _wait_fresh(app, step)
            frames(10)
            save("ru-predictions")
            preview("Позови, пожалуйста, ")
            save("ru-preview")
            return saved
        _wait_fresh(app, step)
        frames(10)
        save("home")
        app.set_page("keyboard")
        app.session.restore("I want to go to the sto")
        _wait_fresh(app, step)
        frames(10)
        save("keyboard")
        preview("Can you ")
        save("preview")
    finally:
        app.close()
        pygame.display.quit()
    return saved


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
    os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
    os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
    args = sys.argv[1:] if argv is None else argv
    out = Path(args[0]) if args else Path("docs/screenshots")
    out.mkdir(parents=True, exist_ok=True)
    for size in SIZES:
        for path in take(out, size):
            print(path)
    for path in take(out, SIZES[0], language="ru"):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
