"""Fonts for the board: Atkinson Hyperlegible (designed for low vision), DejaVu as fallback.

Text rendering is the most expensive part of a frame, so every size and every rendered string is
cached: a steady board renders no new glyphs at all, only blits.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import pygame

_DEJAVU_CANDIDATES = [
    Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"),
    Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
    Path("/usr/share/fonts/TTF/DejaVuSans-Bold.ttf"),
    Path("/usr/share/fonts/dejavu/DejaVuSans-Bold.ttf"),
]


def atkinson_path(bold: bool = True) -> Path | None:
    """The Atkinson Hyperlegible .ttf shipped by the ``fontpkg-atkinson-hyperlegible`` package."""
    try:
        import fontpkg_atkinson_hyperlegible as pkg  # type: ignore[import-not-found]
    except ImportError:
        return None
    name = "AtkinsonHyperlegible-Bold.ttf" if bold else "AtkinsonHyperlegible-Regular.ttf"
    for candidate in (Path(pkg.ROOT) / "files" / name, *Path(pkg.ROOT).rglob(name)):
        if candidate.is_file():
            return candidate
    return None


def dejavu_path() -> Path | None:
    for candidate in _DEJAVU_CANDIDATES:
        if candidate.is_file():
            return candidate
    return None


@lru_cache(maxsize=4)
def font_path(bold: bool = True) -> Path | None:
    """Best available font file; ``None`` means pygame's built-in default font."""
    return atkinson_path(bold) or dejavu_path()


def has_glyphs(path: Path | None, text: str) -> bool:
    """True when the font can draw every character of ``text`` (Cyrillic needs DejaVu)."""
    if path is None:
        return True
    font = get_font(8, path)
    try:
        metrics = font.metrics(text)
    except (pygame.error, UnicodeError):
        return False
    return all(m is not None for m in metrics)


@lru_cache(maxsize=256)
def get_font(size: int, path: Path | None = None) -> pygame.font.Font:
    """A cached pygame font of ``size`` pixels (pygame.font must be initialised)."""
    if not pygame.font.get_init():
        pygame.font.init()
    return pygame.font.Font(str(path) if path else None, max(6, int(size)))


class FontBook:
    """Picks a font that can draw the text (Latin: Atkinson, else DejaVu) and caches renders."""

    def __init__(self, bold: bool = True) -> None:
        self.primary = font_path(bold)
        self.fallback = dejavu_path()
        self._render_cache: dict[tuple, pygame.Surface] = {}
        self._path_for_text: dict[str, Path | None] = {}

    @property
    def name(self) -> str:
        return self.primary.stem if self.primary else "pygame default"

    def path_for(self, text: str) -> Path | None:
        hit = self._path_for_text.get(text)
        if hit is None and text not in self._path_for_text:
            hit = self.primary
            if text and not has_glyphs(self.primary, text) and self.fallback is not None:
                hit = self.fallback
            if len(self._path_for_text) > 4096:
                self._path_for_text.clear()
            self._path_for_text[text] = hit
        return hit

    def font(self, size: int, text: str = "") -> pygame.font.Font:
        return get_font(int(size), self.path_for(text))

    def size(self, text: str, size: int) -> tuple[int, int]:
        return self.font(size, text).size(text)

    def render(self, text: str, size: int, color: tuple[int, int, int]) -> pygame.Surface:
        key = (text, int(size), tuple(color))
        surf = self._render_cache.get(key)
        if surf is None:
            if len(self._render_cache) > 2048:
                self._render_cache.clear()
            surf = self.font(size, text).render(text, True, color)
            self._render_cache[key] = surf
        return surf
