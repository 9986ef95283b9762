"""The public board driver (what the simulator and the tests use instead of the board's
private attributes), on the shared ``board`` fixture."""

from __future__ import annotations


def test_driver_types_a_word_speaks_and_reads_the_board(board):
    d = board.driver
    word = d.tile("word", slot=0)
    assert d.slot(word).text == "I" and d.slot(word).enabled
    d.dwell_on(word, 1.5)
    assert d.text == "I "
    d.look_away()
    d.dwell_on(d.tile("action", action="speak"), 1.5)
    assert board.speaker.spoken == ["I"]
    assert d.last_spoken == "I" and d.text == ""


def test_driver_finds_tiles_and_says_what_is_missing(board):
    d = board.driver
    assert d.find("letter") is None  # the home page has no letter keys
    try:
        d.tile("letter", value="x")
    except LookupError as exc:
        assert "letter" in str(exc) and d.page in str(exc)
    else:
        raise AssertionError("a missing tile is an error")
    assert d.box(d.tile("message").id).kind == "message"
    assert d.resume_tile() is not None
    assert d.home_page == d.page == "home"
