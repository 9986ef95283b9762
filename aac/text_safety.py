"""One validator for text that reaches the screen (layout labels, imported boards, the draft).

Why: a NUL character in an imported .obf label passed the layout check and then stopped the
board on its first frame (pygame refuses strings holding "\\0") on every start (issue 20,
finding 2). Other control characters draw as boxes or garbage, and bidi overrides/embeddings/
isolates (U+202A-U+202E, U+2066-U+2069) reorder what follows them, so a label can read
backwards ("\\u202eevil" shows as "live") - on a board the person cannot inspect, a label must
show what the tile does.

Used three ways: ``screen_text_problem`` by the layout checker (a caregiver's file is refused
with the code point named), ``clean_for_screen`` by the OBF importer (a downloaded board is
cleaned, with a note) and by the renderer (whatever still gets there - a damaged draft, a
prediction - is drawn harmlessly instead of crashing).
"""

from __future__ import annotations

import unicodedata

#: Bidi embedding/override/isolate controls (LRE RLE PDF LRO RLO, LRI RLI FSI PDI). The plain
#: marks LRM/RLM (U+200E/U+200F) only nudge neutral characters and are allowed.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
#: Whitespace controls turned into a plain space by the cleaner (a wrapped label is one line).
_SPACE_LIKE = frozenset("\t\n\r\x0b\x0c\x85\u2028\u2029")


def _bad_kind(ch: str) -> str | None:
    if ch in BIDI_CONTROLS:
        return "a text-direction override"
    o = ord(ch)
    if 0xD800 <= o <= 0xDFFF:
        return "a lone surrogate (broken UTF-16)"
    if unicodedata.category(ch) == "Cc":
        return "a control character"
    return None


def screen_text_problem(text: str) -> str | None:
    """Why ``text`` cannot be shown as a label (naming the first bad code point), or None."""
    for i, ch in enumerate(text):
        kind = _bad_kind(ch)
        if kind is not None:
            return f"contains {kind} (U+{ord(ch):04X}) at character {i + 1}"
    return None


def clean_for_screen(text: str) -> str:
    """``text`` with controls removed (line breaks/tabs become spaces), bidi overrides removed
    and lone surrogates replaced by U+FFFD. Ordinary text is returned unchanged (same object)."""
    if not any(_bad_kind(ch) for ch in text):
        return text
    out = []
    for ch in text:
        if ch in _SPACE_LIKE:
            out.append(" ")
            continue
        kind = _bad_kind(ch)
        if kind is None:
            out.append(ch)
        elif kind.startswith("a lone"):
            out.append("\ufffd")
    return "".join(out)
