"""The composition state machine: what the person has written, and every action on it.

Plain Python with no pygame and no model, so the board, switch scanning, the simulated user and
the tests all drive the same rules. The cursor is always at the end of the text: a person writing
with their eyes edits by deleting and undoing, never by moving a caret (each caret move would cost
a dwell).

Why the rules are what they are:

- *Words carry their space.* Choosing a word replaces the partly typed word and adds the space,
  so the next prediction can start at once; punctuation attaches to the word before it
  (``"hello ." -> "hello. "``) because a stray space before a full stop is the most common
  blemish in dwell-typed text.
- *Sentence starts are capitalised* (start of text, after ``. ! ? …``, after a new line, ignoring
  closing quotes and brackets, but not after a known abbreviation such as ``e.g.``), and in
  English a lone ``i`` (also ``i'm``, ``i'll`` ...) becomes ``I``. Capitalising is done with Unicode title-casing, so Cyrillic works the same way.
  Letters typed at a sentence start are capitalised as they are typed (like a phone keyboard's
  auto-shift): the person sees the sentence as it will be spoken.
- *Undo undoes the last change, whatever it was* (a word, an ending, a letter, a clear, the clear
  that followed speaking). Actions that changed nothing (a space after a space) are not put on the
  undo stack, so undo always visibly does something. Page switches and pause/resume are not text
  changes and are not undone (the page tiles and the resume tile do that).
- *Events carry no private text.* Every action emits an :class:`Event` whose ``value`` is the
  thing chosen (a word, a letter, an ending) and whose ``extra`` holds only metadata (rank, text
  lengths, counts). The composed message itself is never in an event; the caller gets it from
  :meth:`Session.speak` and decides (with the person's consent setting) what the usage log keeps.
"""

from __future__ import annotations

import re
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aac.kinds import EventKind

#: Characters that end a sentence: the next word starts with a capital.
SENTENCE_END = frozenset(".!?…‽。！？")
#: Closing quotes/brackets that may follow the sentence end (``He said "hi." Then``).
CLOSERS = "\"'”’»)]}›"
#: Punctuation that attaches to the previous word and is followed by a space.
ATTACHING_PUNCT = frozenset(".,!?;:…)]}»”’%‽")
#: Punctuation that opens: a space before it (if needed), none after it.
OPENING_PUNCT = frozenset("([{«“‘¿¡")
#: After these characters a new word needs no separating space.
NO_SPACE_AFTER = frozenset("([{«“‘¿¡\"'-/–—")
#: Characters that belong inside a word besides letters, digits and combining marks.
WORD_JOINERS = frozenset("'’")
#: English abbreviations whose full stop does not end a sentence (names follow "Mr." and get
#: their capital from the predictor anyway; "etc." often ends a sentence, so it is not here).
ENGLISH_ABBREVIATIONS = frozenset(
    {"e.g.", "i.e.", "vs.", "mr.", "mrs.", "ms.", "dr.", "st.", "prof.", "approx."}
)
#: The same per language (the key is the language code's first part); "и т.д." ends sentences.
ABBREVIATIONS = {
    "en": ENGLISH_ABBREVIATIONS,
    "ru": frozenset({"т.е.", "т.к.", "напр.", "см.", "ул."}),
}
#: Undo history length: enough for a long message, bounded so a day of use cannot grow it.
MAX_UNDO = 500

#: Every kind of event the session emits (the one list is :class:`aac.kinds.EventKind`).
EVENT_KINDS = frozenset(k.value for k in EventKind)

_QUOTES_BRACKETS = frozenset(CLOSERS + "\"'“‘«([{¿¡")
_ENGLISH_I = re.compile(r"(?<![\w'’-])i(?=(?:['’](?:m|ll|ve|d)\b)|(?![\w'’-]))")
_SPACES = re.compile(r"\s+")
_NUMBER_PUNCT = re.compile(r"\d[.,:] $")


