"""Session: the composition rules and undo, driven directly (no pygame, no model)."""

from __future__ import annotations

import itertools

import pytest

from aac.session import (
    Event,
    Session,
    fix_english_i,
    is_sentence_start,
    split_current_word,
)


def make(text: str = "", **kw) -> Session:
    ticks = itertools.count(100)
    return Session(clock=lambda: float(next(ticks)), text=text, **kw)


def typed(s: Session, letters: str) -> None:
    for ch in letters:
        s.type_letter(ch)


# ------------------------------------------------------------------ words and endings
def test_words_carry_their_space_and_sentence_start_is_capitalised() -> None:
    s = make()
    s.insert_word("hello", slot=0)
    s.insert_word("world", slot=3)
    assert s.text == "Hello world "
    assert s.context_and_prefix() == ("Hello world ", "")


def test_word_replaces_the_partially_typed_word() -> None:
    s = make()
    typed(s, "hel")
    assert s.text == "Hel"  # auto-shift at the sentence start
    assert s.context_and_prefix() == ("", "Hel")
    s.insert_word("hello")
    typed(s, "wo")
    assert s.context_and_prefix() == ("Hello ", "wo")
    s.insert_word("world")
    assert s.text == "Hello world "


def test_lone_i_becomes_capital_in_english_only() -> None:
    s = make("so ")
    s.insert_word("i")
    s.insert_word("think")
    s.insert_word("i'm")
    typed(s, "i")
    s.space()
    assert s.text == "so I think I'm I "
    ru = make("да ", language="ru")
    ru.insert_word("i")
    assert ru.text == "да i "
    assert (
        fix_english_i("i'll go if i can, said it's ii.")
        == "I'll go if I can, said it's ii."
    )


def test_capitalisation_after_sentence_punctuation_quotes_and_newline() -> None:
    s = make()
    s.insert_word("yes")
    s.punctuation("!")
    s.insert_word("why")
    s.punctuation("?")
    typed(s, "ok")
    s.punctuation(".")
    s.insert_word("fine")
    s.punctuation(",")
    s.insert_word("thanks")
    assert s.text == "Yes! Why? Ok. Fine, thanks "
    assert is_sentence_start('He said "hi." ')
    assert is_sentence_start("line one\n")
    assert is_sentence_start("Wait… ")
    assert not is_sentence_start("Hello, ")
    assert not is_sentence_start('she said "')


def test_user_capital_on_the_partial_word_is_kept() -> None:
    s = make("I live in ")
    s.type_letter("L")
    s.insert_word("london")
    assert s.text == "I live in London "
    s2 = make("we saw ")
    s2.insert_word("Paris")  # the predictor's own capital is kept too
    assert s2.text == "we saw Paris "


def test_ending_includes_the_current_word_and_is_inserted_exactly_plus_a_space() -> (
    None
):
    s = make("I would like ")
    s.type_letter("a")
    s.insert_ending("a cup of tea, please.", slot=1, via_word="a")
    assert s.text == "I would like a cup of tea, please. "
    ev = s.drain_events()[-1]
    assert ev.kind == "ending" and ev.slot == 1 and ev.value == "a cup of tea, please."
    assert ev.extra["via_word"] is True and ev.extra["prefix_len"] == 1
    # At a sentence start the ending is capitalised; an ending without final punctuation stays so.
    s.insert_ending("thank you")
    assert s.text.endswith("please. Thank you ")


def test_chunk_and_phrase_replace_the_partial_word() -> None:
    s = make("I want ")
    typed(s, "to")
    s.insert_chunk("to go to the", slot=0)
    assert s.text == "I want to go to the "
    s.phrase("I need help.")
    assert s.text == "I want to go to the I need help. "
    s2 = make()
    s2.phrase("thank you!")
    assert s2.text == "Thank you! "


