"""Shared test fixtures: isolated data folders, one fake clock, the board driver, a scripted
predictor.

- Every test session writes profiles, drafts and usage logs under a temporary ``AAC_DATA_DIR``,
  never into the person's real data folder (``~/.local/share/aac``). The model cache
  (``AAC_CACHE_DIR``, the built ONNX models) is shared and left alone.
- :class:`FakeClock` is the one settable clock (``clock.now``; calling it returns the time).
- ``board`` is a real :class:`~aac.ui.app.BoardApp` on a headless surface with the mouse source
  as the gaze (hover = gaze), driven through the public :class:`~aac.ui.driver.BoardDriver`.
- :class:`ScriptedPredictor` answers the prediction service with suggestions the test chooses,
  so the board's and the service's logic run without the model (the service thread is real).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")

import pytest


@pytest.fixture(scope="session", autouse=True)
def isolated_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Profiles and logs of this test session live in a temporary folder."""
    old = os.environ.get("AAC_DATA_DIR")
    path = str(tmp_path_factory.mktemp("aac-data"))
    os.environ["AAC_DATA_DIR"] = path
    yield path
    if old is None:
        os.environ.pop("AAC_DATA_DIR", None)
    else:
        os.environ["AAC_DATA_DIR"] = old


class FakeClock:
    """A clock the test moves: ``clock.now += 1 / 60``; ``clock()`` returns ``now``."""

    def __init__(self, now: float = 50.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture()
def fake_clock() -> FakeClock:
    return FakeClock()


@dataclass
class ScriptedPredictor:
    """A predictor whose answers the test sets (``words``, ``endings``, ``previews``)."""

    words: list[str] = field(default_factory=lambda: ["I", "the", "please", "can", "what"])
    endings: list[str] = field(default_factory=lambda: ["I am hungry.", "I need help.", "Thank you."])
    previews: dict[str, list[str]] = field(default_factory=dict)
    learned: list[str] = field(default_factory=list)

    def suggest(self, context, prefix, cancel=None, **kwargs):
        from aac.predict.types import Suggestions

        return Suggestions(context, prefix, list(self.words), list(self.endings))

    def with_previews(self, context, prefix, cancel=None, **kwargs):
        from dataclasses import replace

        return replace(self.suggest(context, prefix), previews=dict(self.previews))

    def learn(self, sentence):
        self.learned.append(sentence)

    def speculate(self, context, prefix, cancel=None):
        return 0


@pytest.fixture()
def scripted_predictor() -> ScriptedPredictor:
    return ScriptedPredictor()


@dataclass
class Board:
    """What the ``board`` fixture gives: the app, its driver, and the parts behind it."""

    app: object
    driver: object
    clock: FakeClock
    speaker: object
    service: object
    predictor: ScriptedPredictor


@pytest.fixture()
def board(tmp_path, fake_clock: FakeClock, scripted_predictor: ScriptedPredictor) -> Iterator[Board]:
    """A real board (default layout, 1280x720, headless) with scripted suggestions, driven by
    gaze through :class:`~aac.ui.driver.BoardDriver` (``board.driver.dwell_on(tile, 1.5)``)."""
    import pygame

    from aac.gaze.mouse import MouseSource
    from aac.predict.service import PredictionService
    from aac.speech.speaker import RecordingSpeaker
    from aac.store.profile import Profile
    from aac.ui.app import BoardApp
    from aac.ui.driver import BoardDriver

    pygame.display.init()
    pygame.font.init()
    size = (1280, 720)
    pointer = [(0.0, 0.0)]
    service = PredictionService(lambda: scripted_predictor, early_words=False, speculate=False)
    assert service.wait_ready(10)
    speaker = RecordingSpeaker()
    app = BoardApp(Profile.open(tmp_path / "profile"), pygame.Surface(size), layout_name="default",
                   clock=fake_clock, source=MouseSource(lambda: pointer[0], size, clock=fake_clock),
                   service=service, speaker=speaker, source_name="mouse", handle_events=False)
    driver = BoardDriver(app, pointer, fake_clock)
    driver.wait_for_suggestions()
    try:
        yield Board(app, driver, fake_clock, speaker, service, scripted_predictor)
    finally:
        app.close()
