"""The person's own words: every sentence they said, with the counts and n-grams derived from it.

Why sentences are the source of truth: forgetting must be honest. Only the sentences (text and
time) are stored; word counts, n-grams, recency and the ending index are *derived* from them, so
removing a sentence removes every trace of it (counts go down, n-grams and endings disappear)
simply by rebuilding. Rebuilding is cheap (tens of thousands of sentences per second).

Words are matched case-insensitively (``casefold``) but shown in the spelling the person used
most (their "Tom", "I", "iPod"). A stored sentence keeps its punctuation so an ending that comes
back looks the way it was said.
"""

from __future__ import annotations

import bisect
import math
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field

#: A word: letters/digits with inner apostrophes (don't, friend's). Unicode aware.
WORD_RE = re.compile(r"[^\W_]+(?:['\u2019][^\W_]+)*")
#: Where a sentence ends inside a message.
SENTENCE_END_RE = re.compile(r"(?<=[.!?\n])\s+|\n+")
#: Marker for "start of sentence" in n-gram contexts.
BOS = "<s>"
#: Highest n-gram context length (words before the predicted word).
MAX_ORDER = 3
#: Newest positions looked at per context when collecting endings (keeps requests fast).
SCAN_CAP = 120
#: Endings searched per query (cached), whatever the caller asks for.
ENDINGS_MEMO = 30
#: Cached query results kept at most (cleared whenever a sentence is added).
MEMO_MAX = 512


def word_key(word: str) -> str:
    """The matching key of a word: case-folded, typographic apostrophe normalised."""
    return word.replace("\u2019", "'").casefold()


def words_of(text: str) -> list[str]:
    """The words of ``text`` in their written form."""
    return WORD_RE.findall(text)


def split_sentences(text: str) -> list[str]:
    """Split a spoken message into sentences (endings must stop where a sentence stops)."""
    parts = [p.strip() for p in SENTENCE_END_RE.split(text or "")]
    return [p for p in parts if WORD_RE.search(p)]


def sentence_so_far(context: str) -> str:
    """The part of ``context`` after the last sentence end: what this sentence says so far."""
    idx = max(context.rfind("."), context.rfind("!"), context.rfind("?"), context.rfind("\n"))
    return context[idx + 1 :] if idx >= 0 else context


def context_keys(context: str) -> list[str]:
    """Keys of the words of the current sentence before the cursor, preceded by BOS."""
    return [BOS] + [word_key(w) for w in words_of(sentence_so_far(context))]


@dataclass
class Sentence:
    """One sentence the person said, with its word positions (derived, not stored)."""

    t: float
    text: str
    serial: int
    words: list[str] = field(default_factory=list)
    keys: list[str] = field(default_factory=list)
    starts: list[int] = field(default_factory=list)

    @classmethod
    def make(cls, t: float, text: str, serial: int) -> Sentence:
        matches = list(WORD_RE.finditer(text))
        return cls(
            t=t,
            text=text,
            serial=serial,
            words=[m.group(0) for m in matches],
            keys=[word_key(m.group(0)) for m in matches],
            starts=[m.start() for m in matches],
        )

    def ending_from(self, pos: int) -> str:
        """The rest of the sentence from word ``pos`` on, as written (punctuation kept)."""
        return self.text[self.starts[pos] :].strip()


def ending_key(text: str) -> tuple[str, ...]:
    """Endings are the same when their words are the same (case and punctuation ignored)."""
    return tuple(word_key(w) for w in words_of(text))


@dataclass
class EndingMatch:
    """A stored sentence tail that fits the current (context, prefix)."""

    text: str
    key: tuple[str, ...]
    matched: int  # words of context matched before the ending (BOS counts as one)
    from_start: bool  # the whole sentence so far matched from the sentence start
    count: int  # how many stored positions give this same ending
    last_serial: int  # the most recent sentence giving it