@dataclass(frozen=True)
class Event:
    """One user action, for the usage log and the learner.

    ``value`` is what was chosen (the word, the letter, the ending, the page name) and nothing
    else of the message; ``extra`` is metadata: ``rank``, ``len_before``/``len_after`` (characters
    of the message before and after), ``prefix_len`` (letters of the partial word it replaced),
    ``changed`` (False for an action that did nothing), and kind-specific counts.
    """

    kind: str
    value: str
    slot: int | None
    t: float
    extra: dict[str, Any] = field(default_factory=dict)


def is_word_char(ch: str) -> bool:
    """Letters, digits and combining marks of any script, plus the apostrophe inside words."""
    if ch in WORD_JOINERS:
        return True
    cat = unicodedata.category(ch)
    return cat[0] in ("L", "N") or cat in ("Mn", "Mc")


def split_current_word(text: str) -> tuple[str, str]:
    """``(context, prefix)``: the text before the current partial word, and the partial word.

    The partial word is the run of word characters at the end of the text (letters of any script,
    digits, apostrophes), so ``"Hello wor"`` -> ``("Hello ", "wor")``, ``'say "Hel'`` ->
    ``('say "', "Hel")`` and ``"Hello. "`` -> ``("Hello. ", "")``.
    """
    i = len(text)
    while i > 0 and is_word_char(text[i - 1]):
        i -= 1
    return text[:i], text[i:]


def is_sentence_start(
    context: str, abbreviations: frozenset[str] = frozenset()
) -> bool:
    """True when a word written after ``context`` starts a sentence (and gets a capital).

    A full stop that ends one of ``abbreviations`` (lower-case, with their dots, e.g. ``"e.g."``)
    does not end the sentence.
    """
    stripped = context.rstrip()
    if not stripped:
        return True
    if "\n" in context[len(stripped) :]:
        return True
    core = stripped
    while core and (core[-1].isspace() or core[-1] in _QUOTES_BRACKETS):
        core = core[:-1]
    if not core:
        return True
    if core[-1] == "." and abbreviations:
        last = core.split()[-1].lstrip("".join(_QUOTES_BRACKETS)).casefold()
        if last in abbreviations:
            return False
    return core[-1] in SENTENCE_END


def capitalize_first(s: str) -> str:
    """Title-case the first letter (Unicode-aware: ``"привет" -> "Привет"``), keep the rest."""
    for i, ch in enumerate(s):
        if ch.isalpha():
            if ch.isupper() or ch.istitle():
                return s
            return s[:i] + ch.title() + s[i + 1 :]
        if (
            is_word_char(ch)
            and ch not in WORD_JOINERS
            and not unicodedata.combining(ch)
        ):
            return s  # starts with a digit: nothing to capitalise
    return s


def fix_english_i(s: str) -> str:
    """``i`` -> ``I`` as a word (also ``i'm``, ``i'll``, ``i've``, ``i'd``)."""
    return _ENGLISH_I.sub("I", s)


def _is_extender(ch: str) -> bool:
    """Code points that belong to the character before them."""
    cp = ord(ch)
    return (
        bool(unicodedata.combining(ch))
        or unicodedata.category(ch) == "Me"
        or 0xFE00 <= cp <= 0xFE0F  # variation selectors
        or 0x1F3FB <= cp <= 0x1F3FF  # skin tone modifiers
        or 0xE0020 <= cp <= 0xE007F  # tag characters (flag sequences)
        or cp == 0x200D
    )


def _is_regional(ch: str) -> bool:
    return 0x1F1E6 <= ord(ch) <= 0x1F1FF


