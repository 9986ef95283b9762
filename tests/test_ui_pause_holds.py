"""Pause holds, whatever happens to the board while the person rests their eyes.

Regression (issue 14): a settings change built a new dwell engine that started unpaused while the
session stayed paused, so the board said "Paused" and every tile fired again. The person pauses
to rest; a caregiver changes the dwell time, the theme, the layout or the voice through the real
settings screen; a layout is switched; the prediction worker restarts. Then the person's gaze
rests on a letter, a word and the speak tile: nothing fires, the status still says paused, and
only the resume tile resumes.
"""

from __future__ import annotations

import os
import time

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")

import pygame
import pytest

from aac.gaze.mouse import MouseSource
from aac.predict.service import PredictionService
from aac.predict.types import Suggestions
from aac.speech.speaker import RecordingSpeaker
from aac.store.profile import Profile
from aac.ui.app import BoardApp
from aac.ui.driver import BoardDriver


class Clock:
    def __init__(self) -> None:
        self.now = 50.0

    def __call__(self) -> float:
        return self.now


class FixedPredictor:
    """Always the same suggestions (the service thread that delivers them is real). With
    ``die`` set, the next request ends the worker thread the way a library's SystemExit does."""

    def __init__(self) -> None:
        self.die = False

    def suggest(self, context, prefix, cancel=None, **kwargs):
        if self.die:
            self.die = False
            raise SystemExit("worker killed by a library")
        return Suggestions(context, prefix, ["hello", "the", "please", "can", "what"], ["I need help."])

    def with_previews(self, context, prefix, cancel=None, **kwargs):
        return self.suggest(context, prefix)

    def learn(self, sentence):
        pass

    def speculate(self, context, prefix, cancel=None):
        return 0


@pytest.fixture()
def board(tmp_path):
    pygame.display.init()
    pygame.font.init()
    clock = Clock()
    pointer = [(0.0, 0.0)]
    profile = Profile.open(tmp_path / "profile")
    profile.settings = profile.settings.replace(layout="default")
    predictor = FixedPredictor()
    service = PredictionService(lambda: predictor, early_words=False, speculate=False)
    assert service.wait_ready(10)
    speaker = RecordingSpeaker()
    app = BoardApp(profile, pygame.Surface((800, 480)), layout_name="default", clock=clock,
                   source=MouseSource(lambda: pointer[0], (800, 480), clock=clock), service=service,
                   speaker=speaker, source_name="mouse", handle_events=False)
    driver = BoardDriver(app, pointer, clock)
    driver.wait_for_suggestions()
    yield driver, app, service, speaker, predictor
    app.close()


def pause(driver: BoardDriver) -> None:
    """Go to the keyboard page (letters, words and Speak on one page), then pause."""
    driver.dwell_on(driver.tile("page", target="keyboard"), 1.6)
    assert driver.page == "keyboard"
    driver.look_away()
    driver.dwell_on(driver.tile("action", action="pause"), 1.6)
    assert driver.paused
    driver.look_away()


def assert_nothing_fires(driver: BoardDriver, speaker: RecordingSpeaker) -> None:
    """Rest the gaze on a letter, a word and the speak tile (and a page tile where the page has
    no letters): nothing is typed, spoken or switched; the status still says paused."""
    text, page = driver.text, driver.page
    spoken = list(speaker.spoken)
    activations = driver.activation_count
    assert driver.slot(driver.tile("word", slot=0)).text, "the word tile shows a word"
    tiles = [driver.find("letter"), driver.tile("word", slot=0), driver.tile("action", action="speak"),
             driver.find("page")]
    assert tiles[0] is not None or tiles[3] is not None
    for tile in tiles:
        if tile is None:
            continue
        driver.dwell_on(tile, 2.0)
        assert driver.text == text, f"{tile.kind} fired while paused"
    assert speaker.spoken == spoken, "nothing spoken while paused"
    assert driver.activation_count == activations, "no tile fired while paused"
    assert driver.page == page
    assert driver.paused
    assert driver.status_says_paused()


def assert_only_resume_resumes(driver: BoardDriver) -> None:
    resume = driver.resume_tile()
    assert resume is not None
    driver.dwell_on(resume, 1.5)
    assert driver.paused, "resume needs its longer dwell"
    driver.dwell_on(resume, 1.0)
    assert not driver.paused, "the way out is always there"
    assert not driver.status_says_paused()


def change_setting(app: BoardApp, **values) -> None:
    """Through the real settings screen: open it, set values, save (applies at once)."""
    app.open_settings()
    screen = app.settings_screen
    assert screen is not None
    screen.values.update(values)
    screen.save()
    assert app.settings_screen is None
    screen.save_thread.join(5)


@pytest.mark.parametrize(
    "change",
    [
        {"dwell_ms": 800},
        {"theme": "dark"},
        {"layout": "large"},
        {"voice": "en-gb"},
        {"dwell_ms": 1200, "theme": "light", "layout": "default", "voice": "en-slow"},
    ],
    ids=["dwell", "theme", "layout", "voice", "all"],
)
def test_pause_holds_after_a_settings_change(board, change):
    driver, app, _service, speaker, _predictor = board
    pause(driver)
    change_setting(app, **change)
    assert driver.paused and driver.status_says_paused()
    driver.wait_for_suggestions()
    assert_nothing_fires(driver, speaker)
    assert_only_resume_resumes(driver)


def test_pause_holds_after_a_layout_switch(board):
    driver, app, _service, speaker, _predictor = board
    pause(driver)
    assert app.switch_layout("large")
    assert driver.paused and driver.status_says_paused()
    driver.wait_for_suggestions()
    assert_nothing_fires(driver, speaker)
    assert_only_resume_resumes(driver)


@pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")
def test_pause_holds_after_the_prediction_worker_restarts(board):
    driver, app, service, speaker, predictor = board
    pause(driver)
    # The worker dies (as with a SystemExit from a library); the next request restarts it.
    predictor.die = True
    service.request("x", "")
    for _ in range(500):
        if service.restarts:
            break
        time.sleep(0.01)
        service.request("", "")
    assert service.restarts == 1
    driver.wait_for_suggestions()
    assert_nothing_fires(driver, speaker)
    assert_only_resume_resumes(driver)