def test_whitespace_inside_inserted_text_is_normalised_and_empty_is_refused() -> None:
    s = make()
    s.insert_ending("  good\n  morning  ")
    assert s.text == "Good morning "
    for bad in ("", "   ", "\n"):
        with pytest.raises(ValueError, match="empty"):
            s.insert_word(bad)
    with pytest.raises(TypeError, match="word must be a string"):
        s.insert_word(None)  # type: ignore[arg-type]
    assert s.text == "Good morning "  # nothing lost


def test_missing_separator_after_a_restored_draft_is_added() -> None:
    s = make("It is late.")
    assert s.context_and_prefix() == ("It is late.", "")
    s.insert_word("good")
    assert s.text == "It is late. Good "


# ------------------------------------------------------------------ letters, space, punctuation
def test_punctuation_attaches_to_the_previous_word() -> None:
    s = make("hello ")
    s.punctuation(".")
    assert s.text == "hello. "
    s2 = make("wait")
    for _ in range(3):
        s2.punctuation(".")
    assert s2.text == "wait... "
    s3 = make("Really ")
    s3.punctuation("?")
    s3.punctuation("!")
    assert s3.text == "Really?! "


def test_opening_punctuation_gets_a_space_before_and_none_after() -> None:
    s = make("see")
    s.punctuation("(")
    typed(s, "below")
    s.punctuation(")")
    assert s.text == "see (below) "
    s2 = make()
    s2.punctuation("¿")
    typed(s2, "qué")
    assert s2.text == "¿Qué"


def test_space_is_idempotent_and_not_undoable_when_nothing_changed() -> None:
    s = make()
    s.space()
    assert s.text == ""
    typed(s, "ok")
    s.space()
    s.space()
    assert s.text == "Ok "
    events = [e for e in s.drain_events() if e.kind == "space"]
    assert [e.extra["changed"] for e in events] == [False, True, False]
    s.undo()
    assert s.text == "Ok"


def test_letters_may_be_digraphs_and_whitespace_letter_is_a_space() -> None:
    s = make("the ")
    s.type_letter("ch")
    s.type_letter(" ")
    assert s.text == "the ch "
    with pytest.raises(ValueError, match="whitespace"):
        s.type_letter("a b")
    with pytest.raises(ValueError, match="empty"):
        s.type_letter("")


def test_delete_letter_and_word() -> None:
    s = make("Hello wor")
    s.delete_letter()
    assert s.text == "Hello wo"
    s.delete_word()  # mid-word: only the partial word goes
    assert s.text == "Hello "
    s2 = make("Hello world. ")
    s2.delete_word()  # after a word: the previous word and its punctuation
    assert s2.text == "Hello "
    s2.delete_word()
    assert s2.text == ""
    s2.delete_word()
    s2.delete_letter()
    assert s2.text == ""


# ------------------------------------------------------------------ undo
def test_undo_reverts_each_kind_of_selection_in_order() -> None:
    s = make()
    s.insert_word("I")
    s.insert_word("want")
    typed(s, "wa")
    s.insert_word("water")
    s.punctuation(".")
    states = [
        "",
        "I ",
        "I want ",
        "I want w",
        "I want wa",
        "I want water ",
        "I want water. ",
    ]
    assert s.text == states[-1]
    for expected in reversed(states[:-1]):
        s.undo()
        assert s.text == expected
    ev = s.undo()
    assert ev.extra["changed"] is False and ev.extra["undone"] is None
    assert not s.can_undo


def test_undo_of_an_ending_and_of_delete_word_mid_word() -> None:
    s = make("I am ")
    typed(s, "ver")
    s.insert_ending("very tired today.")
    s.undo()
    assert s.text == "I am ver"
    s.delete_word()
    assert s.text == "I am "
    s.undo()
    assert s.text == "I am ver"
    assert s.drain_events()[-1].extra["undone"] == "delete_word"


def test_undo_of_clear() -> None:
    s = make("Please call my wife ")
    s.clear()
    assert s.text == ""
    s.undo()
    assert s.text == "Please call my wife "


