"""The one list of kinds: tile kinds, tile actions, session event kinds and what the usage log
records (selection and error kinds).

Layouts (what a file may say), the session (what it emits), the board controller (what a tile
does), the usage log (what it records), the report and the LAM file (what they count), the speech
policy (what it says back) and the simulated person (what it looks for) all import these, so a
new kind is added in one place. They are ``StrEnum`` members: equal to their plain
string, so layout files, the usage database and JSON output keep the same words.
"""

from __future__ import annotations

from enum import StrEnum


class TileKind(StrEnum):
    """What a tile on a page is (the order is the one the README documents)."""

    WORD = "word"
    ENDING = "ending"
    CHUNK = "chunk"
    LETTER = "letter"
    PUNCT = "punct"
    PHRASE = "phrase"
    ACTION = "action"
    PAGE = "page"
    MESSAGE = "message"
    #: A spoken message on the history page (built by the board, not written in layout files).
    HISTORY = "history"


class Action(StrEnum):
    """What an ``action`` tile does (names match ``Session`` methods / board commands)."""

    SPEAK = "speak"
    DELETE_LETTER = "delete_letter"
    DELETE_WORD = "delete_word"
    UNDO = "undo"
    CLEAR = "clear"
    PAUSE = "pause"
    RESUME = "resume"
    SPACE = "space"
    STOP_SPEECH = "stop_speech"
    SETTINGS = "settings"
    HISTORY = "history"
    CALIBRATE = "calibrate"


class EventKind(StrEnum):
    """What a :class:`~aac.session.Event` records (one per user action)."""

    WORD = "word"
    ENDING = "ending"
    CHUNK = "chunk"
    LETTER = "letter"
    SPACE = "space"
    PUNCT = "punct"
    DELETE_LETTER = "delete_letter"
    DELETE_WORD = "delete_word"
    UNDO = "undo"
    CLEAR = "clear"
    SPEAK = "speak"
    PAUSE = "pause"
    RESUME = "resume"
    PAGE = "page"
    PHRASE = "phrase"


#: Tile kinds a layout file may use (the board adds ``history`` tiles itself).
LAYOUT_TILE_KINDS: tuple[str, ...] = tuple(k.value for k in TileKind if k is not TileKind.HISTORY)
#: Actions a layout file may use.
ACTIONS: tuple[str, ...] = tuple(a.value for a in Action)
#: Tiles whose text comes from the predictor (one slot each).
PREDICTION_KINDS = frozenset({TileKind.WORD, TileKind.ENDING, TileKind.CHUNK})
#: Selection kinds that write text (the usage log's kinds; everything else is "action" or "page").
CONTENT_KINDS = frozenset(
    {EventKind.WORD, EventKind.ENDING, EventKind.CHUNK, EventKind.LETTER, EventKind.PHRASE,
     EventKind.PUNCT, EventKind.SPACE}
)
#: After one of these is chosen on a page with ``return_to``, the board goes back to that page.
RETURNING_KINDS = frozenset(
    {TileKind.LETTER, TileKind.PUNCT, TileKind.WORD, TileKind.ENDING, TileKind.CHUNK, TileKind.PHRASE}
)
#: Session events that undo or delete (each is logged as an error in the usage log).
CORRECTION_KINDS = frozenset({EventKind.UNDO, EventKind.DELETE_LETTER, EventKind.DELETE_WORD, EventKind.CLEAR})
#: Actions that toggle the pause (the pause tile becomes the resume tile in the same place).
PAUSE_ACTIONS = frozenset({Action.PAUSE, Action.RESUME})


class UsageKind(StrEnum):
    """What one selection row of the usage log records (its ``kind`` column).

    The content event kinds keep their names; the rest are the log's own: how an ending was
    reached, recorded and repeated messages, and everything that writes no text.
    """

    WORD = "word"
    ENDING = "ending"
    #: An ending taken from a word's preview (the report counts these apart from endings).
    PREVIEW = "preview"
    CHUNK = "chunk"
    LETTER = "letter"
    SPACE = "space"
    PUNCT = "punct"
    PHRASE = "phrase"
    #: The person's own recording played instead of synthesis (aac/speech/bank.py).
    RECORDED_MESSAGE = "recorded message"
    #: A spoken message said again from the history page.
    HISTORY = "history"
    #: An older name for a recorded message (logs written before "recorded message").
    RECORDED = "recorded"
    #: Any action tile (undo, pause, speak...): the action's name goes in its own column.
    ACTION = "action"
    PAGE = "page"


class ErrorKind(StrEnum):
    """What one error row of the usage log records: a correction or a suspected mistake."""

    UNDO = "undo"
    DELETE_LETTER = "delete_letter"
    DELETE_WORD = "delete_word"
    CLEAR = "clear"
    #: An undo within a few seconds of a selection: the person probably did not mean it.
    FALSE_ACTIVATION_SUSPECTED = "false_activation_suspected"


#: The usage log's kind for an ending taken from a word's preview.
PREVIEW_ENDING = UsageKind.PREVIEW
#: The usage log's kind for a played recording.
RECORDED_MESSAGE = UsageKind.RECORDED_MESSAGE
#: Logged selections the report counts as predictions (rank statistics, prediction share).
USAGE_PREDICTION_KINDS = frozenset({UsageKind.WORD, UsageKind.ENDING, UsageKind.CHUNK})
#: Logged selections that write text (the report's "content" selections).
USAGE_CONTENT_KINDS = frozenset(UsageKind(k) for k in CONTENT_KINDS)
#: Error rows that are corrections (each session event in CORRECTION_KINDS logs one).
CORRECTION_ERRORS = frozenset(ErrorKind(k) for k in CORRECTION_KINDS)
