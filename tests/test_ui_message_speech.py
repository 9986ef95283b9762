"""MessageSpeech: what the session's events say aloud (aac/ui/message_speech.py), without a board.

The controller tests cover the same paths through dwell; here the contract of ``after`` itself:
the Speak tile's message is said once, on its speak event; a finished sentence with
``speak_on_sentence_end`` is said as a message and its speak event is handed back for the record.
"""

from __future__ import annotations

from aac.kinds import EventKind
from aac.session import Session
from aac.speech.history import SpeechHistory
from aac.speech.policy import SpeechPolicy
from aac.ui import effects as fx
from aac.ui.message_speech import MessageSpeech
from aac.ui.spoken import SpokenMessages


def _rig(policy: SpeechPolicy, clear: bool = True) -> tuple[Session, MessageSpeech, list[fx.Effect]]:
    out: list[fx.Effect] = []
    session = Session(clock=lambda: 0.0, clear_after_speak=clear)
    return session, MessageSpeech(SpokenMessages(SpeechHistory(), out.append, lambda: True), policy), out


def test_the_speak_tile_message_is_said_once_on_its_event():
    session, speech, out = _rig(SpeechPolicy())
    session.restore("I need water")
    speech.speak_tile(session)
    (ev,) = session.drain_events()
    assert ev.kind == EventKind.SPEAK
    assert speech.after(ev, session, 1.0) == []
    assert [e for e in out if isinstance(e, fx.Speak)] == [fx.Speak("I need water")]
    assert speech.messages.last_spoken == "I need water"


def test_a_finished_sentence_is_said_as_a_message_and_its_speak_event_handed_back():
    session, speech, out = _rig(SpeechPolicy(speak_on_sentence_end=True))
    session.restore("I need water")
    session.punctuation(".")
    (ev,) = session.drain_events()
    extra = speech.after(ev, session, 2.0)
    assert [e.kind for e in extra] == [EventKind.SPEAK]
    assert [e for e in out if isinstance(e, fx.Speak)] == [fx.Speak("I need water.")]
    (logged,) = [e for e in out if isinstance(e, fx.LogMessage)]
    assert logged.text == "I need water." and logged.selections == 0  # no Speak selection counted here
    assert session.text == ""


def test_without_the_setting_a_sentence_end_says_nothing():
    session, speech, out = _rig(SpeechPolicy())
    session.restore("I need water")
    session.punctuation(".")
    (ev,) = session.drain_events()
    assert speech.after(ev, session, 2.0) == [] and out == [] and session.text.strip() == "I need water."
