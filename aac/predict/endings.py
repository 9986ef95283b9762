"""Sentence endings: greedy continuations of a word to the end of the sentence, and their chunks.

One job: given KV rows that end with a word, decode each row greedily to . ! ? or a newline (at
most ``max_ending_tokens`` tokens) and say what was decoded. The Predictor decides which words
to continue, caches the results and gates what is shown.

Why endings may stop early (``give_up``): on the board the confidence gate (aac.predict.gate)
hides every ending whose calibrated probability times the selections it saves is too small, and
on the dev corpus it hides 96 % of them (endings shown per request 3.0 -> 0.11). Yet each was
decoded to its full stop, one model call per token (7-12 ms for 1-3 rows, mostly reading the
weights): on the warm requests of ``aac bench latency`` endings made 289 of 574 model calls
(tests/bench/ending_give_up.py; 168 of 453 with the stop). An ending's log-probability only falls as
tokens are added, so once even its best possible future cannot pass the gate, decoding it
further changes nothing the person sees; the row stops and the ending is marked ``pruned``.
Its text (the part decoded, cut to whole words) still fills the hidden tile's place, and the
previews (which are not gated) decode it in full in the background.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from aac.predict.engine import Cancelled, CancelCheck, Engine, Rows
from aac.predict.filters import TextRules
from aac.predict.tokens import Vocab

#: ``give_up(score so far, text so far, tokens still allowed) -> stop decoding this row``
GiveUp = Callable[[float, str, int], bool]


@dataclass
class Ending:
    text: str  # head word + tail
    score: float  # head log-prob + tail log-prob
    complete: bool
    probs: list[float]
    pieces: list[str]
    delta: float = 0.0  # tail log-prob only (what the cache keeps)
    pruned: bool = False  # stopped early by ``give_up``: the gate could never show it
    ids: tuple[int, ...] = ()  # the tokens decoded after the head word
    lps: tuple[float, ...] = ()  # their log-probs


@dataclass
class _Growing:
    """An ending while its tokens are added (decoded or replayed)."""

    head: str
    head_score: float
    text: str = ""
    score: float = 0.0
    done: bool = False
    complete: bool = False
    pruned: bool = False
    probs: list[float] = field(default_factory=list)
    pieces: list[str] = field(default_factory=list)
    ids: list[int] = field(default_factory=list)
    lps: list[float] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.score = self.head_score

    def ending(self) -> Ending:
        return Ending(self.head + self.text.rstrip(), self.score, self.complete, self.probs, self.pieces,
                      self.score - self.head_score, self.pruned, tuple(self.ids), tuple(self.lps))


@dataclass(frozen=True)
class KnownTail:
    """Tokens (and their log-probs) known to follow a token sequence greedily."""

    ids: tuple[int, ...]
    lps: tuple[float, ...]


class GreedyTails:
    """Finished greedy endings, found again from any point inside them.

    Why: a greedy ending is a function of the tokens before it. When the person takes the word
    an ending went on with ("want" -> "want to go out."), the next request asks for the ending
    after "... want to", and its greedy tail " go out." was decoded one request earlier. So each
    complete ending is kept under every token sequence that ends inside it (after its first
    token, where the choice was greedy), and ``find`` returns the rest. Only complete endings
    are kept: a cut one (``max_ending_tokens`` or ``give_up``) would run further from a later
    start. Keys are the token ids as int32 bytes; ``SIZE`` keys (~0.8 KB each at a 190-token
    prompt) are kept, least recently used dropped.
    """

    SIZE = 512
    _ID_BYTES = np.dtype(np.int32).itemsize

    def __init__(self) -> None:
        self._by_key: OrderedDict[bytes, KnownTail] = OrderedDict()

    @staticmethod
    def key(ids: Sequence[int]) -> bytes:
        return np.asarray(ids, dtype=np.int32).tobytes()

    def add(self, before: Sequence[int], e: Ending) -> None:
        """Keep ``e`` (decoded after the tokens ``before``) if it is complete."""
        if not e.complete or e.pruned or len(e.ids) < 2:
            return
        full = self.key(list(before) + list(e.ids))  # one encoding; each key is a prefix of it
        for j in range(1, len(e.ids)):
            k = full[: self._ID_BYTES * (len(before) + j)]
            self._by_key[k] = KnownTail(e.ids[j:], e.lps[j:])
            self._by_key.move_to_end(k)
        while len(self._by_key) > self.SIZE:
            self._by_key.popitem(last=False)

    def find(self, before: Sequence[int]) -> KnownTail | None:
        k = self.key(before)
        got = self._by_key.get(k)
        if got is not None:
            self._by_key.move_to_end(k)
        return got

    def clear(self) -> None:
        self._by_key.clear()

    def __len__(self) -> int:
        return len(self._by_key)


class EndingSettings(Protocol):
    """The predictor's knobs this module reads (aac.predict.suggest.PredictorSettings; read
    live, so a changed setting applies to the next request)."""

    max_ending_tokens: int
    end_bonus: float
    comma_penalty: float
    chunk_min_prob: float
    profanity_filter: bool


def top_indices(values: np.ndarray, k: int) -> np.ndarray:
    """Indices of the k largest values, best first (argpartition: no full sort of 49k)."""
    k = min(k, len(values))
    if k <= 0:
        return np.zeros(0, dtype=np.int64)
    if k < len(values):
        idx = np.argpartition(-values, k - 1)[:k]
    else:
        idx = np.arange(len(values))
    return idx[np.argsort(-values[idx], kind="stable")]


class EndingDecoder:
    """Greedy continuation of rows, plus cleaning and chunking of what was decoded."""

    def __init__(self, engine: Engine, vocab: Vocab, rules: TextRules, settings: EndingSettings) -> None:
        self.engine = engine
        self.vocab = vocab
        self.rules = rules
        self.settings = settings
        self._bad_first = vocab.cont | ~vocab.valid  # after a word: not a continuation
        for i in engine.eos_ids:
            if 0 <= i < len(self._bad_first):
                self._bad_first[i] = False  # a message may end right after the word
        texts = vocab.text
        self._final_ids = np.array([t for t, x in enumerate(texts) if x and any(c in x for c in ".!?\n")] + [e for e in engine.eos_ids if e < len(texts)], dtype=np.int64)
        self._comma_ids = np.array([t for t, x in enumerate(texts) if x and x.lstrip().startswith((",", ";"))], dtype=np.int64)
        # Tokens the word normaliser reads as two words never go into an ending (SmolLM2: 24 of
        # them, code quotes like "','" and a few accented names like " São"), so one token adds
        # at most one word: give_up's bound relies on it.
        self._multiword = np.array([i for i, x in enumerate(texts) if x and len(rules.words_of(x)) > 1], dtype=np.int64)
        self.max_words_per_token = 1

    def words_in(self, text: str) -> int:
        return len(self.rules.words_of(text))

    def continue_rows(self, rows: Rows, first_lp: list[np.ndarray], heads: list[str], head_scores: list[float], branch: list[int],
                      cancel: CancelCheck | None, give_up: GiveUp | None = None) -> list[Ending]:
        """Greedy continuation of each row to the end of the sentence.

        ``branch[i]`` picks the i-th best first token after the word (0 = greedy). ``give_up``
        (optional) is asked after each token of a row whose leading chunk is settled (a token
        below ``chunk_min_prob`` was seen, so stopping cannot change the chunk); when it says
        so, the row stops there.
        """
        s = self.settings
        grow = [_Growing(h, sc) for h, sc in zip(heads, head_scores)]
        lp = np.stack(first_lp)
        active = list(range(rows.size))  # original row index of each current batch row
        cur = rows
        for step in range(s.max_ending_tokens):
            toks = []
            for bi, oi in enumerate(active):
                t = self._pick(lp[bi], step, branch[oi])
                toks.append(t)
                self._add(grow[oi], t, lp[bi][t], step, give_up)
            still = [bi for bi, oi in enumerate(active) if not grow[oi].done]
            if not still or step == s.max_ending_tokens - 1:
                break
            if cancel is not None and cancel():
                raise Cancelled()
            if len(still) < len(active):
                cur = cur.keep(still)
                toks = [toks[bi] for bi in still]
                active = [active[bi] for bi in still]
            lp = self.engine.step(cur, np.array(toks))
        return [g.ending() for g in grow]

    def replay(self, head: str, head_score: float, tail: "KnownTail", give_up: GiveUp | None = None) -> Ending | None:
        """The ending ``continue_rows`` would decode (branch 0) when its tokens are already
        known (:class:`GreedyTails`): the same bookkeeping, no model call. None when the known
        tokens run out before the ending is done (then it must be decoded)."""
        if not tail.ids or self._bad_first[tail.ids[0]]:
            return None  # a word's ending cannot go on inside the word ("go" + "ing")
        g = _Growing(head, head_score)
        for step, (t, lp) in enumerate(zip(tail.ids, tail.lps)):
            if step >= self.settings.max_ending_tokens:
                break
            self._add(g, t, lp, step, give_up)
            if g.done:
                return g.ending()
        return None

    def _add(self, g: "_Growing", t: int, lp: float | np.floating, step: int, give_up: GiveUp | None) -> None:
        """One more token on an ending: its text, probability, and whether the ending is done.

        ``lp`` is the model's float32 log-prob (a replayed one was kept as its exact float64
        value), so decoded and replayed endings get the same probabilities to the last bit."""
        lp32 = np.float32(lp)
        g.score += float(lp32)
        g.probs.append(float(np.exp(lp32)))
        g.ids.append(t)
        g.lps.append(float(lp32))
        text = self.vocab.text[t] if t < len(self.vocab.text) else None
        if t in self.engine.eos_ids or not text:
            g.done = g.complete = True
            g.pieces.append("")
            return
        cut = min((text.find(c) for c in ".!?\n" if c in text), default=-1)
        if cut >= 0:
            piece = text[: cut + 1] if text[cut] != "\n" else text[:cut]
            g.text += piece
            g.pieces.append(piece)
            g.done = g.complete = True
            return
        g.text += text
        g.pieces.append(text)
        settled = min(g.probs) < self.settings.chunk_min_prob
        if give_up is not None and settled and give_up(g.score, g.head + g.text, self.settings.max_ending_tokens - step - 1):
            g.done = g.pruned = True

    def _pick(self, lp: np.ndarray, step: int, branch: int) -> int:
        """The next token: greedy, leaning towards a full stop (``end_bonus``) and away from commas."""
        s = self.settings
        row = lp.copy()
        if step == 0:
            row[self._bad_first] = -np.inf
        else:
            row[~self.vocab.valid] = -np.inf
            for e in self.engine.eos_ids:
                if e < len(row):
                    row[e] = lp[e]
        row[self._multiword] = -np.inf
        if s.end_bonus:
            row[self._final_ids] += s.end_bonus
        if s.comma_penalty:
            row[self._comma_ids] -= s.comma_penalty
        if step == 0 and branch > 0:
            return int(top_indices(row, branch + 1)[branch])
        return int(np.argmax(row))

    def clean(self, e: Ending) -> str | None:
        """The ending as a tile shows it, or None when it is not a valid ending."""
        text = re.sub(r"\s+", " ", e.text).strip()
        if not e.complete:
            # an unfinished ending is cut back to its last whole word
            text = self.rules.cut_to_last_word(text)
        text = text.rstrip(" ,;:-")
        if not self.rules.valid_ending(text, self.settings.profanity_filter):
            return None
        return text

    def chunk_of(self, e: Ending, head: str) -> str | None:
        """Leading words of an ending while every token is confident (>= chunk_min_prob)."""
        text = head
        last_whole = None
        for p, piece in zip(e.probs, e.pieces):
            if not piece:
                break
            if piece[:1] in (" ",) or not piece[:1].isalnum():
                last_whole = text  # the words so far are complete
            if p < self.settings.chunk_min_prob or not piece[:1] == " " and not piece[:1].isalnum() and piece[:1] != "'":
                break
            text += piece
        if last_whole is None:
            return None
        chunk = last_whole.strip()
        if len(chunk.split()) < 2 or not self.rules.valid_ending(chunk, self.settings.profanity_filter):
            return None
        return chunk
