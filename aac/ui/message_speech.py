"""What the session's events say aloud: the message the Speak tile speaks, the speech policy's
feedback (each word, each sentence), and a finished sentence said as a message.

Split out of :class:`~aac.ui.controller.BoardController` (which owns one per board) so that the
controller keeps the frame, the tiles and the pages, and one object decides what a selection
makes the board say. The policy (:class:`~aac.speech.policy.SpeechPolicy`) says *what* to say;
this says it through :class:`~aac.ui.spoken.SpokenMessages`, which keeps the history, the learner
and the usage log. Pure logic like the controller: no audio, no waiting.
"""

from __future__ import annotations

from aac.kinds import EventKind
from aac.session import Event, Session
from aac.speech.policy import SpeechPolicy
from aac.ui.spoken import SpokenMessages


class MessageSpeech:
    """Says what each of the session's events calls for (see the module docstring)."""

    def __init__(self, messages: SpokenMessages, policy: SpeechPolicy) -> None:
        self.messages = messages
        self.policy = policy
        #: The message the Speak tile took from the session; said when its speak event comes.
        self._pending = ""

    def speak_tile(self, session: Session) -> None:
        """The Speak tile: the session gives up its message (and clears it if set to)."""
        self._pending = session.speak()

    def after(self, ev: Event, session: Session, now: float) -> list[Event]:
        """Say what ``ev`` calls for, after the controller has counted it as a selection (a
        sentence said as a message is logged with the selection that ended it).

        Returns the session's events this caused (a sentence said as a message: its speak
        event), for the activation's record; the caller does not handle them again."""
        if ev.kind == EventKind.SPEAK:
            spoken, self._pending = self._pending, ""
            self.messages.spoken(spoken, now)
            return []
        says = self.policy.on_event(ev, session.text)
        if says and self.policy.sentence_is_message(session.text):
            return self._sentence_as_message(says[-1], session, now)
        for say in says:
            self.messages.speak(say)
        return []

    def _sentence_as_message(self, sentence: str, session: Session, now: float) -> list[Event]:
        """``speak_on_sentence_end``: the sentence just finished is said as a message, as if Speak
        had been chosen, saving the Speak dwell and the glance after it (2.0 s of 26.3 s per
        sentence on the simulated person, dev lines 1-20: 11.98 -> 12.98 wpm, models/README.md,
        session 12). Like Speak it reaches the history, the learner and the usage log, and it
        clears the message with ``clear_after_speak``; one undo then takes back the whole
        selection (the message as it was before the ending or full stop)."""
        if session.clear_after_speak:
            spoken = session.speak(with_last_change=True)
            extra = session.drain_events()
        else:  # the message stays: say only ``sentence`` (the policy's), not everything again
            spoken, extra = sentence, []
        self.messages.spoken(spoken, now, chosen=False)
        return extra
