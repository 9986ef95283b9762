"""Words, endings, previews and chunks on the real model (prefix constraint, filters, casing)."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pytest

from aac.predict.filters import is_profane
from aac.predict.service import ModelNotFound, find_model_dir
from aac.predict.suggest import Predictor, PredictorSettings

pytestmark = pytest.mark.model


@pytest.fixture(scope="module")
def model_dir() -> Path:
    try:
        return find_model_dir()
    except ModelNotFound as exc:
        pytest.skip(f"no built model ({exc}); run `aac model build`")


@pytest.fixture(scope="module")
def predictor(model_dir: Path) -> Predictor:
    return Predictor.from_model_dir(model_dir, threads=2)


@pytest.mark.parametrize(
    "context,prefix",
    [
        ("I want to ", "dr"),  # a prefix that is itself a token piece
        ("I need my ", "medi"),  # mid-word, the word spans several tokens
        ("Please open the ", "wi"),
        ("I play the ", "xylo"),  # rare word: the prefix spans several tokens
        ("", "th"),  # sentence start
    ],
)
def test_words_are_whole_words_starting_with_the_prefix(predictor: Predictor, context: str, prefix: str) -> None:
    s = predictor.suggest(context, prefix)
    assert s.matches(context, prefix)
    assert len(s.words) == 5
    for w in s.words:
        assert w.lower().startswith(prefix.lower()), (w, s.words)
        assert re.fullmatch(r"[A-Za-z0-9']+", w), w
        assert w.lower() != prefix.lower() or len(prefix) < 2
    assert len({w.lower() for w in s.words}) == 5  # no case-insensitive duplicates


def test_obvious_completions_are_found(predictor: Predictor) -> None:
    assert "medication" in [w.lower() for w in predictor.suggest("I need my ", "medi").words] or "medicine" in [
        w.lower() for w in predictor.suggest("I need my ", "medi").words
    ]
    assert "xylophone" in [w.lower() for w in predictor.suggest("I play the ", "xylo").words]
    assert "water" in [w.lower() for w in predictor.suggest("Can I have a glass of ", "wa").words]


def test_casing_sentence_start_and_pronoun(predictor: Predictor) -> None:
    start = predictor.suggest("", "")
    assert all(w[0].isupper() or w[0].isdigit() for w in start.words), start.words
    mid = predictor.suggest("Yesterday ", "i")
    assert "I" in mid.words and "i" not in mid.words
    after_stop = predictor.suggest("I am cold. ", "")
    assert all(w[0].isupper() or w[0].isdigit() for w in after_stop.words)
    assert all(e[0].isupper() for e in after_stop.endings)
    lower_mid = predictor.suggest("Can you open the ", "")
    assert any(w.islower() for w in lower_mid.words)


def test_endings_are_distinct_sentence_rests_starting_at_the_current_word(predictor: Predictor) -> None:
    for context, prefix in [("I want to ", ""), ("Can you ", "he"), ("", "")]:
        s = predictor.suggest(context, prefix)
        assert len(s.endings) == 3, s.endings
        norm = [" ".join(re.findall(r"[a-z0-9']+", e.lower())) for e in s.endings]
        assert len(set(norm)) == 3
        firsts = [e.split()[0].lower() for e in s.endings]
        assert len(set(firsts)) == 3  # diverse: different first words
        for e in s.endings:
            assert e.lower().startswith(prefix.lower())
            assert e.split()[0] in s.words  # starts with one of the shown words
            assert "\n" not in e
            assert not re.search(r"[.!?].", e.strip()[:-1] + " ")  # a sentence end only at the end
            assert len(predictor.engine.encode(e)) <= predictor.settings.max_ending_tokens + 6


def test_previews_start_with_their_word_and_a_ready_preview_costs_no_model_call(predictor: Predictor) -> None:
    s = predictor.with_previews("Could you please ", "")
    assert set(s.previews) == set(s.words)
    assert sum(len(v) for v in s.previews.values()) >= 5
    for word, endings in s.previews.items():
        for e in endings:
            assert e.split()[0] == word or e.startswith(word)
    calls = predictor.engine.calls
    for w in s.words:
        assert predictor.preview("Could you please ", "", w) == s.previews[w]
    again = predictor.with_previews("Could you please ", "")
    assert again.previews == s.previews
    assert predictor.engine.calls == calls
    assert predictor.preview("something else ", "", s.words[0]) is None


def test_profanity_filtered_by_default_and_allowed_when_configured(predictor: Predictor) -> None:
    clean = Predictor(predictor.engine)
    s = clean.suggest("What the ", "f")
    assert not any(is_profane(w) for w in s.words), s.words
    assert not any(is_profane(e) for e in s.endings), s.endings
    free = Predictor(predictor.engine, PredictorSettings(profanity_filter=False))
    # the tiny web-trained model does propose it here; the setting lets it through
    assert "fuck" in [w.lower() for w in free.suggest("What the ", "f").words]


def test_odd_prefixes_stay_constrained(predictor: Predictor) -> None:
    s = predictor.suggest("I want ", "qqqz")  # the model can spell anything, but only this
    assert all(w.lower().startswith("qqqz") for w in s.words)
    # no token spells a word with this letter: nothing to offer, and no crash
    s = predictor.suggest("I want ", "\u00f6")
    assert s.words == [] and s.endings == []


def test_chunks_are_multiword_prefixes_of_confident_continuations(predictor: Predictor) -> None:
    p = Predictor(predictor.engine, PredictorSettings(chunks=True, chunk_min_prob=0.3))
    seen = 0
    # "Can you help me" alone was borderline: batched int4 kernels give slightly different
    # probabilities after other requests, and a fresh model build lost its chunk (seen 2026-12-06).
    for ctx in ["Thank you very ", "I would like a cup of ", "Can you help me ", "Could you please turn "]:
        s = p.suggest(ctx, "")
        for c in s.chunks:
            seen += 1
            assert len(c.split()) >= 2
            assert c.split()[0] in s.words
    assert seen >= 1


def test_learner_failure_never_breaks_suggestions(predictor: Predictor) -> None:
    class Broken:
        def user_word_candidates(self, *a):  # noqa: ANN002
            raise RuntimeError("disk on fire")

        def learn_sentence(self, s):  # noqa: ANN001
            raise RuntimeError("disk on fire")

    p = Predictor(predictor.engine, learner=Broken())
    s = p.suggest("I want to ", "")
    assert len(s.words) == 5
    p.learn("I want to go home.")  # swallowed, logged


def test_real_learner_adapts_to_the_person(predictor: Predictor, tmp_path: Path) -> None:
    from aac.predict.service import open_learner

    learner = open_learner(tmp_path / "profile")
    if learner is None:
        pytest.skip("learning package not available")
    p = Predictor(predictor.engine, learner=learner)
    for _ in range(3):
        p.learn("My cat Zorblax likes tuna.")
    words = [w.lower() for w in p.suggest("My cat ", "z").words]
    assert "zorblax" in words


def test_speculated_requests_are_served_without_a_model_call(predictor: Predictor) -> None:
    ctx = "Could you bring me "
    s = predictor.with_previews(ctx, "")
    guesses = predictor.guesses(ctx, "")
    assert (ctx + s.words[0] + " ", "") in guesses  # the person picks the top word
    assert any(c == ctx and len(p) == 1 for c, p in guesses)  # or types a letter
    assert predictor.speculate(ctx, "", k=2) == 2
    calls = predictor.engine.calls
    nxt = predictor.suggest(*guesses[0])
    assert predictor.engine.calls == calls
    assert nxt.matches(*guesses[0]) and len(nxt.words) == 5 and nxt.previews
    # the current request is still the one previews are served for
    assert predictor.preview(ctx, "", s.words[0]) == s.previews[s.words[0]]


def test_the_persons_last_sentences_lead_the_prompt(predictor: Predictor, tmp_path: Path) -> None:
    """With learning, the model sees how the person talks: their last sentences head the prompt."""
    from aac.predict.service import open_learner

    learner = open_learner(tmp_path / "profile")
    if learner is None:
        pytest.skip("learning package not available")
    p = Predictor(predictor.engine, PredictorSettings(history_lines=2, history_before=True), learner=learner)
    plain = p.prompt.lead_text()
    for line in ["Feed the cat at six.", "Where is my blue scarf?", "Call Anna after lunch."]:
        p.learn(line)
    lead = p.prompt.lead_text()
    assert lead.startswith("Where is my blue scarf?\nCall Anna after lunch.\n")  # the last 2, oldest first
    assert "Feed the cat" not in lead and lead.endswith(plain)
    assert "Anna" not in Predictor(predictor.engine, PredictorSettings(history_lines=2)).prompt.lead_text()  # no learner
    p.learn("This one is far too long to go into the prompt, " * 4)
    assert "far too long" not in p.prompt.lead_text() and "Call Anna" in p.prompt.lead_text()
    s = p.suggest("", "")
    assert len(s.words) == 5


def test_the_persons_last_messages_follow_the_lead_lines_by_default_and_learning_readies_the_next_message(predictor: Predictor, tmp_path: Path) -> None:
    """English puts the person's last 4 messages after the lead lines (whose KV is then reused),
    and learning a message computes the next message's start with the new prompt, so the board's
    request for it costs no model call; a language pack sets its own number, and a setting overrides the pack."""
    from aac.language import load_language
    from aac.predict.service import open_learner
    from aac.predict.prompt import HISTORY_LINES

    learner = open_learner(tmp_path / "profile")
    if learner is None:
        pytest.skip("learning package not available")
    p = Predictor(predictor.engine, PredictorSettings(), learner=learner)
    assert p.prompt.history_lines() == HISTORY_LINES == 4
    plain = p.prompt.lead_text()
    said = ["Feed the cat at six.", "Where is my blue scarf?", "Call Anna after lunch.", "Is Zorblax here yet?", "Open the window."]
    for line in said:
        p.learn(line)
    lead = p.prompt.lead_text()
    assert lead == plain + "\n".join(said[1:]) + "\n"  # the lead lines, then the last 4, oldest first
    calls = p.engine.calls
    assert p.suggest("", "").words
    assert p.engine.calls == calls  # learning already computed the next message's start
    ru = load_language("ru")
    assert Predictor(predictor.engine, PredictorSettings(), learner=learner, language=ru).prompt.history_lines() == ru.history_lines == 4
    none = replace(ru, history_lines=0)
    assert Predictor(predictor.engine, PredictorSettings(), learner=learner, language=none).prompt.history_lines() == 0
    assert Predictor(predictor.engine, PredictorSettings(history_lines=2), learner=learner, language=none).prompt.history_lines() == 2


def test_endings_lean_towards_finishing_the_sentence(predictor: Predictor) -> None:
    """The end bonus picks '.'/'?' over a comma chain; scores stay true log-probabilities."""
    ctx = "My head hurts and my "
    lean = Predictor(predictor.engine, PredictorSettings(end_bonus=2.0, comma_penalty=2.0)).suggest(ctx, "")
    free = Predictor(predictor.engine, PredictorSettings(end_bonus=0.0, comma_penalty=0.0)).suggest(ctx, "")
    finished = [e for e in lean.endings if e.rstrip()[-1:] in ".!?"]
    assert len(finished) >= 2, lean.endings
    n_words = lambda es: sum(len(e.split()) for e in es)  # noqa: E731
    assert n_words(lean.endings) <= n_words(free.endings), (lean.endings, free.endings)
    for e in lean.endings:
        assert "," not in e or e.index(",") > 0
