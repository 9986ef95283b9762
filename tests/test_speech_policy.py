"""Speak-each-word / speak-on-sentence-end decisions and the re-speak history, driven by a real Session."""

from __future__ import annotations

from aac.session import Session
from aac.speech.history import SpeechHistory
from aac.speech.policy import SpeechPolicy, ends_sentence, last_sentence


def run(policy: SpeechPolicy, actions) -> list[str]:
    s = Session(clock=lambda: 0.0)
    said: list[str] = []
    for name, *args in actions:
        getattr(s, name)(*args)
        for ev in s.drain_events():
            said += policy.on_event(ev, s.text)
    return said


TYPED = [("insert_word", "i"), ("insert_word", "want"), ("type_letter", "t"), ("type_letter", "e"),
         ("type_letter", "a"), ("space",), ("insert_word", "now"), ("punctuation", "."),
         ("insert_ending", "thank you very much!")]


def test_off_by_default_says_nothing() -> None:
    assert run(SpeechPolicy(), TYPED) == []


def test_each_word_speaks_chosen_and_typed_words() -> None:
    said = run(SpeechPolicy(speak_each_word=True), TYPED)
    assert said == ["I", "want", "tea", "now", "Thank you very much!"]  # as shown on the board


def test_sentence_end_speaks_the_whole_sentence() -> None:
    said = run(SpeechPolicy(speak_on_sentence_end=True), TYPED)
    assert said == ["I want tea now.", "Thank you very much!"]


def test_both_never_repeat_the_last_word() -> None:
    said = run(SpeechPolicy(speak_each_word=True, speak_on_sentence_end=True), TYPED)
    assert said == ["I", "want", "tea", "now", "I want tea now.", "Thank you very much!"]


def test_typed_word_finished_by_punctuation_and_nothing_for_no_ops() -> None:
    actions = [("type_letter", "h"), ("type_letter", "i"), ("punctuation", ","), ("space",), ("space",),
               ("delete_word",), ("undo",)]
    assert run(SpeechPolicy(speak_each_word=True), actions) == ["Hi"]


def test_russian_sentence() -> None:
    actions = [("insert_word", "мне"), ("insert_word", "холодно"), ("punctuation", "!")]
    assert run(SpeechPolicy(speak_on_sentence_end=True), actions) == ["Мне холодно!"]


def test_from_settings() -> None:
    class S:
        speak_each_word = True
        speak_on_sentence_end = False

    p = SpeechPolicy.from_settings(S())
    assert p.speak_each_word and not p.speak_on_sentence_end


def test_sentence_helpers() -> None:
    assert last_sentence("Hello there. How are you? ") == "How are you?"
    assert last_sentence('He said "yes." ') == 'He said "yes."'
    assert last_sentence("One.\nTwo three") == "Two three"
    assert ends_sentence("Fine. ") and ends_sentence('"Fine!" ') and not ends_sentence("Fine, ")


def test_history_newest_first_without_repeats() -> None:
    h = SpeechHistory(max_items=3)
    for t in ["Hello.", "  I am  thirsty. ", "hello.", "", "Yes.", "No."]:
        h.add(t)
    assert h.items() == ["No.", "Yes.", "hello."]  # a repeat moves to the top, max 3 kept
    assert h.last() == "No." and h.get(2) == "hello." and h.get(3) is None
    assert h.remove(1) == "Yes." and len(h) == 2
    saved = h.to_list()
    again = SpeechHistory(max_items=3, items=saved + [42, "Older."])  # junk in a saved list is skipped
    assert again.items() == ["No.", "hello.", "Older."]
    h.clear()
    assert h.items() == [] and h.last() is None
