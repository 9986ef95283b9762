"""Filters decide what may reach a tile: junk, profanity, casing (pure functions, no model)."""

from __future__ import annotations

import pytest

from aac.predict.filters import at_sentence_start, case_word, is_profane, truecase_context, valid_ending, valid_word


@pytest.mark.parametrize("word", ["water", "don't", "I'm", "friend's", "Tom", "10", "a"])
def test_real_words_pass(word: str) -> None:
    assert valid_word(word)


@pytest.mark.parametrize("word", ["", "<div>", "a1b2", "12345678", "'s", "x" * 30, "foo_bar", "-", ".", "''"])
def test_junk_words_are_rejected(word: str) -> None:
    assert not valid_word(word)


def test_profanity_is_off_by_default_and_can_be_allowed() -> None:
    assert not valid_word("shit")
    assert not valid_word("Fucking")
    assert valid_word("shit", profanity_filter=False)
    assert is_profane("what the fuck is this")
    assert not is_profane("I would like a cup of tea")
    assert not valid_ending("this is shit.")
    assert valid_ending("this is shit.", profanity_filter=False)


@pytest.mark.parametrize(
    "ending",
    ["see http://example.com now.", "<b>bold</b>", "go to a1b2c3 now", "look at www.site.org", "{x} y", ",,;"],
)
def test_junk_endings_are_rejected(ending: str) -> None:
    assert not valid_ending(ending)


@pytest.mark.parametrize("ending", ["go to bed.", "help me, please?", "I'm hungry!", "call Tom at 5 o'clock."])
def test_plain_endings_pass(ending: str) -> None:
    assert valid_ending(ending)


def test_casing_rules() -> None:
    assert case_word("i", sentence_start=False) == "I"
    assert case_word("i'm", sentence_start=False) == "I'm"
    assert case_word("the", sentence_start=True) == "The"
    assert case_word("the", sentence_start=False) == "the"
    assert case_word("Tom", sentence_start=False) == "Tom"  # the model's proper noun is kept
    assert case_word("it", sentence_start=False) == "it"


def test_sentence_start_detection() -> None:
    assert at_sentence_start("")
    assert at_sentence_start("I am here. ")
    assert at_sentence_start("Really?  ")
    assert at_sentence_start("line one\n")
    assert not at_sentence_start("I want to ")
    assert not at_sentence_start("Hello, ")


def test_truecase_only_touches_pronoun_and_sentence_starts() -> None:
    assert truecase_context("i want to go") == "I want to go"
    assert truecase_context("i'm cold. can you help") == "I'm cold. Can you help"
    assert truecase_context("is it big") == "Is it big"
    assert truecase_context("give it to mr iphone") == "Give it to mr iphone"
