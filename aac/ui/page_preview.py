"""One page of a layout drawn by the board's own renderer, headless, as PNG bytes.

Why: a caregiver without the board running (``aac layout show --png``) and the browser editor
must see a page exactly as the person will; drawing it with :class:`~aac.ui.render.Renderer`
(not a second imitation in HTML) guarantees that. Prediction tiles show dimmed placeholders
("word 1") because no model runs here; the message bar shows a sample sentence.
"""

from __future__ import annotations

import io
import os
import threading
from typing import Any

#: The board's reference screen (README: tile sizes are quoted for 1920 x 1080).
DEFAULT_SIZE = (1280, 720)
_LOCK = threading.Lock()  # pygame's font and surface calls are not thread-safe
_RENDERER: Any = None


def _init_pygame():
    os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
    os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
    os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
    import pygame

    if not pygame.font.get_init():
        pygame.font.init()
    return pygame


def render_page_png(layout: Any, page_name: str | None = None, size: tuple[int, int] = DEFAULT_SIZE,
                    theme: Any = None, message: str = "") -> bytes:
    """PNG bytes of ``page_name`` (default: the home page) at ``size``, in ``theme`` (default: the layout's)."""
    global _RENDERER
    with _LOCK:
        pygame = _init_pygame()
        from aac.ui.board_state import SlotContent
        from aac.ui.geometry import layout_page
        from aac.ui.render import FrameView, Renderer

        page = layout.page(page_name) if page_name else layout.home
        boxes = layout_page(page, size)
        slots = {}
        for box in boxes:
            if box.kind in ("word", "ending", "chunk"):
                n = (box.tile.slot or 0) + 1
                slots[box.id] = SlotContent(text=f"({box.kind} {n})", enabled=False, stale=True)
        if _RENDERER is None:
            _RENDERER = Renderer()
        view = FrameView(boxes=boxes, theme=theme or layout.theme, font_scale=layout.font_scale, slots=slots,
                         message=message, language=layout.language)
        surf = pygame.Surface(size)
        _RENDERER.draw(surf, view)
        out = io.BytesIO()
        pygame.image.save(surf, out, "page.png")
        return out.getvalue()
