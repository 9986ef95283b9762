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
    import pygame

    from aac.gaze.mouse import MouseSource
    from aac.store.profile import Profile
    from aac.store.usage_log import UsageLog
    from aac.store.usage_query import usage_counts
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
    # nothing was written (the log's tables may not even exist: it creates them on first write)
    assert usage_counts(profile.usage_db) == {"sessions": 0, "selections": 0, "messages": 0, "errors": 0}


def test_a_layout_saved_while_the_board_runs_is_picked_up_within_a_second(tmp_path, fake_clock):
    """A caregiver's editor saves the layout: the board shows it within a second, but never
    moves the tiles under a dwell in progress; a broken save keeps the board and says so."""
    import os
    import time

    import pygame

    from aac.gaze.mouse import MouseSource
    from aac.paths import LAYOUTS_DIR
    from aac.store.profile import Profile
    from aac.ui.app import BoardApp
    from aac.ui.driver import BoardDriver

    pygame.display.init()
    pygame.font.init()
    path = tmp_path / "mine.toml"
    original = (LAYOUTS_DIR / "default.toml").read_text(encoding="utf-8")
    path.write_text(original, encoding="utf-8")
    pointer = [(0.0, 0.0)]
    app = BoardApp(Profile.open(tmp_path / "p"), pygame.Surface((800, 480)), layout_name=str(path),
                   clock=fake_clock, source=MouseSource(lambda: pointer[0], (800, 480), clock=fake_clock),
                   source_name="mouse", handle_events=False)
    try:
        d = BoardDriver(app, pointer, fake_clock)
        help_tile = d.tile("phrase", label="Help!")
        d.dwell_on(help_tile, 0.6)  # a dwell in progress on that very tile
        path.write_text(original.replace('label = "Help!"', 'label = "Help me!"'), encoding="utf-8")
        os.utime(path, ns=(path.stat().st_mtime_ns + 10**9,) * 2)
        d.run(1.2)  # the dwell completes meanwhile; the tiles did not move under it
        assert d.activation_count == 1

        def frames_for_a_second(until) -> None:
            """One second of board time at 60 frames per second; the watcher reads the file in
            its own thread, so each frame also leaves it real time (at most 3 s in all)."""
            for _ in range(60):
                d.look_away(1 / 60)
                if until():
                    return
                time.sleep(0.05)

        frames_for_a_second(lambda: d.find("phrase", label="Help me!") is not None)
        assert d.find("phrase", label="Help me!") is not None, "the saved layout is shown within a second"
        path.write_text("[layout]\nname = 'x'\n[[page]]\nname = 'home'\nrows = 'many'\n", encoding="utf-8")
        os.utime(path, ns=(path.stat().st_mtime_ns + 2 * 10**9,) * 2)
        frames_for_a_second(lambda: any("mine.toml" in line for line in d.status()))
        assert d.find("phrase", label="Help me!") is not None, "a broken save keeps the board"
        assert any("mine.toml" in line for line in d.status())
    finally:
        app.close()
