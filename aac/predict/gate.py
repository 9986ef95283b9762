"""The confidence gate: show an ending only when reading it pays for itself.

Why: a person writing with their eyes reads every suggestion tile before choosing (a fixation of
200-400 ms each). On main the simulated person spent 53 % of its time reading, mostly the three
ending tiles, yet took an ending 4 times in 47 selections. An ending the person is unlikely to
want costs a read every time and saves nothing; one they are likely to want saves several
selections. So each ending gets a calibrated probability that it is exactly the rest of the
sentence, and its tile is shown only when

    P(ending is the rest) x (selections it would save)  >=  min_gain  (selections)

A gated tile is drawn empty (a person does not read an empty tile), the ``aac predict`` contract
keeps the 3 strings, and ``aac bench ks`` counts only shown endings.

Probabilities:
- the model's endings: a logistic calibration of the model's own log-probability of the ending
  given (context, typed prefix) (``model_ending_prob``; the constants were fitted on the dev
  corpus, see ``CALIBRATION``);
- the person's own endings (their frequent messages): how often they finished the sentence this
  way here (``aac.predict.learn.learner.ending_prob``), the larger of the two when an ending is both.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np

#: Logistic calibration P(hit) = sigmoid(a + b * cond_logprob + c * complete), fitted by
#: tests/bench/ending_calibration.py on dev lines 21-220 (no learning; 5358 endings, 210 exact
#: rests): predicted 0.5 / 3.3 / 7.2 / 14.0 / 26.8 % in its bins, observed 0.4 / 3.6 / 7.0 /
#: 14.3 / 24.5 %. See models/README.md.
CALIBRATION = (-0.802, 0.848, 1.134)

#: Selections one word of an ending saves when it is taken instead of typed: the dev corpus
#: without endings needs ~1.9 selections per word (KS 64 % of 5.4 keystrokes per word + letters
#: left over), so an ending of n words saves ~1.9 n - 1 selections (taking it is one).
SELECTIONS_PER_WORD = 1.9

#: Default minimum expected gain, in selections. Reading one tile costs the person ~0.5 s
#: (a 200-400 ms fixation + saccade latency), about 0.3 of a 1 s dwell selection (~1.6 s with
#: saccade, lock-on and the glance at the message). Dev lines 21-220, ideal user: endings shown
#: per request 3.0 -> 0.11, KS 64.23 -> 63.71 % (ending hits 157 -> 25; table in models/README.md).
MIN_GAIN = 0.3


@dataclass(frozen=True)
class GateSettings:
    """``enabled=False`` shows every ending (the board before issue 15)."""

    enabled: bool = True
    min_gain: float = MIN_GAIN
    selections_per_word: float = SELECTIONS_PER_WORD


def _sigmoid(x: float) -> float:
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


def model_ending_prob(cond_logprob: float, complete: bool, calibration: tuple[float, float, float] = CALIBRATION) -> float:
    """Calibrated P(the ending is exactly the rest of the sentence) from the model's score.

    ``cond_logprob`` is log P(ending tokens | context, typed prefix) (the ending's score minus
    the log of the probability mass of all words that fit the prefix).
    """
    a, b, c = calibration
    if not math.isfinite(cond_logprob):
        return 0.0
    return _sigmoid(a + b * min(0.0, cond_logprob) + c * (1.0 if complete else 0.0))


def expected_gain(prob: float, n_words: int, settings: GateSettings = GateSettings()) -> float:
    """Selections the person saves on average by reading this ending tile."""
    saved = max(0.0, settings.selections_per_word * max(1, n_words) - 1.0)
    return prob * saved


def shown(probs: list[float], n_words: list[int], settings: GateSettings = GateSettings()) -> list[bool]:
    """The gate's decision for each ending (same order)."""
    if not settings.enabled:
        return [True] * len(probs)
    return [expected_gain(p, n, settings) >= settings.min_gain for p, n in zip(probs, n_words)]


def prefix_mass(letter_mass: list[float]) -> float:
    """log of the probability mass of every word that fits the typed prefix (0 when unknown)."""
    return float(np.logaddexp.reduce(np.array(letter_mass))) if letter_mass else 0.0


def give_up_rule(letter_mass: list[float], words_in: Callable[[str], int], max_words_per_token: int,
                 settings: GateSettings = GateSettings()) -> Callable[[float, str, int], bool] | None:
    """When to stop decoding an ending the gate could never show (aac.predict.endings).

    The rule gets the ending's score so far (log P of its head word and tail tokens), its text
    so far and how many tokens it may still add. More tokens only lower the score (each adds a
    log-probability <= 0), may at most add ``max_words_per_token`` words each, and may make it
    complete; so the best this ending can ever reach is the calibrated probability of its score
    so far as a complete ending, times the selections saved by its most words. When even that is
    below ``min_gain`` the gate will hide it whatever follows. None when the gate is off (every
    ending is shown, so every ending is decoded in full).
    """
    if not settings.enabled:
        return None
    z = prefix_mass(letter_mass)

    def give_up(score: float, text: str, tokens_left: int) -> bool:
        best_words = words_in(text) + max_words_per_token * max(0, tokens_left)
        return expected_gain(model_ending_prob(score - z, True), best_words, settings) < settings.min_gain

    return give_up


def gate_endings(
    endings: list[str],
    scored: Iterable[tuple[str, float]],
    letter_mass: list[float],
    user: dict[str, float],
    norm: Callable[[str], str],
    settings: GateSettings = GateSettings(),
) -> tuple[list[float], list[bool], list[tuple[float, bool, int]]]:
    """Each ending's calibrated probability, the gate's decision and its features.

    The model's probability of an ending given what is typed: its score (log P of the head
    word's tokens + the tail, from ``scored``: (text, score) of every ending decoded) minus the
    log of the mass of every word that fits the prefix (``letter_mass``). A person's own ending (a frequent message) also has
    their own estimate in ``user`` (keyed by ``norm(text)``); the larger wins. Features are
    (log P(ending | context, prefix) or -inf, complete, words), for the calibration bench.
    """
    if not endings:
        return [], [], []
    z = prefix_mass(letter_mass)
    model: dict[str, tuple[float, bool]] = {}
    for text, score in scored:
        key = norm(text)
        complete = text.rstrip()[-1:] in ".!?"
        if key not in model or score > model[key][0]:
            model[key] = (score, complete)
    probs: list[float] = []
    feats: list[tuple[float, bool, int]] = []
    for e in endings:
        key = norm(e)
        score, complete = model.get(key, (-math.inf, e.rstrip()[-1:] in ".!?"))
        cond = score - z if math.isfinite(score) else -math.inf
        probs.append(round(max(model_ending_prob(cond, complete), user.get(key, 0.0)), 4))
        feats.append((cond, complete, len(key.split())))
    return probs, shown(probs, [f[2] for f in feats], settings), feats
