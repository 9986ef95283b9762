"""Rendered frames of the real board (real pygame surfaces, shipped layouts): colours at tile
positions, stale text, dwell progress, pause overlay, layout-problem banner."""

from __future__ import annotations

import os

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")

import dataclasses

import pygame
import pytest

from aac.predict.types import Suggestions
from aac.store.profile import Profile
from aac.ui.app import BoardApp
from aac.ui.render import rgb


@pytest.fixture()
def app(tmp_path):
    pygame.display.init()
    pygame.font.init()
    surface = pygame.Surface((1280, 720))
    profile = Profile.open(tmp_path / "profile")
    board = BoardApp(profile, surface, layout_name="default", clock=lambda: 100.0, handle_events=False)
    yield board
    board.close()


def pixels_of(surface, rect):
    x, y, w, h = rect
    sub = surface.subsurface(pygame.Rect(x, y, w, h))
    return {tuple(sub.get_at((i, j)))[:3] for i in range(0, w, 2) for j in range(0, h, 2)}


def first(app, kind, **attrs):
    return next(b for b in app.boxes if b.kind == kind and all(getattr(b.tile, k) == v for k, v in attrs.items()))


def offer(app, context="", prefix=""):
    app.board.set_context(context, prefix)
    s = Suggestions(context, prefix, ["I", "the", "please", "can", "what"],
                    ["I am hungry.", "I need help.", "Thank you."], {"I": ["I am tired.", "I want to go home."]})
    assert app.board.offer(s)
    return s


