"""Saying a message again from the history page is a selection in the usage log (kind
"history"), so the report's composition counts it as "said again" (aac/store/report_periods.py,
COMPOSITION "recorded"); the message's words stay out of the log without text logging."""

from __future__ import annotations

from aac.kinds import UsageKind


def test_a_message_said_again_from_history_is_logged_and_counted_by_the_report(tmp_path, fake_clock):
    import pygame

    from aac.gaze.mouse import MouseSource
    from aac.speech.speaker import RecordingSpeaker
    from aac.store.lam import lam_lines
    from aac.store.profile import Profile
    from aac.store.report_periods import measure
    from aac.store.usage_log import UsageLog
    from aac.store.usage_query import read_tables
    from aac.ui.app import BoardApp
    from aac.ui.driver import BoardDriver

    pygame.display.init()
    pygame.font.init()
    size = (1280, 720)
    profile = Profile.open(tmp_path / "p")
    log = UsageLog(profile, text_logging=False)
    speaker = RecordingSpeaker()
    pointer = [(0.0, 0.0)]
    app = BoardApp(profile, pygame.Surface(size), layout_name="default", clock=fake_clock,
                   source=MouseSource(lambda: pointer[0], size, clock=fake_clock), usage_log=log,
                   speaker=speaker, source_name="mouse", handle_events=False)
    try:
        d = BoardDriver(app, pointer, fake_clock)
        phrase = d.tile("phrase")
        d.dwell_on(phrase, 1.5)
        d.look_away()
        d.dwell_on(d.tile("action", action="speak"), 1.5)
        said = d.last_spoken
        assert said and speaker.spoken == [said]
        app.controller.open_history()
        d.look_away()
        d.dwell_on(d.tile("history"), 2.0)
        assert speaker.spoken == [said, said]
        assert log.flush(5)
    finally:
        app.close()
        log.close()
    rows = read_tables(profile.usage_db)
    again = [r for r in rows["selections"] if r["kind"] == UsageKind.HISTORY]
    assert len(again) == 1
    assert again[0]["page"] == "__history__" and again[0]["action"] == "history"
    assert again[0]["text"] is None and again[0]["tile_id"] is None  # no words without text logging
    m = measure("all", rows)
    assert m.composition["recorded"] == 1 and m.composition["phrase"] == 1
    # the LAM file writes it as a whole-message event (its kind only, without text logging)
    assert [ln.split(" ", 1)[1] for ln in lam_lines(rows, text_logging=False) if ln[:1].isdigit()] == [
        'WOR "[phrase]"', 'WOR "[history]"']
