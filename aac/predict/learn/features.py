"""Features of a suggestion, and the evidence-weighted base score that needs no training.

Two scores come out of here for every candidate:

* the **base score**: a mixture of the model's probability and the person's own n-gram /
  sentence store, ``log((1 - trust) * p_lm + trust * p_user)``. ``trust`` grows with the evidence
  the person's store has for *this* context (how often they continued it, how long a context
  matched), so an empty profile gives trust 0 and exactly the model's order, and a context the
  person has said many times leans on what they said;
* a **feature vector** for the learned reranker (``reranker.py``), which can correct the base
  mixture once it has seen enough of the person's choices.

Features are relative within a list (the model's log-prob minus the best in the list, its rank)
so lists from different contexts are comparable.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from aac.predict.types import Candidate

from .vocabulary import EndingMatch, Vocabulary, WordDist, ending_key, word_key

#: ``lm_logprob`` at or below this means "the model never scored this candidate".
MISSING_LOGPROB = -99.0
#: Clip for relative log-probs (a candidate far below the best is simply "much worse").
REL_FLOOR = -20.0
#: Prior ratio between consecutive ranks when the engine gives no scores.
RANK_DECAY = 0.4
#: Small probability floor inside logs.
EPS = 1e-4

WORD_FEATURES = [
    "base",
    "lm_rel",
    "lm_missing",
    "lm_rank",
    "rank_1",
    "rank_2",
    "rank_3",
    "rank_4",
    "rank_5_9",
    "rank_10_up",
    "user_logp",
    "user_order",
    "order_x_user",
    "missing_x_order",
    "user_count",
    "recency",
    "remaining",
    "trust_x_user",
    "trust_x_lm",
]
ENDING_FEATURES = [
    "base",
    "lm_rel",
    "lm_missing",
    "lm_rank",
    "user_logp",
    "matched",
    "from_start",
    "user_count",
    "recency",
    "n_words",
    "trust_x_user",
    "trust_x_lm",
]
FEATURES = {"word": WORD_FEATURES, "ending": ENDING_FEATURES}

#: Most trust the person's store can get for words, by the longest context it matched
#: (0 = the word alone, 1 = after the previous word or at sentence start, ...). Evidence
#: ``n`` then scales it by n / (n + WORD_KAPPA).
WORD_TRUST = (0.15, 0.45, 0.6, 0.7)
WORD_KAPPA = 2.0
#: Weight of the person's probability for words outside the model's candidate pool.
USER_ONLY_WEIGHT = 0.2
#: Same for endings, by how many words before the ending matched; +FROM_START_BONUS when the
#: whole sentence so far matched from its start (the person is saying that sentence again).
ENDING_TRUST = (0.1, 0.35, 0.55, 0.7, 0.8)
FROM_START_BONUS = 0.15
ENDING_KAPPA = 1.0
#: How many of the person's endings are considered when scoring a list.
ENDING_POOL = 30


@dataclass
class Scored:
    """A candidate with what the ranker knows about it."""

    cand: Candidate
    key: object
    base: float
    x: list[float]
    order: int  # position in the incoming list (ties keep it)


def word_trust(dist: WordDist | None) -> float:
    """How much the person's words should count here, from the evidence for this context."""
    if not dist or dist.order < 0:
        return 0.0
    return WORD_TRUST[min(dist.order, len(WORD_TRUST) - 1)] * dist.evidence / (dist.evidence + WORD_KAPPA)


def has_lm(c: Candidate) -> bool:
    return c.lm_logprob > MISSING_LOGPROB and math.isfinite(c.lm_logprob)


def candidate_key(c: Candidate) -> object:
    """Duplicates are the same word (case-insensitive) or the same ending words."""
    if c.kind == "word":
        return word_key(c.text.strip())
    return ending_key(c.text)


def dedupe(cands: list[Candidate]) -> list[tuple[Candidate, object]]:
    """Merge duplicates, keeping the first text and the model's best score and rank."""
    out: dict[object, Candidate] = {}
    for c in cands:
        k = candidate_key(c)
        if k in ((), ""):
            continue
        old = out.get(k)
        if old is None:
            out[k] = Candidate(c.text, c.kind, c.lm_logprob, c.rank, c.source)
            continue
        if has_lm(c) and (not has_lm(old) or c.lm_logprob > old.lm_logprob):
            old.lm_logprob = c.lm_logprob
        if c.source == "lm" and (old.source != "lm" or c.rank < old.rank):
            old.rank = c.rank
            old.source = "lm"
    return [(c, k) for k, c in out.items()]


def _lm_probs(cands: list[Candidate]) -> tuple[list[float], float]:
    """Model probabilities renormalised over the list, kept non-increasing in list order.

    Renormalising makes the scale of ``lm_logprob`` irrelevant (words and endings are scored
    differently by the engine); keeping it monotone means the person's store is the only thing
    that can move one model candidate above another.
    """
    lps = [c.lm_logprob for c in cands if has_lm(c)]
    if not lps:
        return [0.0] * len(cands), 0.0
    top = max(lps)
    if len(lps) > 1 and min(lps) == top:
        # the engine gave no scores (all equal): fall back on its order, each rank about half
        # as likely as the one before (what the dev corpus shows for endings: 65/26/9 %)
        ranks = [c.rank for c in cands if has_lm(c)]
        z = sum(RANK_DECAY ** r for r in ranks)
        return [RANK_DECAY ** c.rank / z if has_lm(c) else 0.0 for c in cands], top
    z = sum(math.exp(lp - top) for lp in lps)
    probs, running = [], math.inf
    for c in cands:
        if has_lm(c):
            p = math.exp(c.lm_logprob - top) / z
            running = min(running, p)
            probs.append(running)
        else:
            probs.append(0.0)
    return probs, top


