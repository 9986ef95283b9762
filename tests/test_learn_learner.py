"""Learner behaviour: cold start, merging, learning, disabling, forgetting, resetting."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from aac.predict.learn import Learner
from aac.predict.learn.vocabulary import word_key
from aac.predict.types import Candidate


class Clock:
    """A settable clock so tests can say "yesterday" and "today"."""

    def __init__(self, t: float = 1_000_000.0) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t


def lm_words(*words: str) -> list[Candidate]:
    return [Candidate(w, "word", -1.0 - i, i, "lm") for i, w in enumerate(words)]


def lm_endings(*endings: str) -> list[Candidate]:
    return [Candidate(e, "ending", -5.0 - i, i, "lm") for i, e in enumerate(endings)]


def texts(cands: list[Candidate], kind: str | None = None) -> list[str]:
    return [c.text for c in cands if kind is None or c.kind == kind]


def test_cold_start_returns_the_model_order_unchanged(tmp_path: Path):
    learner = Learner.open(tmp_path)
    cands = lm_words("the", "a", "my", "I", "you") + lm_endings("am fine.", "want to go", "need help")
    # scores deliberately not monotone in rank: the model's order must still be kept
    cands[1].lm_logprob = -0.5
    out = learner.rerank("", "", cands)
    assert texts(out) == texts(cands)
    assert learner.user_word_candidates("", "", 5) == []
    assert learner.user_ending_candidates("", "", 3) == []
    assert learner.logit_bias("I ") == {}


def test_rerank_merges_duplicates_case_insensitively():
    learner = Learner.open(None)
    cands = lm_words("water", "tea") + [Candidate("Water", "word", -99.0, 0, "user")]
    out = learner.rerank("I want ", "", cands)
    assert texts(out) == ["water", "tea"]


def test_learned_words_and_endings_come_back():
    clock = Clock()
    learner = Learner.open(None, clock=clock)
    learner.learn_sentence("Please call my daughter Josephine.")
    clock.t += 86_400  # the next day
    words = learner.user_word_candidates("Please call my daughter ", "", 5)
    assert texts(words)[0] == "Josephine"
    ends = learner.user_ending_candidates("Can you call ", "", 3)
    assert texts(ends) == ["my daughter Josephine."]
    # merged with model candidates, the person's word rises into the shown five
    lm = lm_words("son", "friend", "doctor", "nurse", "mother", "dog")
    ranked = learner.rerank("Please call my daughter ", "", lm + words)
    assert "Josephine" in texts(ranked, "word")[:5]
    # and a model ending equal to the person's is not duplicated
    ranked = learner.rerank("Can you call ", "", lm_endings("me back", "my daughter josephine") + ends)
    assert len(ranked) == 2


def test_a_word_said_after_the_same_two_words_is_shown_once_a_letter_is_typed():
    learner = Learner.open(None)
    learner.learn_sentence("My cat Whiskers is hungry.")
    # a confident model with ten words on "w" (the person's word is not among them)
    lm = [Candidate(w, "word", -0.5 - 0.3 * i, i, "lm")
          for i, w in enumerate(["was", "will", "wakes", "went", "wants", "wakes", "won't", "wanted", "walks", "watches"])]
    user = learner.user_word_candidates("My cat ", "W", 5)
    assert texts(user) == ["Whiskers"]
    shown = texts(learner.rerank("My cat ", "W", lm + user), "word")[:5]
    assert shown == ["was", "will", "wakes", "went", "Whiskers"]  # the model's best four stay
    # nothing typed yet: the model keeps all five places (the ending offers the sentence)
    assert "Whiskers" not in texts(learner.rerank("My cat ", "", lm + user), "word")[:5]
    # one word of context is not enough ("a cat" is not "my cat")
    assert "Whiskers" not in texts(learner.rerank("Look, a cat ", "W", lm + user), "word")[:5]
    # the typed letters themselves are never pushed in as a word
    learner.learn_sentence("My cat w is a letter.")
    assert "w" not in [t.lower() for t in texts(learner.rerank("My cat ", "w", lm + user), "word")[:5]]


def test_influence_grows_with_evidence():
    learner = Learner.open(None)
    lm = lm_words("am", "think", "need", "have", "was", "will")

    def position() -> int:
        out = learner.rerank("I ", "", lm + learner.user_word_candidates("I ", "", 5))
        return texts(out).index("will")

    before = position()
    learner.learn_sentence("I will go.")
    once = position()
    for _ in range(5):
        learner.learn_sentence("I will go.")
    assert before == 5 and once <= before and position() < once and position() == 0


def test_logit_bias_boosts_the_persons_words():
    learner = Learner.open(None)
    for _ in range(3):
        learner.learn_sentence("I want juice")
    bias = learner.logit_bias("I want ")
    assert bias["juice"] > 0 and max(bias.values()) <= 4.0
    assert bias["juice"] == max(bias.values())


def test_disabled_learning_records_and_changes_nothing(tmp_path: Path):
    learner = Learner.open(tmp_path, enabled=False)
    cands = lm_words("a", "b", "c")
    learner.rerank("", "", cands)
    learner.record_choice("", "", cands, "c")
    learner.learn_sentence("my secret sentence")
    assert learner.vocab.sentences == []
    assert all(r.lists_trained == 0 for r in learner.rankers.values())
    assert not (tmp_path / "learning").exists() or not any((tmp_path / "learning").iterdir())
    assert Learner.open(tmp_path).summary()["sentences"] == 0


def test_disabled_learning_still_uses_what_was_learned_before(tmp_path: Path):
    Learner.open(tmp_path).learn_sentence("bring my glasses")
    off = Learner.open(tmp_path, enabled=False)
    assert texts(off.user_ending_candidates("bring ", "", 3)) == ["my glasses"]


def test_forget_removes_a_time_range_for_real(tmp_path: Path):
    clock = Clock(1000.0)
    learner = Learner.open(tmp_path, clock=clock)
    learner.learn_sentence("I want tea")
    clock.t = 2000.0
    # a pick made while saying the private sentence: it trains the reranker
    cands = lm_words("apple", "zebra", "mango")
    learner.rerank("my ", "", cands)
    learner.record_choice("my ", "", cands, "zebra")
    learner.learn_sentence("my zebra password is hunter")
    clock.t = 3000.0
    learner.learn_sentence("I want coffee")
    assert learner.vocab.unigrams["zebra"] == 1
    assert learner.rankers["word"].lists_trained >= 1

    removed = learner.forget(1500.0, 2500.0)
    assert removed["sentences"] == 1 and removed["word_examples"] >= 1

    for again in (learner, Learner.open(tmp_path)):  # in memory and after a restart
        assert "zebra" not in again.vocab.unigrams and "hunter" not in again.vocab.unigrams
        assert again.vocab.unigrams["want"] == 2
        assert "password is hunter" not in texts(again.user_ending_candidates("my zebra ", "", 3))
        assert texts(again.user_ending_candidates("", "my", 3)) == []
        assert "zebra" not in [word_key(c.text) for c in again.user_word_candidates("my ", "z", 5)]
        assert again.rankers["word"].examples == []
        assert again.rankers["word"].lists_trained == 0 and again.rankers["word"].coef is None
    # nothing of it remains in any file
    for f in (tmp_path / "learning").iterdir():
        assert "zebra" not in f.read_text() and "hunter" not in f.read_text()


def test_forget_accepts_dates_and_rejects_backwards_ranges():
    learner = Learner.open(None)
    assert learner.forget("2020-01-01", "2020-01-02") == {"sentences": 0, "word_examples": 0, "ending_examples": 0}
    with pytest.raises(ValueError):
        learner.forget(10.0, 5.0)


def test_reset_deletes_everything(tmp_path: Path):
    learner = Learner.open(tmp_path)
    learner.learn_sentence("remember the milk")
    assert any((tmp_path / "learning").iterdir())
    learner.reset()
    assert list((tmp_path / "learning").iterdir()) == []
    assert learner.user_ending_candidates("", "", 3) == []
    assert Learner.open(tmp_path).summary()["sentences"] == 0


def test_learn_sentence_labels_the_lists_it_reranked():
    learner = Learner.open(None)
    learner.learn_sentence("warm up")  # some data so lists are informative
    learner.rerank("", "", lm_words("I", "the", "please"))
    learner.rerank("I ", "", lm_words("want", "am", "need"))
    learner.rerank("I ", "n", lm_words("need", "never"))
    learner.rerank("You ", "", lm_words("are", "need"))  # another sentence: no label
    learner.learn_sentence("I need help")
    word = learner.rankers["word"]
    # "I" at the start, "need" after "I " (3rd) and after "I " + "n" (1st); not the "You" list
    assert [ex.picked for ex in word.examples] == [0, 2, 0]


def test_summary_has_counts_not_text(tmp_path: Path):
    learner = Learner.open(tmp_path)
    learner.learn_sentence("my private words")
    s = learner.summary()
    assert s["sentences"] == 1 and s["distinct_words"] == 3
    assert "private" not in json.dumps(s)


def test_recent_sentences_are_distinct_and_oldest_first():
    learner = Learner.open(None)
    for text in ["one", "two", "One.", "three"]:
        learner.learn_sentence(text)
    assert learner.recent_sentences(3) == ["two", "One.", "three"]
    assert learner.recent_sentences(0) == []


def test_unscored_model_endings_keep_their_order_and_a_strong_personal_ending_leads():
    learner = Learner.open(None)
    model = [Candidate(e, "ending", 0.0, i, "lm") for i, e in enumerate(["go out", "go home now", "go away"])]
    assert texts(learner.rerank("I want to ", "", model)) == ["go out", "go home now", "go away"]
    for _ in range(2):
        learner.learn_sentence("I want to go to the garden")
    mine = learner.user_ending_candidates("I want to ", "", 3)
    assert texts(mine)[0] == "go to the garden"  # (then "the garden": a weaker, 1-word match)
    ranked = texts(learner.rerank("I want to ", "", model + mine))
    assert ranked[0] == "go to the garden"
    assert [t for t in ranked if t in texts(model)] == ["go out", "go home now", "go away"]


def test_module_summary_reads_the_profile_setting(tmp_path: Path):
    from aac.predict.learn import summary
    from aac.store.profile import Profile

    prof = Profile.open(tmp_path / "p")
    prof.set("learning_enabled", False)
    Learner.open(prof.dir).learn_sentence("hello")
    s = summary(prof.dir, enabled=prof.settings.learning_enabled)  # the CLI passes the setting (issue 14)
    assert s["enabled"] is False and s["sentences"] == 1
