"""Words, sentence endings, previews and chunks from the engine: the Predictor.

How one request is answered (all rows of a step run as one batch on the forked context KV):

1. **Context**: lead text (a few made-up AAC-style messages, so the first word of a sentence is
   not a random web word) + the person's text, truecased, prefilled once and reused.
2. **Words**: a small beam over word tokens. Step 0 takes the word-start tokens consistent with
   the typed prefix (mid-word and multi-token prefixes: a token may cover the prefix or be a
   strict piece of it, then the next token must carry on). A hypothesis that covers the prefix
   becomes a finished word with score ``log P(tokens) + log P(word ends here)`` and may also be
   extended by continuation tokens. Extensions whose score is already below the fifth word are
   pruned. Words are filtered, deduplicated case-insensitively (probabilities summed), cased.
3. **Endings**: the top words are continued greedily to . ! ? or a newline (at most
   ``max_ending_tokens``), so the 3 endings start with different words by construction. An
   ending stops early once the confidence gate could never show it (aac.predict.endings).
4. **Previews** (background, after the first answer is out): for every shown word, the greedy
   continuations from its best next tokens. They are cached with the request, so asking for a
   preview that is ready costs no model call.
5. **Chunks** (optional, measured): the leading words of an ending while every token is
   confident (probability >= ``chunk_min_prob``).
"""

from __future__ import annotations

import functools
import logging
import math
import time
from collections import OrderedDict
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable, Collection

import numpy as np

from aac.predict.engine import Cancelled, CancelCheck, ContextState, Engine, Rows, release_freed_memory
from aac.predict import gate as confidence_gate
from aac.predict.endings import Ending, EndingDecoder, GiveUp, GreedyTails, top_indices
from aac.predict.filters import TextRules, at_sentence_start
from aac.predict.previews import own_by_first_word, preview_lists
from aac.predict.prompt import Prompt
from aac.predict.tokens import Vocab
from aac.predict.types import Suggestions

log = logging.getLogger(__name__)


@dataclass
class PredictorSettings:
    """Knobs (defaults are the measured best; see `aac bench ks`)."""

    n_words: int = 5
    n_endings: int = 3
    # 8, not 12: same KS on dev lines 1-200 (63.88 %, 108 ending hits either way; a hit is the
    # whole rest of the sentence, and long rests are never guessed exactly), warm p95 -20 ms
    max_ending_tokens: int = 8
    beam: int = 10
    # after the first step: 6 live multi-token hypotheses, pruned below the 5th finished word
    # (10 and the 7th before; KS identical on dev lines 1-200, fewer rows per step)
    beam_extend: int = 6
    prune_rank: int = 5
    max_word_tokens: int = 5
    ending_rows: int = 3  # words continued in the foreground to make the endings
    previews_per_word: int = 2
    chunks: bool = True  # measured: +0.6 KS points on 40 dev sentences (6 chunk hits)
    chunk_min_prob: float = 0.6
    # Greedy endings lean towards finishing the sentence: nats added to sentence-final tokens
    # and taken from commas when choosing an ending's next token (scores keep the true
    # log-probs). English dev lines 1-200: KS 63.88 -> 63.86 %, ending hits 108 -> 153; Russian
    # endings stopped rambling in ", а я, а ты" chains.
    end_bonus: float = 2.0
    comma_penalty: float = 2.0
    profanity_filter: bool = True
    framing: str = "plain"
    lead_lines: int = 8
    # The person's own last messages (with a learner) in the prompt, so the model itself sees
    # their names, places and ways of asking (see aac.predict.prompt.HISTORY_LINES). None: the
    # language pack's ``history_lines``, else aac.predict.prompt.HISTORY_LINES.
    history_lines: int | None = None
    # before the lead lines (True) or after them (False, the default: the lead lines' KV is then
    # reused and only the person's lines are prefilled at a new message, 29 tokens in 126-150 ms
    # against 467-510 ms for the whole prompt; persona selections 812 / 813 Tom, 783 / 792 Maya)
    history_before: bool = False
    truecase: bool = True
    max_context_chars: int = 300
    # The confidence gate (aac.predict.gate): an ending is shown only when its calibrated
    # probability times the selections it saves reaches ``gate_min_gain``; off = all shown.
    gate: bool = True
    gate_min_gain: float = confidence_gate.MIN_GAIN
    # Stop decoding an ending once the gate could never show it (aac.predict.endings): the
    # shown tiles are the same; warm requests make 453 model calls instead of 574 and their p95
    # falls by a fifth (tests/bench/ending_give_up.py, models/README.md).
    stop_hopeless_endings: bool = True
    # Greedy endings already decoded inside an earlier ending are replayed, not decoded again
    # (aac.predict.endings.GreedyTails): dev lines 1-20 through `aac predict --jsonl`, 46 of
    # 443 endings; with the endings of 64 contexts kept (ENDING_CONTEXTS) model calls 849 -> 666.
    reuse_greedy_tails: bool = True


