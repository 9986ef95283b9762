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


#: Fonts from Debian packages for scripts Atkinson and DejaVu lack (installed by scripts/setup.sh):
#: Chinese/Japanese/Korean (fonts-droid-fallback, 7 MB instead of fonts-noto-cjk's 91 MB) and
#: Devanagari (fonts-lohit-deva). Arabic and Hebrew are in DejaVu.
SCRIPT_FONTS = [
    Path("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf"),
    Path("/usr/share/fonts/truetype/lohit-devanagari/Lohit-Devanagari.ttf"),
    Path("/usr/share/fonts/truetype/noto/NotoSansDevanagari-Regular.ttf"),
]
#: Scripts that need shaping (joined letters, conjuncts) or right-to-left order: SDL_ttf's
#: HarfBuzz does both once told the script and direction (pygame-ce Font.set_script/set_direction).
_SCRIPT_RANGES = (
    ("Arab", True, ((0x0600, 0x06FF), (0x0750, 0x077F), (0x08A0, 0x08FF), (0xFB50, 0xFDFF), (0xFE70, 0xFEFF))),
    ("Hebr", True, ((0x0590, 0x05FF),)),
    ("Deva", False, ((0x0900, 0x097F), (0xA8E0, 0xA8FF))),
    ("Beng", False, ((0x0980, 0x09FF),)),
)


def script_of(text: str) -> tuple[str, bool] | None:
    """(ISO 15924 script, right-to-left) of the first character needing shaping, else None."""
    for ch in text:
        o = ord(ch)
        if o < 0x0590:
            continue
        for script, rtl, ranges in _SCRIPT_RANGES:
            if any(lo <= o <= hi for lo, hi in ranges):
                return script, rtl
    return None


def fallback_paths(bold: bool = True) -> list[Path]:
    """Fonts tried, in order, for text the main font cannot draw."""
    out = [p for p in (dejavu_path(bold),) if p is not None]
    out += [p for p in SCRIPT_FONTS if p.is_file()]
    return out


def missing_glyphs(text: str, bold: bool = True) -> set[str]:
    """Characters of ``text`` that none of the board's fonts can draw (they would show as boxes)."""
    paths = [p for p in (font_path(bold), *fallback_paths(bold)) if p is not None]
    chars = {c for c in text if not c.isspace() and ord(c) >= 0x20 and not 0x200B <= ord(c) <= 0x200F}
    return {c for c in chars if not any(has_glyphs(p, c) for p in paths)}


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


_FONTS: dict[tuple, pygame.font.Font] = {}


def get_font(size: int, path: Path | None = None, script: tuple[str, bool] | None = None) -> pygame.font.Font:
    """A cached pygame font of ``size`` pixels.

    Fonts die with ``pygame.quit()`` (the calibration screen and tests start pygame more than
    once per process), so a cached font that no longer works drops the whole cache.
    """
    if not pygame.font.get_init():
        pygame.font.init()
        _FONTS.clear()
    key = (max(6, int(size)), path, script)
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
    if script is not None:
        try:
            font.set_script(script[0])
            if script[1]:
                font.set_direction(pygame.DIRECTION_RTL)
        except (AttributeError, pygame.error):
            pass  # SDL_ttf without HarfBuzz: letters unjoined (the layout checker says so)
    return font


def shaping_supported() -> bool:
    """True when pygame's SDL_ttf shapes scripts (HarfBuzz): Arabic joined and right to left."""
    if not pygame.font.get_init():
        pygame.font.init()
    try:
        font = pygame.font.Font(None, 12)
        font.set_script("Arab")
        font.set_direction(pygame.DIRECTION_RTL)
        return True
    except (AttributeError, pygame.error):
        return False


#: Upper bound for cached rendered strings (a whole board's labels take about 2 MB).
RENDER_CACHE_BYTES = 16 * 1024 * 1024


class FontBook:
    """Picks a font that can draw the text (Latin: Atkinson, else DejaVu) and caches renders."""

    def __init__(self, bold: bool = True) -> None:
        self.primary = font_path(bold)
        self.fallback = dejavu_path(bold)
        self.fallbacks = fallback_paths(bold)
        self._render_cache = SurfaceCache(RENDER_CACHE_BYTES)
        self._path_for_text: dict[str, Path | None] = {}

    @property
    def name(self) -> str:
        return self.primary.stem if self.primary else "pygame default"

    def path_for(self, text: str) -> Path | None:
        hit = self._path_for_text.get(text)
        if hit is None and text not in self._path_for_text:
            hit = self.primary
            if text and not has_glyphs(self.primary, text) and self.fallbacks:
                # the first font that draws it all, else the one that draws most of it
                hit = next((p for p in self.fallbacks if has_glyphs(p, text)), None) or max(
                    self.fallbacks, key=lambda p: sum(has_glyphs(p, c) for c in set(text)))
            if len(self._path_for_text) > 4096:
                self._path_for_text.clear()
            self._path_for_text[text] = hit
        return hit

    def font(self, size: int, text: str = "") -> pygame.font.Font:
        text = clean_for_screen(text)
        return get_font(int(size), self.path_for(text), script_of(text))

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
