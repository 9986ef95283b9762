"""The suggestion record shared by the predictor, the background service, the board and the CLI."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True)
class Suggestions:
    """What the board shows for one (context, prefix).

    ``endings`` are the rest of the sentence starting at the current word (they include the
    word being typed). ``previews`` maps each shown word to endings that start with it, so
    gazing at a word tile can show where it leads without a model call.
    """

    context: str
    prefix: str
    words: list[str]
    endings: list[str]
    previews: dict[str, list[str]] = field(default_factory=dict)
    chunks: list[str] = field(default_factory=list)
    latency_ms: float = 0.0
    ending_probs: list[float] = field(default_factory=list)
    endings_shown: list[bool] = field(default_factory=list)

    def ending_visible(self, i: int) -> bool:
        """Does the board show ending ``i`` (the gate let it through)?"""
        if not 0 <= i < len(self.endings) or not self.endings[i]:
            return False
        return not self.endings_shown or (i < len(self.endings_shown) and bool(self.endings_shown[i]))

    def visible_endings(self) -> list[str]:
        """The endings a person can see and select (gated ones left out)."""
        return [e for i, e in enumerate(self.endings) if self.ending_visible(i)]

    @property
    def previews_complete(self) -> bool:
        """Every shown word has its previews (the top words' come first, see
        ``Predictor.with_previews``)."""
        return bool(self.previews) and all(w in self.previews for w in self.words)

    def matches(self, context: str, prefix: str) -> bool:
        """True when this result belongs to the given state (stale results are dropped)."""
        return self.context == context and self.prefix == prefix


class Predictor(Protocol):
    """Anything that can suggest words and endings and learn from what the person said."""

    def suggest(self, context: str, prefix: str) -> Suggestions: ...

    def learn(self, sentence: str) -> None: ...


@dataclass
class Candidate:
    """One suggestion with what the ranker needs to know about it.

    ``kind`` is "word", "ending" or "chunk"; ``lm_logprob`` is the model's log-probability
    (user candidates the model never scored carry a low default); ``rank`` is the position in
    the model's own order (0 = best); ``source`` is "lm" or "user" (the person's own store).
    """

    text: str
    kind: str
    lm_logprob: float
    rank: int
    source: str = "lm"
    # the person's own estimate that this is what they say here (user endings: how often this
    # tail followed this context in what they said); None when unknown
    prob: float | None = None