@dataclass
class _Word:
    text: str  # as the model spelled it
    score: float  # log P(word, ends)
    logp: float  # log P(tokens)
    rows: Rows  # rows object holding its KV
    row: int
    next_lp: np.ndarray  # log-probs of the token after the word
    tokens: tuple[int, ...] = ()


@dataclass
class _Search:
    """What one request computed; kept so previews can continue the same rows later."""

    context: str
    prefix: str
    sentence_start: bool
    words: list[str]  # shown (cased)
    model_words: list[str]  # as the model spelled them (same order)
    scores: list[float]
    rows: Rows | None  # one row per shown word
    next_lp: list[np.ndarray]
    endings_by_word: dict[str, list[tuple[str, float]]] = field(default_factory=dict)
    hopeless: list[tuple[str, float]] = field(default_factory=list)  # (text, score) of endings stopped early
    stopped: set[int] = field(default_factory=set)  # words whose greedy ending was stopped early
    suggestions: Suggestions | None = None
    previews_done: bool = False
    refs: list[tuple[Rows, int]] = field(default_factory=list)  # KV row of each shown word
    logps: list[float] = field(default_factory=list)  # log P(word tokens)
    model_text: str = ""
    prompt_ids: tuple[int, ...] = ()  # the model's tokens for ``model_text``
    word_ids: list[tuple[int, ...]] = field(default_factory=list)  # each shown word's tokens (same order)
    letter_mass: dict[str, float] = field(default_factory=dict)  # word -> score, all candidates
    # per shown ending (same order): (log P(ending | context, prefix) or -inf, complete, n words)
    ending_feats: list[tuple[float, bool, int]] = field(default_factory=list)


def _nth_best(words: list[_Word], n: int) -> float:
    """The n-th best distinct word's score (case-insensitive), or -1e9 when there are fewer."""
    best: dict[str, float] = {}
    for w in words:
        k = w.text.lower()
        best[k] = max(best.get(k, -1e9), w.score)
    vals = sorted(best.values(), reverse=True)
    return vals[n - 1] if len(vals) >= n else -1e9


