"""Word-level measures for the clinician: distinct words, top words, core vs fringe, MLU.

Inputs are either the stored message texts (text logging on) or the per-day word counts of the
"word statistics for my clinician" consent (settings.word_statistics); never both are needed.
MLU in words (mean length of utterance) needs only the per-message word counts every log has.

Core vocabulary: the small set of words that make up most of what people say in every context
(pronouns, verbs, describing words), as against fringe vocabulary (nouns and names of one topic).
The list used is aac/store/core_vocabulary.py (cited there).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from aac.store.core_vocabulary import core_words

#: A word: letters of any script, with inner apostrophes (don't, I'm); digits are not words.
_WORD_RE = re.compile(r"[^\W\d_]+(?:['\u2019][^\W\d_]+)*")


def words_of(text: str) -> list[str]:
    """The words of ``text``, lower-cased (apostrophes normalised), in order."""
    return [w.replace("\u2019", "'").lower() for w in _WORD_RE.findall(text or "")]


@dataclass
class Vocabulary:
    """Word measures over one period (source says where the words came from)."""

    source: str  # "text" (logged messages), "word_statistics" (counts) or "" (no consent)
    words: Counter = field(default_factory=Counter)
    phrases: Counter = field(default_factory=Counter)
    core_list: frozenset[str] = frozenset()

    @property
    def total(self) -> int:
        return sum(self.words.values())

    @property
    def distinct(self) -> int:
        return len(self.words)

    @property
    def core_share(self) -> float | None:
        """Share of word tokens that are core words (None without a core list or words)."""
        if not self.core_list or not self.total:
            return None
        return sum(n for w, n in self.words.items() if w in self.core_list) / self.total

    def top(self, n: int = 20, core: bool | None = None) -> list[tuple[str, int]]:
        items = [(w, c) for w, c in self.words.most_common() if core is None or (w in self.core_list) == core]
        return items[:n]


def vocabulary(language: str, messages: Iterable[dict[str, Any]] = (),
               word_counts: Iterable[dict[str, Any]] = (), text_logging: bool = False,
               word_statistics: bool = False) -> Vocabulary:
    """Word measures from whatever the person consented to (text first, then word counts)."""
    core = core_words(language)
    if text_logging:
        v = Vocabulary("text", core_list=core)
        for m in messages:
            text = m.get("text")
            if text:
                ws = words_of(text)
                v.words.update(ws)
                for k in (2, 3):  # repeated word combinations are the "phrases" of a language sample
                    v.phrases.update(" ".join(ws[i:i + k]) for i in range(len(ws) - k + 1))
        v.phrases = Counter({p: n for p, n in v.phrases.items() if n >= 2})
        return v
    if word_statistics:
        v = Vocabulary("word_statistics", core_list=core)
        for r in word_counts:
            target = v.words if r.get("kind") == "word" else v.phrases
            target[str(r.get("item"))] += int(r.get("count") or 0)
        return v
    return Vocabulary("", core_list=core)


def mlu_words(messages: Iterable[dict[str, Any]]) -> float | None:
    """Mean length of utterance in words: words per spoken message (a message is one utterance)."""
    counts = [int(m.get("words") or 0) for m in messages if m.get("spoken", 1)]
    counts = [c for c in counts if c > 0]
    return sum(counts) / len(counts) if counts else None
