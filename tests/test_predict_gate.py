"""The confidence gate and the frequent-message offers (issue 15).

An ending tile is shown only when its calibrated probability times the selections it would save
pays for reading it; a gated ending stays in ``endings`` (the ``aac predict`` contract) but is
not shown and does not count in the KS benchmark. The person's own frequent messages are offered
at an empty message and after the first letters.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from aac.predict import gate
from aac.predict.bench import new_stats, simulate_sentence
from aac.predict.learn import Learner
from aac.predict.types import Suggestions


def test_unlikely_endings_are_gated_likely_ones_shown():
    probs = [0.6, 0.01, 0.2]
    assert gate.shown(probs, [3, 3, 3]) == [True, False, True]
    assert gate.shown(probs, [3, 3, 3], gate.GateSettings(enabled=False)) == [True, True, True]


def test_a_longer_ending_is_worth_more_reading():
    p = 0.08
    assert not gate.shown([p], [1])[0], "a one-word ending saves ~1 selection: not worth 8 %"
    assert gate.shown([p], [4])[0], "a four-word ending saves ~6.6 selections: worth 8 %"
    assert gate.expected_gain(p, 4) > gate.expected_gain(p, 2) > gate.expected_gain(p, 1)


def test_model_probability_is_monotone_and_bounded():
    lps = [-30.0, -10.0, -5.0, -2.0, -0.5, 0.0, 3.0]
    ps = [gate.model_ending_prob(lp, True) for lp in lps]
    assert all(0.0 <= p <= 1.0 for p in ps)
    assert ps == sorted(ps)
    assert gate.model_ending_prob(-math.inf, True) == 0.0


def sugg(endings, shown):
    return Suggestions("", "", ["I", "the", "please", "can", "what"], endings, endings_shown=shown)


def test_suggestions_know_which_endings_are_visible():
    s = sugg(["I am hungry.", "I need help.", "Thank you."], [False, True, False])
    assert s.visible_endings() == ["I need help."]
    assert not s.ending_visible(0) and s.ending_visible(1)
    assert sugg(["a b.", "c d."], []).visible_endings() == ["a b.", "c d."], "no decision = all shown (old results)"


class FixedPredictor:
    def __init__(self, shown):
        self.shown = shown

    def suggest(self, context, prefix):
        return Suggestions(context, prefix, ["x", "y", "z", "v", "w"], ["I am hungry.", "Thank you.", "Go."],
                           endings_shown=self.shown)


def test_bench_ks_counts_only_shown_endings():
    hidden = new_stats()
    simulate_sentence(FixedPredictor([False, True, True]), "I am hungry.", hidden)
    assert hidden["ending_hits"] == 0 and hidden["selections"] > 1
    visible = new_stats()
    simulate_sentence(FixedPredictor([True, False, False]), "I am hungry.", visible)
    assert visible["ending_hits"] == 1 and visible["selections"] == 1
    assert visible["endings_shown"] == 1


def taught(lines):
    learner = Learner(None)
    for line in lines:
        learner.learn_sentence(line)
    return learner


DAY = ["Good morning.", "Please suction me.", "I want some tea.", "Turn me onto my left side.",
       "Please suction me.", "Where is Anna?", "Please suction me.", "Can you call Mark?",
       "Turn me onto my left side.", "Please suction me.", "I am tired."]


def test_frequent_messages_have_a_high_own_probability():
    learner = taught(DAY)
    offers = learner.user_ending_candidates("", "", 3)
    assert offers[0].text == "Please suction me." and offers[0].source == "user"
    by_text = {c.text: c.prob for c in learner.user_ending_candidates("", "", 10)}
    assert by_text["Please suction me."] > 0.25
    assert by_text["Please suction me."] > by_text["Turn me onto my left side."] > by_text["Where is Anna?"]
    # after the first letters only the fitting messages remain, and they are more likely
    after = learner.user_ending_candidates("", "pl", 3)
    assert after[0].text.lower().startswith("please suction me") and after[0].prob > by_text["Please suction me."]


def test_frequent_message_passes_the_gate_a_one_off_does_not():
    # a week: the frequent requests again and again, among many things said once
    others = [f"Tell {name} about the {thing}." for name in ("Anna", "Mark", "Lucy", "Tom")
              for thing in ("garden", "match", "film", "weather", "dog", "post", "doctor")]
    learner = taught(DAY * 3 + others)
    probs = {c.text: c.prob for c in learner.user_ending_candidates("", "", 10)}
    n = {t: len(t.split()) for t in probs}
    assert gate.shown([probs["Please suction me."]], [n["Please suction me."]])[0]
    assert not gate.shown([probs["Where is Anna?"]], [n["Where is Anna?"]])[0]


@pytest.mark.model
def test_real_predictor_offers_a_frequent_message_and_gates_unlikely_endings(tmp_path: Path):
    from tests.model_helpers import built_model_dir

    from aac.predict.suggest import Predictor

    p = Predictor.from_model_dir(built_model_dir(), learner=taught(DAY), threads=2)
    s = p.suggest("", "")
    assert len(s.endings) == len(s.endings_shown) == len(s.ending_probs)
    assert "Please suction me." in s.visible_endings(), (s.endings, s.endings_shown, s.ending_probs)
    s2 = p.suggest("", "Pl")
    assert "Please suction me." in s2.visible_endings()
    # mid-sentence, the model's own guesses of a long rest are rarely exactly right: gated
    s3 = p.suggest("The weather forecast for ", "")
    assert not all(s3.endings_shown), (s3.endings, s3.ending_probs)
    # the gate off: every ending shown (the board before issue 15)
    p.settings.gate = False
    p.clear_cache()
    assert all(p.suggest("The weather forecast for ", "").endings_shown)


def test_what_followed_the_last_message_is_offered_next():
    now = [1000.0]
    learner = Learner(None, clock=lambda: now[0])
    week = ["Good morning Mary.", "I slept badly, the mask was leaking.", "Can you take the mask off now?",
            "I need my riluzole.", "Where is Anna?"]
    for day in range(3):
        for line in week:
            learner.learn_sentence(line)
            now[0] += 60
    learner.learn_sentence("I slept badly, the mask was leaking.")
    offers = learner.user_ending_candidates("", "", 3)
    assert offers[0].text == "Can you take the mask off now?"
    assert offers[0].prob == pytest.approx(3 / 4)
    assert gate.shown([offers[0].prob], [6])[0]
    assert learner.user_ending_candidates("", "Ca", 1)[0].text == "Can you take the mask off now?"
    # hours later the last message is no longer the situation
    now[0] += 3 * 3600
    assert learner.followers() == []
    assert learner.user_ending_candidates("", "", 1)[0].prob < 0.5