class WordDist:
    """Interpolated distribution over the person's words for one (context, prefix).

    ``levels[0]`` is the unigram (counts None = use the vocabulary's unigrams), then one level per
    context order that matched; each higher level takes weight n / (n + distinct words).
    """

    def __init__(self, vocab: Vocabulary, pkey: str, levels: list[tuple[dict[str, int] | None, int]]) -> None:
        self.vocab = vocab
        self.pkey = pkey
        self.levels = levels
        self.evidence = 0.0
        self.order = -1
        self._coef_cache: list[float] | None = None

    def __bool__(self) -> bool:
        return bool(self.levels)

    def _coefs(self) -> list[float]:
        if self._coef_cache is not None and len(self._coef_cache) == len(self.levels):
            return self._coef_cache
        coefs = [1.0] * len(self.levels)
        for i in range(len(self.levels) - 1, 0, -1):
            fit, n = self.levels[i]
            lam = n / (n + len(fit or ()))
            coefs[i] *= lam
            for j in range(i):
                coefs[j] *= 1 - lam
        self._coef_cache = coefs
        return coefs

    def prob(self, key: str) -> float:
        if not self.levels or not key.startswith(self.pkey):
            return 0.0
        p = 0.0
        for coef, (fit, n) in zip(self._coefs(), self.levels):
            c = self.vocab.unigrams.get(key, 0) if fit is None else fit.get(key, 0)
            p += coef * c / n
        return p

    def top(self, k: int) -> list[tuple[str, float]]:
        """The k most likely words (ties: alphabetical)."""
        if not self.levels or k <= 0:
            return []
        pool: set[str] = set()
        for fit, _ in self.levels[1:]:
            pool.update(fit or ())
        want = k + len(self.levels) * k
        if self.pkey:  # the words in the prefix's alphabetical range, most frequent first
            fitting = self.vocab._prefix_range(self.pkey)
            counts = self.vocab.unigrams
            pool.update(sorted(fitting, key=lambda w: -counts[w])[:want])
        else:
            self.vocab._alpha()
            pool.update(self.vocab._by_count[:want])
        ranked = sorted(((key, self.prob(key)) for key in pool), key=lambda kv: (-kv[1], kv[0]))
        return ranked[:k]

    def as_dict(self) -> dict[str, float]:
        """Every fitting word with its probability (for tests and inspection; not fast)."""
        return {k: self.prob(k) for k in self.vocab._prefix_range(self.pkey)}


