"""Row-column switch scanning: timing, selection, spans, two-switch stepping, no traps."""

import pytest

from aac.gaze.scan import SELECT, STEP, RowColumnScanner

GRID = [
    ["msg", "msg", "msg", "speak"],
    ["w0", "w1", "w2", "w3"],
    [None, None, None, None],
    ["a", "b", "c", "del"],
]


def test_rows_advance_with_time_and_skip_empty_rows():
    s = RowColumnScanner(GRID, interval_s=1.0, first_delay_s=1.0)
    assert s.rows == [["msg", "speak"], ["w0", "w1", "w2", "w3"], ["a", "b", "c", "del"]]
    assert s.update(0.0).row == 0
    assert s.update(0.99).row == 0
    assert s.update(1.0).row == 1
    assert s.update(2.5).row == 2
    assert s.update(3.0).row == 0  # wraps


def test_select_row_then_tile_activates_and_restarts():
    s = RowColumnScanner(GRID, interval_s=1.0, first_delay_s=1.0)
    s.update(0.0)
    s.update(1.0)  # row 1 (words)
    st = s.press(1.2)
    assert (st.mode, st.row, st.tile) == ("tiles", 1, "w0")
    assert s.update(2.2).tile == "w1"
    assert s.update(3.3).tile == "w2"
    st = s.press(3.4)
    assert st.activated == "w2" and st.mode == "rows" and st.row == 0
    assert s.update(3.5).activated is None  # activation is reported once


def test_unanswered_tile_passes_return_to_rows():
    s = RowColumnScanner(GRID, interval_s=1.0, max_passes=2, first_delay_s=1.0)
    s.update(0.0)
    s.press(0.5)  # row 0: msg, speak
    assert s.state.tile == "msg"
    # 2 passes over 2 tiles = 4 steps, then back to rows
    assert s.update(4.5).mode == "rows"


def test_two_switch_steps_only_on_step_press():
    s = RowColumnScanner(GRID, interval_s=1.0, two_switch=True)
    s.update(0.0)
    assert s.update(100.0).row == 0  # no timing pressure
    s.press(100.1, STEP)
    s.press(100.2, STEP)
    assert s.state.row == 2
    s.press(100.3, SELECT)
    s.press(100.4, STEP)
    s.press(100.5, STEP)
    s.press(100.6, STEP)
    assert s.press(100.7, SELECT).activated == "del"


def test_single_tile_row_activates_directly_and_bad_input():
    s = RowColumnScanner([["speak"], ["a", "b"]], interval_s=0.5)
    s.update(0.0)
    assert s.press(0.1).activated == "speak"
    with pytest.raises(ValueError, match="unknown switch"):
        s.press(0.2, "jump")
    with pytest.raises(ValueError, match="no tiles"):
        RowColumnScanner([[None]])
    with pytest.raises(ValueError, match="positive"):
        RowColumnScanner(GRID, interval_s=0)


from hypothesis import given, settings, strategies as st  # noqa: E402


@settings(max_examples=150, deadline=None)
@given(
    grid=st.lists(st.lists(st.one_of(st.none(), st.sampled_from("abcdefgh")), min_size=1, max_size=5), min_size=1, max_size=5),
    events=st.lists(st.tuples(st.floats(0.0, 5.0), st.sampled_from([None, SELECT, STEP])), max_size=40),
    two=st.booleans(),
)
def test_scanner_only_activates_on_select_and_only_real_tiles(grid, events, two):
    if not any(t for row in grid for t in row):
        with pytest.raises(ValueError):
            RowColumnScanner(grid)
        return
    s = RowColumnScanner(grid, interval_s=0.7, two_switch=two)
    tiles = {t for row in grid for t in row if t}
    t = 0.0
    for dt, ev in events:
        t += dt
        if ev is None:
            st_ = s.update(t)
            assert st_.activated is None
        else:
            st_ = s.press(t, ev)
            if ev == STEP:
                assert st_.activated is None
        if st_.activated is not None:
            assert st_.activated in tiles
        assert 0 <= st_.row < len(s.rows)
        if st_.mode == "tiles":
            assert st_.tile in s.rows[st_.row]
