"""``Learner``: the person's own words and a reranker, behind the API in docs/INTERFACES.md.

How the prediction engine uses it, per request::

    extra = learner.user_word_candidates(ctx, prefix, k) + learner.user_ending_candidates(ctx, prefix, k)
    ranked = learner.rerank(ctx, prefix, lm_candidates + extra)    # take the first 5 words, 3 endings

and after each spoken sentence ``learner.learn_sentence(text)`` (in the background).

Where the training signal comes from: the board reports explicit choices with
``record_choice``; on top of that every list ``rerank`` produced is remembered (in memory only)
until the sentence is finished, and ``learn_sentence`` labels each one with the word and the
ending the person actually said there. So the JSONL ``learn`` line alone is enough to train.

Files (``<profile>/learning/``, all plain JSON, 0600, atomic, versioned; see persistence.py):

* ``sentences.json`` -- what the person said: ``[time, text]`` pairs. Counts, n-grams, recency
  and endings are derived from it, so forgetting a sentence removes all of that.
* ``examples.json`` -- training lists: time, feature numbers, which one was wanted. No text.
* ``reranker.json`` -- the model weights (plain arrays) and the gate state.

Forgetting ``[since, until)`` is honest: the sentences of that time are deleted and every
count, n-gram, recency and ending is rebuilt from the rest; the training lists recorded in that
time are deleted and the reranker is retrained from the remaining ones (its state is a pure
function of them, see reranker.py). One residue is documented rather than hidden: a training
list recorded *after* the range holds numbers (e.g. a word's count then) that the forgotten
sentences influenced; it holds no text, and ``reset`` removes it too.

Learning off (``enabled=False``): nothing is recorded, stored or trained; what was learned
before is still used for suggestions (``reset`` deletes it).

Thread safety: one lock around everything; the service calls from its worker thread.
"""

from __future__ import annotations

import logging
import math
import shutil
import threading
import time
from collections import OrderedDict
from datetime import datetime
from pathlib import Path
from typing import Any, Callable

from aac.fileio import ensure_private_dir
from aac.predict.types import Candidate

import aac.predict.learn.persistence as persistence
from .features import FEATURES, MISSING_LOGPROB, Scored, score_endings, score_words, word_trust
from .reranker import Example, KindRanker
from .vocabulary import ENDINGS_MEMO, EndingMatch, Vocabulary, context_keys, split_sentences, word_key, words_of

log = logging.getLogger(__name__)

SENTENCES = "sentences.json"
EXAMPLES = "examples.json"
WEIGHTS = "reranker.json"
FMT_SENTENCES = "aac.learning.sentences"
FMT_EXAMPLES = "aac.learning.examples"
FMT_WEIGHTS = "aac.learning.reranker"
#: Reranked lists remembered until the sentence is finished (memory only).
PENDING_MAX = 400
#: The training lists file is rewritten every this many sentences (it is the biggest file and
#: the least precious: at worst the reranker misses the lists of the last few sentences).
EXAMPLES_EVERY = 10
#: Cap for "logit bias" boosts (nats), so the person's store nudges the model, never overrules it.
MAX_BIAS = 4.0

#: Words the board shows (the last of them may go to the person's own word, see _keep_own_word).
SHOWN_WORDS = 5

#: Rows kept per training list: the wanted one and the best-scored others (the weakest
#: candidates teach little and would only make the examples file big).
ROWS_KEPT = 8

TimeLike = float | int | datetime | str


def make_example(t: float, rows: list[Scored], idx: int, batch: int) -> Example:
    """A training list from scored rows, trimmed to ROWS_KEPT (list order kept)."""
    keep = sorted(range(len(rows)), key=lambda i: (i != idx, -rows[i].base, i))[:ROWS_KEPT]
    keep.sort()
    # rounded now as on disk, so the model after a restart is exactly the one trained online
    return Example(round(t, 3), [[round(v, 3) for v in rows[i].x] for i in keep], keep.index(idx), batch)


#: A message counts as "the situation" of the next one for this long (seconds).
FOLLOW_WINDOW_S = 30 * 60
#: Sentences looked back over for what followed the last message (cost stays flat).
FOLLOW_SCAN = 2000


