"""Pictures on tiles: loaded once, scaled to the tile, placed above the label.

Why: many people read symbols before (or instead of) words, so an imported or caregiver-made
picture board must show its pictures. Kept apart from ``render.py`` so the renderer only asks
"where does the picture go and where does the text go".
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import pygame

#: Share of the tile's height the picture takes when the tile also has a label.
PICTURE_SHARE = 0.62


@lru_cache(maxsize=256)
def _scaled(path: str, mtime: float, w: int, h: int) -> pygame.Surface | None:
    try:
        if path.lower().endswith(".svg"):
            try:
                img = pygame.image.load_sized_svg(path, (w, h))
            except (AttributeError, TypeError):
                img = pygame.image.load(path)
        else:
            img = pygame.image.load(path)
    except (pygame.error, OSError, ValueError):
        return None
    iw, ih = img.get_size()
    if iw < 1 or ih < 1:
        return None
    scale = min(w / iw, h / ih)
    size = (max(1, int(iw * scale)), max(1, int(ih * scale)))
    rgba = pygame.Surface((iw, ih), pygame.SRCALPHA, 32)
    rgba.blit(img, (0, 0))
    return pygame.transform.smoothscale(rgba, size)


def picture_surface(path: str | Path, w: int, h: int) -> pygame.Surface | None:
    """The picture at ``path`` fitted into w x h (aspect kept), or None when it cannot be read."""
    try:
        mtime = Path(path).stat().st_mtime
    except OSError:
        return None
    return _scaled(str(path), mtime, max(1, int(w)), max(1, int(h)))


def draw_picture(surf: pygame.Surface, path: str | Path, rect: pygame.Rect, has_text: bool) -> pygame.Rect:
    """Draw the picture in the top part of ``rect``; returns the rect left for the label."""
    pad = max(4, min(rect.w, rect.h) // 14)
    pic_h = int(rect.h * PICTURE_SHARE) if has_text else rect.h
    area = pygame.Rect(rect.x + pad, rect.y + pad, rect.w - 2 * pad, pic_h - pad - (0 if has_text else pad))
    img = picture_surface(path, area.w, area.h) if area.w > 4 and area.h > 4 else None
    if img is None:
        return rect
    surf.blit(img, img.get_rect(center=area.center))
    return pygame.Rect(rect.x, rect.y + pic_h - pad, rect.w, rect.h - pic_h + pad)
