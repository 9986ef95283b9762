"""What to say as the person writes: each word as it is finished, each sentence as it ends.

Pure functions of the session's events (no audio, no pygame), so the board only forwards events
and speaks what comes back. Both behaviours are off by default (settings ``speak_each_word`` and
``speak_on_sentence_end``): hearing every word is feedback for some people and noise for others.
When a sentence ends, the whole sentence is said instead of its last word, so nothing is said twice.
A sentence said when it ends is a message, as if Speak had been chosen (the board saves it in the
history, learns it and clears the message, see ``aac.ui.message_speech.MessageSpeech``): the
person who turns this on writes a sentence and is heard, without the Speak dwell.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from aac.kinds import EventKind

#: Characters that end a sentence (same set as the session's).
SENTENCE_END = frozenset(".!?…‽。！？")
_CLOSERS = "\"'”’»)]}›"
_INSERT_KINDS = frozenset({EventKind.WORD, EventKind.ENDING, EventKind.CHUNK, EventKind.PHRASE})
#: Events after which a finished word or sentence may be said.
_SAYING_KINDS = _INSERT_KINDS | {EventKind.SPACE, EventKind.PUNCT}


def last_sentence(text: str) -> str:
    """The last sentence of ``text`` (from after the previous sentence end), trimmed."""
    body = text.rstrip().rstrip(_CLOSERS)
    end = len(body)
    while end > 0 and body[end - 1] in SENTENCE_END:
        end -= 1
    i = end
    while i > 0:
        if body[i - 1] in SENTENCE_END or body[i - 1] == "\n":
            break
        i -= 1
    return text[i:].strip()


def ends_sentence(text: str) -> bool:
    body = text.rstrip().rstrip(_CLOSERS)
    return bool(body) and body[-1] in SENTENCE_END


def last_word(text: str) -> str:
    """The last whitespace-separated word, without trailing punctuation."""
    parts = text.split()
    if not parts:
        return ""
    return parts[-1].rstrip(".,!?;:…)]}»”’\"'")


@dataclass
class SpeechPolicy:
    """Decides what to say after each session event.

    ``on_event(event, text_after)`` gets the event and the message *after* it was applied and
    returns the texts to speak (usually none). It remembers whether the current word was typed
    letter by letter, because a typed word is only finished by the space or punctuation after it.
    """

    speak_each_word: bool = False
    speak_on_sentence_end: bool = False
    _typed_word: bool = False

    @classmethod
    def from_settings(cls, settings: Any) -> SpeechPolicy:
        return cls(
            speak_each_word=bool(getattr(settings, "speak_each_word", False)),
            speak_on_sentence_end=bool(getattr(settings, "speak_on_sentence_end", False)),
        )

    def sentence_is_message(self, text_after: str) -> bool:
        """Whether what :meth:`on_event` just returned for ``text_after`` is a finished sentence
        that the board says as a message (history, learning, log; cleared like Speak), rather
        than feedback: true with ``speak_on_sentence_end`` whenever the message ends a sentence."""
        return self.speak_on_sentence_end and ends_sentence(text_after)

    def on_event(self, event: Any, text_after: str) -> list[str]:
        kind = getattr(event, "kind", "")
        extra = getattr(event, "extra", None) or {}
        changed = extra.get("changed", True)
        if kind == EventKind.LETTER:
            self._typed_word = bool(changed) or self._typed_word
            return []
        typed, self._typed_word = self._typed_word, False
        if not changed or kind not in _SAYING_KINDS:
            return []
        if self.sentence_is_message(text_after):
            sentence = last_sentence(text_after)
            return [sentence] if sentence else []
        if not self.speak_each_word:
            return []
        if kind in _INSERT_KINDS:
            # Say it as it is shown (the session capitalises "i" and sentence starts).
            n = len(str(getattr(event, "value", "")).split())
            shown = " ".join(text_after.split()[-n:]) if n else ""
            return [shown] if shown else []
        if typed:  # space or punctuation after letters: the typed word is complete
            word = last_word(text_after)
            return [word] if word else []
        return []
