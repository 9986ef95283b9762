"""The board's frame loop driven through the real mouse gaze source (hover = gaze): dwell
selects once, the draft survives, the usage log gets the selection, pause never traps, settings
are saved, and `aac run` without a display explains itself."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")

import pygame
import pytest

from aac.gaze.mouse import MouseSource
from aac.speech.speaker import RecordingSpeaker
from aac.store.profile import Profile
from aac.store.usage_log import UsageLog
from aac.ui.app import BoardApp


class Clock:
    def __init__(self) -> None:
        self.now = 50.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture()
def rig(tmp_path):
    pygame.display.init()
    pygame.font.init()
    clock = Clock()
    pointer = [(0.0, 0.0)]
    surface = pygame.Surface((1280, 720))
    profile = Profile.open(tmp_path / "profile")
    speaker = RecordingSpeaker()
    log = UsageLog(profile)
    source = MouseSource(lambda: pointer[0], (1280, 720), clock=clock)
    app = BoardApp(profile, surface, layout_name="default", clock=clock, source=source,
                   speaker=speaker, usage_log=log, source_name="mouse", handle_events=False)
    yield app, clock, pointer, speaker, profile
    app.close()


def run(app, clock, seconds):
    for _ in range(int(seconds * 60)):
        clock.now += 1 / 60
        app.step(clock.now)


def box(app, kind, **attrs):
    return next(b for b in app.boxes if b.kind == kind and all(getattr(b.tile, k) == v for k, v in attrs.items()))


def test_hovering_a_letter_types_it_once_and_saves_the_draft(rig):
    app, clock, pointer, speaker, profile = rig
    pointer[0] = box(app, "page", target="keyboard").center
    run(app, clock, 1.5)
    assert app.page_name == "keyboard"
    pointer[0] = box(app, "letter", value="h").center
    run(app, clock, 0.5)
    assert app.session.text == "", "no activation before lock-on + dwell"
    run(app, clock, 3.0)  # staring on: still only one letter (look-away re-arm)
    assert app.session.text == "H"
    assert speaker.clicks >= 2, "click sound on each activation"
    pointer[0] = box(app, "message").center  # look away, then back: a second letter
    run(app, clock, 0.4)
    pointer[0] = box(app, "letter", value="i").center
    run(app, clock, 1.5)
    assert app.session.text == "Hi"
    assert profile.draft_writer.flush(5)
    assert Profile.open(profile.dir).load_draft() == "Hi"


def test_draft_is_restored_and_speak_reaches_the_speaker_and_the_log(rig, tmp_path):
    app, clock, pointer, speaker, profile = rig
    app.session.restore("I need water")
    pointer[0] = box(app, "action", action="speak").center
    run(app, clock, 1.6)
    assert speaker.spoken == ["I need water"]
    assert app.session.text == ""
    app.usage_log.flush(5)
    db = sqlite3.connect(profile.usage_db)
    kinds = [r[0] for r in db.execute("select kind from selections")]
    assert kinds == ["action"], kinds
    assert db.execute("select count(*) from messages").fetchone()[0] == 1
    # Text logging is off by default: the message text is nowhere in the database.
    dump = "\n".join(db.iterdump())
    assert "water" not in dump


def test_restart_restores_the_draft(tmp_path):
    pygame.display.init()
    pygame.font.init()
    profile = Profile.open(tmp_path / "p")
    profile.save_draft("Half a messa")
    app = BoardApp(Profile.open(tmp_path / "p"), pygame.Surface((800, 480)), clock=Clock(), handle_events=False)
    try:
        assert app.session.text == "Half a messa"
        assert app.session.context_and_prefix() == ("Half a ", "messa")
    finally:
        app.close()


def test_pause_stops_everything_but_resume_with_a_longer_dwell(rig):
    app, clock, pointer, _speaker, _profile = rig
    pause = box(app, "action", action="pause")
    pointer[0] = pause.center
    run(app, clock, 1.5)
    assert app.session.paused
    pointer[0] = box(app, "page", target="keyboard").center
    run(app, clock, 3.0)
    assert app.page_name == "home", "nothing but resume works while paused"
    pointer[0] = pause.center
    run(app, clock, 1.5)
    assert app.session.paused, "resume needs the longer dwell (2 s)"
    run(app, clock, 1.5)
    assert not app.session.paused, "the way out is always there"


def test_settings_screen_saves_to_the_profile(rig):
    app, _clock, _pointer, _speaker, profile = rig
    app.open_settings()
    screen = app.settings_screen
    assert screen is not None
    # Dwell time is the first row: Right twice = +200 ms, then Enter saves.
    for key in (pygame.K_RIGHT, pygame.K_RIGHT, pygame.K_RETURN):
        screen.handle(pygame.event.Event(pygame.KEYDOWN, key=key, mod=0))
    assert app.settings_screen is None
    screen.save_thread.join(5)
    assert Profile.open(profile.dir).settings.dwell_ms == 1200
    assert app.dwell_config.dwell_s == pytest.approx(1.2)


def test_settings_screen_cannot_be_opened_by_gaze_alone(rig):
    app, clock, pointer, _speaker, _profile = rig
    # No tile opens it on the default layout; gaze anywhere for long never shows it.
    for b in app.boxes:
        if b.kind != "message":
            pointer[0] = b.center
            run(app, clock, 0.1)
    assert app.settings_screen is None


def test_aac_run_without_a_display_says_what_to_do():
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "SDL_VIDEODRIVER")}
    proc = subprocess.run([sys.executable, "-m", "aac.cli", "run"], env=env, capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode != 0
    assert "no display" in proc.stderr and "make demo" in proc.stderr and "aac simulate" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_aac_run_headless_screenshot(tmp_path):
    out = tmp_path / "board.png"
    env = dict(os.environ, SDL_VIDEODRIVER="dummy", SDL_AUDIODRIVER="dummy", AAC_DATA_DIR=str(tmp_path / "data"))
    proc = subprocess.run(
        [sys.executable, "-m", "aac.cli", "run", "--profile", str(tmp_path / "prof"), "--windowed", "1280x720",
         "--frames", "5", "--screenshot", str(out)],
        env=env, capture_output=True, text=True, timeout=120, check=False,
    )
    assert proc.returncode == 0, proc.stderr
    img = pygame.image.load(str(out))
    assert img.get_size() == (1280, 720)


def test_switch_scanning_selects_with_one_switch(tmp_path):
    pygame.display.init()
    pygame.font.init()
    clock = Clock()
    profile = Profile.open(tmp_path / "p")
    from aac.gaze.factory import make_source

    app = BoardApp(profile, pygame.Surface((1280, 720)), layout_name="default", clock=clock,
                   source=make_source("scan", (1280, 720)), source_name="scan", handle_events=False)
    try:
        assert app.scanner is not None
        row_of = {tid: i for i, row in enumerate(app.scanner.rows) for tid in row}
        target = box(app, "page", target="keyboard")
        # Wait until the scan highlights the keyboard tile's row, press; then its tile, press.
        for _ in range(60 * 60):
            clock.now += 1 / 60
            app.step(clock.now)
            st = app.scanner.state
            if st.mode == "rows" and st.row == row_of[target.id]:
                app.scan_press("select", clock.now)
            elif st.mode == "tiles" and st.tile == target.id:
                assert target.id in app.frame_view(clock.now).highlight_ids
                app.scan_press("select", clock.now)
                break
        assert app.page_name == "keyboard"
    finally:
        app.close()


class ScriptedPredictor:
    """A predictor whose answers the test chooses (the board under test is real, and so is the
    PredictionService thread that delivers the answers); ``words[0]`` can be changed mid-dwell."""

    def __init__(self) -> None:
        self.first = "I"

    def suggest(self, context, prefix, cancel=None, **kwargs):
        from aac.predict.types import Suggestions

        return Suggestions(context, prefix, [self.first, "the", "please", "can", "what"],
                           ["I am hungry.", "I need help.", "Thank you."])

    def with_previews(self, context, prefix, cancel=None, **kwargs):
        from dataclasses import replace

        s = self.suggest(context, prefix)
        return replace(s, previews={s.words[0]: [f"{s.words[0]} am tired.", f"{s.words[0]} want tea."]})

    def learn(self, sentence):
        pass

    def speculate(self, context, prefix, cancel=None):
        return 0


def test_word_under_a_dwell_does_not_change_and_preview_then_ending_is_one_selection(tmp_path):
    from aac.predict.service import PredictionService

    pygame.display.init()
    pygame.font.init()
    clock = Clock()
    pointer = [(0.0, 0.0)]
    predictor = ScriptedPredictor()
    service = PredictionService(lambda: predictor, early_words=False, speculate=False)
    assert service.wait_ready(10)
    app = BoardApp(Profile.open(tmp_path / "p"), pygame.Surface((1280, 720)), layout_name="default", clock=clock,
                   source=MouseSource(lambda: pointer[0], (1280, 720), clock=clock), service=service,
                   source_name="mouse", handle_events=False)
    try:
        for _ in range(300):
            run(app, clock, 1 / 60)
            if app.board.fresh and app.board.shown.previews:
                break
        word0 = box(app, "word", slot=0)
        pointer[0] = word0.center
        run(app, clock, 0.5)  # lock-on and part of the dwell: the preview is on
        assert app.board.previewing and app.board.preview_word == "I"
        predictor.first = "Hello"
        service.request(*app.session.context_and_prefix())  # the same context answered differently
        import time as _time

        deadline = _time.monotonic() + 10
        while service.latest().words[0] != "Hello" and _time.monotonic() < deadline:
            _time.sleep(0.01)
        assert service.latest().words[0] == "Hello"
        run(app, clock, 0.1)
        assert app.board.slot("word", 0).text == "I", "the word under the dwell does not change"
        # Move to the first ending tile (showing the preview of "I") and dwell there.
        ending0 = box(app, "ending", slot=0)
        pointer[0] = ending0.center
        run(app, clock, 0.05)
        assert app.board.slot("ending", 0).via_word == "I"
        assert app.board.slot("ending", 0).text == "I am tired."
        run(app, clock, 1.5)
        assert app.session.text == "I am tired. "
        kinds = [e.kind for a in app.activations for e in a.events]
        assert kinds == ["ending"], "word + ending in one selection"
        assert app.activations[0].events[0].extra["via_word"] is True
    finally:
        app.close()


def test_settings_screen_mouse_and_cancel(rig):
    app, clock, pointer, speaker, profile = rig
    app.open_settings()
    screen = app.settings_screen
    screen.draw(app.surface)
    value = screen._value_rects[0]  # dwell time: "<  1000  >"
    screen.handle(pygame.event.Event(pygame.MOUSEBUTTONDOWN, button=1, pos=(value.left + 4, value.centery)))
    assert screen.values["dwell_ms"] == 900
    screen.handle(pygame.event.Event(pygame.KEYDOWN, key=pygame.K_ESCAPE, mod=0))
    assert app.settings_screen is None
    assert Profile.open(profile.dir).settings.dwell_ms == 1000, "cancel keeps the saved settings"