class Predictor:
    """5 words + 3 endings (+ previews, chunks) for (context, prefix); learns if a learner is given."""

    #: Finished requests kept (speculative ones included); a hit costs no model call.
    CACHE_SIZE = 48
    #: Contexts whose endings are kept (a few KB each). The endings after a word depend only on
    #: the model's text, not on the learner, so they outlive ``learn``: every new message asks
    #: for the empty context again, and a person's messages often start the same way ("I ",
    #: "Can you "). Dev lines 1-20 through ``aac predict --jsonl`` (186 requests): model calls
    #: 849 with one context kept, 700 with 16, 684 with 64; requests over 100 ms 45 -> 22 -> 20.
    ENDING_CONTEXTS = 64

    def __init__(self, engine: Engine, settings: PredictorSettings | None = None, learner: Any = None, language: Any = None) -> None:
        """``language`` is a LanguagePack (aac.language); None means English."""
        self.engine = engine
        self.settings = settings or PredictorSettings()
        self.language = language
        self.rules = TextRules.for_language(language)
        letters = None if self.rules.letters == "abcdefghijklmnopqrstuvwxyz" else self.rules.letters
        self.vocab = _vocab_for(engine.model_dir / "tokenizer.json", engine.vocab_size, letters)
        self.learner = learner
        self._last: _Search | None = None
        self._searches: OrderedDict[tuple[str, str], _Search] = OrderedDict()
        #: model text -> {(model word, branch) -> the tail after it}, least recently used first
        self._end_caches: OrderedDict[str, dict[tuple[str, int], Ending]] = OrderedDict()
        self._learner_failed = False
        self._cont_ids = np.flatnonzero(self.vocab.cont)
        self.endings = EndingDecoder(engine, self.vocab, self.rules, self.settings)
        self._tails = GreedyTails()
        self.prompt = Prompt(self.settings, language, self.rules, engine,
                             (lambda n: self._learner_call("recent_sentences", n)) if learner is not None else None)

    @classmethod
    def from_model_dir(cls, model_dir: Path | str, settings: PredictorSettings | None = None, learner: Any = None, threads: int | None = None, language: Any = None) -> "Predictor":
        return cls(Engine(model_dir, threads=threads), settings, learner, language)

    # --- words ----------------------------------------------------------------------------
    def _search_words(self, state: ContextState, prefix: str, kind: str, cancel: CancelCheck | None) -> list[_Word]:
        s = self.settings
        eng = self.engine
        ids, covers = self.vocab.consistent(kind, prefix)
        if len(ids) == 0:
            return []
        lp0 = state.logprobs[ids]
        order = top_indices(lp0, s.beam)
        # live hypothesis: (token ids, text, logp, covered)
        live: list[tuple[list[int], str, float, bool]] = [
            ([int(ids[j])], self.vocab.body(int(ids[j])), float(lp0[j]), bool(covers[j])) for j in order if np.isfinite(lp0[j])
        ]
        finished: list[_Word] = []
        rows = Rows.fork(state, len(live)) if live else None
        for step_no in range(s.max_word_tokens):
            if not live or rows is None:
                break
            if cancel is not None and cancel():
                raise Cancelled()
            feed = np.array([h[0][-1] for h in live])
            # the first tokens: rows this context already decoded for a shorter prefix are reused
            lps = eng.first_step(state, rows, feed) if step_no == 0 else eng.step(rows, feed)
            new: list[tuple[list[int], str, float, bool]] = []
            parents: list[int] = []
            for i, (toks, text, logp, covered) in enumerate(live):
                row_lp = lps[i]
                if covered:
                    p_cont = float(np.exp(row_lp[self._cont_ids]).sum())
                    p_end = math.log(max(1.0 - p_cont, 1e-9))
                    finished.append(_Word(text, logp + p_end, logp, rows, i, row_lp, tuple(toks)))
                    cand_ids = self._cont_ids
                    cand_cov = None
                else:
                    remaining = prefix[len(text) :]
                    cand_ids, cand_cov = self.vocab.consistent("cont", remaining)
                if len(cand_ids) == 0:
                    continue
                clp = row_lp[cand_ids]
                top = top_indices(clp, 3)
                for j in top:
                    t = int(cand_ids[j])
                    new.append((toks + [t], text + self.vocab.body(t), logp + float(clp[j]), True if cand_cov is None else bool(cand_cov[j])))
                    parents.append(i)
            # prune: an extension can only lose probability, so drop those already below the n-th word
            bar = _nth_best(finished, s.prune_rank)
            keep = sorted(range(len(new)), key=lambda k: -new[k][2])
            keep = [k for k in keep if new[k][2] > bar][: s.beam_extend]
            live = [new[k] for k in keep]
            rows = rows.keep([parents[k] for k in keep]) if keep else None
        return finished

    def _rank_words(self, found: list[_Word], sentence_start: bool, prefix: str = "", kind: str = "space") -> list[tuple[str, _Word, float]]:
        """Filter, merge case variants (sum of probabilities), case for display; best first.

        Dropped: junk and (by default) profanity; single letters other than "a"/"I"; the typed
        prefix itself (choosing it saves nothing, a longer word may); and words reached through
        a token split the tokenizer would never produce (" xy"+"lophon" is not "xylophone":
        such paths confuse the model and yield half words like "xylophon").
        """
        merged: dict[str, tuple[_Word, float]] = {}
        lead = " " if kind == "space" else ""
        for w in found:
            if not self.rules.valid_word(w.text, self.settings.profanity_filter):
                continue
            low = w.text.lower()
            if len(low) == 1 and low not in self.rules.single_letter_words and not low.isdigit():
                continue
            if prefix and len(prefix) >= 2 and low == prefix.lower():
                continue
            if w.tokens and tuple(self.engine.encode(lead + w.text)) != w.tokens:
                continue
            k = w.text.lower()
            if k in merged:
                best, total = merged[k]
                total = float(np.logaddexp(total, w.score))
                merged[k] = (w if w.score > best.score else best, total)
            else:
                merged[k] = (w, w.score)
        ranked = sorted(merged.values(), key=lambda bt: -bt[1])
        return [(self.rules.case_word(b.text, sentence_start), b, total) for b, total in ranked]

    # --- endings -----------------------------------------------------------------------
    def _endings_for(self, search: _Search, idx: list[int], branch: list[int], cancel: CancelCheck | None, give_up: GiveUp | None = None) -> list[Ending]:
        """Endings for shown words ``idx`` (first token choice ``branch``), cached per context.

        The continuation after a word does not depend on the typed prefix, so when the person
        types one more letter and the same word is still shown, its ending costs nothing. A
        cached ending that was stopped early (``give_up``) is reused only while ``give_up``
        still stops it (the typed prefix changes its probability); otherwise it is decoded again.
        """
        cache = self._end_caches.get(search.model_text)
        if cache is None:
            cache = self._end_caches[search.model_text] = {}
            while len(self._end_caches) > self.ENDING_CONTEXTS:
                self._end_caches.popitem(last=False)
        else:
            self._end_caches.move_to_end(search.model_text)
        out: list[Ending | None] = []
        todo: list[int] = []
        left = self.settings.max_ending_tokens
        for j, (i, b) in enumerate(zip(idx, branch)):
            hit = cache.get((search.model_words[i], b))
            # (one prob per token decoded, so len(probs) tokens are spent)
            if hit is not None and hit.pruned and (give_up is None or not give_up(search.logps[i] + hit.delta, search.words[i] + hit.text, left - len(hit.probs))):
                hit = None
            if hit is None:
                out.append(None)
                todo.append(j)
            else:
                out.append(replace(hit, text=search.words[i] + hit.text, score=search.logps[i] + hit.delta))
        if todo:
            todo = self._known_endings(search, idx, branch, todo, out, cache, give_up)
        if todo:
            rows = _stack_rows([search.refs[idx[j]] for j in todo], share=True)
            heads = [search.words[idx[j]] for j in todo]
            ends = self.endings.continue_rows(rows, [search.next_lp[idx[j]] for j in todo], heads, [search.logps[idx[j]] for j in todo], [branch[j] for j in todo], cancel, give_up)
            for j, e in zip(todo, ends):
                i = idx[j]
                cache[(search.model_words[i], branch[j])] = _tail_of(e, search.words[i])
                out[j] = e
                path = _token_path(search, i)
                if path:
                    self._tails.add(path, e)
        return [e for e in out if e is not None]

    def _known_endings(self, search: _Search, idx: list[int], branch: list[int], todo: list[int], out: list[Ending | None],
                       cache: dict[tuple[str, int], Ending], give_up: GiveUp | None) -> list[int]:
        """Fill ``out`` for the greedy endings already decoded inside an earlier ending
        (:class:`~aac.predict.endings.GreedyTails`); returns the rows still to decode."""
        left = []
        for j in todo:
            i = idx[j]
            path = _token_path(search, i) if self.settings.reuse_greedy_tails and branch[j] == 0 else None
            tail = self._tails.find(path) if path else None
            e = self.endings.replay(search.words[i], search.logps[i], tail, give_up) if tail is not None else None
            if e is None:
                left.append(j)
                continue
            cache[(search.model_words[i], 0)] = _tail_of(e, search.words[i])
            out[j] = e
        return left

    def _norm(self, text: str) -> str:
        return " ".join(self.rules.words_of(text))

    # --- public API ---------------------------------------------------------------------
    def suggest(self, context: str, prefix: str, cancel: CancelCheck | None = None, on_words: Callable[[Suggestions], None] | None = None) -> Suggestions:
        """Words and endings for what the person has written (no previews yet).

        ``on_words`` (optional) receives the words alone as soon as they are known, before the
        endings are decoded, so the board can show them one step earlier.
        """
        t0 = time.perf_counter()
        s = self.settings
        prefix = prefix.strip()
        hit = self._searches.get((context, prefix))
        if hit is not None and hit.suggestions is not None:
            self._searches.move_to_end((context, prefix))
            self._last = hit
            done = replace(hit.suggestions, latency_ms=(time.perf_counter() - t0) * 1000)
            if on_words is not None:
                on_words(replace(done, endings=[], previews={}, chunks=[]))
            return done
        text, kind, ids = self.prompt.fitted(context)
        state = self.engine.prefill(ids, cancel=cancel)
        sentence_start = at_sentence_start(context)
        found = self._search_words(state, prefix, kind, cancel)
        ranked = self._rank_words(found, sentence_start, prefix, kind)
        chosen = self._learner_words(context, prefix, ranked, state, kind, sentence_start)
        words_out = [c[0] for c in chosen]
        search = _Search(context, prefix, sentence_start, words_out, [c[1].text for c in chosen], [c[2] for c in chosen], None, [c[1].next_lp for c in chosen])
        # the shown words' KV rows, copied out of the beam's batches so those can be freed
        # (each beam step's batch holds up to ``beam`` rows of the whole context)
        compact = _stack_rows([(c[1].rows, c[1].row) for c in chosen]) if chosen else None
        search.refs = [(compact, i) for i in range(len(chosen))] if compact is not None else []
        search.logps = [c[1].logp for c in chosen]
        search.model_text = text
        search.prompt_ids = state.ids
        search.word_ids = [c[1].tokens for c in chosen]
        search.letter_mass = {w: total for w, _, total in ranked[:40]}
        n_chosen = len(chosen)
        found = ranked = chosen = []  # noqa: F841 - drop the beam batches now, not at return
        if on_words is not None:
            on_words(Suggestions(context, prefix, list(words_out), [], {}, [], (time.perf_counter() - t0) * 1000))
        endings, chunks = self._model_endings(search, n_chosen, cancel) if n_chosen and s.n_endings > 0 else ([], [])
        endings = self._learner_endings(context, prefix, endings, sentence_start, {t for t, _ in search.hopeless})
        probs, shown = self._gate_endings(search, context, prefix, endings)
        sugg = Suggestions(context, prefix, words_out, endings, {}, chunks, (time.perf_counter() - t0) * 1000, probs, shown)
        search.suggestions = sugg
        self._remember(search)
        release_freed_memory()
        return sugg

    def _model_endings(self, search: _Search, n_chosen: int, cancel: CancelCheck | None) -> tuple[list[str], list[str]]:
        """The model's endings for the top words, best first, and the chunks inside them.

        An ending the gate could never show is stopped early (aac.predict.endings) and keeps its
        place in the list with the words decoded so far: the learner then ranks the same list as
        before the stop (measured: letting the person's own endings take those places instead
        showed 29 % more endings on persona_tom_als for the same ending hits)."""
        s = self.settings
        words_out = search.words
        give_up = confidence_gate.give_up_rule(list(search.letter_mass.values()), self.endings.words_in, self.endings.max_words_per_token,
                                               self._gate_settings()) if s.stop_hopeless_endings else None
        cand: list[tuple[float, str]] = []
        chunks: list[str] = []
        start, k = 0, min(s.ending_rows, n_chosen)
        while start < k:
            # normally the top ``ending_rows`` words; if some of their endings were junk or
            # duplicates, the next words are continued too, so there are 3 when possible
            ends = self._endings_for(search, list(range(start, k)), [0] * (k - start), cancel, give_up)
            for i, e in zip(range(start, k), ends):
                t = self.endings.clean(e)
                if e.pruned:
                    search.stopped.add(i)  # the previews decode it in full
                if t:
                    if e.pruned:
                        search.hopeless.append((t, e.score))
                    else:
                        search.endings_by_word.setdefault(words_out[i], []).append((t, e.score))
                    cand.append((-(e.score + (0.0 if e.complete else -5.0)), t))
                if s.chunks:
                    # a chunk that is the whole ending adds nothing (a stopped ending was longer)
                    c = self.endings.chunk_of(e, words_out[i])
                    if c and (e.pruned or self._norm(c) != self._norm(t or "")) and c not in chunks:
                        chunks.append(c)
            distinct = {self._norm(t) for _, t in cand}
            start, k = k, min(n_chosen, k + max(0, s.n_endings - len(distinct)))
        cand.sort(key=lambda x: x[0])
        endings: list[str] = []
        seen: set[str] = set()
        for _, t in cand:
            if self._norm(t) not in seen:
                seen.add(self._norm(t))
                endings.append(t)
        return endings[: s.n_endings], chunks

    def _gate_settings(self) -> confidence_gate.GateSettings:
        return confidence_gate.GateSettings(enabled=self.settings.gate, min_gain=self.settings.gate_min_gain)

    def _gate_endings(self, search: _Search, context: str, prefix: str, endings: list[str]) -> tuple[list[float], list[bool]]:
        """Calibrated probability of each ending and whether the gate shows it
        (:func:`aac.predict.gate.gate_endings`); the person's own endings bring their own estimate."""
        user: dict[str, float] = {}
        if endings and self.learner is not None and not self._learner_failed:
            for c in self._learner_call("user_ending_candidates", context, prefix, 10) or []:
                if getattr(c, "prob", None) is not None:
                    key = self._norm(str(c.text))
                    user[key] = max(user.get(key, 0.0), float(c.prob))
        scored = [x for items in search.endings_by_word.values() for x in items] + search.hopeless
        probs, shown, search.ending_feats = confidence_gate.gate_endings(
            endings, scored, list(search.letter_mass.values()), user, self._norm, self._gate_settings())
        return probs, shown

    def _remember(self, search: _Search) -> None:
        """Cache a finished search; only the newest keeps its KV rows (memory stays bounded)."""
        for other in self._searches.values():
            other.refs = []
            other.next_lp = []
        key = (search.context, search.prefix)
        self._searches[key] = search
        self._searches.move_to_end(key)
        while len(self._searches) > self.CACHE_SIZE:
            self._searches.popitem(last=False)
        self._last = search

    def with_previews(self, context: str, prefix: str, cancel: CancelCheck | None = None,
                      on_previews: Callable[[Suggestions], None] | None = None) -> Suggestions:
        """The same Suggestions with ``previews`` filled (computes them once, then cached).

        The top ``ending_rows`` words (the person reads them first) get their previews in a
        first batch and ``on_previews`` (optional) receives the Suggestions with those alone;
        the other words' previews follow in a second batch. Why: the greedy endings the gate
        stopped early are decoded in full here, and as a batch of their own ahead of all the
        previews (session 6) they made the previews later (`aac bench latency` previews ready
        p50 176 -> 202 ms) and cost the simulated person an ending per 20 sentences. Two
        batches keep the KV copied at once no larger than before the stop (one batch of all
        of them peaked at 511-537 MB).
        """
        key = (context, prefix.strip())
        last = self._searches.get(key)
        if last is not None and not last.previews_done and not last.refs and last.words:
            del self._searches[key]  # its KV rows were freed: compute it again
            last = None
        if last is None or last.suggestions is None:
            self.suggest(context, prefix, cancel)
            last = self._searches.get(key)
        assert last is not None and last.suggestions is not None
        if last.previews_done:
            return last.suggestions
        s = self.settings
        own = self._own_previews(context, prefix, last.sentence_start)
        top = min(s.ending_rows, len(last.words))
        # a word's greedy ending (branch 0) is known unless it was stopped or the word was not
        # continued in the foreground (then the context's ending cache usually has it)
        needs = [(i, b) for i in range(len(last.words)) for b in range(s.previews_per_word)
                 if b > 0 or i in last.stopped or i >= top]
        batches = [[x for x in needs if x[0] < top], [x for x in needs if x[0] >= top]]
        for n, batch in enumerate(batches):
            if batch:
                ends = self._endings_for(last, [i for i, _ in batch], [b for _, b in batch], cancel)
                for (i, _), e in zip(batch, ends):
                    t = self.endings.clean(e)
                    if t:
                        last.endings_by_word.setdefault(last.words[i], []).append((t, e.score))
            if n == 0 and on_previews is not None and batches[1]:
                on_previews(replace(last.suggestions, previews=preview_lists(last.endings_by_word, last.words[:top], self._norm, own)))
        last.suggestions = replace(last.suggestions, previews=preview_lists(last.endings_by_word, last.words, self._norm, own))
        last.previews_done = True
        last.refs = []  # free the KV rows and distributions (the cache keeps only text)
        last.next_lp = []
        release_freed_memory()
        return last.suggestions

    def _own_previews(self, context: str, prefix: str, sentence_start: bool) -> dict[str, list[str]]:
        """The person's own endings here by first word (:mod:`aac.predict.previews`)."""
        if self.learner is None or self._learner_failed:
            return {}
        found = self._learner_call("user_ending_candidates", context, prefix, max(10, 2 * self.settings.n_words)) or []
        return own_by_first_word(found, self._norm, lambda t: self.rules.valid_ending(t, self.settings.profanity_filter),
                                 sentence_start, self.settings.n_endings)

    def preview(self, context: str, prefix: str, word: str) -> list[str] | None:
        """Endings that start with ``word`` if already computed; never calls the model."""
        last = self._searches.get((context, prefix.strip()))
        if last is None or last.suggestions is None:
            return None
        got = last.suggestions.previews.get(word)
        if got is None and word in last.endings_by_word:
            got = [t for t, _ in sorted(last.endings_by_word[word], key=lambda x: -x[1])]
        return got

    # --- learning -----------------------------------------------------------------------
    def _learner_call(self, name: str, *args: Any) -> Any:
        if self.learner is None or self._learner_failed:
            return None
        try:
            return getattr(self.learner, name)(*args)
        except Exception as exc:  # noqa: BLE001 - a broken learner must never break suggestions
            log.warning("learner.%s failed, learning disabled for this session: %s", name, exc)
            self._learner_failed = True
            return None

    def _learner_words(self, context: str, prefix: str, ranked: list[tuple[str, _Word, float]], state: ContextState, kind: str, sentence_start: bool) -> list[tuple[str, _Word, float]]:
        """The shown words: the model's best, reranked with the person's own words if learning is on.

        A word only the person uses (not in the model's list) gets its KV row by a forced decode
        of its tokens, so its endings and previews work like any other word's.
        """
        s = self.settings
        if self.learner is None or self._learner_failed:
            return ranked[: s.n_words]
        from aac.predict.types import Candidate

        pool = ranked[: s.n_words + 10]
        lm = [Candidate(w, "word", float(total), i, "lm") for i, (w, _, total) in enumerate(pool)]
        user = self._learner_call("user_word_candidates", context, prefix, s.n_words) or []
        order = self._learner_call("rerank", context, prefix, lm + list(user))
        if not order:
            return ranked[: s.n_words]
        by_key = {w.lower(): (w, wd, total) for w, wd, total in pool}
        out: list[tuple[str, _Word, float]] = []
        for c in order:
            if getattr(c, "kind", "word") != "word":
                continue
            text = self.rules.case_word(str(c.text).strip(), sentence_start)
            key = text.lower()
            if any(o[0].lower() == key for o in out) or not key.startswith(prefix.lower()):
                continue
            if not self.rules.valid_word(text, s.profanity_filter) or (len(prefix) >= 2 and key == prefix.lower()):
                continue
            if key in by_key:
                out.append(by_key[key])
            else:
                forced = self._force_word(state, text, kind)
                if forced is None:
                    continue
                out.append((text, forced, forced.score))
            if len(out) >= s.n_words:
                break
        return out or ranked[: s.n_words]

    def _force_word(self, state: ContextState, word: str, kind: str) -> _Word | None:
        """Decode a given word after the context (one call) to get its KV row and scores."""
        toks = self.engine.encode((" " if kind == "space" else "") + word)
        if not toks:
            return None
        rows = Rows.fork(state, 1)
        logp = float(state.logprobs[toks[0]])
        lp = None
        for t in toks:
            if lp is not None:
                logp += float(lp[0][t])
            lp = self.engine.step(rows, np.array([t]))
        assert lp is not None
        p_cont = float(np.exp(lp[0][self._cont_ids]).sum())
        return _Word(word, logp + math.log(max(1.0 - p_cont, 1e-9)), logp, rows, 0, lp[0], tuple(toks))

    def _learner_endings(self, context: str, prefix: str, endings: list[str], sentence_start: bool, stopped: Collection[str] = ()) -> list[str]:
        """Merge the person's own sentence endings with the model's (the learner ranks them).

        ``stopped``: model endings cut short because the gate could never show them; when one has
        the same words as the person's own ending, the person's whole text is kept."""
        s = self.settings
        if self.learner is None or self._learner_failed:
            return endings
        from aac.predict.types import Candidate

        user_e = self._learner_call("user_ending_candidates", context, prefix, s.n_endings) or []
        if not user_e:
            return endings
        lm_e = [Candidate(e, "ending", 0.0, i, "lm") for i, e in enumerate(endings)]
        ranked_e = self._learner_call("rerank", context, prefix, lm_e + list(user_e)) or lm_e
        whole = {self._norm(str(c.text)): str(c.text) for c in user_e}
        out_e: list[str] = []
        seen_e: set[str] = set()
        for c in ranked_e:
            if getattr(c, "kind", "ending") != "ending":
                continue
            t = str(c.text).strip()
            t = whole.get(self._norm(t), t) if t in stopped else t
            if t and t.lower().startswith(prefix.lower()) and self._norm(t) not in seen_e and self.rules.valid_ending(t, s.profanity_filter):
                seen_e.add(self._norm(t))
                if sentence_start:
                    t = t[0].upper() + t[1:]
                out_e.append(t)
        return out_e[: s.n_endings] or endings

    def record_choice(self, context: str, prefix: str, picked: str | None) -> None:
        """Tell the learner what was shown for (context, prefix) and what the person picked."""
        last = self._searches.get((context, prefix.strip()), self._last)
        if self.learner is None or last is None or last.suggestions is None:
            return
        from aac.predict.types import Candidate

        sug = last.suggestions
        shown = [Candidate(w, "word", float(last.scores[i]) if i < len(last.scores) else 0.0, i, "lm") for i, w in enumerate(sug.words)]
        shown += [Candidate(e, "ending", 0.0, i, "lm") for i, e in enumerate(sug.endings)]
        self._learner_call("record_choice", context, prefix, shown, picked)

    def clear_cache(self) -> None:
        """Forget finished and speculative results (benchmarks measure cold requests this way)."""
        self._searches.clear()
        self._end_caches.clear()
        self._tails.clear()

    def close(self) -> None:
        """Let the learner write what it keeps back between sentences (its training lists)."""
        self._learner_call("close")

    def learn(self, sentence: str) -> None:
        """Teach the learner a finished message; with history lines, get the next message ready.

        The message now joins the prompt (``history_lines``), so the next message's first request
        would prefill it (126-150 ms for four lines on this machine kind) and find nothing cached
        for the new prompt. Learning happens as the person finishes a message, before the board
        asks for the empty message's suggestions (aac.predict.service), so they are computed
        here, out of the way of the first dwell.
        """
        if self.learner is None:
            return
        self._searches.clear()  # what was learned may change the suggestions
        before = self.prompt.lead_text() if self.prompt.history_lines() > 0 else None
        self._learner_call("learn_sentence", sentence)
        if before is not None and self.prompt.lead_text() != before:
            try:
                self.suggest("", "")
            except Exception as exc:  # noqa: BLE001 - learning succeeded; the next request computes it
                log.warning("preparing the next message's suggestions failed: %s", exc)

    # --- speculation --------------------------------------------------------------------
    def guesses(self, context: str, prefix: str, k: int = 5) -> list[tuple[str, str]]:
        """The requests most likely to follow (context, prefix), best first.

        Picking one of the top words (the board then asks for context + word + " "), or typing
        the next letter of a word that is not shown (letters ranked by the model's word-start
        probability mass). Used by the service to fill the cache while the person dwells.
        """
        last = self._searches.get((context, prefix.strip()))
        if last is None or last.suggestions is None:
            return []
        out: list[tuple[str, str]] = []
        words = last.suggestions.words
        for w in words[:3]:
            out.append((context + w + " ", ""))
        letters: dict[str, float] = {}
        shown = {w.lower() for w in words}
        for w, sc in last.letter_mass.items():
            if w.lower() in shown:
                continue
            low = w.lower()
            if len(low) > len(prefix.strip()):
                ch = low[len(prefix.strip())]
                letters[ch] = letters.get(ch, 0.0) + math.exp(sc)
        for ch, _ in sorted(letters.items(), key=lambda kv: -kv[1])[:2]:
            out.append((context, prefix.strip() + ch))
        for w in words[3:]:
            out.append((context + w + " ", ""))
        seen: set[tuple[str, str]] = set()
        return [g for g in out if not (g in seen or seen.add(g))][:k]

    def speculate(self, context: str, prefix: str, cancel: CancelCheck | None = None, k: int = 5) -> int:
        """Compute (with previews) the likely next requests into the cache; returns how many."""
        done = 0
        current = self._searches.get((context, prefix.strip()))
        for ctx, pre in self.guesses(context, prefix, k):
            if cancel is not None and cancel():
                break
            if (ctx, pre) in self._searches:
                continue
            self.with_previews(ctx, pre, cancel)
            done += 1
        if current is not None:
            self._searches.move_to_end((current.context, current.prefix))
            self._last = current
        return done


