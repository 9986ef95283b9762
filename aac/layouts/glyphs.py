"""Warnings about tile text the board cannot draw: characters none of its fonts have.

Why: a label in a script the fonts lack renders as empty boxes ("tofu"), and the person cannot
read the tile, while the layout is otherwise fine. ``aac layout check`` prints these as warnings
(they never fail the check: installing a font fixes them without touching the layout).
"""

from __future__ import annotations

import unicodedata

from .model import Layout

#: Debian packages with fonts for scripts the board's fonts do not cover, by Unicode script word.
FONT_PACKAGES = {
    "CJK": "fonts-droid-fallback", "HIRAGANA": "fonts-droid-fallback", "KATAKANA": "fonts-droid-fallback",
    "HANGUL": "fonts-droid-fallback", "DEVANAGARI": "fonts-lohit-deva", "BENGALI": "fonts-lohit-beng-bengali",
    "TAMIL": "fonts-lohit-taml", "GUJARATI": "fonts-lohit-gujr", "THAI": "fonts-thai-tlwg",
}


def _script_name(ch: str) -> str:
    name = unicodedata.name(ch, "")
    return name.split(" ")[0] if name else f"U+{ord(ch):04X}"


def glyph_warnings(layout: Layout) -> list[str]:
    """One line per tile whose text has characters no board font can draw, plus shaping notes."""
    texts = [(page, tile, tile.label or (tile.value if tile.kind in ("letter", "punct", "phrase") else ""))
             for page in layout.pages for tile in page.tiles]
    if all(text.isascii() for _, _, text in texts):
        return []  # the board's main font draws all of ASCII; no need to start pygame
    import os

    os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
    os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
    try:
        from aac.ui.fonts import missing_glyphs, script_of, shaping_supported
    except Exception as exc:  # noqa: BLE001 - pygame missing: say so instead of guessing
        return [f"cannot check the fonts ({type(exc).__name__}: {exc})"]
    out: list[str] = []
    shaping: bool | None = None
    for page, tile, text in texts:
        if not text or text.isascii():
            continue
        where = f"page[{page.name}] tile at row {tile.row}, col {tile.col} ({text!r})"
        missing = missing_glyphs(text)
        if missing:
            scripts = sorted({_script_name(c) for c in missing})
            packages = sorted({FONT_PACKAGES[s] for s in scripts if s in FONT_PACKAGES})
            hint = f"install {' '.join(packages)} (apt-get install)" if packages else "no installed font covers it"
            out.append(f"{where}: the board's fonts cannot draw {''.join(sorted(missing))!r} "
                       f"({', '.join(scripts)}): it shows as empty boxes; {hint}")
        if script_of(text) is not None:
            if shaping is None:
                shaping = shaping_supported()
            if not shaping:
                out.append(f"{where}: this pygame cannot shape {script_of(text)[0]} text: letters are drawn "
                           "unjoined and left to right")
    return out