def ending_prob(m: EndingMatch, matches: list[EndingMatch]) -> float:
    """How often the person finished this sentence this way, here: ``m.count`` over the stored
    positions that fit the context at least as well (plus one for "something new").

    The frequent-message estimate the confidence gate (aac.predict.gate) weighs: a request said
    10 times at an empty message out of the last 40 sentences is worth offering (~0.24), one said
    once in 100 is not.
    """
    total = sum(x.count for x in matches if x.matched >= m.matched)
    return m.count / (1.0 + max(total, m.count))


def to_epoch(value: TimeLike) -> float:
    """Seconds since the epoch from a number, a datetime or an ISO date/time string (local time)."""
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        value = datetime.fromisoformat(value.strip())
    if isinstance(value, datetime):
        return value.timestamp()
    raise TypeError(f"expected a time (seconds, datetime or ISO text), got {value!r}")


class Learner:
    """Per-person vocabulary + reranker. Use ``Learner.open``."""

    def __init__(self, directory: Path | None, enabled: bool = True, clock: Callable[[], float] = time.time) -> None:
        self.dir = directory
        self.enabled = enabled
        self.clock = clock
        self.problems: list[str] = []
        self.vocab = Vocabulary()
        self.rankers = {kind: KindRanker(kind, names) for kind, names in FEATURES.items()}
        self._pending: OrderedDict[tuple[tuple[str, ...], str], dict[str, list[Scored]]] = OrderedDict()
        self._batch = 0
        self._chosen: list[tuple[str, Example]] = []  # explicit picks waiting for the next sentence
        self._unsaved = 0  # sentences learned since the training lists were last written
        self._lock = threading.RLock()
        self._follow_memo: dict[tuple, list[tuple[str, float]]] = {}

    # ------------------------------------------------------------------ open
    @classmethod
    def open(cls, profile_dir: Path | str | None, enabled: bool = True,
             clock: Callable[[], float] = time.time) -> Learner:
        """Load what was learned for the profile (``None``: in memory only, for benchmarks).

        Damaged or newer-version files are set aside and listed in ``problems``; opening
        never raises because of a file's content.
        """
        directory = None if profile_dir is None else Path(profile_dir) / "learning"
        self = cls(directory, enabled, clock)
        if directory is not None and directory.exists():
            self._load()
        if directory is not None and enabled:
            self._take_profile_lock(Path(profile_dir))
        return self

    def _take_profile_lock(self, profile_dir: Path) -> None:
        """One process writes a profile's learning at a time (aac/store/profile_lock.py, issue 20).

        If another process holds it, this learner suggests from what was loaded but never saves
        (``dir`` None), and says so in ``problems``: its save would erase the other's sentences."""
        from aac.store.profile_lock import ProfileBusy, acquire

        try:
            if profile_dir.is_dir():
                self._profile_lock = acquire(profile_dir)
        except ProfileBusy as exc:
            self.problems.append(f"{exc}; what is learned here is not saved (close the other one to keep learning)")
            self.dir = None
        except OSError as exc:  # a read-only profile: saving fails later and is reported there
            log.warning("learning: cannot take the profile lock: %s", exc)

    def _load(self) -> None:
        assert self.dir is not None
        data = persistence.load(self.dir / SENTENCES, FMT_SENTENCES, self.problems)
        if data is not None:
            try:
                rows = [(float(t), str(text)) for t, text in data["sentences"]]
                self.vocab.rebuild(rows)
            except (KeyError, TypeError, ValueError, OverflowError) as exc:  # OverflowError: float() of a 400-digit int
                self.vocab.rebuild([])
                persistence._reject(self.dir / SENTENCES, "corrupt", f"has a bad entry ({exc})", self.problems)
        ex_data = persistence.load(self.dir / EXAMPLES, FMT_EXAMPLES, self.problems)
        if ex_data is not None:
            try:
                for kind, ranker in self.rankers.items():
                    block = ex_data["kinds"].get(kind)
                    if not block:
                        continue
                    if block["features"] != ranker.features:
                        self.problems.append(f"{kind} reranker features changed in this version: it starts over")
                        continue
                    ranker.examples = [Example.from_json(e, len(ranker.features)) for e in block["examples"]]
                    self._batch = max([self._batch] + [e.batch + 1 for e in ranker.examples])
            except (KeyError, TypeError, ValueError, AttributeError, OverflowError, IndexError) as exc:
                for ranker in self.rankers.values():
                    ranker.examples = []
                persistence._reject(self.dir / EXAMPLES, "corrupt", f"has a bad entry ({exc})", self.problems)
        w_data = persistence.load(self.dir / WEIGHTS, FMT_WEIGHTS, self.problems)
        for kind, ranker in self.rankers.items():
            try:
                kinds = w_data.get("kinds") if isinstance(w_data, dict) else None
                block = kinds.get(kind) if isinstance(kinds, dict) else None
                if block and block.get("features") == ranker.features:
                    ranker.load_weights(block)
                elif ranker.examples:
                    ranker.replay(ranker.examples)  # weights missing or stale: rebuild them
            except (TypeError, ValueError, AttributeError, KeyError, IndexError, OverflowError) as exc:
                self.problems.append(f"{self.dir / WEIGHTS}: {kind} weights unusable ({exc}); rebuilt from examples")
                ranker.replay(ranker.examples)

    # ----------------------------------------------------------- candidates
    def user_word_candidates(self, context: str, prefix: str, k: int = 5) -> list[Candidate]:
        """The person's own next words for (context, prefix), most likely first."""
        with self._lock:
            if not self.vocab.sentences or k <= 0:
                return []
            best = self.vocab.word_distribution(context_keys(context), prefix).top(k)
            return [Candidate(self.vocab.display(key), "word", MISSING_LOGPROB, i, "user")
                    for i, (key, _) in enumerate(best)]

    def user_ending_candidates(self, context: str, prefix: str, k: int = 3) -> list[Candidate]:
        """Tails of sentences the person said that continue this one (from the current word)."""
        with self._lock:
            if not self.vocab.sentences or k <= 0:
                return []
            keys = context_keys(context)
            matches = self.vocab.endings(keys, prefix, limit=max(k, ENDINGS_MEMO))
            out = [Candidate(m.text, "ending", MISSING_LOGPROB, i, "user", ending_prob(m, matches))
                   for i, m in enumerate(matches[:k])]
            if len(keys) == 1:  # a new message: what this person said next the last times
                out = self._with_followers(out, prefix, k)
            return out

    def followers(self, prefix: str = "") -> list[tuple[str, float]]:
        """Messages that followed the person's last message the other times they said it.

        The situation a request belongs to is often the message before it: a morning routine
        ("I slept badly, the mask was leaking." -> "Can you take the mask off now?"). Only while
        the last message is recent (FOLLOW_WINDOW_S). Probability: times this message came next
        / (times the last message was said before + 1). Best first; their first word fits
        ``prefix``.
        """
        sents = self.vocab.sentences
        if len(sents) < 2 or self.clock() - sents[-1].t > FOLLOW_WINDOW_S:
            return []
        memo = ("follow", self.vocab.serial, prefix)
        got = self._follow_memo.get(memo)
        if got is not None:
            return got
        last = tuple(sents[-1].keys)
        pkey = word_key(prefix) if prefix else ""
        counts: dict[tuple[str, ...], list] = {}
        times = 0
        start = max(0, len(sents) - 1 - FOLLOW_SCAN)
        for i in range(start, len(sents) - 1):
            if tuple(sents[i].keys) != last:
                continue
            times += 1
            nxt = sents[i + 1]
            if not nxt.keys or (pkey and not nxt.keys[0].startswith(pkey)):
                continue
            entry = counts.setdefault(tuple(nxt.keys), [0, nxt.text])
            entry[0] += 1
            entry[1] = nxt.text  # the newest wording
        ranked = sorted(((text, n / (times + 1.0)) for n, text in counts.values()), key=lambda x: -x[1])
        if len(self._follow_memo) > 64:
            self._follow_memo.clear()
        self._follow_memo[memo] = ranked
        return ranked

    def _with_followers(self, cands: list[Candidate], prefix: str, k: int) -> list[Candidate]:
        follow = self.followers(prefix)
        if not follow:
            return cands
        by_key = {tuple(words_of(c.text.lower())): c for c in cands}
        merged: list[Candidate] = []
        for text, p in follow:
            key = tuple(words_of(text.lower()))
            old = by_key.pop(key, None)
            prob = max(p, old.prob or 0.0) if old is not None else p
            merged.append(Candidate(text, "ending", MISSING_LOGPROB, 0, "user", prob))
        merged += list(by_key.values())
        merged.sort(key=lambda c: -(c.prob or 0.0))
        return [Candidate(c.text, c.kind, c.lm_logprob, i, c.source, c.prob) for i, c in enumerate(merged[:k])]

    def logit_bias(self, context: str, prefix: str = "", k: int = 50) -> dict[str, float]:
        """Per-word log-probability boosts (nats) the engine may add to the model's word scores.

        ``log(1 + trust * p_user / 0.01)`` capped at MAX_BIAS: a word the person says often in
        this context gets a boost, the rest get nothing (absent from the dict). Empty profile ->
        empty dict. Keys are lower-case words.
        """
        with self._lock:
            if not self.vocab.sentences:
                return {}
            dist = self.vocab.word_distribution(context_keys(context), prefix)
            trust = word_trust(dist)
            return {w: min(MAX_BIAS, math.log1p(trust * p / 0.01)) for w, p in dist.top(k) if p > 0}

    def recent_sentences(self, n: int = 8) -> list[str]:
        """The person's last ``n`` distinct sentences, oldest first (e.g. as the model's lead
        lines, so the model itself adapts to how the person talks)."""
        if n <= 0:
            return []
        with self._lock:
            out: list[str] = []
            seen: set[tuple[str, ...]] = set()
            for sent in reversed(self.vocab.sentences):
                key = tuple(sent.keys)
                if key not in seen:
                    seen.add(key)
                    out.append(sent.text)
                if len(out) >= n:
                    break
            return out[::-1]

    # --------------------------------------------------------------- rerank
    def _score(self, context: str, prefix: str, candidates: list[Candidate]) -> tuple[list[str], dict[str, tuple[list[Scored], float]]]:
        keys = context_keys(context)
        groups: dict[str, list[Candidate]] = {}
        for c in candidates:
            groups.setdefault(c.kind, []).append(c)
        scored: dict[str, tuple[list[Scored], float]] = {}
        for kind, cands in groups.items():
            if kind == "word":
                scored[kind] = score_words(self.vocab, keys, prefix, cands)
            elif kind == "ending":
                scored[kind] = score_endings(self.vocab, keys, prefix, cands)
        return list(groups), scored

    def rerank(self, context: str, prefix: str, candidates: list[Candidate]) -> list[Candidate]:
        """Merge model and user candidates, drop duplicates, best first within each kind.

        Kinds stay grouped in the order they first appear. With nothing learned (no personal
        evidence for this context and no trusted model) each kind keeps the incoming order
        exactly, so a new person gets the model's suggestions unchanged. Chunks pass through.
        """
        with self._lock:
            order, scored = self._score(context, prefix, candidates)
            out: list[Candidate] = []
            for kind in order:
                if kind not in scored:
                    out.extend(c for c in candidates if c.kind == kind)
                    continue
                rows, trust = scored[kind]
                ranker = self.rankers[kind]
                if ranker.trusted:
                    model = ranker.scores([r.x for r in rows])
                    ranked = sorted(zip(rows, model), key=lambda p: (-p[1], p[0].order))
                    rows_sorted = [r for r, _ in ranked]
                elif trust > 0:
                    rows_sorted = sorted(rows, key=lambda r: (-r.base, r.order))
                else:
                    rows_sorted = rows
                if kind == "word":
                    rows_sorted = self._keep_own_word(context, prefix, rows_sorted)
                out.extend(r.cand for r in rows_sorted)
            if self.enabled and scored:
                # the engine may rerank words and endings in separate calls: keep both
                key = (tuple(context_keys(context)), word_key(prefix))
                entry = self._pending.setdefault(key, {})
                entry.update({kind: rows for kind, (rows, _) in scored.items()})
                self._pending.move_to_end(key)
                while len(self._pending) > PENDING_MAX:
                    self._pending.popitem(last=False)
            return out

    def _keep_own_word(self, context: str, prefix: str, rows: list[Scored]) -> list[Scored]:
        """Once a letter is typed, show the word the person said after these same two words.

        Seen on the board: after "My cat Whiskers is hungry.", typing "My cat W" offered "was,
        will, wakes, went, wants" but not "Whiskers" (one sentence is little evidence against a
        confident model). A word that fits the letters *and* followed the same two words (or the
        sentence start and the first word) before takes the last shown place when none of the
        shown words did. It only ever takes place 5, so the model's best four stay; on the dev
        corpus (learning_curve.py, cached model answers) KS with learning is unchanged at 64.94 %:
        the case is about names and the person's own phrases, rare in that corpus.
        """
        shown = SHOWN_WORDS
        if not prefix or len(rows) <= shown or not self.vocab.sentences:
            return rows
        keys = context_keys(context)
        pkey = word_key(prefix)

        def said_here(r: Scored) -> int:
            return self.vocab.match_order(keys, r.key) if r.key != pkey else 0  # type: ignore[arg-type]

        if any(said_here(r) >= 2 for r in rows[:shown]):
            return rows
        best = max(rows[shown:], key=lambda r: (said_here(r), self.vocab.unigrams.get(r.key, 0)))  # type: ignore[arg-type]
        if said_here(best) < 2:
            return rows
        rest = [r for r in rows if r is not best]
        return rest[: shown - 1] + [best] + rest[shown - 1 :]

    # ------------------------------------------------------------- learning
    def record_choice(self, context: str, prefix: str, shown: list[Candidate], picked: str | None) -> None:
        """The person picked ``picked`` from ``shown`` (None: they typed past all of them).

        A pick becomes a training list, trained and saved with the next sentence (or
        ``train_choices``), so this call stays cheap. Typing past leaves the list pending, so
        ``learn_sentence`` can still label it with what they actually wrote.
        """
        if not self.enabled or picked is None:
            return
        with self._lock:
            kind = next((c.kind for c in shown if c.text == picked), None)
            if kind not in self.rankers:
                return
            want = word_key(picked.strip()) if kind == "word" else tuple(word_key(w) for w in words_of(picked))
            pkey = (tuple(context_keys(context)), word_key(prefix))
            # prefer the full list as it was ranked (same features, the candidates not shown
            # too); fall back to the shown list scored now
            rows = self._pending.get(pkey, {}).get(kind)
            if rows is None or not any(r.key == want for r in rows):
                _, scored = self._score(context, prefix, [c for c in shown if c.kind == kind])
                rows = scored.get(kind, ([], 0.0))[0]
            idx = next((i for i, r in enumerate(rows) if r.key == want), None)
            if idx is None:
                return
            # trained with the sentence's batch in learn_sentence (background), not here: the
            # board calls this right after a selection and a fit costs milliseconds
            self._chosen.append((kind, make_example(self.clock(), rows, idx, self._batch)))
            entry = self._pending.get(pkey)
            if entry is not None:
                entry.pop(kind, None)
                if not entry:
                    del self._pending[pkey]

    def train_choices(self) -> None:
        """Train on the picks recorded since the last sentence now (learn_sentence does it too)."""
        if not self.enabled:
            return
        with self._lock:
            batches: dict[str, list[Example]] = {}
            for kind, ex in self._chosen:
                batches.setdefault(kind, []).append(ex)
            self._chosen.clear()
            for kind, batch in batches.items():
                self.rankers[kind].observe(batch)
            self._batch += 1

    def learn_sentence(self, sentence: str) -> None:
        """Store what the person said, label the pending lists with it, train, save atomically."""
        if not self.enabled:
            return
        with self._lock:
            now = self.clock()
            parts = split_sentences(sentence)
            batches: dict[str, list[Example]] = {"word": [], "ending": []}
            for kind, ex in self._chosen:
                batches[kind].append(ex)
            self._chosen.clear()
            for part in parts:
                keys = [word_key(w) for w in words_of(part)]
                for (ctx, pkey), groups in list(self._pending.items()):
                    m = len(ctx) - 1  # words of the sentence so far (ctx starts with BOS)
                    if m >= len(keys) or list(ctx[1:]) != keys[:m] or not keys[m].startswith(pkey):
                        continue
                    targets = {"word": keys[m], "ending": tuple(keys[m:])}
                    for kind, rows in groups.items():
                        idx = next((i for i, r in enumerate(rows) if r.key == targets.get(kind)), None)
                        if idx is not None:
                            batches[kind].append(make_example(now, rows, idx, self._batch))
                    del self._pending[(ctx, pkey)]
            for kind, batch in batches.items():
                if batch:
                    self.rankers[kind].observe(batch)
            self._batch += 1
            for part in parts:
                self.vocab.add(part, now)
            self._pending.clear()
            self.save(full=False)

    # ------------------------------------------------------------- controls
    def save(self, full: bool = True) -> None:
        """Write what was learned (atomic). Errors are reported in ``problems``, never raised.

        ``full=False`` (after each sentence) skips the training lists file except every
        EXAMPLES_EVERY sentences; ``full=True`` (forget, close, explicit) writes everything.
        """
        if self.dir is None:
            return
        with self._lock:
            self._unsaved += 1
            try:
                ensure_private_dir(self.dir)
                persistence.save(self.dir / SENTENCES, FMT_SENTENCES,
                                 {"sentences": [[round(s.t, 3), s.text] for s in self.vocab.sentences]})
                if full or self._unsaved >= EXAMPLES_EVERY or not (self.dir / EXAMPLES).exists():
                    persistence.save(self.dir / EXAMPLES, FMT_EXAMPLES, {"kinds": {
                        k: {"features": r.features, "examples": [e.to_json() for e in r.examples]}
                        for k, r in self.rankers.items()}}, compact=True)
                    self._unsaved = 0
                persistence.save(self.dir / WEIGHTS, FMT_WEIGHTS,
                                 {"kinds": {k: r.weights_json() for k, r in self.rankers.items()}})
            except OSError as exc:
                msg = f"{self.dir}: cannot save what was learned ({exc.strerror or exc})"
                log.error("learning: %s", msg)
                self.problems.append(msg)

    def reset(self) -> None:
        """Delete everything learned for this person (files included, set-aside copies too)."""
        with self._lock:
            self.vocab.rebuild([])
            for r in self.rankers.values():
                r.clear()
            self._pending.clear()
            self._chosen.clear()
            self._batch = 0
            if self.dir is not None and self.dir.exists():
                for child in self.dir.iterdir():
                    if child.is_dir():
                        shutil.rmtree(child)
                    else:
                        child.unlink()

    def forget(self, since: TimeLike, until: TimeLike) -> dict[str, int]:
        """Remove everything said in [since, until): sentences, their counts, n-grams, endings,
        and the training lists of that time; the reranker is retrained from what remains.

        Returns counts of what was removed. Works even when learning is turned off (it is a
        privacy control, not learning).
        """
        lo, hi = to_epoch(since), to_epoch(until)
        if hi <= lo:
            raise ValueError(f"'until' ({until}) must be after 'since' ({since})")
        with self._lock:
            removed = {"sentences": self.vocab.remove_between(lo, hi)}
            self._chosen = [(k, ex) for k, ex in self._chosen if not (lo <= ex.t < hi)]
            for kind, r in self.rankers.items():
                removed[f"{kind}_examples"] = r.forget_between(lo, hi)
            self._pending.clear()
            if self.dir is not None and (self.dir.exists() or any(removed.values())):
                self.save()
            return removed

    def close(self) -> None:
        """Write everything, including the training lists not written yet; give the profile back."""
        if self.enabled:
            self.save(full=True)
        lock = getattr(self, "_profile_lock", None)
        if lock is not None:
            self._profile_lock = None
            lock.release()

    def summary(self) -> dict[str, Any]:
        """Counts a caregiver or clinician may see (no text)."""
        with self._lock:
            return {
                "enabled": self.enabled,
                "sentences": len(self.vocab.sentences),
                "distinct_words": len(self.vocab.unigrams),
                "reranker": {k: {"lists": r.lists_trained, "stored": len(r.examples), "in_use": r.trusted}
                             for k, r in self.rankers.items()},
                "problems": list(self.problems),
            }
