"""Screenshots of the real board: ``aac screenshots OUT [--layout NAME --page NAME --size WxH]``.

Without options it saves the docs' set (``aac screenshots docs/screenshots``); with ``--page`` one
page of one layout at one size (a caregiver checking a board they made, a bug report).
``python -m aac.ui.screenshots`` takes the same arguments.

Runs the same BoardApp as ``aac run`` headless, with the real prediction model, a throw-away
profile and the mouse gaze source pointed at tiles (hover = gaze), and saves for each size:
the home page, the keyboard page mid-word, a preview state (gaze resting on a word tile, its
endings shown on the ending tiles, dwell ring filling) and next words (gaze resting on a letter
key that shows the words it brings, aac.ui.next_words).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

SIZES = [(1920, 1080), (1280, 720)]


def _wait_fresh(app, clock_step, timeout: float = 60.0, previews: bool = False) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        clock_step()
        shown = app.board.shown
        if app.board.complete and (not previews or (shown is not None and shown.previews_complete)):
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

    def next_words(text: str, letter: str) -> None:
        """On the keyboard, the gaze rests on a letter key until its next words show
        (aac.ui.next_words), with part of the dwell done."""
        app.set_page("keyboard")
        app.session.restore(text)
        _wait_fresh(app, step)
        key = next(b for b in app.boxes if b.kind == "letter" and str(b.tile.value).lower() == letter)
        pointer[0] = key.center
        t0 = time.monotonic()
        while time.monotonic() - t0 < 10 and app.controller.next_words.shown is None:
            app.step()
            time.sleep(1 / 60)
        frames(20)

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
        next_words("I want to go to the ", "s")
        save("next-words")
    finally:
        app.close()
        pygame.display.quit()
    return saved


def take_pages(out_dir: Path, size: tuple[int, int], layout: str, pages: list[str]) -> list[Path]:
    """One screenshot per page of ``layout`` (predictions shown when the model is built), one board."""
    import pygame

    from aac.gaze.mouse import MouseSource
    from aac.store.profile import Profile
    from aac.ui.app import BoardApp, make_parts

    pygame.display.init()
    pygame.font.init()
    screen = pygame.display.set_mode(size)
    profile = Profile.open(Path(tempfile.mkdtemp(prefix="aac-shots-")) / "profile")
    parts = make_parts(profile, speech=False)
    source = MouseSource(lambda: (size[0] * 0.4, size[1] * 0.08), size)
    app = BoardApp(profile, screen, layout_name=layout, source=source, service=parts["service"],
                   usage_log=None, source_name="mouse", handle_events=False)
    stem = Path(layout).stem if layout.endswith(".toml") else layout
    saved = []
    try:
        for page in pages:
            app.set_page(page)
            _wait_fresh(app, app.step)
            for _ in range(10):
                app.step()
                time.sleep(1 / 60)
            path = out_dir / f"{stem}-{page}-{size[0]}x{size[1]}.png"
            pygame.image.save(screen, str(path))
            saved.append(path)
    finally:
        app.close()
        pygame.display.quit()
    return saved


def _size(text: str) -> tuple[int, int]:
    try:
        w, h = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"size must look like 1280x720, not {text!r}") from None
    if not (320 <= w <= 7680 and 240 <= h <= 4320):
        raise argparse.ArgumentTypeError(f"size {text!r} is outside 320x240 .. 7680x4320")
    return w, h


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("out", metavar="OUT", help="folder for the PNG files (created if missing)")
    p.add_argument("--layout", help="layout name or .toml path (default: the docs' set: default and ru-default)")
    p.add_argument("--page", help="only this page of the layout (e.g. home, keyboard)")
    p.add_argument("--size", type=_size, metavar="WxH",
                   help=f"only this screen size (default: {', '.join(f'{w}x{h}' for w, h in SIZES)})")


def register(subparsers: Any) -> None:
    p = subparsers.add_parser("screenshots", help="save PNG screenshots of the real board (headless)")
    add_arguments(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Save the requested screenshots into ``args.out``, one printed path per file."""
    from aac.progress import Progress

    os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
    os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
    os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        print(f"error: {out} is a file; give a folder for the screenshots", file=sys.stderr)
        return 1
    from aac.layouts.loader import LayoutError, load_layout

    layout = args.layout or "default"
    try:
        page_names = load_layout(layout).page_names()
    except LayoutError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    if args.page and args.page not in page_names:
        print(f"error: no page {args.page!r} in layout {layout!r} (pages: {', '.join(page_names)})", file=sys.stderr)
        return 1
    out.mkdir(parents=True, exist_ok=True)
    sizes = [args.size] if args.size else SIZES
    saved: list[Path] = []
    with Progress("screenshots", total=len(sizes) + (0 if args.layout or args.page else 1)) as progress:
        for size in sizes:
            progress.step(f"{layout} {size[0]}x{size[1]}")
            if args.layout or args.page:  # a caregiver's board: the asked page, or every page
                shots = take_pages(out, size, layout, [args.page] if args.page else page_names)
            else:  # the docs' set: home, keyboard mid-word, a preview
                shots = take(out, size)
            for path in shots:
                print(path)
                saved.append(path)
        if not (args.layout or args.page):
            progress.step("ru-default (Russian profile)")
            for path in take(out, sizes[0], language="ru"):
                print(path)
                saved.append(path)
        progress.done(f"{len(saved)} screenshots in {out}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m aac.ui.screenshots", description=__doc__.splitlines()[0])
    add_arguments(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
