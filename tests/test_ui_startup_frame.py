"""The board's start-up work stays out of the frames (issue 15's frame budget): the first image is
composed while the board starts, so the first frame renders no tile, and the long-lived heap is
frozen out of the cyclic collector's reach (at start-up and once the model is loaded)."""

from __future__ import annotations

import gc
import os

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")

import pygame
import pytest

from aac.store.profile import Profile
from aac.ui.app import BoardApp


class Clock:
    def __init__(self) -> None:
        self.now = 10.0

    def __call__(self) -> float:
        return self.now


class LoadingService:
    """A prediction service whose model is still loading (``ready`` flips later), nothing more."""

    def __init__(self) -> None:
        self.ready = False
        self.error = None

    def latest(self):
        return None

    def peek(self, context: str, prefix: str) -> None:
        pass

    def peeked(self, context: str, prefix: str):
        return None

    def request(self, context: str, prefix: str) -> None:
        pass

    def record_choice(self, *a) -> None:
        pass

    def learn(self, sentence: str) -> None:
        pass

    def close(self) -> None:
        pass


@pytest.fixture()
def board(tmp_path):
    pygame.display.init()
    pygame.font.init()
    clock = Clock()
    service = LoadingService()
    app = BoardApp(Profile.open(tmp_path / "profile"), pygame.Surface((1280, 720)), layout_name="default",
                   clock=clock, service=service, source_name="mouse", handle_events=False, record_usage=False)
    yield app, clock, service
    app.close()


def test_first_frame_renders_no_tile_the_start_up_composed_them(board):
    app, clock, _ = board
    tiles = len(app.renderer._tile_cache)
    assert tiles > 0  # the start-up composed the board's tile images
    renders: list[object] = []
    original = app.renderer.tile_image.__func__

    def counting(renderer, look):
        if renderer._tile_cache.get(look) is None:
            renders.append(look)
        return original(renderer, look)

    app.renderer.tile_image = counting.__get__(app.renderer)
    clock.now += 1 / 60
    app.step(clock.now)
    assert renders == []
    # and the frame shows the same board the start-up composed
    assert len(app.renderer._tile_cache) == tiles


def test_start_up_and_model_ready_freeze_the_long_lived_heap(board):
    app, clock, service = board
    assert gc.get_freeze_count() > 0
    n = 5000  # far more than the objects a frame frees, so the counts below cannot be masked
    before = gc.get_freeze_count()
    loading = [[i] for i in range(n)]  # gc-tracked objects made while the model loads
    clock.now += 1 / 60
    app.step(clock.now)
    assert gc.get_freeze_count() < before + n  # model still loading: the frame froze nothing
    service.ready = True
    clock.now += 1 / 60
    app.step(clock.now)
    after = gc.get_freeze_count()
    assert after >= before + n - 1000  # what exists when the model is ready is frozen
    later = [[i] for i in range(n)]
    clock.now += 1 / 60
    app.step(clock.now)
    assert gc.get_freeze_count() < after + n  # once only: later objects stay collectable
    assert len(loading) == len(later) == n
