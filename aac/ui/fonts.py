"""Fonts for the board: Atkinson Hyperlegible (designed for low vision), DejaVu as fallback.

Text rendering is the most expensive part of a frame, so every size and every rendered string is
cached: a steady board renders no new glyphs at all, only blits.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import pygame

from aac.text_safety import clean_for_screen
from aac.ui.surface_cache import SurfaceCache

_DEJAVU_DIRS = [
    Path("/usr/share/fonts/truetype/dejavu"),
    Path("/usr/share/fonts/TTF"),
    Path("/usr/share/fonts/dejavu"),
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


def dejavu_path(bold: bool = True) -> Path | None:
    """DejaVu Sans (wide Unicode coverage: Cyrillic, Greek, symbols), bold or regular."""
    names = ["DejaVuSans-Bold.ttf", "DejaVuSans.ttf"] if bold else ["DejaVuSans.ttf", "DejaVuSans-Bold.ttf"]
    for name in names:
        for folder in _DEJAVU_DIRS:
            if (folder / name).is_file():
                return folder / name
    return None


@lru_cache(maxsize=4)
def font_path(bold: bool = True) -> Path | None:
    """Best available font file; ``None`` means pygame's built-in default font."""
    return atkinson_path(bold) or dejavu_path()


@lru_cache(maxsize=16)
def _cmap(path: Path) -> frozenset[int] | None:
    """The code points the font maps to real glyphs (None when fontTools cannot read it).

    pygame's ``Font.metrics`` cannot answer this: it reports the metrics of the ".notdef" box
    for a missing character, which is exactly how Cyrillic turned into empty boxes."""
    try:
        from fontTools.ttLib import TTFont  # shipped with matplotlib, a dependency
    except ImportError:
        return None
    try:
        with TTFont(str(path), lazy=True) as font:
            cmap = font.getBestCmap() or {}
    except Exception:  # noqa: BLE001 - an unreadable font: fall back to the pixel check
        return None
    return frozenset(cmap)


#: A noncharacter: no font has a glyph for it, so it renders as the font's "tofu" box.
_MISSING = "\uffff"


@lru_cache(maxsize=8192)
def _char_is_tofu(path: Path, char: str) -> bool:
    """Pixel check (used without fontTools): does ``char`` render exactly like a missing glyph?"""
    font = get_font(24, path)
    try:
        a = font.render(char, True, (255, 255, 255), (0, 0, 0))
        b = font.render(_MISSING, True, (255, 255, 255), (0, 0, 0))
    except (pygame.error, UnicodeError):
        return True
    if a.get_size() != b.get_size():
        return False
    return bytes(pygame.image.tobytes(a, "RGB")) == bytes(pygame.image.tobytes(b, "RGB"))


def has_glyphs(path: Path | None, text: str) -> bool:
    """True when the font can draw every visible character of ``text`` (Cyrillic needs DejaVu)."""
    if path is None:
        return True
    chars = {c for c in text if not c.isspace()}
    if not chars:
        return True
    cmap = _cmap(path)
    if cmap is not None:
        return all(ord(c) in cmap for c in chars)
    return not any(_char_is_tofu(path, c) for c in chars)


_FONTS: dict[tuple[int, Path | None], pygame.font.Font] = {}


def get_font(size: int, path: Path | None = None) -> pygame.font.Font:
    """A cached pygame font of ``size`` pixels.

    Fonts die with ``pygame.quit()`` (the calibration screen and tests start pygame more than
    once per process), so a cached font that no longer works drops the whole cache.
    """
    if not pygame.font.get_init():
        pygame.font.init()
        _FONTS.clear()
    key = (max(6, int(size)), path)
    font = _FONTS.get(key)
    if font is not None:
        try:
            font.get_height()
            return font
        except pygame.error:
            _FONTS.clear()
    if len(_FONTS) > 256:
        _FONTS.clear()
    font = _FONTS[key] = pygame.font.Font(str(path) if path else None, key[0])
    return font


#: Upper bound for cached rendered strings (a whole board's labels take about 2 MB).
RENDER_CACHE_BYTES = 16 * 1024 * 1024


class FontBook:
    """Picks a font that can draw the text (Latin: Atkinson, else DejaVu) and caches renders."""

    def __init__(self, bold: bool = True) -> None:
        self.primary = font_path(bold)
        self.fallback = dejavu_path(bold)
        self._render_cache = SurfaceCache(RENDER_CACHE_BYTES)
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
        return get_font(int(size), self.path_for(clean_for_screen(text)))

    def size(self, text: str, size: int) -> tuple[int, int]:
        text = clean_for_screen(text)  # pygame raises on "\0" (issue 20): every string is cleaned here
        return self.font(size, text).size(text)

    def render(
        self, text: str, size: int, color: tuple[int, int, int], like: str | None = None
    ) -> pygame.Surface:
        """``text`` drawn in the font chosen for ``like`` (the whole label a line belongs to, so
        every line of a wrapped label uses the font its size was fitted with)."""
        text = clean_for_screen(text)  # a NUL in a label or draft once stopped the board (issue 20)
        key = (text, int(size), tuple(color), like)
        surf = self._render_cache.get(key)
        if surf is None:
            font = self.font(size, like if like is not None else text)
            try:
                img = font.render(text, True, color)
            except pygame.error:  # "Text has zero width": only zero-width characters (U+200B, U+FEFF...)
                img = font.render("", True, color)
            surf = self._render_cache.put(key, img)
        return surf


get_font.cache_clear = _FONTS.clear  # type: ignore[attr-defined]  # for callers that reset fonts
