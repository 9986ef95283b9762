"""The real Predictor's own logic on a fake engine (tests/conftest.py ``FakeEngine``).

No ONNX model: the engine is a bigram table over a tiny byte-level vocabulary, so each rule of
the predictor (prefix constraint, canonical spelling, dedupe across case, casing at a sentence
start, the word and ending filters) is seen deciding on known scores.
"""

from __future__ import annotations

from aac.predict.suggest import Predictor, PredictorSettings


def test_prefix_constraint_keeps_only_words_that_start_with_what_was_typed(fake_engine):
    p = Predictor(fake_engine)
    got = p.suggest("I want ", "he")
    assert got.words[:3] == ["help", "hello", "here"]
    assert all(w.startswith("he") for w in got.words)
    assert "he" not in got.words  # the typed prefix itself saves nothing
    assert "water" not in got.words and "to" not in got.words  # the best words overall don't fit
    assert all(e.lower().startswith("he") for e in got.endings)
    # a mid-word prefix that one token covers only partly (" he" + "l..."): still whole words
    longer = p.suggest("I want ", "hel")
    assert longer.words[:2] == ["help", "hello"] and "here" not in longer.words
    # "help" is reached both as " help" and as " he" + "lp"; only the tokenizer's own spelling
    # counts, so it is shown once
    assert longer.words.count("help") == 1


def test_words_are_filtered_deduplicated_and_cased(fake_engine):
    p = Predictor(fake_engine)
    words = p.suggest("I want ", "").words
    # " damn" (profane) and " x" (one letter, not a word) scored above "to" but are not shown;
    # " water" and " Water" are one word (their probabilities summed), shown as the model spelled
    # the better one
    assert words == ["water", "to", "help", "some", "hello"]
    # at a sentence start every word gets a capital; " the" and " The" are one tile
    start = p.suggest("I want water. ", "").words
    assert start[:3] == ["I", "The", "Please"]
    assert [w.lower() for w in start].count("the") == 1
    # the profanity filter is the person's setting: off, the word is offered
    unfiltered = Predictor(fake_engine, PredictorSettings(profanity_filter=False)).suggest("I want ", "").words
    assert "damn" in unfiltered and "x" not in unfiltered


def test_endings_stop_at_the_sentence_end_and_drop_profanity(fake_engine):
    p = Predictor(fake_engine)
    got = p.with_previews("I want ", "")
    assert got.endings == ["water.", "to go home.", "help."]
    assert len({e.split()[0] for e in got.endings}) == 3  # different first words by construction
    # "some" continues greedily into "some damn water."; that preview is dropped, the next
    # branch ("some water.") is kept
    assert got.previews["some"] == ["some water."]
    assert not any("damn" in e for es in got.previews.values() for e in es)
    loose = Predictor(fake_engine, PredictorSettings(profanity_filter=False)).with_previews("I want ", "")
    assert "some damn water." in loose.previews["some"]
    # a cached answer costs no engine call
    calls = fake_engine.calls
    assert p.suggest("I want ", "").endings == got.endings
    assert fake_engine.calls == calls


def test_the_top_words_previews_come_first_then_all(fake_engine):
    """The person reads the top words first: their previews are handed over before the other
    words' are decoded (the service publishes them at once), then every word has its own."""
    p = Predictor(fake_engine)
    early = []
    full = p.with_previews("I want ", "", on_previews=early.append)
    top = full.words[: p.settings.ending_rows]
    assert len(early) == 1 and list(early[0].previews) == top
    assert not early[0].previews_complete and full.previews_complete
    assert {w: full.previews[w] for w in top} == early[0].previews, "the top words' previews do not change"
    assert set(full.previews) == set(full.words) and full.previews["some"] == ["some water."]
    # asked again: from the cache, whole at once
    again = []
    assert p.with_previews("I want ", "", on_previews=again.append) == full and again == []


def test_a_words_previews_start_with_the_persons_own_endings(fake_engine):
    """Gazing at a word tile shows the person's own messages that go on with that word first,
    so a frequent message is one dwell away once its first word is on a tile."""
    from aac.predict.learn import Learner

    learner = Learner.open(None)
    p = Predictor(fake_engine, learner=learner)
    plain = p.with_previews("I want ", "")
    assert "some" in plain.words and plain.previews["some"] == ["some water."]
    for _ in range(2):
        p.learn("I want some tea with milk.")
    p.learn("I want help with my shoes.")
    got = p.with_previews("I want ", "")
    assert got.previews["some"][:2] == ["some tea with milk.", "some water."]
    assert got.previews["help"][0] == "help with my shoes."
    # only under the word they start with, and never twice
    assert not any("tea" in e for w, es in got.previews.items() if w != "some" for e in es)
    assert all(len(es) == len({e.lower() for e in es}) for es in got.previews.values())
