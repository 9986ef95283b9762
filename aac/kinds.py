"""The one list of kinds: tile kinds, tile actions and session event kinds.

Layouts (what a file may say), the session (what it emits), the board controller (what a tile
does), the usage log (what it records) and the simulated person (what it looks for) all import
these, so a new kind is added in one place. They are ``StrEnum`` members: equal to their plain
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
