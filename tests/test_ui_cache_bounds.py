"""Long sessions must not grow memory: cached tile images are bounded by bytes, fonts survive
pygame restarts (the calibration screen and tests start pygame more than once per process)."""

from __future__ import annotations

import os

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")

import pygame

from aac.ui import render
from aac.ui.fonts import get_font


def test_tile_cache_stays_under_its_byte_bound(monkeypatch):
    pygame.init()
    monkeypatch.setattr(render, "TILE_CACHE_BYTES", 4 * 1024 * 1024)
    r = render.Renderer()
    w, h = 1400, 110  # a message bar whose text changes with every selection
    for i in range(200):
        look = (w, h, (0, 0, 0), (20, 20, 20), (200, 200, 200), 2, f"message {i}", (255, 255, 0), 48, 2)
        img = r.tile_image(look)
        assert img.get_size() == (w, h)
    assert r._tile_cache.bytes <= 4 * 1024 * 1024
    assert len(r._tile_cache) < 200
    # the most recent image is still cached and reused
    last = (w, h, (0, 0, 0), (20, 20, 20), (200, 200, 200), 2, "message 199", (255, 255, 0), 48, 2)
    assert r.tile_image(last) is r.tile_image(last)


def test_fonts_survive_a_pygame_restart():
    pygame.init()
    first = get_font(24)
    pygame.quit()
    pygame.init()
    again = get_font(24)
    assert again.render("Hello", True, (255, 255, 255)).get_width() > 0
    assert again is not first