def test_speak_returns_the_text_clears_and_undo_brings_it_back() -> None:
    s = make("Good morning. ")
    spoken = s.speak()
    assert spoken == "Good morning."
    assert s.text == ""
    s.undo()
    assert s.text == "Good morning. "
    keep = make("Again ", clear_after_speak=False)
    assert keep.speak() == "Again"
    assert keep.text == "Again "
    assert not keep.can_undo


def test_speaking_with_the_last_change_is_undone_with_it() -> None:
    """A sentence said as it ends (speak_on_sentence_end): one undo takes back the selection that
    ended it, not only the clear, so a wrong ending costs one dwell to remove."""
    s = make("I need ")
    s.insert_ending("water.")
    assert s.speak(with_last_change=True) == "I need water."
    assert s.text == ""
    ev = s.drain_events()[-1]
    assert ev.kind == "speak" and ev.extra["cleared"] is True
    s.undo()
    assert s.text == "I need "
    first = make()  # nothing to undo before it: the clear is its own undo step, as for Speak
    first.restore("Hi.")
    assert first.speak(with_last_change=True) == "Hi." and first.text == ""
    first.undo()
    assert first.text == "Hi."


def test_speaking_nothing_changes_nothing() -> None:
    s = make()
    assert s.speak() == ""
    ev = s.drain_events()[-1]
    assert ev.kind == "speak" and ev.extra["changed"] is False and not s.can_undo


# ------------------------------------------------------------------ pause, page, restore
def test_pause_resume_and_page_switch_emit_events_without_touching_text() -> None:
    s = make("Hi ")
    s.pause()
    assert s.paused
    s.resume()
    assert not s.paused
    s.switch_page("keyboard")
    assert s.page == "keyboard"
    kinds = [(e.kind, e.value) for e in s.drain_events()]
    assert kinds == [("pause", ""), ("resume", ""), ("page", "keyboard")]
    assert s.text == "Hi " and not s.can_undo
    with pytest.raises(ValueError, match="page name"):
        s.switch_page("")


def test_restore_a_draft_after_a_crash() -> None:
    s = make()
    s.insert_word("temp")
    s.restore("I was writing\r\nthis ")
    assert s.text == "I was writing\nthis "
    assert (
        not s.can_undo and s.drain_events()[-1].kind == "word"
    )  # restore emits nothing
    with pytest.raises(TypeError, match="draft"):
        s.restore(None)  # type: ignore[arg-type]
    assert Session(text="kept ").text == "kept "


# ------------------------------------------------------------------ events
def test_events_carry_the_choice_and_metadata_but_never_the_message() -> None:
    s = make()
    s.insert_word("private")
    s.insert_word("words", slot=2, rank=4)
    typed(s, "x")
    s.delete_letter()
    s.speak()
    events = s.drain_events()
    assert [e.kind for e in events] == [
        "word",
        "word",
        "letter",
        "delete_letter",
        "speak",
    ]
    assert all(isinstance(e, Event) for e in events)
    word = events[1]
    assert (word.value, word.slot, word.extra["rank"]) == ("words", 2, 4)
    assert word.extra["len_before"] == len("Private ") and word.extra[
        "len_after"
    ] == len("Private words ")
    assert events[0].extra["rank"] is None
    speak = events[-1]
    assert (
        speak.value == ""
        and speak.extra["words"] == 2
        and speak.extra["chars"] == len("Private words")
    )
    assert [e.t for e in events] == sorted(e.t for e in events) and events[0].t >= 100
    for e in events:
        assert "Private words" not in repr(e)
    assert s.drain_events() == []


def test_split_current_word_handles_quotes_apostrophes_and_digits() -> None:
    assert split_current_word('say "Hel') == ('say "', "Hel")
    assert split_current_word("I don'") == ("I ", "don'")
    assert split_current_word("room 10") == ("room ", "10")
    assert split_current_word("") == ("", "")
    assert split_current_word("end. ") == ("end. ", "")


