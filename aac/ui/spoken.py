"""What the board has said: the spoken-message history, the message being timed, and their effects.

Split out of :class:`~aac.ui.controller.BoardController` (which owns it, one per board) so the
controller keeps the frame, the tiles and the pages, and this keeps everything about a message
once it is spoken: the Speak effect (synthesis, the person's own recording, or the same audio
again), the history the "history" page shows, what the learner and the usage log hear about a
message (its selections and seconds), and saving the history only when text logging is on.
Pure logic like the controller: it appends effects to the list it is given and never waits.
"""

from __future__ import annotations

from collections.abc import Callable

from aac.kinds import RECORDED_MESSAGE, UsageKind
from aac.speech.history import SpeechHistory
from aac.ui.effects import Effect, Learn, LogMessage, LogSelection, SaveHistory, Speak


class SpokenMessages:
    """The board's spoken messages (see the module docstring)."""

    def __init__(self, history: SpeechHistory, emit: Callable[[Effect], None],
                 text_logging: Callable[[], bool]) -> None:
        self.history = history
        self._emit = emit
        self._text_logging = text_logging
        #: The last message said (spoken, a recording, or said again); None before the first.
        self.last_spoken: str | None = None
        self._message_started: float | None = None
        self._message_selections = 0

    def speak(self, text: str, recording: str | None = None, replay: bool = False) -> None:
        """Say ``text`` (nothing for blank text)."""
        if text.strip():
            self._emit(Speak(text, recording, replay))

    def count_selection(self, now: float) -> None:
        """A selection that wrote into the message (the usage log's selections per message)."""
        if self._message_started is None:
            self._message_started = now
        self._message_selections += 1

    def spoken(self, text: str, now: float, chosen: bool = True) -> None:
        """The person spoke the message: say it, keep it in the history, learn it, log it.

        ``chosen``: Speak was a selection of its own (counted in the message's selections); a
        sentence said as it ends (``speak_on_sentence_end``) took none."""
        self.last_spoken = text
        if not text.strip():
            return
        self.speak(text)
        if self.history.add(text):
            self.history_changed()
        self._emit(Learn(text))
        seconds = now - self._message_started if self._message_started is not None else None
        self._emit(LogMessage(text, self._message_selections + int(chosen), seconds))
        self._message_started = None
        self._message_selections = 0

    def play_recording(self, text: str, recording: str, *, box_id: str, page: str, dwell_ms: float) -> str:
        """A phrase tile that carries the person's own recording says it at once in their voice
        (as a "speak" cell with a recorded message does in Grid 3); the message being written is
        left as it is. Logged as a "recorded message" (its words only with text logging on)."""
        self.last_spoken = text
        self.speak(text, recording)
        if self.history.add(text, recording=recording):
            self.history_changed()
        self._emit(LogSelection(RECORDED_MESSAGE, None, None, dwell_ms, None, box_id, page, text))
        return text

    def say_again(self, text: str, *, box_id: str, page: str, dwell_ms: float) -> bool:
        """A history tile: say that message again (the same recording or kept audio if it has
        one); it moves to the top of the history. Logged as a selection of kind "history" (the
        report counts it with recorded messages as "said again"; its words only with text
        logging on, like any selection's text). False for a blank tile (nothing happened)."""
        if not text.strip():
            return False
        self._emit(LogSelection(UsageKind.HISTORY, None, None, dwell_ms, None, box_id, page, text))
        self.last_spoken = text
        items = [t.casefold() for t in self.history.items()]
        recording = self.history.recording_of(items.index(text.casefold())) if text.casefold() in items else None
        self.speak(text, recording, replay=True)
        if self.history.add(text, recording=recording):
            self.history_changed()
        return True

    def history_changed(self) -> None:
        """Save the history (only with text logging on: it holds the person's messages)."""
        if self._text_logging():
            self._emit(SaveHistory(tuple(self.history.to_list())))