def _token_path(search: _Search, i: int) -> tuple[int, ...] | None:
    """The model's tokens up to the end of shown word ``i`` (None when its tokens are unknown)."""
    if i < len(search.word_ids) and search.word_ids[i]:
        return search.prompt_ids + search.word_ids[i]
    return None


def _tail_of(e: Ending, word: str) -> Ending:
    """What the context's ending cache keeps: the ending after its head word."""
    return replace(e, text=e.text[len(word):])


@functools.lru_cache(maxsize=4)
def _vocab_for(path: Path, size: int, letters: str | None = None) -> Vocab:
    """One Vocab per (tokenizer file, word letters) (building it classifies every token; share it)."""
    return Vocab(path, size=size, letters=letters)


def _stack_rows(items: list[tuple[Rows, int]], share: bool = False) -> Rows:
    """One batch from rows of different Rows objects (different lengths; right padded).

    ``share``: the leading rows of one Rows, in order, are used in place (``Rows.keep``), for a
    caller that only decodes on past their lengths, as the endings of the shown words do (their
    rows stay valid for the previews). Not for copying rows out of a batch to free it.
    """
    if all(r is items[0][0] for r, _ in items):
        idx = [i for _, i in items]
        return items[0][0].keep(idx) if share else items[0][0].select(idx)  # one gather per layer
    lengths = np.array([int(r.lengths[i]) for r, i in items], dtype=np.int64)
    width = int(lengths.max())
    first = items[0][0].kv
    fixed = items[0][0].fixed
    kv = []
    for layer in range(len(first)):
        a0 = first[layer]
        cap = a0.shape[2] if fixed[layer] else width + Engine.HEADROOM  # pinned (sliding-window) buffers keep their size
        buf = np.empty((len(items), a0.shape[1], cap, a0.shape[3]), dtype=a0.dtype)
        for j, (r, i) in enumerate(items):
            n = int(r.lengths[i])
            buf[j, :, :n] = r.kv[layer][i, :, :n]
        kv.append(buf)
    return Rows(kv, lengths, fixed)
