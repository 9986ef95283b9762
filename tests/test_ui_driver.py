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


def test_a_simulation_can_run_without_writing_the_usage_log(tmp_path, fake_clock):
    import sqlite3

    import pygame

    from aac.gaze.mouse import MouseSource
    from aac.store.profile import Profile
    from aac.store.usage_log import UsageLog
    from aac.ui.app import BoardApp
    from aac.ui.driver import BoardDriver

    pygame.display.init()
    pygame.font.init()
    profile = Profile.open(tmp_path / "p")
    log = UsageLog(profile)
    pointer = [(0.0, 0.0)]
    app = BoardApp(profile, pygame.Surface((800, 480)), layout_name="default", clock=fake_clock,
                   source=MouseSource(lambda: pointer[0], (800, 480), clock=fake_clock), usage_log=log,
                   source_name="mouse", handle_events=False, record_usage=False)
    try:
        d = BoardDriver(app, pointer, fake_clock)
        d.dwell_on(d.tile("phrase"), 1.5)
        assert d.text and d.activation_count == 1
        assert log.flush(5)
    finally:
        app.close()
        log.close()
    db = sqlite3.connect(profile.usage_db)
    assert db.execute("select count(*) from selections").fetchone()[0] == 0
    assert db.execute("select count(*) from sessions").fetchone()[0] == 0