def test_tiles_have_their_theme_colours(app):
    app.set_page("keyboard")
    app.step(100.0)
    surf, theme = app.surface, app.theme
    assert tuple(surf.get_at((1, 1)))[:3] == rgb(theme.background)
    key = first(app, "letter", value="h")
    x, y, _w, h = key.rect
    assert tuple(surf.get_at((x + 8, y + h // 2)))[:3] == rgb(theme.key_tile)
    assert rgb(theme.tile_text) in pixels_of(surf, key.rect), "the letter is drawn in the tile text colour"
    speak = first(app, "action", action="speak")
    sx, sy, _sw, sh = speak.rect
    assert tuple(surf.get_at((sx + 8, sy + sh // 2)))[:3] == rgb(theme.action_tile)
    # The message bar has a visible cursor (dwell colour) even when empty.
    msg = first(app, "message")
    assert rgb(theme.dwell) in pixels_of(surf, msg.rect)


def test_fresh_words_are_bright_and_stale_words_dimmed(app):
    offer(app)
    app.board.unavailable = None
    view = app.frame_view(100.0)
    app.renderer.draw(app.surface, view)
    word = first(app, "word", slot=0)
    fresh = pixels_of(app.surface, word.rect)
    assert rgb(app.theme.tile_text) in fresh and rgb(app.theme.stale_text) not in fresh
    app.board.set_context("I ", "")  # the person chose a word: old suggestions are now stale
    app.renderer.draw(app.surface, app.frame_view(100.0))
    stale = pixels_of(app.surface, word.rect)
    assert rgb(app.theme.stale_text) in stale, "stale words stay visible, dimmed"
    assert rgb(app.theme.tile_text) not in stale
    assert {t.id for t in app.targets() if t.enabled} .isdisjoint({word.id}), "stale tiles are not selectable"


def test_dwell_progress_bar_fills_from_the_left(app):
    key = first(app, "page", target="keyboard")
    view = dataclasses.replace(app.frame_view(100.0), dwell_id=key.id, dwell_progress=0.3)
    app.renderer.draw(app.surface, view)
    x, y, w, h = key.rect
    bar_y = y + h - 10 - max(8, h // 9) // 2
    dwell = rgb(app.theme.dwell)
    assert tuple(app.surface.get_at((x + 14 + int((w - 28) * 0.1), bar_y)))[:3] == dwell
    assert tuple(app.surface.get_at((x + 14 + int((w - 28) * 0.8), bar_y)))[:3] != dwell


def test_preview_state_shows_the_word_previews_on_the_ending_tiles(app):
    offer(app)
    app.board.set_preview("I")
    view = app.frame_view(100.0)
    ending_texts = [view.slots[b.id].text for b in sorted(app.boxes, key=lambda b: b.tile.slot or 0) if b.kind == "ending"]
    assert ending_texts == ["I am tired.", "I want to go home.", ""]
    assert view.preview_word == "I"
    app.renderer.draw(app.surface, view)
    word = first(app, "word", slot=0)
    x, y, _w, h = word.rect
    assert tuple(app.surface.get_at((x + 2, y + h // 2)))[:3] == rgb(app.theme.dwell), "the previewed word is outlined"


def test_paused_board_dims_everything_but_resume(app):
    app.session.pause()
    app.session.drain_events()
    app.renderer.draw(app.surface, app.frame_view(100.0))
    pause = first(app, "action", action="pause")
    px, py, pw, _ph = pause.rect
    assert tuple(app.surface.get_at((px + pw // 2, py + 9)))[:3] == rgb(app.theme.action_tile)
    key = first(app, "page", target="keyboard")
    kx, ky, _kw, kh = key.rect
    dimmed = tuple(app.surface.get_at((kx + 8, ky + kh // 2)))[:3]
    assert sum(dimmed) < sum(rgb(app.theme.tile)), "other tiles are covered by the pause overlay"
    targets = {t.id: t for t in app.targets()}
    assert targets[pause.id].while_paused and targets[pause.id].dwell_s == pytest.approx(2.0)


def test_broken_layout_falls_back_and_shows_the_problems(tmp_path):
    pygame.display.init()
    pygame.font.init()
    bad = tmp_path / "bad.toml"
    bad.write_text('[layout]\nname = "x"\n[[page]]\nname = "p"\nrows = 2\ncols = 2\n[[page.tile]]\nkind = "nope"\nrow = 0\ncol = 0\n')
    surface = pygame.Surface((1280, 720))
    board = BoardApp(Profile.open(tmp_path / "p"), surface, layout_name=str(bad), clock=lambda: 5.0, handle_events=False)
    try:
        assert board.layout_problems and "nope" in " ".join(board.layout_problems)
        assert board.layout.pages, "a working layout is shown instead"
        board.step(5.0)
        # The problem is said on the status strip of the message bar; nothing covers a tile the
        # person needs (the red banner used to hide the message bar, Speak and Pause for 20 s).
        view = board.frame_view(5.0)
        assert not view.banner
        assert "nope" in view.status[0]
        speak = next(b for b in board.boxes if b.kind == "action" and b.tile.action == "speak")
        pause = next(b for b in board.boxes if b.kind == "action" and b.tile.action == "pause")
        for tile in (speak, pause):
            x, y, w, h = tile.rect
            assert tuple(surface.get_at((x + 8, y + h // 2)))[:3] == rgb(board.theme.action_tile)
        later = board.frame_view(60.0)
        assert not later.banner and any("Layout problems" in s for s in later.status)
    finally:
        board.close()


def test_several_layout_problems_are_counted_first_and_the_line_is_cut_with_an_ellipsis(tmp_path):
    """The caregiver reads how many problems there are before the line can be cut, the file by
    its name (not its folders) and the place in words; a line too long for the bar ends in "…"."""
    pygame.display.init()
    pygame.font.init()
    bad = tmp_path / "bad.toml"
    tile = "[[page.tile]]\nkind = \"{}\"\nrow = 0\ncol = {}\n"
    bad.write_text('[layout]\nname = "x"\n[[page]]\nname = "p"\nrows = 2\ncols = 2\n' + tile.format("nope", 0) + tile.format("nah", 1))
    surface = pygame.Surface((800, 480))
    board = BoardApp(Profile.open(tmp_path / "p"), surface, layout_name=str(bad), clock=lambda: 5.0, handle_events=False)
    try:
        first = board.frame_view(5.0).status[0]
        assert first.startswith("2 layout file problems (the board editor lists them)"), first
        assert 'First: bad.toml, line 8, page “p”, tile 1, kind: unknown tile kind "nope"' in first
        assert str(tmp_path) not in first
        r = board.renderer
        cut = r._ellipsize(first, 14, 300)
        assert cut.endswith("…") and len(cut) < len(first) and r.regular.size(cut, 14)[0] <= 300
        assert first.startswith(cut[:-1].rstrip())
        assert r._ellipsize("Paused", 14, 300) == "Paused"
        board.step(5.0)  # drawn without error at the small size
    finally:
        board.close()


def test_the_board_counts_the_files_problems_not_its_note_about_the_version_shown(tmp_path, monkeypatch):
    """Two typos after the file last worked: "2 layout file problems", as the editor lists them
    (the loader's "showing the last version that worked" is a note, not a third problem)."""
    from aac import paths
    from aac.layouts.loader import load_layout_or_default, user_layouts_dir

    monkeypatch.setenv("AAC_DATA_DIR", str(tmp_path / "data"))
    pygame.display.init()
    pygame.font.init()
    mine = user_layouts_dir() / "mine.toml"
    mine.parent.mkdir(parents=True)
    text = (paths.LAYOUTS_DIR / "default.toml").read_text(encoding="utf-8")
    mine.write_text(text, encoding="utf-8")
    assert load_layout_or_default("mine")[1] == []  # it worked once: a working version is kept
    mine.write_text(text.replace('kind = "message"', 'kind = "mesage"', 1).replace('kind = "word"', 'kind = "wurd"', 1),
                    encoding="utf-8")
    board = BoardApp(Profile.open(tmp_path / "p"), pygame.Surface((1280, 720)), layout_name="mine", clock=lambda: 5.0,
                     handle_events=False)
    try:
        assert board.frame_view(5.0).status[0].startswith("2 layout file problems (the board editor lists them)")
        assert len(board.layout_problems) == 2 and board.layout.pages
    finally:
        board.close()


def test_model_missing_message_and_keyboard_still_enabled(app):
    app.step(100.0)
    status = app.status_lines(100.0)
    assert any("Predictions unavailable" in s and "keyboard still works" in s for s in status)
    app.set_page("keyboard")
    enabled = {t.id for t in app.targets() if t.enabled}
    assert first(app, "letter", value="a").id in enabled
    assert first(app, "word", slot=0).id not in enabled


def test_text_fitted_to_one_line_stays_one_line(app):
    """fit() must not hand back more lines than asked for (the paused title is drawn on one line)."""
    title = "Пауза - посмотрите на «Продолжить» 2 с, чтобы продолжить"
    size, lines = app.renderer.fit(title, 1000, 200, 80, max_lines=1)
    assert lines == [title]
    assert app.renderer.fonts.font(size, title).size(title)[0] <= 1000


def test_paused_screen_in_russian_fits_the_screen(tmp_path):
    pygame.display.init()
    pygame.font.init()
    surface = pygame.Surface((1280, 720))
    profile = Profile.open(tmp_path / "profile")
    profile.set("language", "ru")
    board = BoardApp(profile, surface, layout_name="ru-default", clock=lambda: 100.0, handle_events=False)
    try:
        board.session.pause()
        board.session.drain_events()
        view = board.frame_view(100.0)
        assert view.language == "ru"
        board.renderer.draw(board.surface, view)
        # the title panel's outline (dwell colour) is found above the centre and stops short
        # of the screen's edges: the long Russian title is fitted, not cut off
        dwell = rgb(board.theme.dwell)
        top = next(y for y in range(720 // 2, 0, -1) if tuple(surface.get_at((640, y)))[:3] == dwell)
        row = [x for x in range(1280) if tuple(surface.get_at((x, top)))[:3] == dwell]
        assert row and min(row) > 4 and max(row) < 1275, (min(row), max(row))
    finally:
        board.close()


def test_the_board_redrawn_in_part_equals_the_board_drawn_whole(app):
    """The resting board is brought up to date by redrawing only the tiles whose look changed
    (and the message when it changed). Through letters typed, suggestions arriving stale then
    fresh, a word's previews, a status line, a page switch and pause, every frame of the renderer
    that does so must equal, pixel for pixel, the same view drawn whole by a new renderer."""
    from aac.ui.render import Renderer

    app.set_page("keyboard")
    kept, fresh = pygame.Surface((1280, 720)), pygame.Surface((1280, 720))
    renderer = Renderer()
    now = [100.0]
    partial_redraws = []

    def same_frame(step: str) -> None:
        now[0] += 0.05
        view = app.controller.view(now[0])
        before = renderer.base_tiles_drawn
        renderer.draw(kept, view)
        partial_redraws.append(renderer.base_tiles_drawn - before)
        Renderer().draw(fresh, view)
        assert pygame.image.tobytes(kept, "RGB") == pygame.image.tobytes(fresh, "RGB"), step

    same_frame("first frame")
    same_frame("nothing changed")
    offer(app)
    same_frame("suggestions arrive")
    app.session.type_letter("h")
    app.board.set_context(*app.session.context_and_prefix())
    same_frame("a letter typed: message and stale suggestions")
    offer(app, *app.session.context_and_prefix())
    same_frame("fresh suggestions for the letter")
    app.board.preview_word = "I"
    same_frame("a word's previews on the ending tiles")
    app.controller.say("Speech unavailable: no sound card", now=now[0])
    same_frame("a status line in the message box")
    app.session.type_letter("e")
    for _ in range(60):
        app.session.type_letter("w")  # a message long enough to wrap and shrink
    app.board.set_context(*app.session.context_and_prefix())
    same_frame("a long message")
    app.set_page("home")
    same_frame("another page")
    app.session.pause()
    same_frame("paused")
    assert partial_redraws[1] == 0, "nothing changed: no tile drawn again"
    assert 0 < partial_redraws[3] < len(app.boxes) // 2, "a letter redraws the message and prediction tiles only"