def _drop_last_grapheme(text: str) -> str:
    """``text`` without its last user-perceived character (a close approximation of a grapheme
    cluster that needs no third-party library)."""
    i = len(text)
    while True:
        while i > 0 and _is_extender(text[i - 1]):
            i -= 1
        i = max(i - 1, 0)  # the base character
        if i > 0 and _is_regional(text[i]) and _is_regional(text[i - 1]):
            i -= 1  # a flag is a pair of regional indicators
        if i > 0 and text[i - 1] == "\u200d":  # joined to the one before (ZWJ sequence)
            i -= 1
            continue
        return text[:i]


def _normalize(s: str) -> str:
    """NFC, so a letter typed as base + combining mark (``и`` + breve) is one character ``й``."""
    return unicodedata.normalize("NFC", s)


def _clean_insert(s: Any, what: str) -> str:
    """Validate and tidy a word/ending/chunk/phrase: a non-empty single-line string."""
    if not isinstance(s, str):
        raise TypeError(f"{what} must be a string, got {type(s).__name__}")
    cleaned = _SPACES.sub(" ", _normalize(s)).strip()
    if not cleaned:
        raise ValueError(f"{what} is empty: nothing to insert")
    return cleaned


class Session:
    """The message being composed and the actions on it (cursor always at the end).

    ``clock`` gives event times (the simulated user passes its own clock). ``language`` selects
    language-specific rules: only English gets the ``i`` -> ``I`` rule, and each language its
    list of abbreviations that do not end a sentence (``ABBREVIATIONS``). ``auto_capitalize``
    capitalises sentence starts (words, endings, chunks, phrases and letters typed there).
    """

    def __init__(
        self,
        clock: Callable[[], float] = time.monotonic,
        text: str = "",
        clear_after_speak: bool = True,
        *,
        language: str = "en",
        auto_capitalize: bool = True,
        page: str = "main",
    ) -> None:
        self._clock = clock
        self._text = ""
        self.clear_after_speak = clear_after_speak
        self.language = language
        self.auto_capitalize = auto_capitalize
        self._page = page
        lang_key = language.lower().replace("_", "-").split("-")[0]
        self._abbreviations = ABBREVIATIONS.get(lang_key, frozenset())
        self._paused = False
        self._undo: list[tuple[str, str]] = []  # (text before, kind of the action)
        self._events: list[Event] = []
        if text:
            self.restore(text)

    # ------------------------------------------------------------------ state
    @property
    def text(self) -> str:
        """The composed message (the cursor is at its end)."""
        return self._text

    @property
    def paused(self) -> bool:
        return self._paused

    @property
    def page(self) -> str:
        return self._page

    @property
    def can_undo(self) -> bool:
        return bool(self._undo)

    def context_and_prefix(self) -> tuple[str, str]:
        """What the predictor wants: (text before the current word, the partial word).

        The context keeps the person's case, punctuation and trailing space exactly; the prefix is
        the word characters typed since the last space or punctuation (it may start with a
        capital at a sentence start, so the predictor should match it case-insensitively).
        """
        return split_current_word(self._text)

    def at_sentence_start(self) -> bool:
        """True when the next word starts a sentence (the board can show capital letter keys)."""
        context, prefix = self.context_and_prefix()
        return not prefix and is_sentence_start(context, self._abbreviations)

    def restore(self, text: str) -> None:
        """Put back a saved draft after a crash or restart. Clears undo history; no event.

        Raises TypeError for a non-string (a corrupt draft file is the caller's to report).
        """
        if not isinstance(text, str):
            raise TypeError(f"draft text must be a string, got {type(text).__name__}")
        self._text = _normalize(text.replace("\r\n", "\n").replace("\r", "\n"))
        self._undo.clear()

    def drain_events(self) -> list[Event]:
        """Return the events since the last call and forget them."""
        events, self._events = self._events, []
        return events

    # --------------------------------------------------------------- helpers
    def _emit(
        self, kind: str, value: str = "", slot: int | None = None, **extra: Any
    ) -> Event:
        event = Event(kind, value, slot, float(self._clock()), extra)
        self._events.append(event)
        return event

    def _apply(self, kind: str, new_text: str) -> bool:
        """Set the text, pushing the old one on the undo stack if it changed."""
        if new_text == self._text:
            return False
        self._undo.append((self._text, kind))
        if len(self._undo) > MAX_UNDO:
            del self._undo[0]
        self._text = new_text
        return True

    def _style(self, s: str, context: str, prefix: str) -> str:
        """Capitalise at a sentence start or when the person capitalised the partial word."""
        if self.language.lower().startswith("en"):
            s = fix_english_i(s)
        if (
            self.auto_capitalize and is_sentence_start(context, self._abbreviations)
        ) or prefix[:1].isupper():
            s = capitalize_first(s)
        return s

    @staticmethod
    def _join(context: str, piece: str) -> str:
        """Append ``piece`` to ``context``, adding a separating space when one is missing."""
        if context and not context[-1].isspace() and context[-1] not in NO_SPACE_AFTER:
            return context + " " + piece
        return context + piece

    def _replace_current_word(
        self,
        kind: str,
        piece: str,
        slot: int | None,
        value: str,
        rank: int | None,
        **extra: Any,
    ) -> Event:
        before = len(self._text)
        prefix = self.context_and_prefix()[1]
        changed = self._apply(kind, self._with_piece(piece))
        return self._emit(
            kind,
            value,
            slot,
            rank=slot if rank is None else rank,
            prefix_len=len(prefix),
            len_before=before,
            len_after=len(self._text),
            words=len(piece.split()),
            changed=changed,
            **extra,
        )

    def _with_piece(self, piece: str) -> str:
        """The message once ``piece`` (a word, ending or chunk) replaces the partial word: styled
        for where it goes, joined to the context, and a space after it."""
        context, prefix = self.context_and_prefix()
        return self._join(context, self._style(piece, context, prefix)) + " "

    # --------------------------------------------------------------- actions
    def insert_word(
        self, word: str, slot: int | None = None, *, rank: int | None = None
    ) -> Event:
        """Replace the partial word with ``word`` and add a space."""
        clean = _clean_insert(word, "word")
        return self._replace_current_word("word", clean, slot, clean, rank)

    def insert_ending(
        self,
        ending: str,
        slot: int | None = None,
        via_word: str | None = None,
        *,
        rank: int | None = None,
    ) -> Event:
        """Write the rest of the sentence; ``ending`` includes the current word.

        Inserted exactly as given (punctuation included) plus a trailing space. ``via_word`` is
        the word tile whose preview offered this ending: preview endings start with that word
        (then it only marks the event, so the log can count preview use); should one not, the
        word is written before it, because the person chose "this word, then this ending".
        """
        clean = _clean_insert(ending, "ending")
        if via_word is not None:
            word = _clean_insert(via_word, "via_word")
            if not clean.casefold().startswith(word.casefold()):
                clean = f"{word} {clean}"
        extra: dict[str, Any] = {"via_word": via_word is not None}
        return self._replace_current_word("ending", clean, slot, clean, rank, **extra)

    def insert_chunk(
        self, chunk: str, slot: int | None = None, *, rank: int | None = None
    ) -> Event:
        """Write a multi-word chunk; like an ending, it starts at (and replaces) the current word."""
        clean = _clean_insert(chunk, "chunk")
        return self._replace_current_word("chunk", clean, slot, clean, rank)

    def phrase(self, text: str, slot: int | None = None) -> Event:
        """Insert a quick phrase (e.g. "I need help.") in place of the partial word."""
        clean = _clean_insert(text, "phrase")
        return self._replace_current_word("phrase", clean, slot, clean, None)

    def type_letter(self, ch: str) -> Event:
        """Append a letter (or digit, apostrophe, hyphen...); whitespace is a space.

        At a sentence start the letter is capitalised (auto-shift). Several characters are
        accepted (a key may carry a digraph) as long as there is no whitespace in them.
        """
        if not isinstance(ch, str):
            raise TypeError(f"letter must be a string, got {type(ch).__name__}")
        ch = _normalize(ch)
        if not ch:
            raise ValueError("letter is empty: nothing to type")
        if ch.isspace():
            return self.space()
        if any(c.isspace() for c in ch):
            raise ValueError(
                f"letter {ch!r} contains whitespace; use space() or a phrase"
            )
        before = len(self._text)
        changed = self._apply("letter", self._with_letter(ch))
        return self._emit(
            "letter",
            ch,
            None,
            len_before=before,
            len_after=len(self._text),
            changed=changed,
        )

    def _with_letter(self, ch: str) -> str:
        """The message once ``ch`` (normalised, no whitespace) is typed: auto-shift at a
        sentence start, and a digit after "3." continues the number."""
        context, prefix = self.context_and_prefix()
        typed = ch
        if (
            self.auto_capitalize
            and not prefix
            and is_sentence_start(context, self._abbreviations)
        ):
            typed = capitalize_first(ch)
        base = self._text
        if (
            ch[0].isdigit()
            and self._undo
            and self._undo[-1][1] == "punct"
            and _NUMBER_PUNCT.search(base)
        ):
            base = base[:-1]  # "3." then "5" is 3.5, not "3. 5" (also 10:30, 1,000)
        return base + typed

    def after_letter(self, ch: str) -> tuple[str, str] | None:
        """(context, prefix) the predictor will be asked for once letter key ``ch`` is typed,
        without typing it (None for a key that is not a letter of a word).

        Why: the tile the person dwells on shows the words it will bring (aac.ui.next_words),
        so they must be asked for exactly as :meth:`type_letter` will make the text.
        """
        if not isinstance(ch, str):
            return None
        ch = _normalize(ch)
        if not ch or any(c.isspace() for c in ch):
            return None
        context, prefix = split_current_word(self._with_letter(ch))
        return (context, prefix) if prefix else None

    def after_word(self, word: str) -> tuple[str, str] | None:
        """(context, prefix) once word tile ``word`` is chosen (:meth:`insert_word`), without
        choosing it; None for text a word tile cannot insert."""
        try:
            clean = _clean_insert(word, "word")
        except (TypeError, ValueError):
            return None
        return split_current_word(self._with_piece(clean))

    def _finish_typed_word(self, text: str) -> str:
        """Apply the ``i`` -> ``I`` rule to a word the person typed letter by letter."""
        if not self.language.lower().startswith("en"):
            return text
        context, prefix = split_current_word(text)
        return context + fix_english_i(prefix) if prefix else text

    def space(self) -> Event:
        """End the current word. A space after a space (or on empty text) changes nothing."""
        before = len(self._text)
        new = self._text
        if new and not new[-1].isspace():
            new = self._finish_typed_word(new) + " "
        changed = self._apply("space", new)
        return self._emit(
            "space",
            " ",
            None,
            len_before=before,
            len_after=len(self._text),
            changed=changed,
        )

    def punctuation(self, ch: str) -> Event:
        """Add punctuation: ``. , ! ? ; :`` attach to the previous word and get a space after;
        opening marks (``( ¿ «``) get a space before and none after; a straight ``"`` opens or
        closes depending on how many are already open; anything else is typed as is. A digit
        typed right after ``.``/``,``/``:`` that follows a digit joins the number (``3.5``).
        """
        if not isinstance(ch, str):
            raise TypeError(f"punctuation must be a string, got {type(ch).__name__}")
        ch = _normalize(ch).strip()
        if not ch:
            raise ValueError("punctuation is empty: nothing to add")
        before = len(self._text)
        text = self._finish_typed_word(self._text)
        closing_quote = ch == '"' and text.count('"') % 2 == 1
        if ch[0] in ATTACHING_PUNCT or closing_quote:
            new = text.rstrip(" \t") + ch + " "
        elif ch[0] in OPENING_PUNCT or ch == '"':
            new = self._join(text, ch)
        else:
            new = text + ch
        changed = self._apply("punct", new)
        return self._emit(
            "punct",
            ch,
            None,
            len_before=before,
            len_after=len(self._text),
            changed=changed,
        )

    def delete_letter(self) -> Event:
        """Remove the last character as the person sees it: with its combining marks, and a
        whole emoji sequence (variation selectors, zero-width joiners, skin tones)."""
        before = len(self._text)
        new = _drop_last_grapheme(self._text)
        changed = self._apply("delete_letter", new)
        return self._emit(
            "delete_letter",
            "",
            None,
            len_before=before,
            len_after=len(self._text),
            changed=changed,
        )

    def delete_word(self) -> Event:
        """Delete the partial word; with none, the previous word and its punctuation.

        ``"Hello wor" -> "Hello "``, ``"Hello world. " -> "Hello "``, ``"Hello" -> ""``: the
        remaining text keeps its trailing space so the next word can follow at once.
        """
        before = len(self._text)
        context, prefix = self.context_and_prefix()
        if prefix:
            new = context
        else:
            stripped = self._text.rstrip()
            i = len(stripped)
            while i > 0 and not stripped[i - 1].isspace():
                i -= 1
            new = stripped[:i]
        changed = self._apply("delete_word", new)
        return self._emit(
            "delete_word",
            "",
            None,
            len_before=before,
            len_after=len(self._text),
            changed=changed,
        )

    def undo(self) -> Event:
        """Undo the last change (of any kind, including a clear and the clear after speaking)."""
        before = len(self._text)
        if not self._undo:
            return self._emit(
                "undo",
                "",
                None,
                undone=None,
                len_before=before,
                len_after=before,
                changed=False,
            )
        previous, kind = self._undo.pop()
        self._text = previous
        return self._emit(
            "undo",
            "",
            None,
            undone=kind,
            len_before=before,
            len_after=len(self._text),
            changed=True,
        )

    def clear(self) -> Event:
        """Empty the message (undoable)."""
        before = len(self._text)
        changed = self._apply("clear", "")
        return self._emit(
            "clear", "", None, len_before=before, len_after=0, changed=changed
        )

    def speak(self, with_last_change: bool = False) -> str:
        """Return the message to speak (trimmed); clear it if ``clear_after_speak`` (undoable).

        ``with_last_change``: speaking is part of the selection that just changed the message (a
        sentence said as it ends, setting ``speak_on_sentence_end``), so the clear adds no undo
        step of its own: one undo takes that whole selection back, as undo does for any other
        (after a wrong ending, the message as it was before it, in one dwell).
        The event carries only counts (characters, words), never the text.
        """
        spoken = self._text.strip()
        before = len(self._text)
        cleared = False
        if spoken and self.clear_after_speak and with_last_change and self._undo:
            self._text, cleared = "", True  # undo still goes back to before the last change
        elif spoken and self.clear_after_speak:
            cleared = self._apply("speak", "")
        self._emit(
            "speak",
            "",
            None,
            chars=len(spoken),
            words=len(spoken.split()),
            cleared=cleared,
            len_before=before,
            len_after=len(self._text),
            changed=cleared,
        )
        return spoken

    def pause(self) -> Event:
        """Enter pause (the dwell engine then lets only the resume tile fire)."""
        changed = not self._paused
        self._paused = True
        return self._emit("pause", "", None, changed=changed)

    def resume(self) -> Event:
        changed = self._paused
        self._paused = False
        return self._emit("resume", "", None, changed=changed)

    def switch_page(self, name: str) -> Event:
        """Show another page of the layout (the name is the layout's page name)."""
        if not isinstance(name, str) or not name.strip():
            raise ValueError(f"page name must be a non-empty string, got {name!r}")
        changed = name != self._page
        previous = self._page
        self._page = name
        return self._emit("page", name, None, changed=changed, previous=previous)
