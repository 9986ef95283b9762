"""The natural voice's first piece of a long first sentence: cut before a clause opener, never
inside a phrase, so its first sound comes sooner (figures: tests/bench/speech_engines.py --long)."""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from aac.speech.fakes import SoundCardRecorder
from aac.speech.speaker import WorkerSpeaker, first_phrase_cut, split_for_speech
from aac.speech.voices import load_voice


def test_long_first_sentences_are_cut_before_a_clause_opener():
    assert split_for_speech("I would like to go out into the garden this afternoon when the sun comes out. See you.",
                            first_clause=True) == [
        "I would like to go out into the garden this afternoon,", "when the sun comes out. See you."]
    assert first_phrase_cut("Could you please ask the nurse to check my tube because it hurts.") == (
        "Could you please ask the nurse to check my tube,", "because it hurts.")
    # not cut: short sentences, openers too near an end, words that as often join nouns
    for text in ("Thank you for coming to see me today.",  # typical: already fast
                 "I want a cup of tea and some biscuits with it please.",
                 "Please tell my daughter that I would like to see her soon.",
                 "When I wake up tomorrow I would like a shower please.",  # opener at the start
                 "I would like to go out in the garden but later."):  # 2 words after it
        assert first_phrase_cut(text) is None, text
        assert split_for_speech(text, first_clause=True) == [text]
    # espeak-ng (fast anyway) and the sentence after the first are never cut
    text = "I would like to go out into the garden this afternoon when the sun comes out."
    assert split_for_speech(text) == [text]
    assert split_for_speech("Hi. " + text, first_clause=True) == ["Hi.", text]
    assert split_for_speech(text, first_clause=True, first_phrase=False) == [text]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(["I", "would", "like", "to", "go", "when", "because", "but", "the", "sun",
                                 "comes", "out", "tea,", "who", "and", "x."]), min_size=1, max_size=30))
def test_the_cut_loses_no_word(words):
    text = " ".join(words)
    pieces = split_for_speech(text, first_clause=True)
    said = " ".join(pieces).split()
    assert [w.rstrip(",") for w in said] == [w.rstrip(",") for w in text.split()]
    assert all(p.strip() for p in pieces)


def test_piper_pauses_at_the_cut_and_says_every_piece_once(tmp_path: Path):
    """Real Piper through the real worker: the head piece ends in a pause (the comma), not cut off
    mid-sound, and both pieces are played in order."""
    card = SoundCardRecorder(tmp_path / "card", time_scale=0.05)
    sp = WorkerSpeaker(load_voice("en-default"), player=card, out_dir=tmp_path / "speech")
    try:
        sp.speak("I would like to go out into the garden this afternoon when the sun comes out.")
        assert sp.wait_idle(120)
        rec = sp.records[-1]
        assert (rec.outcome, rec.pieces, rec.engines) == ("played", 2, ("piper",))
        head, tail = card.finished()
        for path in (head, tail):
            with wave.open(str(path), "rb") as w:
                x = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").astype(np.float64) / 32768
                rate = w.getframerate()
            speech_rms = np.sqrt(np.mean(x * x))
            end = x[-int(0.08 * rate):]
            assert np.sqrt(np.mean(end * end)) < 0.1 * speech_rms, path.name  # ends in (near) silence
    finally:
        sp.close(wait=True)