class Vocabulary:
    """Sentences with derived unigram/n-gram counts, recency and an ending index."""

    def __init__(self) -> None:
        self.sentences: list[Sentence] = []
        self._next_serial = 0
        self._clear_derived()

    # ----------------------------------------------------------------- building
    def _clear_derived(self) -> None:
        self.unigrams: Counter[str] = Counter()
        self.surface: dict[str, Counter[str]] = defaultdict(Counter)
        self.last_serial: dict[str, int] = {}
        # ngrams[context tuple] -> Counter(next key); context tuples have 1..MAX_ORDER items
        self.ngrams: dict[tuple[str, ...], Counter[str]] = defaultdict(Counter)
        # ending index: context tuple (1..MAX_ORDER keys, BOS included) -> (sentence, position)
        # of every word said after it, oldest first
        self.after: dict[tuple[str, ...], list[tuple[int, int]]] = defaultdict(list)
        # where each word occurs: key -> list of (sentence index, word position)
        self.positions: dict[str, list[tuple[int, int]]] = defaultdict(list)
        self.total_words = 0
        self._memo: dict[tuple, object] = {}
        self._alpha_keys: list[str] | None = None
        self._by_count: list[str] = []

    def add(self, text: str, t: float) -> Sentence | None:
        """Add one sentence (already split) and update every derived table."""
        sent = Sentence.make(t, text.strip(), self._next_serial)
        if not sent.keys:
            return None
        self._next_serial += 1
        self.sentences.append(sent)
        self._memo.clear()
        self._alpha_keys = None
        self._index(len(self.sentences) - 1)
        return sent

    def _index(self, idx: int) -> None:
        sent = self.sentences[idx]
        seq = [BOS] + sent.keys
        for i, key in enumerate(sent.keys):
            self.unigrams[key] += 1
            self.surface[key][sent.words[i]] += 1
            self.last_serial[key] = sent.serial
            self.total_words += 1
            hist_end = i + 1  # seq index of this word
            for order in range(1, MAX_ORDER + 1):
                if hist_end - order < 0:
                    break
                ctx = tuple(seq[hist_end - order : hist_end])
                self.ngrams[ctx][key] += 1
                self.after[ctx].append((idx, i))
            self.positions[key].append((idx, i))

    def rebuild(self, sentences: list[tuple[float, str]]) -> None:
        """Replace everything with ``sentences`` (time, text), oldest first."""
        self.sentences = []
        self._next_serial = 0
        self._clear_derived()
        for t, text in sentences:
            self.add(text, t)

    def remove_between(self, since: float, until: float) -> int:
        """Forget the sentences said in [since, until); returns how many were removed."""
        keep = [(s.t, s.text) for s in self.sentences if not (since <= s.t < until)]
        removed = len(self.sentences) - len(keep)
        if removed:
            self.rebuild(keep)
        return removed

    # ----------------------------------------------------------------- queries
    @property
    def serial(self) -> int:
        """Serial number the next sentence will get (a clock counted in sentences)."""
        return self._next_serial

    def display(self, key: str) -> str:
        """The person's usual spelling of a word."""
        forms = self.surface.get(key)
        if not forms:
            return key
        return forms.most_common(1)[0][0]

    def sentences_since(self, key: str) -> float:
        """How many sentences ago the word was last said (inf if never)."""
        last = self.last_serial.get(key)
        return math.inf if last is None else float(self._next_serial - 1 - last)

    def _alpha(self) -> list[str]:
        """Known word keys in alphabetical order (for prefix ranges), rebuilt when stale."""
        if self._alpha_keys is None:
            self._alpha_keys = sorted(self.unigrams)
            self._by_count = sorted(self.unigrams, key=lambda k: (-self.unigrams[k], k))
        return self._alpha_keys

    def _prefix_range(self, pkey: str) -> list[str]:
        keys = self._alpha()
        if not pkey:
            return keys
        lo = bisect.bisect_left(keys, pkey)
        hi = bisect.bisect_left(keys, pkey + "\U0010ffff")
        return keys[lo:hi]

    def word_distribution(self, keys: list[str], prefix: str) -> WordDist:
        """P_user(word | sentence so far, prefix) by interpolated Witten-Bell over orders.

        The result's *evidence* is how many times the person continued the longest matching
        context with a word that fits the prefix (at order 0: how often they said any word that
        fits); the caller turns it into trust, i.e. how much the person's own habits should
        outweigh the model here. Probabilities are evaluated lazily (``prob``/``top``), so a
        request costs a few dictionary look-ups, not a pass over the whole vocabulary.
        """
        memo_key = (tuple(keys[-MAX_ORDER:]), prefix)
        got = self._memo.get(("w",) + memo_key)
        if got is not None:
            return got
        pkey = word_key(prefix)
        fitting = self._prefix_range(pkey)
        total = len(self.unigrams) and (self.total_words if not pkey else sum(self.unigrams[k] for k in fitting))
        dist = WordDist(self, pkey, [])
        if total:
            dist.levels.append((None, total))
            dist.evidence, dist.order = float(total), 0
            for order in range(1, MAX_ORDER + 1):
                if len(keys) < order:
                    break
                counts = self.ngrams.get(tuple(keys[-order:]))
                if not counts:
                    break
                fit = {k: c for k, c in counts.items() if k.startswith(pkey)}
                n = sum(fit.values())
                if n == 0:
                    break
                dist.levels.append((fit, n))
                dist.evidence, dist.order = float(n), order
        self._memo[("w",) + memo_key] = dist
        return dist

    def match_order(self, keys: list[str], key: str) -> int:
        """Longest context (in words, BOS included) after which the person said ``key``."""
        best = 0
        for order in range(1, MAX_ORDER + 1):
            if len(keys) < order:
                break
            counts = self.ngrams.get(tuple(keys[-order:]))
            if not counts or key not in counts:
                break
            best = order
        return best

    def endings(self, keys: list[str], prefix: str, limit: int = 50) -> list[EndingMatch]:
        """Stored sentence tails that continue the current sentence and start with ``prefix``.

        A tail qualifies when at least the previous word (or the sentence start) matches; the
        match is extended backwards as far as the context agrees. When a prefix has been typed,
        tails whose first word fits it also qualify with no context match (matched=0).
        Only the newest SCAN_CAP positions of a context are looked at, so the cost stays flat
        however much the person has said (older habits that still matter recur among them).
        """
        asked, limit = limit, max(limit, ENDINGS_MEMO)  # one search serves both callers
        memo = ("e", tuple(keys), prefix, limit)
        if len(self._memo) > MEMO_MAX:  # learning off: nothing clears it between sentences
            self._memo.clear()
        got = self._memo.get(memo)
        if got is not None:
            return got[:asked]
        pkey = word_key(prefix)
        found: dict[tuple[str, ...], EndingMatch] = {}
        seen: set[tuple[int, int]] = set()

        def consider(idx: int, pos: int, matched: int, from_start: bool) -> None:
            sent = self.sentences[idx]
            k = tuple(sent.keys[pos:])
            old = found.get(k)
            if old is None:
                found[k] = EndingMatch(sent.ending_from(pos), k, matched, from_start, 1, sent.serial)
                return
            old.count += 1
            if (matched, from_start) > (old.matched, old.from_start):
                old.matched, old.from_start = matched, from_start
            if sent.serial > old.last_serial:
                old.last_serial, old.text = sent.serial, sent.ending_from(pos)

        for level in range(min(len(keys), MAX_ORDER), 0, -1):
            positions = self.after.get(tuple(keys[-level:]), ())
            scanned = 0
            for idx, pos in reversed(positions):
                if scanned >= SCAN_CAP:
                    break
                if (idx, pos) in seen:
                    continue
                sent = self.sentences[idx]
                if not sent.keys[pos].startswith(pkey):
                    continue
                scanned += 1
                seen.add((idx, pos))
                matched = level  # context items matched; item m before the word is seq[pos + 1 - m]
                while matched < len(keys) and matched <= pos:
                    j = pos - matched  # index into [BOS] + keys
                    if (BOS if j == 0 else sent.keys[j - 1]) != keys[-1 - matched]:
                        break
                    matched += 1
                from_start = matched == len(keys) and matched == pos + 1
                consider(idx, pos, matched, from_start)
            if len(found) >= limit:
                break
        if pkey and not found:
            scanned = 0
            for key in self._prefix_range(pkey):
                for idx, pos in reversed(self.positions[key]):
                    consider(idx, pos, 0, False)
                    scanned += 1
                if scanned >= SCAN_CAP:
                    break
        ranked = sorted(
            found.values(),
            key=lambda m: (m.matched, m.from_start, m.count, m.last_serial),
            reverse=True,
        )[:limit]
        self._memo[memo] = ranked
        return ranked[:asked]
