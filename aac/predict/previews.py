"""A word's previews: the endings that start with it, the person's own first (pure logic).

Why the person's own first: the three ending tiles hold only the three likeliest of their own
messages, so a frequent message that is fourth waited for its first word to be taken (one more
selection) or typed. Gazing at a word tile shows that word's previews; with the person's own
messages among them, the message is one dwell away as soon as its first word is on a tile
(persona_tom_als lines 1-100, simulated: 783 -> 747 selections, models/README.md, session 7).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any


def preview_lists(endings_by_word: dict[str, list[tuple[str, float]]], words: list[str], norm: Callable[[str], str],
                  own: dict[str, list[str]] | None = None) -> dict[str, list[str]]:
    """Each word's previews: the person's own endings that go on with it (``own``, keyed by
    the normalised word), then the model's (text, score) best first; one per normalised text."""
    previews: dict[str, list[str]] = {}
    for w in words:
        seen: set[str] = set()
        lst = []
        mine = (own or {}).get(norm(w), [])
        for t in mine + [t for t, _ in sorted(endings_by_word.get(w, []), key=lambda x: -x[1])]:
            k = norm(t)
            if k not in seen:
                seen.add(k)
                lst.append(t)
        previews[w] = lst
    return previews


def own_by_first_word(candidates: Iterable[Any], norm: Callable[[str], str], valid: Callable[[str], bool],
                      sentence_start: bool, per_word: int) -> dict[str, list[str]]:
    """The person's own endings (learner candidates, most likely first) grouped by their first
    word (normalised), at most ``per_word`` each; capitalised at a sentence start."""
    own: dict[str, list[str]] = {}
    for c in candidates:
        t = str(c.text).strip()
        words = norm(t).split()
        if not words or not valid(t):
            continue
        if sentence_start:
            t = t[0].upper() + t[1:]
        lst = own.setdefault(words[0], [])
        if len(lst) < per_word:
            lst.append(t)
    return own
