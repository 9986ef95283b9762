"""The pairwise reranker learns a person's preference, only takes over when it is better,
and is a pure function of its stored examples (so forgetting can retrain honestly)."""

from __future__ import annotations

import random

import numpy as np

from aac.predict.learn import Learner
from aac.predict.learn.reranker import MIN_LISTS, Example, KindRanker
from aac.predict.learn.features import WORD_FEATURES
from aac.predict.types import Candidate


def long_word_lists(n: int, seed: int = 0):
    """Model ranks short words first; this person always wants the longest one."""
    rnd = random.Random(seed)
    for i in range(n):
        lengths = rnd.sample(range(2, 12), 8)
        words = ["".join(rnd.choice("abcdefghij") for _ in range(L)) + f"{i}" for L in lengths]
        words.sort(key=len)  # the model's order: shortest first
        cands = [Candidate(w, "word", -0.3 * j, j, "lm") for j, w in enumerate(words)]
        yield f"ctx{i} ", cands, max(words, key=len)


def test_reranker_learns_a_simple_preference_and_takes_over():
    learner = Learner.open(None)
    hits_early = hits_late = 0
    for i, (ctx, cands, want) in enumerate(long_word_lists(200)):
        shown = [c.text for c in learner.rerank(ctx, "", cands)][:5]
        if i < 20:
            hits_early += want in shown
        if i >= 150:
            hits_late += want in shown
        learner.record_choice(ctx, "", cands, want)
        learner.train_choices()
    ranker = learner.rankers["word"]
    assert ranker.trusted
    # "remaining" (characters saved) is the feature this person cares about
    assert ranker.coef[WORD_FEATURES.index("remaining")] > 0
    assert hits_early <= 5 and hits_late == 50
    assert learner.summary()["reranker"]["word"]["in_use"] is True


def test_model_is_not_trusted_when_it_does_not_beat_the_base_order():
    learner = Learner.open(None)
    # the person always picks the model's first word: nothing to improve on
    for i in range(MIN_LISTS + 30):
        cands = [Candidate(f"w{i}_{j}", "word", -1.0 * j, j, "lm") for j in range(6)]
        learner.rerank(f"c{i} ", "", cands)
        learner.record_choice(f"c{i} ", "", cands, cands[0].text)
        learner.train_choices()
    assert not learner.rankers["word"].trusted
    cands = [Candidate(f"z{j}", "word", -0.1 * j, j, "lm") for j in range(6)]
    assert [c.text for c in learner.rerank("new ", "", cands)] == [c.text for c in cands]


def test_replay_reproduces_online_training_exactly():
    rnd = np.random.default_rng(1)
    examples = [Example(float(i), rnd.normal(size=(6, len(WORD_FEATURES))).tolist(), int(rnd.integers(6)), i // 3)
                for i in range(90)]
    online = KindRanker("word", WORD_FEATURES)
    for b in range(30):
        online.observe([e for e in examples if e.batch == b])
    replayed = KindRanker("word", WORD_FEATURES)
    replayed.replay(examples)
    assert np.array_equal(online.coef, replayed.coef)
    assert list(online.window) == list(replayed.window)
    assert replayed.lists_trained == 90


def test_forgetting_examples_retrains_from_the_rest():
    rnd = np.random.default_rng(2)
    examples = [Example(float(i), rnd.normal(size=(5, len(WORD_FEATURES))).tolist(), 0, i) for i in range(40)]
    r = KindRanker("word", WORD_FEATURES)
    r.replay(examples)
    assert r.forget_between(10.0, 20.0) == 10
    fresh = KindRanker("word", WORD_FEATURES)
    fresh.replay(examples[:10] + examples[20:])
    assert np.array_equal(r.coef, fresh.coef) and len(r.examples) == 30


def _sgd_data():
    rng = np.random.default_rng(7)
    for _ in range(5):
        yield np.round(rng.normal(size=(10, 4)) * 2, 2), np.arange(10) % 2


def test_numpy_sgd_gives_scikit_learns_weights():
    """LogisticSGD replaced scikit-learn's SGDClassifier (82 MB of the board's memory): same
    updates. Reference: SGDClassifier(loss="log_loss", alpha=1e-3, fit_intercept=False,
    shuffle=False, learning_rate="optimal").partial_fit on the same data, scikit-learn 1.9.1."""
    from aac.predict.learn.reranker import LogisticSGD

    sgd = LogisticSGD(4)
    for x, y in _sgd_data():
        sgd.partial_fit(x, y)
    ref = [0.8420508629, -14.4076450128, -11.8739804272, 12.3629832325]
    assert np.allclose(sgd.coef_[0], ref, rtol=1e-7, atol=1e-7)
    assert sgd.t_ == 51.0


def test_numpy_sgd_matches_installed_scikit_learn_when_present():
    import warnings

    import pytest

    linear_model = pytest.importorskip("sklearn.linear_model")
    from aac.predict.learn.reranker import LogisticSGD

    clf = linear_model.SGDClassifier(loss="log_loss", alpha=1e-3, fit_intercept=False, shuffle=False,
                                     learning_rate="optimal", random_state=0)
    sgd = LogisticSGD(4)
    for x, y in _sgd_data():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            clf.partial_fit(x, y, classes=np.array([0, 1]))
        sgd.partial_fit(x, y)
        assert np.allclose(sgd.coef_, clf.coef_, rtol=1e-7, atol=1e-7)


def test_training_does_not_import_scikit_learn():
    import subprocess
    import sys

    code = ("import sys\nfrom aac.predict.learn import Learner\nfrom aac.predict.types import Candidate\n"
            "l = Learner(None)\n"
            "for i in range(60):\n"
            "    l.rerank('I want ', '', [Candidate('some', 'word', -1.0, 0), Candidate('number', 'word', -2.0, 1)])\n"
            "    l.learn_sentence(f'I want number {i % 7} please.')\n"
            "print(l.rankers['word'].lists_trained > 0, any(m.startswith(('sklearn', 'scipy')) for m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["True", "False"]