def _lm_feats(c: Candidate, top: float, n: int) -> tuple[float, float, float]:
    if has_lm(c):
        return max(REL_FLOOR, c.lm_logprob - top), 0.0, math.log1p(max(0, c.rank))
    return REL_FLOOR, 1.0, math.log1p(max(n, 20))


def score_words(
    vocab: Vocabulary, keys: list[str], prefix: str, cands: list[Candidate]
) -> tuple[list[Scored], float]:
    """Base scores and features for word candidates; returns (scored, trust)."""
    merged = dedupe(cands)
    plist = [c for c, _ in merged]
    p_lm, top = _lm_probs(plist)
    dist = vocab.word_distribution(keys, prefix) if vocab.sentences else None
    trust = word_trust(dist)
    if not any(p_lm):  # no model scores at all: the person's store is all there is
        trust = 1.0 if dist else 0.0
    out = []
    for i, (c, k) in enumerate(merged):
        pu = dist.prob(k) if dist else 0.0  # type: ignore[arg-type]
        # a word the model did not even rank in its pool is rarely the one wanted (measured on
        # the dev corpus: ~1-2 %), unless the person said it after this very context
        pu_base = pu if has_lm(c) or not any(p_lm) else pu * USER_ONLY_WEIGHT
        base = math.log((1 - trust) * p_lm[i] + trust * pu_base + 1e-12)
        lm_rel, lm_missing, lm_rank = _lm_feats(c, top, len(plist))
        user_logp = math.log(pu + EPS)
        since = vocab.sentences_since(k) if vocab.sentences else math.inf  # type: ignore[arg-type]
        order = vocab.match_order(keys, k) / 3.0 if pu else 0.0  # type: ignore[arg-type]
        r = c.rank if has_lm(c) else -1
        x = [
            base,
            lm_rel,
            lm_missing,
            lm_rank,
            float(r == 1),
            float(r == 2),
            float(r == 3),
            float(r == 4),
            float(5 <= r <= 9),
            float(r >= 10),
            user_logp,
            order,
            order * (user_logp - math.log(EPS)),
            lm_missing * order,
            math.log1p(vocab.unigrams.get(k, 0)),  # type: ignore[arg-type]
            0.0 if math.isinf(since) else 1.0 / (1.0 + since),
            max(0, len(c.text) - len(prefix)) / 5.0,
            trust * user_logp,
            trust * lm_rel,
        ]
        out.append(Scored(c, k, base, x, i))
    return out, trust


def _ending_trust(m: EndingMatch) -> float:
    t = ENDING_TRUST[min(m.matched, len(ENDING_TRUST) - 1)]
    if m.from_start:
        t += FROM_START_BONUS
    return min(t, 0.95) * m.count / (m.count + ENDING_KAPPA)


def score_endings(
    vocab: Vocabulary, keys: list[str], prefix: str, cands: list[Candidate]
) -> tuple[list[Scored], float]:
    """Base scores and features for ending (and chunk) candidates; returns (scored, trust)."""
    merged = dedupe(cands)
    plist = [c for c, _ in merged]
    p_lm, top = _lm_probs(plist)
    matches: dict[tuple[str, ...], EndingMatch] = {}
    if vocab.sentences:
        matches = {m.key: m for m in vocab.endings(keys, prefix, limit=ENDING_POOL)}
    # the person's distribution over endings: longer context matches weigh more
    weights = {k: m.count * (4.0 ** m.matched) * (2.0 if m.from_start else 1.0) for k, m in matches.items()}
    total = sum(weights.values())
    trust = max((_ending_trust(m) for m in matches.values()), default=0.0)
    if not any(p_lm):
        trust = 1.0 if matches else 0.0
    out = []
    for i, (c, k) in enumerate(merged):
        m = matches.get(k)  # type: ignore[arg-type]
        pu = weights[k] / total if m is not None else 0.0  # type: ignore[index]
        base = math.log((1 - trust) * p_lm[i] + trust * pu + 1e-12)
        lm_rel, lm_missing, lm_rank = _lm_feats(c, top, len(plist))
        user_logp = math.log(pu + EPS)
        x = [
            base,
            lm_rel,
            lm_missing,
            lm_rank,
            user_logp,
            min(m.matched, 4) / 4.0 if m else 0.0,
            1.0 if m and m.from_start else 0.0,
            math.log1p(m.count) if m else 0.0,
            1.0 / (1.0 + vocab.serial - 1 - m.last_serial) if m else 0.0,
            min(len(k), 10) / 5.0,  # type: ignore[arg-type]
            trust * user_logp,
            trust * lm_rel,
        ]
        out.append(Scored(c, k, base, x, i))
    return out, trust