def test_numbers_keep_their_decimal_point_and_colon() -> None:
    s = make("it costs ")
    typed(s, "3")
    s.punctuation(".")
    typed(s, "50")
    s.space()
    assert s.text == "it costs 3.50 "
    s2 = make("at ")
    typed(s2, "10")
    s2.punctuation(":")
    typed(s2, "30")
    assert s2.text == "at 10:30"
    s2.undo()
    s2.undo()
    assert s2.text == "at 10: "  # undo walks back through the joined digit too
    s3 = make("I have 3")
    s3.punctuation(".")
    s3.insert_word("then")
    assert s3.text == "I have 3. Then "


def test_straight_double_quote_opens_then_closes() -> None:
    s = make("she said")
    s.punctuation('"')
    typed(s, "hi")
    s.punctuation('"')
    s.insert_word("and")
    assert s.text == 'she said "hi" and '


def test_cyrillic_sentence_flow() -> None:
    s = make(language="ru")
    typed(s, "я")
    s.space()
    s.insert_word("хочу")
    s.insert_word("пить")
    s.punctuation(".")
    typed(s, "да")
    s.punctuation("!")
    assert s.text == "Я хочу пить. Да! "
    assert s.at_sentence_start()
    # A letter composed of base + combining breve is normalised to one character.
    s.type_letter("\u0438\u0306")
    assert s.text.endswith("Й") and s.context_and_prefix()[1] == "Й"
    s.delete_letter()
    assert s.text == "Я хочу пить. Да! "


def test_preview_ending_that_lacks_its_word_gets_the_word_written_first() -> None:
    s = make("I would like ")
    s.insert_ending("of tea.", via_word="a cup")
    assert s.text == "I would like a cup of tea. "
    s2 = make("I ")
    s2.insert_ending(
        "I'm fine.", via_word="i"
    )  # already starts with the word: as given
    assert s2.text == "I I'm fine. "


def test_capitalisation_skips_leading_quotes_and_apostrophes() -> None:
    s = make()
    s.insert_ending('"hello," she said.')
    assert s.text == '"Hello," she said. '
    s2 = make()
    s2.insert_word("'tis")
    assert s2.text == "'Tis "
    s3 = make()
    s3.insert_word("3rd")
    assert s3.text == "3rd "


def test_delete_letter_removes_whole_visible_characters() -> None:
    cases = {
        "ok e\u0301": "ok ",  # e + combining acute
        "hi 👍🏽": "hi ",  # skin tone
        "hi 👨\u200d👩\u200d👧": "hi ",  # ZWJ family
        "hi ❤\ufe0f": "hi ",  # variation selector
        "go 🇬🇧": "go ",  # flag (two regional indicators)
        "n 1\ufe0f\u20e3": "n ",  # keycap
        "ab": "a",
    }
    for text, expected in cases.items():
        s = make(text)
        s.delete_letter()
        assert s.text == expected, text


def test_english_abbreviations_do_not_start_a_sentence() -> None:
    s = make("fruit, e.g. ")
    s.insert_word("apples")
    assert s.text == "fruit, e.g. apples "
    s2 = make("ask Dr. ")
    s2.insert_word("who")
    assert s2.text == "ask Dr. who "
    ru = make("то есть т.е. ", language="ru")
    ru.insert_word("да")
    assert ru.text == "то есть т.е. да "
    de = make("z.B. ", language="de")
    de.insert_word("ja")
    assert (
        de.text == "z.B. Ja "
    )  # no list for this language: a full stop ends the sentence
    assert is_sentence_start("It ended. ")
    assert not is_sentence_start("see e.g. ", frozenset({"e.g."}))


def test_undo_history_is_bounded_and_keeps_the_newest_changes() -> None:
    from aac.session import EVENT_KINDS, MAX_UNDO

    s = make()
    for _ in range(MAX_UNDO + 50):
        s.type_letter("a")
    undone = 0
    while s.can_undo:
        s.undo()
        undone += 1
    assert undone == MAX_UNDO
    # The oldest 50 changes are beyond reach; nothing else is lost.
    assert s.text == "A" + "a" * 49
    assert {e.kind for e in s.drain_events()} <= EVENT_KINDS
